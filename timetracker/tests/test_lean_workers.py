"""A worker serving pages does not load the APIs' libraries (docs/performance.md, tenth
round, "lean workers"): Django REST framework and what it imports stay out until an API
path or name is first asked for, and then both APIs work; and what a worker loaded at start
is kept out of the garbage collector's walks."""

import json

import pytest

from timetracker.tests.helpers import fresh_interpreter

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
    result = fresh_interpreter(tmp_path, SCRIPT, *API_ONLY)
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout.splitlines()[-1])
    assert found["pages"] == []
    assert found["api"] == ["/api/v1/entries/", "ping"]
    assert found["loaded"] is True


FROZEN = """
import gc
before = gc.get_freeze_count()
import timetracker.wsgi
print(before, gc.get_freeze_count())
"""


@pytest.mark.subprocess
def test_a_worker_freezes_what_it_loaded_so_the_garbage_collector_skips_it(tmp_path):
    """The WSGI module ends by moving everything loaded at start (Django, the apps) out of
    the collector's reach (docs/performance.md, twelfth round)."""
    result = fresh_interpreter(tmp_path, FROZEN, SECRET_KEY="k" * 50)
    assert result.returncode == 0, result.stderr
    before, after = map(int, result.stdout.splitlines()[-1].split())
    assert before == 0
    assert after > 10_000  # Django and the apps, not a handful of objects
