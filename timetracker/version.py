"""The application version, reported in telemetry events, Sentry releases and the admin."""

__version__ = "0.1.0"
