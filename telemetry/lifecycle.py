"""Telemetry's own lifecycle events: turning it on, first sighting, the daily heartbeat.

Their bookkeeping lives in ``<data dir>/telemetry-state.json`` (telemetry's own file,
beside the installation store), under a lock, so that ``install.first_seen`` is sent once
per installation and ``install.heartbeat`` at most once a day however many processes run.
"""

import fcntl
import json
import logging
import os
import platform
import sys
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import django
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection

from setupwizard import installation
from telemetry import consent
from telemetry.catalog import bucket
from telemetry.emitter import emit
from timetracker.files import atomic_write_json

logger = logging.getLogger(__name__)

STATE_NAME = "telemetry-state.json"
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
    current = installation.get()
    with _state() as state:
        if state.get("first_seen_installation_id") == current.installation_id:
            return False
        if not emit("install.first_seen", user=user, **environment()):
            return False
        state["first_seen_installation_id"] = current.installation_id
        state["first_seen_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    return True


def send_heartbeat_if_due(close_db: bool = False) -> str:
    """Send ``install.heartbeat`` unless one went out in the last 24 h; say what happened."""
    if not consent.is_enabled():
        return "Telemetry is off: no heartbeat sent."
    try:
        with _state() as state:
            last = state.get("last_heartbeat_at")
            now = datetime.now(UTC)
            if last and now - datetime.fromisoformat(last) < HEARTBEAT_PERIOD:
                return f"A heartbeat was already sent at {last}: next one after 24 h."
            counts = {
                "users_bucket": bucket(get_user_model().objects.count()),
                "projects_bucket": bucket(_count("tracking", "Project")),
                "entries_bucket": bucket(_count("tracking", "TimeEntry")),
            }
            if not emit("install.heartbeat", **environment(), **counts):
                return "The heartbeat could not be queued."
            state["last_heartbeat_at"] = now.isoformat(timespec="seconds")
            return "Heartbeat sent."
    finally:
        if close_db:
            connection.close()


def _count(app_label: str, model_name: str) -> int:
    from django.apps import apps

    return apps.get_model(app_label, model_name).objects.count()


@contextmanager
def _state():
    """Read-modify-write telemetry's state file under an exclusive lock."""
    directory = Path(settings.TIMETRACKER_DATA_DIR)
    path = directory / STATE_NAME
    lock = os.open(directory / ".telemetry-state.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            state = json.loads(path.read_text())
            if not isinstance(state, dict):
                raise ValueError("not a JSON object")
        except FileNotFoundError:
            state = {}
        except ValueError as exc:
            state = _replace_corrupt_state(path, exc)
        before = dict(state)
        yield state
        if state != before:
            atomic_write_json(path, state)
    finally:
        os.close(lock)


def _replace_corrupt_state(path: Path, exc: ValueError) -> dict:
    """A damaged bookkeeping file is kept aside and read as "everything was already sent".

    Starting it empty would send ``install.first_seen`` a second time; assuming it went out
    (and that today's heartbeat did) can at worst skip one, which is the safe side.
    """
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    moved = path.with_name(f"{path.name}.corrupt-{stamp}")
    os.replace(path, moved)
    current = installation.get()
    state = {"last_heartbeat_at": datetime.now(UTC).isoformat(timespec="seconds")}
    if current is not None:
        state["first_seen_installation_id"] = current.installation_id
    atomic_write_json(path, state)
    logger.error(
        "%s was not valid JSON (%s): moved aside to %s; install.first_seen is taken as sent.",
        path,
        exc,
        moved.name,
    )
    return state
