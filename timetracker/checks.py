from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles.storage import ManifestFilesMixin
from django.core.checks import Tags, Warning, register
from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor
from django.utils.module_loading import import_string


@register(Tags.security, deploy=True)
def check_debug_off(app_configs, **kwargs):
    if settings.DEBUG:
        return [
            Warning(
                "DEBUG is on: error pages show settings and code to anyone.",
                hint="Unset DEBUG (it defaults to false) in production.",
                id="timetracker.W001",
            )
        ]
    return []


# Not tagged "staticfiles": collectstatic runs those checks, and would print this warning
# while it is doing the very thing the warning asks for.
@register("deployment")
def check_static_files_collected(app_configs, **kwargs):
    """Without collectstatic, files are served without hashes: say so."""
    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    backend = import_string(settings.STORAGES["staticfiles"]["BACKEND"])
    if settings.DEBUG or not issubclass(backend, ManifestFilesMixin) or manifest.exists():
        return []
    return [
        Warning(
            f"Static files are not collected ({manifest} is missing): they are served from "
            "the app folders, without cache-busting names.",
            hint="Run `python manage.py collectstatic --noinput`.",
            id="timetracker.W002",
        )
    ]


@register("deployment")
def check_migrations_applied(app_configs, databases=None, **kwargs):
    """After an upgrade, before `migrate`: say that the database is behind the code.

    Not when `migrate` itself runs the checks (it names its database), nor when the
    database does not answer (the health check and every page say so)."""
    if databases:
        return []
    try:
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError:
        return []
    if not pending:
        return []
    return [
        Warning(
            f"{len(pending)} database migration(s) not applied: pages that need them will fail.",
            hint="Back up (`manage.py backup`), then run `python manage.py migrate`.",
            id="timetracker.W003",
        )
    ]
