"""The last delivery result of each sink, shared by every process through a small file.

PostHog's client reports only failures (``on_error``); our TELE_URL sender reports both.
The admin page reads this file. A sink keeps the path it was built with, so a result that
arrives late still lands in its own log directory.
"""

import fcntl
import json
import logging
import os
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings

from timetracker.files import atomic_write_json

logger = logging.getLogger(__name__)

STATUS_NAME = "telemetry-delivery.json"


def status_path() -> Path:
    return Path(settings.LOG_DIR) / STATUS_NAME


def read(path: Path | None = None) -> dict:
    try:
        return json.loads((path or status_path()).read_text())
    except (OSError, ValueError):
        return {}


def record_success(sink: str, count: int, path: Path | None = None) -> None:
    _update(
        path or status_path(),
        sink,
        lambda entry: entry.update(
            last_success_at=_now(), delivered=entry.get("delivered", 0) + count
        ),
    )


def record_failure(sink: str, error: str, dropped: int, path: Path | None = None) -> None:
    _update(
        path or status_path(),
        sink,
        lambda entry: entry.update(
            last_error=error[:300], last_error_at=_now(), dropped=entry.get("dropped", 0) + dropped
        ),
    )


def record_discard(sink: str, count: int, path: Path | None = None) -> None:
    """Events dropped, unsent, because telemetry was switched off while they waited."""
    _update(
        path or status_path(),
        sink,
        lambda entry: entry.update(discarded=entry.get("discarded", 0) + count),
    )


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _update(path: Path, sink: str, change) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        lock = os.open(path.parent / ".telemetry-delivery.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(lock, fcntl.LOCK_EX)
            status = read(path)
            change(status.setdefault(sink, {}))
            atomic_write_json(path, status)
        finally:
            os.close(lock)
    except OSError as exc:
        logger.warning("Cannot record telemetry delivery status in %s: %s", path, exc.strerror)
