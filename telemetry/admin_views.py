"""The admin's telemetry page: what is collected, what was sent, and the one-click toggle."""

import json
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.views.decorators.http import require_GET, require_POST

from setupwizard import installation
from telemetry import consent, delivery, lifecycle
from telemetry.catalog import COMMON_PROPERTIES, EVENTS
from telemetry.emitter import emit
from telemetry.identity import user_fingerprint
from telemetry.sentry import sentry_host
from telemetry.sinks import jsonl_path, recent_events


def telemetry_admin_urls(site) -> list:
    """URLs added to the admin site, each wrapped in ``admin_view`` (staff, CSRF)."""

    @require_GET
    def page(request):
        return telemetry_page(request, site)

    @require_POST
    def toggle(request):
        return toggle_telemetry(request)

    return [
        path("telemetry/", site.admin_view(page), name="telemetry"),
        path("telemetry/toggle/", site.admin_view(toggle), name="telemetry_toggle"),
    ]


def telemetry_page(request, site):
    state = installation.get_state()
    current = state.installation
    status = delivery.read()
    context = {
        **site.each_context(request),
        "title": "Telemetry",
        "consent": consent.decide(),
        "store": state,
        "store_is_shared": settings.INSTALLATION_STORE == "database",
        "server_label": settings.SERVER_LABEL,
        "data_dir_writable": installation.data_dir_writable(),
        "installation": current,
        "fingerprint": user_fingerprint(current.telemetry_salt, request.user.pk)
        if current
        else None,
        "posthog": {
            "configured": bool(settings.POSTHOG_API_KEY),
            "host": settings.POSTHOG_HOST,
            **status.get("posthog", {}),
        },
        "tele_url": {
            "configured": bool(settings.TELE_URL),
            "host": urlsplit(settings.TELE_URL).netloc if settings.TELE_URL else None,
            **status.get("tele_url", {}),
        },
        "sentry_host": sentry_host(),
        "debug_sink": settings.TELEMETRY_DEBUG,
        "events": sorted(EVENTS.values(), key=lambda event: event.name),
        "common_properties": COMMON_PROPERTIES,
        "recent": [json.dumps(event, indent=2, sort_keys=True) for event in recent_events(50)],
        "log_path": jsonl_path(),
        "can_toggle": request.user.is_superuser,
    }
    emit("admin.telemetry_dashboard_viewed", user=request.user)
    return TemplateResponse(request, "admin/telemetry.html", context)


def toggle_telemetry(request):
    """Set telemetry to the posted target state (so a double click is harmless)."""
    if not request.user.is_superuser:
        raise PermissionDenied
    target = request.POST.get("enabled")
    if target not in ("true", "false"):
        return HttpResponseBadRequest("enabled must be true or false")
    decision = consent.decide()
    if decision.locked:
        messages.error(request, f"Telemetry is locked: {decision.reason}")
        return redirect("admin:telemetry")
    try:
        if target == "true":
            lifecycle.turn_on("admin", request.user)
        else:
            lifecycle.turn_off()
    except (installation.StoreError, OSError) as exc:
        messages.error(request, f"The choice could not be saved, nothing changed: {exc}")
        return redirect("admin:telemetry")
    after = consent.decide()
    messages.success(request, f"Telemetry is {'on' if after.enabled else 'off'}.")
    return redirect("admin:telemetry")
