from django.core.checks import Error, Tags, Warning, register

from setupwizard import installation


@register(Tags.compatibility, deploy=False)
def check_installation_store(app_configs, **kwargs):
    state = installation.get_state()
    messages = []
    if state.problem in (installation.CORRUPT, installation.UNREADABLE):
        messages.append(
            Error(
                f"The installation store is {state.problem.replace('_', ' ')}: {state.detail}",
                hint=f"Run `{installation.REPAIR_COMMAND}`.",
                id="setupwizard.E001",
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
