"""The application's log lines: UTC timestamps with their offset, plain text by default or
one JSON object a line (``LOG_FORMAT=json``) for log shippers, to stderr; a refused request
(403) is one line, not a traceback."""

import json
import logging
from datetime import UTC, datetime


class UTCFormatter(logging.Formatter):
    """``2026-12-06T19:40:01.123+00:00 WARNING django.request: …``"""

    def __init__(self):
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def formatTime(self, record, datefmt=None):
        return datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")


class JSONFormatter(UTCFormatter):
    """``{"time": …, "level": …, "logger": …, "message": …[, "exception": …]}``"""

    def format(self, record):
        line = {
            "time": self.formatTime(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


class RefusedInOneLine(logging.Filter):
    """Django logs a refused request with its exception's traceback: a 403 (the
    PermissionDenied) and a suspicious one on the ``django.security`` loggers (a 400 for a
    host name not served, DisallowedHost). Expected answers, not faults: keep the line,
    drop the traceback."""

    def filter(self, record):
        refused = getattr(record, "status_code", None) == 403
        if refused or record.name.startswith("django.security."):
            record.exc_info = None
            record.exc_text = None
        return True
