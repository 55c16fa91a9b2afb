"""The privacy promises under faults: read-only store, full disk, a switch-off mid-flight."""

import json
import os
import subprocess
import time

import pytest

from setupwizard import installation
from telemetry import consent, emitter
from telemetry.emitter import emit
from telemetry.tests.conftest import posthog_events
from telemetry.tests.helpers import wait_until


def test_a_read_only_data_dir_records_and_sends_nothing(
    read_only_dir, settings, posthog_server, tele_url_server, sent_events
):
    path, seal = read_only_dir
    settings.TIMETRACKER_DATA_DIR = path
    installation.complete_setup(telemetry_enabled=True)
    seal()
    installation.reset_cache()  # a server started on this directory
    assert emit("auth.logout") is False
    assert sent_events() == []
    decision = consent.decide()
    assert decision.enabled is False
    assert "read-only" in decision.reason
    assert posthog_server.requests == [] and tele_url_server.requests == []


def test_a_data_dir_that_turns_read_only_stops_telemetry_within_seconds(
    read_only_dir, settings, monkeypatch
):
    path, seal = read_only_dir
    settings.TIMETRACKER_DATA_DIR = path
    installation.complete_setup(telemetry_enabled=True)
    assert consent.is_enabled()
    seal()
    later = time.monotonic() + installation.WRITABLE_RECHECK_SECONDS
    monkeypatch.setattr(time, "monotonic", lambda: later)
    installation.expire()  # the next request
    assert emit("auth.logout") is False


@pytest.fixture
def small_disk(tmp_path):
    """A 64 KiB file system, really full once filled (root only: it is a tmpfs mount)."""
    if os.geteuid() != 0:
        pytest.skip("a full disk is simulated with a tmpfs mount, which needs root (CI is)")
    disk = tmp_path / "disk"
    disk.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(disk)], check=True)
    yield disk
    subprocess.run(["umount", "-l", str(disk)], check=True)


def fill(disk, leave_bytes: int):
    """Fill the disk, then free ``leave_bytes`` (rounded to its pages)."""
    filler = disk / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT)
    try:
        while os.write(fd, b"x" * 512):
            pass
    except OSError:
        pass  # full
    finally:
        os.close(fd)
    os.truncate(filler, max(0, filler.stat().st_size - leave_bytes))
    return filler


def test_a_full_disk_sends_only_what_the_log_shows_and_tears_no_line(
    telemetry_on, small_disk, settings, posthog_server, tele_url_server
):
    settings.LOG_DIR = small_disk / "logs"
    settings.LOG_DIR.mkdir()
    filler = fill(small_disk, leave_bytes=4096)
    for number in range(40):
        emit("timer.stopped", duration_seconds=number, has_task=False, billable=False)
    emitter.flush()
    lines = (settings.LOG_DIR / "app.jsonl").read_bytes().split(b"\n")
    assert lines[-1] == b""  # the file ends with a whole line
    logged = [json.loads(line) for line in lines[:-1]]
    assert 0 < len(logged) < 40  # some fitted, some did not
    assert posthog_server.wait_for(lambda s: len(posthog_events(s)) == len(logged))
    assert [e["properties"]["duration_seconds"] for e in posthog_events(posthog_server)] == [
        e["properties"]["duration_seconds"] for e in logged
    ]
    assert tele_url_server.wait_for(
        lambda s: sum(len(body["batch"]) for body in s.json_bodies()) == len(logged)
    )
    # Space again: the next event is a line of its own, readable, after the last whole one.
    filler.unlink()
    emit("timer.stopped", duration_seconds=99, has_task=False, billable=False)
    emitter.flush()
    text = (settings.LOG_DIR / "app.jsonl").read_text().splitlines()
    assert [json.loads(line)["properties"]["duration_seconds"] for line in text][-1] == 99
    assert len(text) == len(logged) + 1


def test_a_line_left_unfinished_never_swallows_the_next(telemetry_on, settings, sent_events):
    settings.LOG_DIR.mkdir(parents=True, exist_ok=True)
    (settings.LOG_DIR / "app.jsonl").write_bytes(b'{"event":"auth.logout","prop')  # a crash
    emit("auth.logout")
    emitter.flush()
    lines = (settings.LOG_DIR / "app.jsonl").read_text().splitlines()
    assert json.loads(lines[-1])["event"] == "auth.logout"
    assert len(lines) == 2


def test_a_switch_off_drops_what_a_slow_posthog_has_not_received(
    telemetry_on, posthog_server, settings
):
    posthog_server.hold()
    emit("auth.logout")
    assert posthog_server.wait_for(lambda s: len(s.requests) == 1)  # on the wire, held
    for _ in range(20):
        emit("auth.logout")
    sink = emitter._current.sinks[1]
    held = {id(c.queue): c.queue for c in sink.client.consumers}.values()

    def waiting() -> int:
        return sum(q.qsize() for q in held)

    assert wait_until(lambda: waiting() == 20)  # handed to the client, not sent
    installation.set_telemetry_enabled(False)  # as another process or the admin would
    assert wait_until(lambda: waiting() == 0)  # the dispatcher noticed on its own
    posthog_server.release()
    sink.flush()
    assert len(posthog_server.requests) == 1
    assert len(posthog_events(posthog_server)) == 1
