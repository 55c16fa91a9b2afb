"""The last delivery result of each sink, shared by every process through a small file.

PostHog's client reports only failures (``on_error``); our TELE_URL sender reports both.
The admin page reads this file.
"""

import fcntl
import json
import logging
import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings

logger = logging.getLogger(__name__)

STATUS_NAME = "telemetry-delivery.json"


def status_path() -> Path:
    return Path(settings.LOG_DIR) / STATUS_NAME


def read() -> dict:
    try:
        return json.loads(status_path().read_text())
    except (OSError, ValueError):
        return {}


def record_success(sink: str, count: int) -> None:
    _update(
        sink,
        lambda entry: entry.update(
            last_success_at=_now(), delivered=entry.get("delivered", 0) + count
        ),
    )


def record_failure(sink: str, error: str, dropped: int) -> None:
    _update(
        sink,
        lambda entry: entry.update(
            last_error=error[:300], last_error_at=_now(), dropped=entry.get("dropped", 0) + dropped
        ),
    )


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _update(sink: str, change) -> None:
    path = status_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        lock = os.open(path.parent / ".telemetry-delivery.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(lock, fcntl.LOCK_EX)
            status = read()
            change(status.setdefault(sink, {}))
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".delivery.")
            with os.fdopen(fd, "w") as handle:
                json.dump(status, handle)
            os.replace(tmp, path)
        finally:
            os.close(lock)
    except OSError as exc:
        logger.warning("Cannot record telemetry delivery status in %s: %s", path, exc.strerror)
