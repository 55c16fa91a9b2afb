from zoneinfo import available_timezones

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from tracking.forms import PreferencesForm
from tracking.middleware import ZONE_ASKED_SESSION_KEY, remember_preferences
from tracking.models import Preferences


@login_required
def preferences(request):
    current, _ = Preferences.objects.get_or_create(user=request.user)
    form = PreferencesForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        remember_preferences(request, form.save())
        request.session[ZONE_ASKED_SESSION_KEY] = True  # a choice made here stands
        messages.success(request, "Preferences saved.")
        return redirect("tracking:preferences")
    return render(
        request,
        "tracking/preferences.html",
        {
            "form": form,
            "title": "Your preferences",
            "cancel_url": "/",
            "zone_in_use": timezone.get_current_timezone_name(),
            "server_zone": settings.TIME_ZONE,
        },
    )


@login_required
@require_POST
def browser_zone(request):
    """The browser's own zone for a person who has none yet (static/js/app.js sends it on
    their first page). A name the server does not know is ignored; either way it is asked
    only once a session. Back to the page it was sent from."""
    request.session[ZONE_ASKED_SESSION_KEY] = True
    name = request.POST.get("time_zone", "")
    current, _ = Preferences.objects.get_or_create(user=request.user)
    if not current.time_zone and name in available_timezones():
        current.time_zone = name
        current.save(update_fields=["time_zone"])
        remember_preferences(request, current)
        messages.info(
            request,
            format_html(
                'Times are now shown in {}, your browser\'s time zone. <a href="{}">Change it '
                "in Preferences</a>.",
                name,
                reverse("tracking:preferences"),
            ),
        )
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure()):
        back = "/"
    return redirect(back)
