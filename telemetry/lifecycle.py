"""Telemetry's own lifecycle events: turning it on, first sighting, the daily heartbeat.

Their bookkeeping lives in the installation record (``installation.claim``), under its lock,
so that ``install.first_seen`` is sent once per installation and ``install.heartbeat`` at
most once a day, however many processes and servers run.
"""

import logging
import platform
import sys
from datetime import timedelta

import django
from django.contrib.auth import get_user_model
from django.db import connection

from setupwizard import installation
from telemetry import consent
from telemetry.catalog import bucket
from telemetry.emitter import emit

logger = logging.getLogger(__name__)

HEARTBEAT_PERIOD = timedelta(hours=24)


def turn_on(source: str, user=None) -> bool:
    """Record the administrator's opt-in; emit the toggle (and first sighting) if it changed."""
    _, changed = installation.set_telemetry_enabled(True)
    if changed:
        announce_enabled(source, user)
    return changed


def turn_off() -> bool:
    """Record the opt-out. No farewell event: once off, nothing more leaves."""
    _, changed = installation.set_telemetry_enabled(False)
    return changed


def announce_enabled(source: str, user=None) -> None:
    send_first_seen_once(user)
    emit("admin.telemetry_toggled", user=user, enabled=True, source=source)


def environment() -> dict:
    vendor = (
        connection.vendor if connection.vendor in {"sqlite", "postgresql", "mysql"} else "other"
    )
    system = platform.system().lower()
    return {
        "python_version": ".".join(str(part) for part in sys.version_info[:3]),
        "django_version": ".".join(str(part) for part in django.VERSION[:3]),
        "db_vendor": vendor,
        "os_family": system if system in {"linux", "darwin", "windows"} else "other",
    }


def send_first_seen_once(user=None) -> bool:
    if not consent.is_enabled():
        return False

    def send() -> bool:
        return emit("install.first_seen", user=user, **environment())

    return installation.claim("first_seen_sent_at", send)


def send_heartbeat_if_due(close_db: bool = False) -> str:
    """Send ``install.heartbeat`` unless one went out in the last 24 h; say what happened."""
    if not consent.is_enabled():
        return "Telemetry is off: no heartbeat sent."
    try:
        queued = []

        def send() -> bool:
            counts = {
                "users_bucket": bucket(get_user_model().objects.count()),
                "projects_bucket": bucket(_count("tracking", "Project")),
                "entries_bucket": bucket(_count("tracking", "TimeEntry")),
            }
            queued.append(emit("install.heartbeat", **environment(), **counts))
            return queued[-1]

        if installation.claim("last_heartbeat_at", send, every=HEARTBEAT_PERIOD):
            return "Heartbeat sent."
        if queued:
            return "The heartbeat could not be queued."
        last = installation.get().last_heartbeat_at
        return f"A heartbeat was already sent at {last}: next one after 24 h."
    finally:
        if close_db:
            connection.close()


def _count(app_label: str, model_name: str) -> int:
    from django.apps import apps

    return apps.get_model(app_label, model_name).objects.count()
