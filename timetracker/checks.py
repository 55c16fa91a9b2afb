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
