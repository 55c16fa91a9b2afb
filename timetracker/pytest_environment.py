"""A pytest plugin loaded before Django reads its settings (see ``addopts`` in pyproject).

Tests must never read the operator's configuration or touch the real ``data/`` and
``logs/``: this clears the variables that would change behaviour and points the data and
log directories at a throw-away folder. Each test then gets its own folders (conftest.py).
"""

import os
import tempfile

OPERATOR_VARIABLES = [
    "DEBUG",
    "ALLOWED_HOSTS",
    "DO_NOT_TRACK",
    "ENABLE_TELEMETRY",
    "POSTHOG_API_KEY",
    "POSTHOG_HOST",
    "TELE_URL",
    "TELEMETRY_DEBUG",
    "SENTRY_DSN",
    "HTTPS",
    "SITE_URL",
    "LOG_FORMAT",
]

for name in OPERATOR_VARIABLES:
    os.environ.pop(name, None)
_root = tempfile.mkdtemp(prefix="timetracker-tests-")
os.environ["TIMETRACKER_DATA_DIR"] = os.path.join(_root, "data")
os.environ["LOG_DIR"] = os.path.join(_root, "logs")
os.environ["STATIC_ROOT"] = os.path.join(_root, "static")
os.makedirs(os.environ["STATIC_ROOT"])
os.environ["SECRET_KEY"] = "test-only-secret-key-" + "x" * 40
