from django.contrib.admin.apps import AdminConfig


class TimeTrackerAdminConfig(AdminConfig):
    """The Django admin, with TimeTracker's own site (it adds the telemetry page)."""

    default_site = "timetracker.admin.TimeTrackerAdminSite"

    def ready(self):
        super().ready()
        from timetracker import checks  # noqa: F401  (registers the system checks)
