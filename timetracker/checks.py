from pathlib import Path

from django.conf import settings
from django.core.checks import Tags, Warning, register


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


@register(Tags.staticfiles)
def check_static_files_collected(app_configs, **kwargs):
    """Without collectstatic every page fails with DEBUG off: say so before that happens."""
    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    backend = settings.STORAGES["staticfiles"]["BACKEND"]
    if settings.DEBUG or "Manifest" not in backend or manifest.exists():
        return []
    return [
        Warning(
            f"Static files are not collected ({manifest} is missing): pages will fail.",
            hint="Run `python manage.py collectstatic --noinput`.",
            id="timetracker.W002",
        )
    ]
