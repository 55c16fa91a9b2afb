"""manage.py backup and restore: one archive brings back the same installation."""

import tarfile
from datetime import UTC, datetime, timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command

from setupwizard import installation
from tracking.models import BusinessProfile, Client, DayTotal, Project, TimeEntry, YearTotal
from tracking.tests.recount import assert_totals_match

# Restoring replaces the whole database: outside a test transaction.
pytestmark = pytest.mark.django_db(transaction=True)

LOGO = b"\x89PNG\r\n\x1a\n" + b"logo bytes" * 10


def some_work():
    boss = get_user_model().objects.create_superuser("boss", "boss@example.test", "pw")
    acme = Client.objects.create(name="Acme")
    site = Project.objects.create(name="Website", client=acme, hourly_rate="80.00")
    start = datetime(2026, 11, 2, 9, tzinfo=UTC)
    for n in range(5):
        TimeEntry.objects.create(
            user=boss,
            project=site,
            start=start + timedelta(days=n),
            end=start + timedelta(days=n, minutes=45 + n),
        )
    profile = BusinessProfile.load()
    profile.logo.save("logo.png", ContentFile(LOGO))
    return TimeEntry.objects.total_seconds()


def command(name, *args) -> str:
    out = StringIO()
    call_command(name, *args, stdout=out)
    return out.getvalue()


def test_a_backup_restores_the_same_installation_with_its_time_and_logo(setup_done, tmp_path):
    seconds = some_work()
    identity = installation.get()
    archive = tmp_path / "timetracker.tar.gz"

    out = command("backup", str(archive))

    assert f"Backed up installation {identity.installation_id}: 1 user(s), 5 entries" in out
    with tarfile.open(archive) as opened:
        names = opened.getnames()
    assert "backup/manifest.json" in names and "backup/secret_key" in names
    assert "backup/media/logo/logo.png" in names

    # A new server: an empty database and data directory.
    call_command("flush", interactive=False, verbosity=0)
    assert not YearTotal.objects.exists() and not DayTotal.objects.exists()
    (Path(settings.TIMETRACKER_DATA_DIR) / "installation.json").unlink()
    for file in Path(settings.MEDIA_ROOT).rglob("*.png"):
        file.unlink()
    installation.reset_cache()

    out = command("restore", str(archive))

    assert f"Installation {identity.installation_id} restored" in out
    restored = installation.get()
    assert (restored.installation_id, restored.telemetry_salt) == (
        identity.installation_id,
        identity.telemetry_salt,
    )
    assert restored.setup_complete
    assert TimeEntry.objects.count() == 5 and TimeEntry.objects.total_seconds() == seconds
    # The running totals come back equal to the entries (rebuilt as they load, never twice).
    assert_totals_match()
    assert YearTotal.objects.get().entries == DayTotal.objects.count() == 5
    assert BusinessProfile.load().logo.read() == LOGO
    key = Path(settings.TIMETRACKER_DATA_DIR) / "secret_key"
    assert key.read_text() == settings.SECRET_KEY


def test_restore_refuses_a_database_that_holds_data(setup_done, tmp_path):
    some_work()
    archive = tmp_path / "b.tar.gz"
    command("backup", str(archive), "--no-secret")
    with tarfile.open(archive) as opened:
        assert "backup/secret_key" not in opened.getnames()
    with pytest.raises(CommandError, match="already holds user accounts"):
        command("restore", str(archive))
    TimeEntry.objects.filter(pk=TimeEntry.objects.first().pk).update(notes="changed")
    command("restore", str(archive), "--force")
    assert not TimeEntry.objects.filter(notes="changed").exists()


def test_a_damaged_archive_restores_nothing(setup_done, tmp_path):
    some_work()
    archive = tmp_path / "b.tar.gz"
    command("backup", str(archive))
    call_command("flush", interactive=False, verbosity=0)
    unpacked = tmp_path / "unpacked"
    with tarfile.open(archive) as opened:
        opened.extractall(unpacked, filter="data")
    (unpacked / "backup" / "installation.json").write_text("{}")
    damaged = tmp_path / "damaged.tar.gz"
    with tarfile.open(damaged, "w:gz") as rewritten:
        rewritten.add(unpacked / "backup", arcname="backup")
    with pytest.raises(
        CommandError, match=r"installation\.json in .* does not match its checksum"
    ):
        command("restore", str(damaged))
    assert not get_user_model().objects.exists()
    not_a_backup = tmp_path / "x.tar.gz"
    not_a_backup.write_bytes(b"not an archive")
    with pytest.raises(CommandError, match="is not a TimeTracker backup"):
        command("restore", str(not_a_backup))
