"""A worker serving pages does not load the APIs' libraries (docs/performance.md, "lean
workers"): Django REST framework and what it imports stay out until an API path or name is
first asked for, and then both APIs work."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]

# Loaded through DRF (its compat module) or by a webhook's sender, never by a page.
API_ONLY = ["rest_framework.views", "requests", "yaml", "pygments", "markdown", "psycopg"]

SCRIPT = """
import json, sys
import django
django.setup()
from django.core.handlers.wsgi import WSGIHandler
from django.template.loader import render_to_string
from django.urls import resolve, reverse

WSGIHandler()  # every middleware, as a worker loads them
resolve("/accounts/login/")
reverse("tracking:dashboard")  # reads the whole URLconf
render_to_string("registration/login.html")  # builds the template engine
pages = [name for name in sys.argv[1:] if name in sys.modules]
api = [reverse("api:entry-list"), resolve("/api/ping").url_name]
print(json.dumps({"pages": pages, "api": api, "loaded": "rest_framework.views" in sys.modules}))
"""


@pytest.mark.subprocess
def test_pages_do_not_load_the_apis_libraries_until_an_api_is_asked_for(tmp_path):
    environment = {
        "PATH": os.environ["PATH"],
        "DJANGO_SETTINGS_MODULE": "timetracker.settings",
        "TIMETRACKER_DATA_DIR": str(tmp_path / "data"),
        "LOG_DIR": str(tmp_path / "logs"),
    }
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, *API_ONLY],
        cwd=BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    found = json.loads(result.stdout.splitlines()[-1])
    assert found["pages"] == []
    assert found["api"] == ["/api/v1/entries/", "ping"]
    assert found["loaded"] is True
