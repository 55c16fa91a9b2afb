import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from setupwizard import installation
from telemetry.catalog import EVENTS

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command("telemetry", *args, stdout=out)
    return out.getvalue()


def test_status_says_off_and_why(setup_done):
    output = run("status")
    assert "Telemetry: off" in output
    assert installation.get().installation_id in output


def test_enable_then_disable(setup_done, event_names):
    assert "Telemetry turned on." in run("enable")
    assert installation.get().telemetry_enabled is True
    assert "was already on" in run("enable")
    assert "Telemetry turned off." in run("disable")
    assert installation.get().telemetry_enabled is False
    assert event_names() == ["install.first_seen", "admin.telemetry_toggled"]


def test_a_locked_setting_cannot_be_changed(setup_done, settings):
    settings.ENABLE_TELEMETRY = False
    with pytest.raises(CommandError, match="locked"):
        run("enable")
    assert installation.get().telemetry_enabled is False


def test_preview_prints_every_event_as_it_would_be_sent_and_sends_nothing(setup_done, sent_events):
    lines = run("preview").splitlines()
    events = [json.loads(line) for line in lines]
    assert sorted(event["event"] for event in events) == sorted(EVENTS)
    assert all(event["properties"]["installation_id"] for event in events)
    assert sent_events() == []


def test_heartbeat_sends_once_when_on(telemetry_on, event_names):
    assert "Heartbeat sent." in run("heartbeat")
    assert "already sent" in run("heartbeat")
    assert event_names() == ["install.heartbeat"]


def test_heartbeat_does_nothing_when_off(setup_done, sent_events):
    assert "Telemetry is off" in run("heartbeat")
    assert sent_events() == []
