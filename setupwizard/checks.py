from django.core.checks import Tags, Warning, register

from setupwizard import installation


@register(Tags.compatibility, deploy=False)
def check_installation_store(app_configs, **kwargs):
    state = installation.get_state()
    messages = []
    # A warning, not an error: an error would stop `migrate`, `runserver` and the very
    # `setup --repair` that fixes it, while time tracking works fine without the store.
    if state.problem in (installation.CORRUPT, installation.UNREADABLE):
        messages.append(
            Warning(
                f"The installation store is {state.problem.replace('_', ' ')}: {state.detail} "
                "Telemetry is off until it is repaired.",
                hint=f"Run `{installation.REPAIR_COMMAND}`.",
                id="setupwizard.W002",
            )
        )
    elif not installation.data_dir_writable():
        messages.append(
            Warning(
                "The data directory is not writable: telemetry stays off and settings "
                "cannot be changed.",
                hint="Make TIMETRACKER_DATA_DIR writable by the server's user.",
                id="setupwizard.W001",
            )
        )
    return messages
