import json
import os
import subprocess
import sys

from telemetry import delivery, emitter
from telemetry.emitter import emit
from telemetry.sinks import JsonlSink, recent_events
from telemetry.tests.conftest import posthog_events

HOST_FACTS = {"$os", "$os_version", "$os_distro", "$python_runtime", "$python_version"}
POSTHOG_OWN = {"$lib", "$lib_version", "$is_server"}


def test_posthog_receives_the_events_without_host_facts(
    telemetry_on, posthog_server, sent_events, owner
):
    emit("auth.login", user=owner, is_staff=True)
    emit("timer.stopped", user=owner, duration_seconds=90, has_task=False, billable=True)
    logged = sent_events()
    assert posthog_server.wait_for(lambda s: len(posthog_events(s)) == 2)
    request = posthog_server.requests[0]
    assert request["path"] == "/batch/"
    body = json.loads(request["body"])
    assert body["api_key"] == "phc_test_key"
    for sent, log in zip(posthog_events(posthog_server), logged, strict=True):
        assert sent["event"] == log["event"]
        assert sent["distinct_id"] == log["distinct_id"]
        properties = sent["properties"]
        assert not HOST_FACTS & set(properties)
        assert set(properties) - POSTHOG_OWN == set(log["properties"])
        assert properties["$process_person_profile"] is False
        assert properties["$geoip_disable"] is True


def test_posthog_retries_a_503(telemetry_on, posthog_server):
    posthog_server.statuses = [503]
    emit("auth.logout")
    assert posthog_server.wait_for(lambda s: len(s.requests) == 2, timeout=10)
    assert posthog_events(posthog_server)[-1]["event"] == "auth.logout"


def test_posthog_drops_are_logged_with_a_count_and_shown(telemetry_on, posthog_server, caplog):
    posthog_server.status = 503
    for _ in range(3):
        emit("auth.logout")
    emitter.flush()  # returns once the client gave up on the batch and reported it
    status = delivery.read()["posthog"]
    assert status["dropped"] == 3
    assert "PostHog delivery failed, 3 events dropped" in caplog.text


def test_tele_url_receives_the_same_events_as_json_batches(
    telemetry_on, tele_url_server, sent_events
):
    for _ in range(3):
        emit("auth.logout")
    logged = sent_events()
    assert tele_url_server.wait_for(
        lambda s: sum(len(body["batch"]) for body in s.json_bodies()) == 3
    )
    received = [event for body in tele_url_server.json_bodies() for event in body["batch"]]
    assert received == logged
    assert tele_url_server.requests[0]["path"] == "/ingest"
    assert tele_url_server.requests[0]["headers"]["Content-Type"] == "application/json"
    assert delivery.read()["tele_url"]["delivered"] == 3


def test_tele_url_retries_then_succeeds(telemetry_on, tele_url_server):
    tele_url_server.statuses = [500, 502]
    emit("auth.logout")
    assert tele_url_server.wait_for(lambda s: len(s.requests) == 3)
    assert tele_url_server.wait_for(
        lambda s: "last_success_at" in delivery.read().get("tele_url", {})
    )


def test_tele_url_drops_after_its_retries_and_says_so(telemetry_on, tele_url_server, caplog):
    tele_url_server.status = 500
    emit("auth.logout")
    assert tele_url_server.wait_for(lambda s: "last_error" in delivery.read().get("tele_url", {}))
    assert tele_url_server.wait_for(lambda s: len(s.requests) == 3)
    assert delivery.read()["tele_url"]["dropped"] == 1
    assert "TELE_URL delivery failed, 1 events dropped" in caplog.text


def test_debug_mode_prints_to_stderr_and_sends_nothing(
    telemetry_on, settings, posthog_server, capfd, sent_events
):
    settings.TELEMETRY_DEBUG = True
    emit("auth.logout")
    assert len(sent_events()) == 1
    assert '"event": "auth.logout"' in capfd.readouterr().err
    assert posthog_server.requests == []


def test_the_log_rotates_by_size(telemetry_on, settings, sent_events):
    settings.TELEMETRY_LOG_MAX_BYTES = 2000
    for _ in range(30):
        emit("auth.logout")
    emitter.flush()
    assert (settings.LOG_DIR / "app.jsonl.1").exists()
    assert (settings.LOG_DIR / "app.jsonl").stat().st_size <= 2000 + 1000


def test_recent_events_are_newest_first_and_limited(telemetry_on, sent_events):
    for seconds in range(60):
        emit("timer.stopped", duration_seconds=seconds, has_task=False, billable=False)
    emitter.flush()
    recent = recent_events(50)
    assert len(recent) == 50
    assert recent[0]["properties"]["duration_seconds"] == 59
    assert recent[-1]["properties"]["duration_seconds"] == 10


def test_an_unwritable_log_dir_sends_nothing_and_breaks_nothing(
    telemetry_on, tmp_path, settings, tele_url_server, caplog
):
    blocked = tmp_path / "blocked"
    blocked.mkdir()
    if os.geteuid() == 0:
        subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", str(blocked)], check=True
        )
    else:
        blocked.chmod(0o555)
    try:
        settings.LOG_DIR = blocked
        assert emit("auth.logout") is True  # queued: the request never waits on the disk
        emitter.flush()
        assert "cannot be written" in caplog.text
        assert tele_url_server.requests == []  # what the log cannot show is not sent
    finally:
        if os.geteuid() == 0:
            subprocess.run(["umount", "-l", str(blocked)], check=True)


def test_several_processes_append_whole_lines(tmp_path, settings):
    """Lines written by concurrent processes never interleave."""
    script = (
        "import sys, json\n"
        "from pathlib import Path\n"
        "import django; django.setup()\n"
        "from telemetry.sinks import JsonlSink\n"
        "sink = JsonlSink(Path(sys.argv[1]))\n"
        "for i in range(300):\n"
        "    sink.send({'event': 'auth.logout', 'properties': {'n': i, 'pad': 'x' * 500}})\n"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "timetracker.settings",
        "LOG_DIR": str(tmp_path),
        "TELEMETRY_LOG_MAX_BYTES": "100000000",
    }
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", script, str(tmp_path)], env=env, cwd=settings.BASE_DIR
        )
        for _ in range(3)
    ]
    for process in processes:
        assert process.wait(timeout=60) == 0
    lines = (tmp_path / "app.jsonl").read_text().splitlines()
    assert len(lines) == 900
    assert all(json.loads(line)["event"] == "auth.logout" for line in lines)


def test_a_jsonl_line_is_complete_when_send_returns(telemetry_on, settings):
    sink = JsonlSink(settings.LOG_DIR)
    sink.send({"event": "auth.logout"})
    assert (settings.LOG_DIR / "app.jsonl").read_text().count("\n") == 1
