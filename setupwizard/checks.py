from django.conf import settings
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


@register(Tags.compatibility)
def check_store_for_several_servers(app_configs, **kwargs):
    """PostgreSQL usually means several servers; a file store gives each its own identity."""
    from django.db import connection

    if connection.vendor == "postgresql" and settings.INSTALLATION_STORE == "file":
        return [
            Warning(
                "The installation record is a file on this server while the database is "
                "PostgreSQL: several app servers would each have their own identity and "
                "telemetry switch.",
                hint="With more than one app server run `python manage.py setup --store "
                "database` once and set INSTALLATION_STORE=database on every server. With "
                "one server, silence this with SILENCED_SYSTEM_CHECKS=setupwizard.W003.",
                id="setupwizard.W003",
            )
        ]
    return []
