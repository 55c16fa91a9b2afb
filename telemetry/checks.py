from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.compatibility)
def check_telemetry_configuration(app_configs, **kwargs):
    messages = []
    locked_off = settings.DO_NOT_TRACK or settings.ENABLE_TELEMETRY is False
    if settings.POSTHOG_API_KEY and locked_off:
        switch = "DO_NOT_TRACK=1" if settings.DO_NOT_TRACK else "ENABLE_TELEMETRY=false"
        messages.append(
            Warning(
                f"POSTHOG_API_KEY is set but {switch}: nothing will be sent.",
                hint="Remove one of the two settings.",
                id="telemetry.W001",
            )
        )
    if settings.TELEMETRY_DEBUG and (settings.POSTHOG_API_KEY or settings.TELE_URL):
        messages.append(
            Warning(
                "TELEMETRY_DEBUG=1 prints events to stderr instead of sending them: "
                "PostHog and TELE_URL receive nothing.",
                hint="Unset TELEMETRY_DEBUG in production.",
                id="telemetry.W002",
            )
        )
    if settings.TELE_URL.startswith("http://") and not settings.DEBUG:
        host = settings.TELE_URL.split("/")[2].split(":")[0]
        if host not in {"localhost", "127.0.0.1", "[::1]"}:
            messages.append(
                Warning(
                    "TELE_URL uses plain http: events cross the network unencrypted.",
                    hint="Use an https:// URL.",
                    id="telemetry.W003",
                )
            )
    return messages
