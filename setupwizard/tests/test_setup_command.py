import json
from io import StringIO

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from setupwizard import installation

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command("setup", *args, stdout=out)
    return out.getvalue()


def store():
    return json.loads((settings.TIMETRACKER_DATA_DIR / "installation.json").read_text())


@pytest.fixture
def password(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a long and unusual passphrase 42")


def test_it_creates_the_admin_and_completes_setup(password):
    output = run("--admin-username", "ops", "--admin-email", "ops@example.test")
    assert "Administrator: created ops" in output
    assert get_user_model().objects.get(username="ops").is_superuser
    assert store()["setup_complete"] is True
    assert store()["telemetry_enabled"] is False


def test_telemetry_is_recorded_when_asked(password):
    run("--admin-username", "ops", "--admin-email", "ops@example.test", "--telemetry")
    assert store()["telemetry_enabled"] is True


def test_a_second_run_changes_nothing_and_says_so(password):
    run("--admin-username", "ops", "--admin-email", "ops@example.test", "--telemetry")
    before = store()
    output = run("--admin-username", "ops", "--admin-email", "ops@example.test", "--no-telemetry")
    assert "already complete, nothing changed" in output
    assert "telemetry choice is unchanged" in output
    assert store() == before
    assert get_user_model().objects.count() == 1


def test_salt_and_id_are_stable_across_runs(password):
    first = installation.get()
    run("--admin-username", "ops", "--admin-email", "ops@example.test")
    installation.reset_cache()
    run()
    after = store()
    assert (after["telemetry_salt"], after["installation_id"]) == (
        first.telemetry_salt,
        first.installation_id,
    )


def test_missing_admin_details_fail_clearly_and_change_nothing():
    with pytest.raises(CommandError, match="--admin-username, --admin-email"):
        run()
    assert store()["setup_complete"] is False


def test_a_weak_password_fails_with_the_validator_message(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "123")
    with pytest.raises(CommandError, match="too short"):
        run("--admin-username", "ops", "--admin-email", "ops@example.test")
    assert not get_user_model().objects.exists()


def test_a_bad_email_fails(password):
    with pytest.raises(CommandError, match="valid email"):
        run("--admin-username", "ops", "--admin-email", "not-an-email")


def test_status_prints_the_setup_link_while_incomplete():
    output = run("--status")
    assert "Setup complete: no" in output
    assert f"/setup/?token={installation.get().setup_token}" in output


def test_status_reports_a_corrupt_store():
    installation.get()
    (settings.TIMETRACKER_DATA_DIR / "installation.json").write_text("[]")
    installation.reset_cache()
    output = run("--status")
    assert "Problem (corrupt)" in output
    assert "setup --repair" in output


def test_repair_restores_a_working_store(superuser):
    original = installation.complete_setup(telemetry_enabled=True)
    path = settings.TIMETRACKER_DATA_DIR / "installation.json"
    path.write_text(path.read_text().replace("true", "maybe"))
    installation.reset_cache()
    assert installation.get() is None
    output = run("--repair")
    assert "Recovered the telemetry salt" in output
    repaired = installation.get()
    assert repaired.telemetry_salt == original.telemetry_salt
    assert repaired.setup_complete is True
    assert repaired.telemetry_enabled is False


def test_the_command_exits_non_zero_on_bad_input(server_process):
    server = server_process()
    result = server.manage("setup", check=False)
    assert result.returncode != 0
    assert "run `manage.py migrate` first" in result.stderr
    server.manage("migrate", "-v0")
    result = server.manage("setup", check=False)
    assert result.returncode != 0
    assert "No administrator exists yet" in result.stderr


def test_repair_recovers_a_salt_whose_closing_quote_was_cut_off(superuser):
    original = installation.complete_setup(telemetry_enabled=False)
    path = settings.TIMETRACKER_DATA_DIR / "installation.json"
    text = path.read_text()
    assert text.rstrip().endswith(f'"telemetry_salt": "{original.telemetry_salt}"\n}}')
    path.write_bytes(path.read_bytes()[:-4])  # the closing quote, newline, brace, newline
    installation.reset_cache()
    assert installation.get() is None
    output = run("--repair")
    assert "Recovered the telemetry salt" in output
    assert "Recovered the telemetry installation id" in output
    repaired = installation.get()
    assert repaired.telemetry_salt == original.telemetry_salt
    assert repaired.installation_id == original.installation_id


def test_a_corrupt_store_blocks_no_command(server_process):
    server = server_process()
    server.manage("migrate", "-v0")
    server.data_dir.mkdir(exist_ok=True)
    (server.data_dir / "installation.json").write_text('{"telemetry_salt": "cut')
    for command in (("check",), ("migrate", "-v0"), ("setup", "--status")):
        result = server.manage(*command, check=False)
        assert result.returncode == 0, result.stderr
    assert "setupwizard.W002" in server.manage("check").stderr
    assert "setup --repair" in server.manage("check").stderr
    result = server.manage("setup", "--repair", check=False)
    assert result.returncode == 0, result.stderr
    assert "Wrote a valid" in result.stdout
    assert "setupwizard.W002" not in server.manage("check").stderr


def test_the_record_moves_into_the_database_keeping_salt_and_id(settings):
    original = installation.complete_setup(telemetry_enabled=True)
    output = run("--store", "database")
    assert f"Moved installation {original.installation_id}" in output
    assert "Now set INSTALLATION_STORE=database" in output
    settings.INSTALLATION_STORE = "database"
    moved = installation.get()
    assert (moved.telemetry_salt, moved.installation_id) == (
        original.telemetry_salt,
        original.installation_id,
    )
    assert moved.setup_complete and moved.telemetry_enabled
    assert "already holds this record: nothing changed" in run("--store", "database")


def test_the_record_moves_back_into_a_file(settings):
    settings.INSTALLATION_STORE = "database"
    original = installation.complete_setup(telemetry_enabled=False)
    (settings.TIMETRACKER_DATA_DIR / "installation.json").unlink(missing_ok=True)
    assert "to the file store" in run("--store", "file")
    settings.INSTALLATION_STORE = "file"
    assert installation.get().installation_id == original.installation_id


def test_moving_never_overwrites_another_set_up_installation(settings):
    file_record = installation.complete_setup(telemetry_enabled=False)
    settings.INSTALLATION_STORE = "database"
    other = installation.complete_setup(telemetry_enabled=False)
    assert other.installation_id != file_record.installation_id
    with pytest.raises(CommandError, match="already holds another installation"):
        run("--store", "database")
    installation.reset_cache()
    assert installation.get().installation_id == other.installation_id


def test_setup_never_gives_a_database_with_users_a_new_identity(db, capsys):
    """A database restored without its installation record: setup refuses and says how."""
    get_user_model().objects.create_superuser("restored", "r@example.test", "pw")
    before = installation.get()
    with pytest.raises(CommandError, match="restore its installation record too") as refused:
        call_command("setup", "--no-telemetry")
    assert "setup --repair" in str(refused.value)
    assert installation.get() == before and not before.setup_complete
