from django.apps import AppConfig


class TelemetryConfig(AppConfig):
    name = "telemetry"
    verbose_name = "Telemetry"

    def ready(self):
        from telemetry import checks, signals  # noqa: F401  (checks register themselves)
        from telemetry.sentry import init_sentry

        signals.connect()
        init_sentry()
