"""What an administrator reads: the application's log (stderr, UTC with the offset, one
line per refused request, JSON on request) and `check` after an upgrade."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]

# Refused requests as Django logs them (with the PermissionDenied's or the DisallowedHost's
# traceback), and a fault.
LOGGED = """
import logging
log = logging.getLogger("django.request")
try:
    raise PermissionError("denied")
except PermissionError:
    log.warning("Forbidden (Permission denied): /entries/7/edit/", exc_info=True,
                extra={"status_code": 403})
from django.core.exceptions import DisallowedHost
try:
    raise DisallowedHost("Invalid HTTP_HOST header: 'evil.test'.")
except DisallowedHost as error:
    logging.getLogger("django.security.DisallowedHost").error(str(error), exc_info=True)
try:
    1 / 0
except ZeroDivisionError:
    log.error("Internal Server Error: /reports/", exc_info=True, extra={"status_code": 500})
"""


def logged(tmp_path, *command, **env) -> str:
    """What ``manage.py`` (``shell -c LOGGED`` unless told) writes to stderr."""
    result = subprocess.run(
        [sys.executable, "manage.py", *(command or ("shell", "-c", LOGGED))],
        cwd=BASE_DIR,
        env={
            **os.environ,
            "TIMETRACKER_DATA_DIR": str(tmp_path / "data"),
            "LOG_DIR": str(tmp_path / "logs"),
            "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
            **env,
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stderr


def test_plain_lines_have_utc_times_and_a_refusal_has_no_traceback(tmp_path):
    lines = logged(tmp_path).splitlines()
    assert len([line for line in lines if "evil.test" in line]) == 1
    assert "\n".join(lines).count("Traceback") == 1  # the fault's, below
    forbidden = [line for line in lines if "Forbidden" in line]
    assert len(forbidden) == 1
    assert re.match(
        r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00 WARNING django\.request: Forbidden",
        forbidden[0],
    )
    assert "PermissionError" not in "\n".join(lines)
    # A fault keeps its traceback.
    assert "ZeroDivisionError" in "\n".join(lines) and "Traceback" in "\n".join(lines)


def test_json_lines_for_log_shippers(tmp_path):
    records = [json.loads(line) for line in logged(tmp_path, LOG_FORMAT="json").splitlines()]
    forbidden, host, fault = records
    assert host["logger"] == "django.security.DisallowedHost" and "exception" not in host
    assert forbidden["level"] == "WARNING" and forbidden["logger"] == "django.request"
    assert forbidden["time"].endswith("+00:00") and "exception" not in forbidden
    assert "ZeroDivisionError" in fault["exception"]


def test_an_unknown_log_format_is_refused(tmp_path):
    with pytest.raises(subprocess.CalledProcessError) as refused:
        logged(tmp_path, "check", LOG_FORMAT="xml")
    assert "LOG_FORMAT='xml': use one of plain, json" in refused.value.stderr


def test_check_says_when_migrations_are_pending_and_migrate_does_not(tmp_path):
    """An upgrade's new code on the old database: `check` warns; `migrate` applies them
    without warning about what it is doing; then `check` is quiet."""
    assert "timetracker.W003" in logged(tmp_path, "check")
    migrated = logged(tmp_path, "migrate", "--noinput", "-v0")
    assert "W003" not in migrated
    assert "W003" not in logged(tmp_path, "check")
