"""The security pass: logins, CSRF, other people's objects, secrets, cookies, deploy checks."""

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings
from django.test import Client as HttpClient
from django.urls import get_resolver

from setupwizard import installation
from tracking.models import Client, Comment, Project, Task, TimeEntry

pytestmark = pytest.mark.django_db

PUBLIC_PREFIXES = ("healthz", "setup/", "accounts/login/", "docs/", "admin/")


def tracking_paths():
    """Every tracking URL, with 1 for each id."""
    paths = []
    for pattern in get_resolver().url_patterns:
        if str(pattern.pattern) != "":
            continue
        for route in pattern.url_patterns:
            paths.append("/" + str(route.pattern).replace("<int:pk>", "1"))
    return paths


@pytest.fixture
def world(setup_done, colleague, stranger):
    client = Client.objects.create(name="C")
    project = Project.objects.create(name="P", client=client)
    task = Task.objects.create(project=project, title="T")
    start = datetime(2026, 11, 2, 9, tzinfo=UTC)
    theirs = TimeEntry.objects.create(
        user=stranger, project=project, start=start, end=start + timedelta(hours=1)
    )
    comment = Comment.objects.create(author=stranger, text="theirs", project=project)
    return {"project": project, "task": task, "entry": theirs, "comment": comment}


def test_there_are_tracking_urls_to_check():
    assert len(tracking_paths()) >= 35


def test_every_tracking_page_requires_a_login(world):
    anonymous = HttpClient()
    for path in tracking_paths():
        for method in ("get", "post"):
            response = getattr(anonymous, method)(path)
            assert response.status_code in (302, 405), (method, path)
            if response.status_code == 302:
                assert response["Location"].startswith("/accounts/login/"), path


def test_every_post_requires_a_csrf_token(world, owner):
    strict = HttpClient(enforce_csrf_checks=True)
    strict.force_login(owner)
    for path in tracking_paths():
        if path.endswith(".csv"):
            continue
        assert strict.post(path, {}).status_code in (403, 405), path


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/entries/{entry}/"),
        ("get", "/entries/{entry}/edit/"),
        ("post", "/entries/{entry}/edit/"),
        ("get", "/entries/{entry}/delete/"),
        ("post", "/entries/{entry}/delete/"),
        ("post", "/entries/{entry}/continue/"),
        ("get", "/comments/{comment}/edit/"),
        ("post", "/comments/{comment}/edit/"),
        ("get", "/comments/{comment}/delete/"),
        ("post", "/comments/{comment}/delete/"),
    ],
)
def test_someone_elses_object_answers_404(world, colleague, method, path):
    client = HttpClient()
    client.force_login(colleague)
    url = path.format(entry=world["entry"].pk, comment=world["comment"].pk)
    assert getattr(client, method)(url).status_code == 404
    assert TimeEntry.objects.filter(pk=world["entry"].pk).exists()
    assert Comment.objects.get(pk=world["comment"].pk).text == "theirs"


def test_exports_never_include_someone_elses_entries(world, colleague):
    client = HttpClient()
    client.force_login(colleague)
    for path in ("/entries/export.csv", "/reports/export.csv?start=2026-11-01&end=2026-11-30"):
        body = b"".join(client.get(path).streaming_content).decode()
        assert "stranger" not in body


def test_session_and_csrf_cookies_are_httponly_and_samesite(setup_done, colleague):
    client = HttpClient()
    client.get("/accounts/login/")
    response = client.post(
        "/accounts/login/", {"username": "colleague", "password": "pw-colleague"}
    )
    session = response.cookies["sessionid"]
    assert session["httponly"] and session["samesite"] == "Lax"
    csrf = client.cookies["csrftoken"]
    assert csrf["httponly"] and csrf["samesite"] == "Lax"


def test_no_secret_appears_in_any_admin_or_app_page(setup_done, superuser, settings):
    settings.POSTHOG_API_KEY = "phc_secret_value_123"
    settings.SENTRY_DSN = "https://dsnkey456@o1.ingest.sentry.io/9"
    installation.set_telemetry_enabled(True)
    salt = installation.get().telemetry_salt
    client = HttpClient()
    client.force_login(superuser)
    for path in (
        "/",
        "/admin/",
        "/admin/telemetry/",
        "/reports/",
        "/entries/",
        "/docs/privacy.md",
    ):
        content = client.get(path).content.decode()
        for secret in (settings.SECRET_KEY, "phc_secret_value_123", "dsnkey456", salt):
            assert secret not in content, (path, secret[:6])


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    env = {
        "PATH": os.environ["PATH"],
        "DJANGO_SETTINGS_MODULE": "timetracker.settings",
        "TIMETRACKER_DATA_DIR": str(tmp_path),
        "LOG_DIR": str(tmp_path / "logs"),
        "STATIC_ROOT": str(tmp_path / "static"),
        "SECRET_KEY": "a-production-secret-key-with-enough-entropy-1234567890-abcdefgh",
        "ALLOWED_HOSTS": "time.example.com",
        "HTTPS": "true",
        "DEBUG": "false",
    }
    for step in (("collectstatic", "--noinput", "-v0"), ("migrate", "--noinput", "-v0")):
        subprocess.run(
            [sys.executable, "manage.py", *step],
            cwd=settings.BASE_DIR,
            env=env,
            check=True,
            timeout=120,
        )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_https_mode_redirects_but_keeps_healthz_plain(settings, client, db):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    assert client.get("/healthz").status_code == 200
    assert client.get("/accounts/login/").status_code == 301
