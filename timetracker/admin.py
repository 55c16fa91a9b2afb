from django.conf import settings
from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html

from telemetry.admin_views import telemetry_admin_urls
from webhooks.models import Webhook


def mail_security() -> str:
    if settings.EMAIL_USE_SSL:
        return "SSL"
    return "STARTTLS" if settings.EMAIL_USE_TLS else "no TLS"


class TimeTrackerAdminSite(admin.AdminSite):
    site_header = "TimeTracker administration"
    site_title = "TimeTracker admin"
    index_title = "Control panel"

    def index(self, request, extra_context=None):
        """The control panel, with a warning for each webhook whose deliveries fail and
        whether mail goes out."""
        if request.user.has_perm("webhooks.view_webhook"):
            for hook in Webhook.objects.failing():
                link = reverse("admin:webhooks_webhook_change", args=[hook.pk])
                messages.warning(
                    request,
                    format_html(
                        "Webhook {} is failing: its latest delivery was given up. "
                        'See <a href="{}">its delivery log</a>.',
                        hook.url,
                        link,
                    ),
                )
        mail = {
            "configured": settings.EMAIL_CONFIGURED,
            "server": f"{settings.EMAIL_HOST}:{settings.EMAIL_PORT}",
            "security": mail_security(),
        }
        return super().index(request, {"mail": mail, **(extra_context or {})})

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
