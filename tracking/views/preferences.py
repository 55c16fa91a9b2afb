from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from tracking.forms import PreferencesForm
from tracking.middleware import remember_preferences
from tracking.models import Preferences


@login_required
def preferences(request):
    current, _ = Preferences.objects.get_or_create(user=request.user)
    form = PreferencesForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        remember_preferences(request, form.save())
        messages.success(request, "Preferences saved.")
        return redirect("tracking:preferences")
    return render(
        request,
        "tracking/preferences.html",
        {"form": form, "title": "Your preferences", "cancel_url": "/"},
    )
