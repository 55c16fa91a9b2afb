"""The file backend: the file on disk, its corruption, its directory, several processes."""

import json
import multiprocessing
import os
import re
import time
from pathlib import Path

import pytest
from django.conf import settings

from setupwizard import installation


def store_file():
    return settings.TIMETRACKER_DATA_DIR / "installation.json"


def read_store():
    return json.loads(store_file().read_text())


def test_an_unchanged_store_is_not_read_again(monkeypatch):
    installation.get()
    reads = []
    original = type(store_file()).read_bytes
    monkeypatch.setattr(
        type(store_file()), "read_bytes", lambda self: reads.append(self) or original(self)
    )
    for _ in range(100):
        installation.expire()
        installation.get()
    assert reads == []


def test_a_trusted_state_costs_no_system_call(monkeypatch):
    installation.get()
    monkeypatch.setattr(os, "stat", lambda *args, **kwargs: pytest.fail("stat() called"))
    for _ in range(100):
        installation.get()


def test_a_corrupt_store_is_moved_aside_and_never_replaced(caplog):
    salt = installation.get().telemetry_salt
    store_file().write_text('{"telemetry_salt": "' + salt + '", truncated')
    installation.reset_cache()
    state = installation.get_state()
    assert state.problem == installation.CORRUPT
    assert state.installation is None
    copies = installation.corrupt_copies()
    assert len(copies) == 1
    assert re.fullmatch(r"installation\.json\.corrupt-\d{8}T\d{12}Z", copies[0].name)
    assert "corrupt" in caplog.text
    # Still no new identity on the next reads, in this process or a new one.
    installation.reset_cache()
    assert installation.get_state().problem == installation.CORRUPT
    assert not store_file().exists()


def test_writes_are_refused_while_the_store_is_quarantined():
    installation.get()
    store_file().write_text("not json")
    installation.reset_cache()
    installation.get_state()
    with pytest.raises(installation.StoreError, match="--repair"):
        installation.set_telemetry_enabled(True)
    assert not store_file().exists()


def test_repair_recovers_the_salt_and_id_from_the_corrupt_copy():
    original = installation.get()
    text = store_file().read_text()
    store_file().write_text(text.replace('"schema_version": 1', '"schema_version": 1,,'))
    installation.reset_cache()
    assert installation.get_state().problem == installation.CORRUPT
    report = installation.repair(has_superuser=True)
    installation.reset_cache()
    repaired = installation.get()
    assert report.changed
    assert repaired.telemetry_salt == original.telemetry_salt
    assert repaired.installation_id == original.installation_id
    assert repaired.setup_complete is True
    assert repaired.telemetry_enabled is False
    assert any("Recovered the telemetry salt" in message for message in report.messages)


def test_repair_says_so_when_the_identity_is_lost():
    installation.get()
    store_file().write_text("\x00\x00 garbage")
    installation.reset_cache()
    installation.get_state()
    report = installation.repair(has_superuser=False)
    assert any("Could not recover the telemetry salt" in message for message in report.messages)
    installation.reset_cache()
    assert installation.get().setup_complete is False


def test_a_read_only_data_dir_without_a_store_does_not_crash(read_only_dir, settings):
    path, seal = read_only_dir
    seal()
    settings.TIMETRACKER_DATA_DIR = path
    state = installation.get_state()
    assert state.problem == installation.READ_ONLY
    assert state.installation is None
    assert not installation.data_dir_writable()


def test_a_read_only_data_dir_keeps_the_existing_identity(read_only_dir, settings):
    path, seal = read_only_dir
    settings.TIMETRACKER_DATA_DIR = path
    original = installation.complete_setup(telemetry_enabled=False)
    seal()
    installation.reset_cache()
    assert installation.get().telemetry_salt == original.telemetry_salt
    with pytest.raises(OSError):
        installation.set_telemetry_enabled(True)
    installation.reset_cache()
    assert installation.get() == original


def _hammer(data_dir: str, key: str, rounds: int, results) -> None:
    """In a separate process: flip one key ``rounds`` times, counting torn reads."""
    import django

    os.environ["TIMETRACKER_DATA_DIR"] = data_dir
    django.setup()
    from django.conf import settings as child_settings

    from setupwizard import installation as store

    child_settings.TIMETRACKER_DATA_DIR = data_dir
    torn = 0

    def write(value: bool) -> None:
        with store.backend().change() as data:
            data[key] = value

    for index in range(rounds):
        write(index % 2 == 0)
        try:
            json.loads(Path(data_dir, "installation.json").read_text())
        except ValueError:
            torn += 1
    write(True)
    results.put(torn)


def test_concurrent_writers_lose_no_update_and_never_tear_the_file(settings):
    original = installation.get()
    data_dir = str(settings.TIMETRACKER_DATA_DIR)
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    workers = [
        context.Process(target=_hammer, args=(data_dir, key, 200, results))
        for key in ("telemetry_enabled", "setup_complete", "telemetry_enabled")
    ]
    started = time.monotonic()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
        assert worker.exitcode == 0
    torn = [results.get(timeout=5) for _ in workers]
    assert torn == [0, 0, 0]
    data = read_store()
    assert data["telemetry_salt"] == original.telemetry_salt
    assert data["installation_id"] == original.installation_id
    # Each process's final write survived the others'.
    assert data["telemetry_enabled"] is True
    assert data["setup_complete"] is True
    assert time.monotonic() - started < 120
