from contextlib import suppress
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.utils import timezone

from tracking.models import Preferences

SESSION_KEY = "tracking_time_zone"


def remember_time_zone(sender, request, user, **kwargs):
    """On login, keep the user's zone in the session (connected in TrackingConfig.ready)."""
    preferences = Preferences.objects.filter(user=user).first()
    request.session[SESSION_KEY] = preferences.time_zone if preferences else ""


class UserTimeZoneMiddleware:
    """Show times in the signed-in user's own time zone, if they chose one.

    The zone travels in the session (set at login and when it is changed), so this costs no
    query of its own and nothing at all for requests without a session, like /healthz.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        name = request.session.get(SESSION_KEY, "") if hasattr(request, "session") else ""
        timezone.deactivate()
        if name:
            # A zone removed from the system's database falls back to the server's.
            with suppress(ZoneInfoNotFoundError):
                timezone.activate(ZoneInfo(name))
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
