import hashlib
import threading

import pytest
from django.conf import settings

from setupwizard import installation
from telemetry import emitter
from telemetry.emitter import emit
from telemetry.sinks import JsonlSink
from timetracker.version import __version__


def test_off_records_nothing_and_starts_nothing(setup_done, sent_events, posthog_server):
    assert emit("auth.logout") is False
    assert emitter._current is None  # no dispatcher, so no sink and no PostHog client
    assert sent_events() == []
    assert not (settings.LOG_DIR / "app.jsonl").exists()
    assert not any("posthog" in thread.name.lower() for thread in threading.enumerate())
    assert posthog_server.requests == []


def test_an_event_carries_exactly_the_allowed_keys(telemetry_on, sent_events, owner):
    emit("auth.login", user=owner, is_staff=True)
    [event] = sent_events()
    assert set(event) == {"event", "distinct_id", "timestamp", "properties"}
    assert event["properties"] == {
        "is_staff": True,
        "installation_id": telemetry_on.installation_id,
        "app_version": __version__,
        "$process_person_profile": False,
        "$geoip_disable": True,
    }
    assert event["timestamp"].endswith("+00:00")


def test_the_user_is_a_salted_fingerprint(telemetry_on, sent_events, owner):
    emit("auth.logout", user=owner)
    emit("auth.logout")
    user_event, anonymous_event = sent_events()
    salt = telemetry_on.telemetry_salt
    assert (
        user_event["distinct_id"] == hashlib.sha256(f"{salt}:user:{owner.pk}".encode()).hexdigest()
    )
    assert (
        anonymous_event["distinct_id"]
        == hashlib.sha256(f"{salt}:installation".encode()).hexdigest()
    )


def test_turning_telemetry_off_stops_what_is_already_queued(telemetry_on, sent_events):
    gate, holding = threading.Event(), threading.Event()
    dispatcher = emitter._dispatcher()

    class HeldSink(JsonlSink):
        def send(self, event):
            holding.set()
            gate.wait(5)
            super().send(event)

    dispatcher.sinks = [HeldSink(settings.LOG_DIR)]
    emit("auth.logout")  # the dispatcher takes this one and waits at the gate
    assert holding.wait(5)
    for _ in range(5):
        emit("auth.logout")
    installation.set_telemetry_enabled(False)
    gate.set()
    assert len(sent_events()) == 1  # only the one already in the sink's hands


def test_a_full_queue_drops_and_never_blocks(telemetry_on, monkeypatch, caplog):
    monkeypatch.setattr(emitter, "QUEUE_SIZE", 3)
    gate = threading.Event()
    dispatcher = emitter._dispatcher()

    class StuckSink:
        def send(self, event):
            gate.wait(5)

        def flush(self):
            pass

        def discard(self):
            pass

        def close(self):
            pass

    dispatcher.sinks = [StuckSink()]
    results = [emit("auth.logout") for _ in range(10)]
    gate.set()
    assert results.count(False) >= 5
    assert dispatcher.dropped_full >= 5
    assert "Telemetry queue full" in caplog.text


@pytest.mark.parametrize("name", ["auth.logout", "admin.telemetry_dashboard_viewed"])
def test_events_reach_the_log_in_order(telemetry_on, event_names, name):
    for _ in range(3):
        emit(name)
    assert event_names() == [name] * 3


def test_a_dispatcher_belongs_to_one_process(telemetry_on, monkeypatch):
    first = emitter._dispatcher()
    monkeypatch.setattr(first, "pid", -1)  # as a forked child sees its parent's dispatcher
    second = emitter._dispatcher()
    assert second is not first
    assert second.thread.is_alive()
