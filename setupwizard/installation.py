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
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

SCHEMA_VERSION = 1
REPAIR_COMMAND = "python manage.py setup --repair"
# How long a checked state is trusted outside requests (commands, background threads);
# requests revalidate at their start (see expire()).
TRUSTED_FOR_SECONDS = 1.0
# A data directory that turns read-only under a running server is noticed within this time
# (checking it costs a system call; the store itself is checked every request).
WRITABLE_RECHECK_SECONDS = 5.0

SALT_RE = re.compile(r"^[0-9a-f]{64}$")
INSTALLATION_ID_RE = re.compile(r"^[0-9a-f]{16}$")
# Telemetry's bookkeeping: timestamps that only ``claim`` sets.
BOOKKEEPING_KEYS = ("first_seen_sent_at", "last_heartbeat_at")

CORRUPT = "corrupt"
UNREADABLE = "unreadable"
READ_ONLY = "read_only"

# Kept here so that tests and callers need not know the file backend's module.
STORE_NAME = "installation.json"
CORRUPT_MARKER = ".corrupt-"


class StoreError(Exception):
    """The store cannot be read or written; the message says why and what to do."""


@dataclass(frozen=True)
class Installation:
    telemetry_salt: str
    installation_id: str
    setup_complete: bool
    setup_completed_at: str | None
    telemetry_enabled: bool
    telemetry_changed_at: str | None
    setup_token: str | None
    first_seen_sent_at: str | None = None
    last_heartbeat_at: str | None = None

    @classmethod
    def from_dict(cls, data: dict) -> "Installation":
        """Validate a parsed record; raise ``ValueError`` naming the first bad key."""
        if not isinstance(data, dict):
            raise ValueError("the record is not a JSON object")
        if data.get("schema_version") != SCHEMA_VERSION:
            raise ValueError(f"schema_version is {data.get('schema_version')!r}")
        salt, installation_id = data.get("telemetry_salt"), data.get("installation_id")
        if not isinstance(salt, str) or not SALT_RE.match(salt):
            raise ValueError("telemetry_salt is not 64 lowercase hex characters")
        if not isinstance(installation_id, str) or not INSTALLATION_ID_RE.match(installation_id):
            raise ValueError("installation_id is not 16 lowercase hex characters")
        for key in ("setup_complete", "telemetry_enabled"):
            if not isinstance(data.get(key), bool):
                raise ValueError(f"{key} is not a boolean")
        optional = ("setup_completed_at", "telemetry_changed_at", "setup_token", *BOOKKEEPING_KEYS)
        for key in optional:
            if data.get(key) is not None and not isinstance(data.get(key), str):
                raise ValueError(f"{key} is not a string or null")
        return cls(**{field.name: data.get(field.name) for field in fields(cls)})


@dataclass(frozen=True)
class StoreState:
    """What a process knows about the store: the installation, or the problem that hides it.

    ``where`` names the store for people (a file path, or "the database").
    """

    where: str
    installation: Installation | None
    problem: str | None = None
    detail: str = ""
    # A store that cannot be written cannot record a change of mind: telemetry is off.
    writable: bool = True


@dataclass(frozen=True)
class RepairReport:
    changed: bool
    messages: list[str]


class Backend:
    """What both backends share: a state trusted for a while, then revalidated.

    A backend sets ``self.cached`` (anything with ``state`` and ``checked_at``) and
    implements ``_revalidate(cached)``, ``change()``, ``repair(has_superuser)``,
    ``read_valid_record()`` and ``write_record(data)``.
    """

    cached = None

    def get_state(self) -> StoreState:
        entry = self.cached
        if entry is not None and time.monotonic() - entry.checked_at < TRUSTED_FOR_SECONDS:
            return entry.state
        return self._revalidate(entry)

    def expire(self) -> None:
        entry = self.cached
        if entry is not None:
            entry.checked_at = 0.0

    def _revalidate(self, entry) -> StoreState:
        raise NotImplementedError


def utc_now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def new_record() -> dict:
    return {
        "schema_version": SCHEMA_VERSION,
        "telemetry_salt": secrets.token_hex(32),
        "installation_id": secrets.token_hex(8),
        "setup_complete": False,
        "setup_completed_at": None,
        "telemetry_enabled": False,
        "telemetry_changed_at": None,
        "setup_token": secrets.token_urlsafe(32),
    }


def ensure_setup_token(data: dict) -> dict:
    """An incomplete setup always has a token to open the wizard with."""
    if not data["setup_complete"] and not data.get("setup_token"):
        data["setup_token"] = secrets.token_urlsafe(32)
    return data


def recover_identity(text: str) -> dict:
    """The salt and id still legible in a damaged record's text."""
    recovered = {}
    for key, pattern in (("telemetry_salt", "[0-9a-f]{64}"), ("installation_id", "[0-9a-f]{16}")):
        # The closing quote is not required: a record cut short right after the value still
        # holds every character of it. One more hex digit would mean a different value.
        match = re.search(rf'"{key}"\s*:\s*"({pattern})(?![0-9a-f])', text)
        if match:
            recovered[key] = match.group(1)
    return recovered


def repaired_record(recovered: dict, has_superuser: bool, source: str) -> tuple[dict, list]:
    """A valid record keeping what could be recovered, and what to tell the operator."""
    messages = []
    for key, label in (("telemetry_salt", "salt"), ("installation_id", "installation id")):
        if key in recovered:
            messages.append(f"Recovered the telemetry {label} from {source}.")
        else:
            messages.append(f"Could not recover the telemetry {label}: a new one was generated.")
    data = {**new_record(), **recovered}
    if has_superuser:
        data.update(setup_complete=True, setup_completed_at=utc_now_iso())
        data.pop("setup_token", None)
    return data, messages


# The backend in use


_backend = None


def backend():
    global _backend
    if _backend is None:
        _backend = _make_backend(settings.INSTALLATION_STORE)
    return _backend


def _make_backend(kind: str):
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
    """Quarantined copies of a corrupt store file, oldest first."""
    path = path or store_path()
    return sorted(path.parent.glob(path.name + CORRUPT_MARKER + "*"))


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

    Telemetry stays off after a repair: the administrator opts in again deliberately.
    """
    return backend().repair(has_superuser)
