import gzip
import json
import socket
import urllib.error
import urllib.parse
import urllib.request

import pytest
import sentry_sdk
from django.test import Client as HttpClient

from telemetry.sentry import init_sentry, scrub_event
from timetracker.version import __version__

MARKERS = ["ZQX", "marker-email", "Marker Person", "secret-cookie", "token=abc"]


@pytest.fixture
def sentry(recording_server, settings):
    settings.SENTRY_DSN = f"http://publickey123@127.0.0.1:{recording_server.server.server_port}/42"
    settings.SENTRY_TRACES_RATE = 0.0
    assert init_sentry()
    yield recording_server
    sentry_sdk.get_client().close(timeout=2)
    sentry_sdk.init()


def envelopes(server) -> list[str]:
    texts = []
    for body in server.bodies():
        try:
            texts.append(gzip.decompress(body).decode())
        except OSError:
            texts.append(body.decode())
    return texts


@pytest.mark.django_db
@pytest.mark.urls("telemetry.tests.urls_for_errors")
def test_an_error_reaches_sentry_without_personal_data(sentry, owner, setup_done):
    owner.username = "Marker Person ZQX"
    owner.email = "marker-email-ZQX@example.test"
    owner.save()
    client = HttpClient(raise_request_exception=False)
    client.force_login(owner)
    client.cookies["tracking"] = "secret-cookie-ZQX"
    response = client.post(
        "/boom/?token=abc-ZQX",
        {"notes": "Lunch with Marker Person ZQX"},
        HTTP_X_FORWARDED_FOR="203.0.113.7",
        HTTP_AUTHORIZATION="Bearer ZQX",
    )
    assert response.status_code == 500
    sentry_sdk.flush(timeout=5)
    assert sentry.wait_for(lambda s: len(s.requests) >= 1)
    text = "\n".join(envelopes(sentry))
    assert "the report could not be built" in text
    for marker in [*MARKERS, "203.0.113.7", "Bearer"]:
        i = text.find(marker)
        assert i < 0, text[max(0, i - 300) : i + 100]
    event = json.loads(next(line for line in text.splitlines() if '"exception"' in line))
    assert event["server_name"] == "timetracker"
    assert event["release"] == f"timetracker@{__version__}"
    assert "user" not in event


def test_a_real_server_reports_the_path_only(server_process, recording_server):
    dsn = f"http://publickey123@127.0.0.1:{recording_server.server.server_port}/42"
    server = server_process(
        env={
            "SENTRY_DSN": dsn,
            "SENTRY_TRACES_RATE": "0",
            "DJANGO_SETTINGS_MODULE": "telemetry.tests.settings_failing_view",
        }
    )
    server.manage("migrate", "-v0")
    server.manage(
        "setup",
        "--admin-username",
        "ops",
        "--admin-email",
        "ops@example.test",
        extra_env={"DJANGO_SUPERUSER_PASSWORD": "a long and unusual passphrase 42"},
    )
    server.start()
    request = urllib.request.Request(
        server.url + "/boom/?email=marker-email-ZQX@example.test",
        data=urllib.parse.urlencode({"notes": "Lunch with Marker Person ZQX"}).encode(),
        headers={
            "Cookie": "sessionid=secret-cookie-ZQX",
            "X-Forwarded-For": "203.0.113.7",
            "Authorization": "Bearer ZQX",
            "User-Agent": "Marker Person ZQX browser",
        },
    )
    with pytest.raises(urllib.error.HTTPError) as failure:
        urllib.request.urlopen(request, timeout=10)
    assert failure.value.code == 500
    assert recording_server.wait_for(lambda s: len(s.requests) >= 1, timeout=15)
    text = "\n".join(envelopes(recording_server))
    assert "the report could not be built" in text
    for marker in [*MARKERS, "203.0.113.7", "Bearer", socket.gethostname()]:
        assert marker not in text
    event = json.loads(next(line for line in text.splitlines() if '"exception"' in line))
    assert event["request"]["url"] == "/boom/"
    assert event["request"]["method"] == "POST"


def test_sentry_is_off_without_a_dsn(settings):
    settings.SENTRY_DSN = ""
    assert init_sentry() is False


def test_scrubbing_drops_request_details_user_and_breadcrumb_messages():
    event = {
        "request": {
            "url": "https://tt.example/entries/3/?q=alice",
            "method": "POST",
            "query_string": "q=alice",
            "data": {"notes": "alice"},
            "cookies": {"sessionid": "s"},
            "headers": {"Cookie": "x", "User-Agent": "alice-agent", "Content-Type": "text/html"},
            "env": {"REMOTE_ADDR": "198.51.100.1"},
        },
        "user": {"id": 1, "email": "alice@example.test"},
        "server_name": "alice-laptop",
        "breadcrumbs": {"values": [{"message": "SELECT alice", "data": {"q": "alice"}}]},
        "exception": {"values": [{"stacktrace": {"frames": [{"vars": {"email": "alice"}}]}}]},
    }
    scrubbed = scrub_event(event)
    assert "alice" not in json.dumps(scrubbed)
    assert scrubbed["request"] == {
        "method": "POST",
        "url": "/entries/3/",
        "headers": {"Content-Type": "text/html"},
    }


def test_log_messages_keep_their_template_but_not_their_values():
    event = {
        "logentry": {
            "message": "Cannot read %s",
            "formatted": "Cannot read /home/alice/notes.txt",
            "params": ["/home/alice/notes.txt"],
        }
    }
    assert scrub_event(event)["logentry"] == {"message": "Cannot read %s"}


@pytest.mark.django_db
def test_a_foreign_host_header_is_not_reported(sentry, settings, setup_done):
    client = HttpClient()
    assert client.get("/accounts/login/", HTTP_HOST="attacker-ZQX.example").status_code == 400
    sentry_sdk.flush(timeout=5)
    assert "attacker-ZQX" not in "\n".join(envelopes(sentry))
