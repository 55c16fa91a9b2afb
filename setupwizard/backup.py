"""One archive that restores the whole installation (``manage.py backup`` / ``restore``).

The archive (a ``.tar.gz``) holds:

- ``database.sqlite3`` (SQLite's online backup API: consistent while the app runs) or
  ``database.json`` (PostgreSQL: Django's serialisation with natural keys, read in one
  repeatable-read transaction, so it is consistent too and loads into any database);
- ``installation.json``: the installation record (salt, id, choices), so every person's
  fingerprint stays the same after a restore;
- ``media/``: uploaded files (the invoice logo);
- ``secret_key`` unless left out (``--no-secret``);
- ``manifest.json``: the format, the app's migrations, when, and a SHA-256 of every part,
  checked before anything is restored.
"""

import hashlib
import json
import shutil
import sqlite3
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from setupwizard import installation

FORMAT = 1
# Not worth keeping: rebuilt by migrate, or only sessions and login attempts.
# The running totals are the database's own (triggers rebuild them as entries load).
NOT_DUMPED = [
    "contenttypes",
    "auth.permission",
    "sessions",
    "axes",
    "tracking.yeartotal",
    "tracking.daytotal",
]


class BackupError(Exception):
    """The archive cannot be written or restored; the message says why."""


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def holds_data() -> bool:
    """The database already has people (a restore would mix two installations)."""
    return get_user_model().objects.exists()


def _dump_database(folder: Path) -> str:
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        target = sqlite3.connect(folder / "database.sqlite3")
        try:
            connection.connection.backup(target)
        finally:
            target.close()
        return "database.sqlite3"
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        call_command(
            "dumpdata",
            natural_foreign=True,
            natural_primary=True,
            exclude=NOT_DUMPED,
            output=str(folder / "database.json"),
            verbosity=0,
        )
    return "database.json"


@dataclass
class Made:
    path: Path
    parts: dict
    installation_id: str


def write_backup(path: Path, *, secret: bool = True) -> Made:
    """Write the archive to ``path`` (atomically: a partial file is never left there)."""
    record = installation.backend().read_valid_record()
    if record is None:
        raise BackupError("The installation record cannot be read: repair it first.")
    with tempfile.TemporaryDirectory(prefix="timetracker-backup-") as scratch:
        folder = Path(scratch) / "backup"
        folder.mkdir()
        names = [_dump_database(folder)]
        (folder / "installation.json").write_text(json.dumps(record, indent=2))
        names.append("installation.json")
        media = Path(settings.MEDIA_ROOT)
        if media.is_dir():
            shutil.copytree(media, folder / "media")
            names += sorted(
                str(file.relative_to(folder))
                for file in (folder / "media").rglob("*")
                if file.is_file()
            )
        if secret:
            (folder / "secret_key").write_text(settings.SECRET_KEY)
            names.append("secret_key")
        manifest = {
            "format": FORMAT,
            "created_at": timezone.now().isoformat(),
            "database": connection.vendor,
            "migrations": sorted(
                f"{app}.{name}" for app, name in MigrationRecorder(connection).applied_migrations()
            ),
            "parts": {name: _sha256(folder / name) for name in names},
        }
        (folder / "manifest.json").write_text(json.dumps(manifest, indent=2))
        partial = path.with_name(path.name + ".partial")
        with tarfile.open(partial, "w:gz") as archive:
            archive.add(folder, arcname="backup")
        partial.replace(path)
    return Made(path, manifest["parts"], record["installation_id"])


def _unpack(path: Path, into: Path) -> tuple[Path, dict]:
    """The archive's folder and manifest, every part checked against its checksum."""
    try:
        with tarfile.open(path, "r:gz") as archive:
            archive.extractall(into, filter="data")
    except (OSError, tarfile.TarError) as error:
        raise BackupError(f"{path} is not a TimeTracker backup ({error}).") from None
    folder = into / "backup"
    try:
        manifest = json.loads((folder / "manifest.json").read_text())
    except (OSError, ValueError):
        raise BackupError(f"{path} has no readable manifest: not a TimeTracker backup.") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{path} is a backup of another format ({manifest.get('format')}).")
    for name, expected in manifest["parts"].items():
        part = folder / name
        if not part.is_file() or _sha256(part) != expected:
            raise BackupError(f"{name} in {path} does not match its checksum: nothing restored.")
    return folder, manifest


def _load_database(folder: Path) -> None:
    if (folder / "database.sqlite3").exists():
        if connection.vendor != "sqlite":
            raise BackupError(
                "This backup is of a SQLite database: restore it into SQLite (DATABASE_URL)."
            )
        connection.ensure_connection()
        source = sqlite3.connect(folder / "database.sqlite3")
        try:
            source.backup(connection.connection)
        finally:
            source.close()
        call_command("migrate", verbosity=0, interactive=False)
        return
    call_command("migrate", verbosity=0, interactive=False)
    call_command("flush", verbosity=0, interactive=False)
    call_command("loaddata", str(folder / "database.json"), verbosity=0)


def restore_backup(path: Path, *, force: bool = False) -> list[str]:
    """Restore the archive at ``path`` into this database and data directory as the same
    installation. Refuses a database that holds data unless ``force``."""
    if not force and holds_data():
        raise BackupError(
            "The database already holds user accounts: restore into an empty database, or "
            "pass --force to replace everything in it. Nothing was changed."
        )
    with tempfile.TemporaryDirectory(prefix="timetracker-restore-") as scratch:
        folder, manifest = _unpack(path, Path(scratch))
        _load_database(folder)
        record = json.loads((folder / "installation.json").read_text())
        installation.backend().write_record(record)
        installation.reset_cache()
        done = [
            f"Database restored ({manifest['database']} backup of {manifest['created_at']}).",
            f"Installation {record['installation_id']} restored: same salt, same fingerprints.",
        ]
        media = folder / "media"
        if media.is_dir():
            shutil.copytree(media, settings.MEDIA_ROOT, dirs_exist_ok=True)
            count = sum(1 for file in media.rglob("*") if file.is_file())
            done.append(f"{count} media file(s) restored to {settings.MEDIA_ROOT}.")
        key = folder / "secret_key"
        if key.exists():
            target = Path(settings.TIMETRACKER_DATA_DIR) / "secret_key"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(key.read_text())
            target.chmod(0o600)
            done.append(f"Secret key restored to {target} (a SECRET_KEY setting, if set, wins).")
    return done


def summary() -> str:
    """What the database holds, for the operator: people, entries and their hours (the
    domain's model looked up by name: setupwizard never imports tracking)."""
    entries = apps.get_model("tracking", "TimeEntry").objects.all()
    seconds = entries.total_seconds()
    return (
        f"{get_user_model().objects.count()} user(s), {entries.count()} entries, "
        f"{seconds // 3600}:{seconds // 60 % 60:02d} hours"
    )
