"""The installation store: one record, kept by a backend.

The record holds the installation's identity (a random salt and id, generated once and
never regenerated), two decisions (whether first-run setup is complete, whether the
administrator opted in to telemetry) and telemetry's bookkeeping (when ``install.first_seen``
and the last heartbeat went out). ``INSTALLATION_STORE`` chooses where it lives:

- ``file`` (the default): ``<TIMETRACKER_DATA_DIR>/installation.json``
  (``setupwizard/backends/file.py``);
- ``database``: one row of the project's database, shared by every app server
  (``setupwizard/backends/database.py``).

Both give the same guarantees: reads are cheap and fresh (trusted for a second, revalidated
at the start of every request with one ``stat()`` or one small indexed query), every change
is atomic under a lock held across processes and servers, and an invalid record is never
silently replaced: until ``manage.py setup --repair`` runs, no new identity is minted and
telemetry is off. Callers use the functions below and never know which backend is in use.
"""

import os
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

# The record's definitions live in setupwizard.record; they are named here too, so callers
# need to know only this module.
from setupwizard.record import (  # noqa: F401  (the store's public names)
    BOOKKEEPING_KEYS,
    CORRUPT,
    CORRUPT_MARKER,
    INSTALLATION_ID_RE,
    READ_ONLY,
    REPAIR_COMMAND,
    SALT_RE,
    SCHEMA_VERSION,
    STORE_NAME,
    TRUSTED_FOR_SECONDS,
    UNREADABLE,
    WRITABLE_RECHECK_SECONDS,
    Backend,
    Installation,
    RepairReport,
    StoreError,
    StoreState,
    ensure_setup_token,
    new_record,
    recover_identity,
    repaired_record,
    utc_now_iso,
)
from setupwizard.record import corrupt_copies as _corrupt_copies

# The backend in use


_backend = None


def backend():
    global _backend
    if _backend is None:
        _backend = _make_backend(settings.INSTALLATION_STORE)
    return _backend


def _make_backend(kind: str):
    # Imported when first used, not with this module: the database backend's model needs
    # the app registry, and this module is imported before it is ready. (No cycle: the
    # backends import setupwizard.record, never this module.)
    if kind == "database":
        from setupwizard.backends.database import DatabaseBackend

        return DatabaseBackend()
    from setupwizard.backends.file import FileBackend

    return FileBackend(Path(settings.TIMETRACKER_DATA_DIR))


def reset_cache() -> None:
    """Forget what this process read and which backend it used (tests; new settings)."""
    global _backend
    _backend = None


@receiver(setting_changed)
def _forget_other_store(setting, **kwargs):
    if setting in ("TIMETRACKER_DATA_DIR", "INSTALLATION_STORE"):
        reset_cache()


# Reading


def get_state() -> StoreState:
    """The current state: nothing to do while trusted, one cheap check to revalidate."""
    return backend().get_state()


def get() -> Installation | None:
    """The installation, or ``None`` while the store has a problem (see ``get_state``)."""
    return get_state().installation


def expire() -> None:
    """Make the next read check the store again (called at the start of every request)."""
    backend().expire()


def store_path() -> Path:
    """Where the file backend keeps the record (also the source of ``setup --store``)."""
    return Path(settings.TIMETRACKER_DATA_DIR) / STORE_NAME


def corrupt_copies(path: Path | None = None) -> list[Path]:
    """Quarantined copies of a corrupt store file (the file backend's), oldest first."""
    return _corrupt_copies(path or store_path())


def data_dir_writable() -> bool:
    return os.access(settings.TIMETRACKER_DATA_DIR, os.W_OK)


# Transitions: each one read-modify-write under the backend's lock


def complete_setup(telemetry_enabled: bool) -> Installation:
    """Mark setup complete exactly once; raise ``StoreError`` if it already was."""
    with backend().change() as data:
        if data["setup_complete"]:
            raise StoreError("Setup is already complete.")
        now = utc_now_iso()
        data.update(
            setup_complete=True,
            setup_completed_at=now,
            telemetry_enabled=telemetry_enabled,
            telemetry_changed_at=now,
        )
        data.pop("setup_token", None)
    return Installation.from_dict(data)


def set_telemetry_enabled(enabled: bool) -> tuple[Installation, bool]:
    """Record the administrator's choice; return the installation and whether it changed."""
    with backend().change() as data:
        changed = data["telemetry_enabled"] != enabled
        if changed:
            data.update(telemetry_enabled=enabled, telemetry_changed_at=utc_now_iso())
    return Installation.from_dict(data), changed


def claim(key: str, action: Callable[[], bool], every: timedelta | None = None) -> bool:
    """Run ``action`` once per installation (or once per ``every``), whichever server asks.

    Under the store's lock: if ``key`` (a bookkeeping timestamp) says it is not yet due,
    nothing happens; otherwise ``action()`` runs and, if it says it succeeded, the time is
    recorded. Returns whether the action ran and succeeded. Two servers racing for it:
    one runs it, the other finds it done.
    """
    if key not in BOOKKEEPING_KEYS:
        raise ValueError(f"{key} is not a bookkeeping key")
    with backend().change() as data:
        last = data.get(key)
        if last is not None and (
            every is None or datetime.now(UTC) - datetime.fromisoformat(last) < every
        ):
            return False
        if not action():
            return False
        data[key] = utc_now_iso()
    return True


def move_to(target: str) -> str:
    """Copy the record from the other store into ``target`` ("file" or "database").

    The salt and id move with it, so fingerprints continue. Idempotent; refuses (with a
    ``StoreError``) to overwrite another installation that is already set up. Returns what
    was done, for the operator.
    """
    source = "database" if target == "file" else "file"
    record = _make_backend(source).read_valid_record()
    destination = _make_backend(target)
    existing = destination.read_valid_record()
    if record is None:
        if existing is not None:
            return f"The record is already in the {target} store: nothing moved."
        raise StoreError(f"There is no valid installation record in the {source} store to move.")
    identity = ("telemetry_salt", "installation_id")
    another = existing is not None and any(existing[key] != record[key] for key in identity)
    if another and existing["setup_complete"]:
        raise StoreError(
            f"The {target} store already holds another installation (id "
            f"{existing['installation_id']}, set up): nothing was changed. Remove it "
            "first if it is really unused."
        )
    if existing == record:
        return f"The {target} store already holds this record: nothing changed."
    destination.write_record(record)
    reset_cache()
    return (
        f"Moved installation {record['installation_id']} from the {source} store to the "
        f"{target} store, salt and id unchanged (fingerprints continue)."
    )


def repair(has_superuser: bool) -> RepairReport:
    """Write a valid record again, keeping the salt and id when they can be read.

    A valid record whose setup never completed while an administrator exists (made with
    ``createsuperuser``, or a database restored without its record) is adopted: setup is
    completed with this record's identity, since ``manage.py setup`` refuses to.

    Telemetry stays off after a repair: the administrator opts in again deliberately.
    """
    report = backend().repair(has_superuser)
    current = get()
    if report.changed or not has_superuser or current is None or current.setup_complete:
        return report
    complete_setup(telemetry_enabled=False)
    return RepairReport(
        True,
        [
            "Setup was not complete although an administrator exists: completed it with this "
            f"record's identity (installation id {current.installation_id}). Telemetry is off."
        ],
    )
