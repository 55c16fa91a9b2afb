from django.contrib import admin
from django.urls import reverse

from telemetry.admin_views import telemetry_admin_urls


class TimeTrackerAdminSite(admin.AdminSite):
    site_header = "TimeTracker administration"
    site_title = "TimeTracker admin"
    index_title = "Control panel"

    def get_urls(self):
        return telemetry_admin_urls(self) + super().get_urls()

    def get_app_list(self, request, app_label=None):
        app_list = super().get_app_list(request, app_label)
        if app_label is None and request.user.is_staff:
            app_list.append(
                {
                    "name": "Telemetry",
                    "app_label": "telemetry",
                    "app_url": reverse("admin:telemetry"),
                    "has_module_perms": True,
                    "models": [
                        {
                            "name": "Telemetry settings and events",
                            "object_name": "Telemetry",
                            "admin_url": reverse("admin:telemetry"),
                            "view_only": True,
                            "perms": {"view": True},
                        }
                    ],
                }
            )
        return app_list
