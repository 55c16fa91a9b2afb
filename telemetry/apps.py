from functools import partial

from django.apps import AppConfig


class TelemetryConfig(AppConfig):
    name = "telemetry"
    verbose_name = "Telemetry"

    def ready(self):
        from telemetry import checks, emitter, lifecycle, signals  # noqa: F401  (checks)
        from telemetry.sentry import init_sentry

        signals.connect()
        init_sentry()
        # The dispatcher thread closes its own database connection after the heartbeat.
        emitter.periodic_work.append(partial(lifecycle.send_heartbeat_if_due, close_db=True))
