import json

import pytest
from django.conf import settings as django_settings

from setupwizard import installation
from telemetry import emitter
from telemetry.sinks import PosthogSink, TeleUrlSink


@pytest.fixture
def telemetry_on():
    """Setup complete and the administrator opted in."""
    return installation.complete_setup(telemetry_enabled=True)


@pytest.fixture
def sent_events():
    """Read the transparency log after flushing the dispatcher: exactly what left."""

    def read() -> list[dict]:
        emitter.flush()
        path = django_settings.LOG_DIR / "app.jsonl"
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text().splitlines()]

    return read


@pytest.fixture
def event_names(sent_events):
    def read() -> list[str]:
        return [event["event"] for event in sent_events()]

    return read


@pytest.fixture
def posthog_server(recording_server, settings, monkeypatch):
    settings.POSTHOG_API_KEY = "phc_test_key"
    settings.POSTHOG_HOST = recording_server.url
    monkeypatch.setattr(PosthogSink, "max_retries", 1)
    return recording_server


@pytest.fixture
def tele_url_server(second_recording_server, settings, monkeypatch):
    settings.TELE_URL = second_recording_server.url + "/ingest"
    monkeypatch.setattr(TeleUrlSink, "retry_delays", (0.05, 0.1))
    return second_recording_server


@pytest.fixture
def webhook_receiver(settings):
    """A webhook receiver on loopback that refuses every delivery (404); deliveries are sent
    by the test."""
    from conftest import RecordingServer

    settings.WEBHOOK_ALLOW_PRIVATE = True
    server = RecordingServer()
    server.status = 404
    yield server
    server.close()


def posthog_events(server) -> list[dict]:
    events = []
    for body in server.json_bodies():
        events.extend(body["batch"])
    return events
