"""The installation record's guarantees, for both backends (file and database).

Backend-specific behaviour (a corrupt file moved aside, a read-only directory) is in
test_installation_store.py; what the database backend alone does is at the end here.
"""

import json
import multiprocessing
import os
import re
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from setupwizard import installation
from setupwizard.models import InstallationRecord
from setupwizard.tests.helpers import toggle_in_a_process


class RawFile:
    """The record as another process sees it: the file itself."""

    def path(self) -> Path:
        return Path(settings.TIMETRACKER_DATA_DIR) / "installation.json"

    def read(self) -> dict:
        return json.loads(self.path().read_text())

    def write_text(self, text: str) -> None:
        tmp = self.path().with_suffix(".tmp")
        tmp.write_text(text)
        os.replace(tmp, self.path())  # what another process's atomic write does


class RawRow:
    """The record as another server sees it: the database row."""

    def read(self) -> dict:
        return InstallationRecord.objects.get(pk=1).data

    def write_text(self, text: str) -> None:
        try:
            data = json.loads(text)
        except ValueError:
            data = text  # a JSON string: as invalid a record as a broken file
        row = InstallationRecord.objects.get(pk=1)
        InstallationRecord.objects.filter(pk=1).update(data=data, revision=row.revision + 1)


@pytest.fixture(params=["file", "database"])
def raw(request, settings):
    if request.param == "database":
        request.getfixturevalue("db")
    settings.INSTALLATION_STORE = request.param
    return RawFile() if request.param == "file" else RawRow()


def test_the_record_is_created_on_first_read_with_every_key(raw):
    current = installation.get()
    data = raw.read()
    assert data["schema_version"] == 1
    assert re.fullmatch(r"[0-9a-f]{64}", data["telemetry_salt"])
    assert re.fullmatch(r"[0-9a-f]{16}", data["installation_id"])
    assert (data["setup_complete"], data["telemetry_enabled"]) == (False, False)
    assert data["setup_completed_at"] is None and data["telemetry_changed_at"] is None
    assert len(data["setup_token"]) >= 32
    assert current.telemetry_salt == data["telemetry_salt"]


def test_salt_and_id_survive_a_restart(raw):
    first = installation.get()
    installation.reset_cache()  # what a new process sees
    second = installation.get()
    assert (first.telemetry_salt, first.installation_id) == (
        second.telemetry_salt,
        second.installation_id,
    )


def test_completing_setup_records_the_choice_and_removes_the_token(raw):
    before = installation.get()
    installation.complete_setup(telemetry_enabled=True)
    data = raw.read()
    assert data["setup_complete"] is True and data["telemetry_enabled"] is True
    assert data["setup_completed_at"].endswith("+00:00")
    assert "setup_token" not in data
    assert data["telemetry_salt"] == before.telemetry_salt


def test_setup_cannot_complete_twice(raw):
    installation.complete_setup(telemetry_enabled=False)
    with pytest.raises(installation.StoreError, match="already complete"):
        installation.complete_setup(telemetry_enabled=True)
    assert raw.read()["telemetry_enabled"] is False


def test_a_change_elsewhere_applies_from_the_next_request(raw):
    installation.complete_setup(telemetry_enabled=False)
    assert installation.get().telemetry_enabled is False
    data = raw.read()
    data["telemetry_enabled"] = True
    raw.write_text(json.dumps(data))
    installation.expire()  # what the next request does first
    assert installation.get().telemetry_enabled is True


def test_a_change_elsewhere_is_seen_once_the_trust_window_ends(raw, monkeypatch):
    installation.complete_setup(telemetry_enabled=False)
    installation.get()
    checked = time.monotonic()
    data = raw.read()
    data["telemetry_enabled"] = True
    raw.write_text(json.dumps(data))
    assert installation.get().telemetry_enabled is False  # still trusted: not checked yet
    later = checked + installation.TRUSTED_FOR_SECONDS + 0.01
    monkeypatch.setattr(time, "monotonic", lambda: later)
    assert installation.get().telemetry_enabled is True


def test_an_invalid_record_fails_closed_refuses_writes_and_mints_nothing(raw):
    salt = installation.get().telemetry_salt
    raw.write_text('{"telemetry_salt": "' + salt + '", truncated')
    installation.reset_cache()
    state = installation.get_state()
    assert state.problem == installation.CORRUPT and state.installation is None
    assert "--repair" in state.detail
    with pytest.raises(installation.StoreError, match="--repair"):
        installation.set_telemetry_enabled(True)
    installation.reset_cache()
    assert installation.get_state().problem == installation.CORRUPT


def test_repair_recovers_the_salt_and_id(raw):
    original = installation.get()
    text = json.dumps(raw.read()).replace('"schema_version": 1', '"schema_version": 2')
    raw.write_text(text)
    installation.reset_cache()
    assert installation.get_state().problem == installation.CORRUPT
    report = installation.repair(has_superuser=True)
    installation.reset_cache()
    repaired = installation.get()
    assert report.changed
    assert repaired.telemetry_salt == original.telemetry_salt
    assert repaired.installation_id == original.installation_id
    assert (repaired.setup_complete, repaired.telemetry_enabled) == (True, False)
    assert any("Recovered the telemetry salt" in message for message in report.messages)


def test_repair_of_a_valid_record_changes_nothing(raw):
    installation.complete_setup(telemetry_enabled=False)
    before = raw.read()
    assert not installation.repair(has_superuser=True).changed
    assert raw.read() == before


def test_repair_adopts_a_new_record_beside_an_existing_administrator(raw):
    before = installation.get()
    report = installation.repair(has_superuser=True)
    assert report.changed and "completed it with this record's identity" in report.messages[0]
    after = installation.get()
    assert after.setup_complete and not after.telemetry_enabled
    assert (after.telemetry_salt, after.installation_id) == (
        before.telemetry_salt,
        before.installation_id,
    )


def test_a_claim_runs_once_per_installation(raw):
    runs = []
    assert installation.claim("first_seen_sent_at", lambda: runs.append(1) or True) is True
    assert installation.claim("first_seen_sent_at", lambda: runs.append(1) or True) is False
    assert runs == [1]
    assert raw.read()["first_seen_sent_at"]


def test_a_periodic_claim_runs_again_when_due(raw):
    every = timedelta(hours=24)
    assert installation.claim("last_heartbeat_at", lambda: True, every=every) is True
    assert installation.claim("last_heartbeat_at", lambda: True, every=every) is False
    data = raw.read()
    data["last_heartbeat_at"] = "2020-01-01T00:00:00+00:00"
    raw.write_text(json.dumps(data))
    assert installation.claim("last_heartbeat_at", lambda: True, every=every) is True


def test_a_failed_action_is_not_recorded(raw):
    assert installation.claim("first_seen_sent_at", lambda: False) is False
    assert raw.read().get("first_seen_sent_at") is None


# The database backend alone


@pytest.fixture
def database_store(db, settings):
    settings.INSTALLATION_STORE = "database"


def test_a_trusted_state_costs_no_query(database_store, django_assert_num_queries):
    installation.get()
    with django_assert_num_queries(0):
        for _ in range(100):
            installation.get()


def test_a_request_costs_one_small_query_when_nothing_changed(
    database_store, django_assert_num_queries
):
    installation.get()
    with django_assert_num_queries(1) as captured:
        installation.expire()
        installation.get()
    assert '"revision"' in captured.captured_queries[0]["sql"]


def test_a_database_that_is_not_migrated_fails_closed_and_blocks_nothing(server_process):
    server = server_process(env={"INSTALLATION_STORE": "database"})
    check = server.manage("check", check=False)
    assert check.returncode == 0, check.stderr
    assert "setupwizard.W002" in check.stderr and "migrate" in check.stderr
    server.manage("migrate", "-v0")
    assert "setupwizard.W002" not in server.manage("check").stderr


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_several_servers_toggling_lose_no_update_and_keep_one_identity(settings):
    if connection.vendor != "postgresql":
        pytest.skip("several processes on one test database: a PostgreSQL test (CI runs it)")
    settings.INSTALLATION_STORE = "database"
    original = installation.get()
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    workers = [
        context.Process(target=toggle_in_a_process, args=(url, key, 100, results))
        for key in ("telemetry_enabled", "setup_complete", "telemetry_enabled", "setup_complete")
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
        assert worker.exitcode == 0
    outcomes = [results.get(timeout=5) for _ in workers]
    assert [identities for identities, _ in outcomes] == [1, 1, 1, 1]
    assert sorted(claimed for _, claimed in outcomes) == [False, False, False, True]
    installation.reset_cache()
    final = installation.get()
    assert (final.telemetry_salt, final.installation_id) == (
        original.telemetry_salt,
        original.installation_id,
    )
    assert final.telemetry_enabled is True and final.setup_complete is True
