import json
import subprocess
import sys

import pytest
from django.conf import settings
from django.test import Client as HttpClient

from setupwizard import installation
from telemetry.emitter import emit
from telemetry.identity import user_fingerprint

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, superuser, setup_done):
    client.force_login(superuser)
    return client


def test_the_page_shows_state_identity_catalog_and_docs(admin_client, superuser):
    response = admin_client.get("/admin/telemetry/")
    assert response.status_code == 200
    content = response.content.decode()
    current = installation.get()
    assert "Telemetry is OFF" in content
    assert current.installation_id in content
    assert user_fingerprint(current.telemetry_salt, superuser.pk) in content
    assert current.telemetry_salt not in content
    assert "install.heartbeat" in content and "auth.login_failed" in content
    assert "/docs/privacy.md" in content
    assert "Never collected" in content
    assert 'class="breadcrumbs"' in content  # inside the admin's own layout


def test_the_admin_index_links_to_the_page(admin_client):
    assert b'href="/admin/telemetry/"' in admin_client.get("/admin/").content


def test_turning_it_on_takes_effect_and_shows_the_events_sent(admin_client):
    response = admin_client.post("/admin/telemetry/toggle/", {"enabled": "true"}, follow=True)
    assert b"Telemetry is on." in response.content
    assert installation.get().telemetry_enabled is True
    page = admin_client.get("/admin/telemetry/").content.decode()
    assert "Telemetry is ON" in page
    assert "admin.telemetry_toggled" in page and "install.first_seen" in page


def test_turning_it_off_sends_nothing_and_a_double_click_is_harmless(admin_client):
    installation.set_telemetry_enabled(True)
    for _ in range(2):
        admin_client.post("/admin/telemetry/toggle/", {"enabled": "false"})
    assert installation.get().telemetry_enabled is False
    assert not (settings.LOG_DIR / "app.jsonl").exists()


def test_a_bad_target_is_refused(admin_client):
    assert admin_client.post("/admin/telemetry/toggle/", {"enabled": "yes"}).status_code == 400
    assert installation.get().telemetry_enabled is False


def test_staff_can_view_but_only_superusers_toggle(client, owner, setup_done):
    client.force_login(owner)
    page = client.get("/admin/telemetry/")
    assert page.status_code == 200
    assert b"Only superusers can change this setting." in page.content
    assert client.post("/admin/telemetry/toggle/", {"enabled": "true"}).status_code == 403
    assert installation.get().telemetry_enabled is False


def test_members_and_visitors_are_sent_to_the_admin_login(client, colleague, setup_done):
    assert "/admin/login/" in client.get("/admin/telemetry/")["Location"]
    client.force_login(colleague)
    assert "/admin/login/" in client.get("/admin/telemetry/")["Location"]
    client.post("/admin/telemetry/toggle/", {"enabled": "true"})
    assert installation.get().telemetry_enabled is False


def test_the_toggle_requires_a_csrf_token(superuser, setup_done):
    strict = HttpClient(enforce_csrf_checks=True)
    strict.force_login(superuser)
    assert strict.post("/admin/telemetry/toggle/", {"enabled": "true"}).status_code == 403
    assert installation.get().telemetry_enabled is False


def test_a_locked_state_shows_why_and_offers_no_switch(admin_client, settings):
    settings.DO_NOT_TRACK = True
    content = admin_client.get("/admin/telemetry/").content.decode()
    assert "(locked)" in content and "DO_NOT_TRACK=1" in content
    assert 'id="telemetry-toggle"' not in content
    response = admin_client.post("/admin/telemetry/toggle/", {"enabled": "true"}, follow=True)
    assert b"Telemetry is locked" in response.content
    assert installation.get().telemetry_enabled is False


def test_a_corrupt_store_is_shown_with_the_repair_command(admin_client):
    (settings.TIMETRACKER_DATA_DIR / "installation.json").write_text("{nope")
    installation.reset_cache()
    content = admin_client.get("/admin/telemetry/").content.decode()
    assert "Installation store problem (corrupt)" in content
    assert "setup --repair" in content


def test_sinks_status_shows_hosts_but_never_keys(admin_client, settings):
    settings.POSTHOG_API_KEY = "phc_supersecret"
    settings.POSTHOG_HOST = "https://eu.i.posthog.com"
    settings.SENTRY_DSN = "https://sentrykey123@o1.ingest.sentry.io/9"
    settings.TELE_URL = "https://collector.example/in?token=tele-secret"
    content = admin_client.get("/admin/telemetry/").content.decode()
    assert "eu.i.posthog.com" in content and "o1.ingest.sentry.io" in content
    assert "collector.example" in content
    for secret in ("phc_supersecret", "sentrykey123", "tele-secret"):
        assert secret not in content


def test_the_dashboard_view_is_itself_an_event(admin_client):
    installation.set_telemetry_enabled(True)
    admin_client.get("/admin/telemetry/")
    from telemetry import emitter

    emitter.flush()
    lines = (settings.LOG_DIR / "app.jsonl").read_text().splitlines()
    assert json.loads(lines[-1])["event"] == "admin.telemetry_dashboard_viewed"


def test_a_switch_off_in_another_process_takes_effect_at_once(settings):
    """The toggle under two processes: a command turns it off, this process stops emitting."""
    installation.complete_setup(telemetry_enabled=True)
    assert emit("auth.logout") is True
    result = subprocess.run(
        [sys.executable, "manage.py", "telemetry", "disable"],
        cwd=settings.BASE_DIR,
        env={
            "PATH": "/usr/bin:/bin",
            "DJANGO_SETTINGS_MODULE": "timetracker.settings",
            "TIMETRACKER_DATA_DIR": str(settings.TIMETRACKER_DATA_DIR),
            "LOG_DIR": str(settings.LOG_DIR),
            "SECRET_KEY": "x" * 50,
            "DATABASE_URL": f"sqlite:///{settings.TIMETRACKER_DATA_DIR / 'other.sqlite3'}",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "Telemetry turned off." in result.stdout
    installation.expire()  # the next request in this process starts with this
    assert emit("auth.logout") is False


def test_a_read_only_store_refuses_the_toggle_and_says_so(admin_client, read_only_dir, settings):
    path, seal = read_only_dir
    settings.TIMETRACKER_DATA_DIR = path
    installation.complete_setup(telemetry_enabled=False)
    seal()
    response = admin_client.post("/admin/telemetry/toggle/", {"enabled": "true"}, follow=True)
    content = response.content.decode()
    # Sealed under a running server: the write is refused (a restarted server shows it locked).
    assert "could not be saved, nothing changed" in content
    assert "Telemetry is OFF" in content
    assert "data directory is read-only" in content
    installation.reset_cache()
    assert installation.get().telemetry_enabled is False


def test_the_page_says_which_server_it_shows(admin_client, setup_done, settings):
    settings.SERVER_LABEL = "app-2"
    page = admin_client.get("/admin/telemetry/").content.decode()
    assert "as seen by this server: app-2" in page
    assert "sent by this server" in page
