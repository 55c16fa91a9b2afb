"""The installation store: ``<TIMETRACKER_DATA_DIR>/installation.json``.

It holds the installation's identity (a random salt and id, generated once and never
regenerated) and two decisions: whether first-run setup is complete and whether the
administrator opted in to telemetry.

- Reads are cheap and fresh: ``get_state()`` costs one ``os.stat`` when nothing changed and
  re-reads the file when another process replaced it.
- Writes are atomic (temp file, fsync, ``os.replace``) and every read-modify-write holds an
  exclusive ``flock`` for its whole duration, so concurrent processes never lose an update.
- A corrupt file is moved aside, never silently replaced: until ``manage.py setup --repair``
  runs, no new identity is minted and telemetry is off.
"""

import fcntl
import json
import logging
import os
import re
import secrets
import threading
import time
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

from timetracker.files import atomic_write_json

logger = logging.getLogger(__name__)

STORE_NAME = "installation.json"
LOCK_NAME = ".installation.lock"
CORRUPT_MARKER = ".corrupt-"
SCHEMA_VERSION = 1
REPAIR_COMMAND = "python manage.py setup --repair"
# How long a "the file is missing and cannot be created" answer is trusted before retrying.
MISSING_RETRY_SECONDS = 5.0
# How long a checked state is trusted without another stat() outside requests (commands,
# background threads); requests revalidate at their start (see expire()).
TRUSTED_FOR_SECONDS = 1.0
# A data directory that turns read-only under a running server is noticed within this time
# (checking it costs a system call; the store's own stat() is checked every request).
WRITABLE_RECHECK_SECONDS = 5.0

SALT_RE = re.compile(r"^[0-9a-f]{64}$")
INSTALLATION_ID_RE = re.compile(r"^[0-9a-f]{16}$")

CORRUPT = "corrupt"
UNREADABLE = "unreadable"
READ_ONLY = "read_only"


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

    @classmethod
    def from_dict(cls, data: dict) -> "Installation":
        """Validate a parsed store; raise ``ValueError`` naming the first bad key."""
        if not isinstance(data, dict):
            raise ValueError("the file does not hold a JSON object")
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
        for key in ("setup_completed_at", "telemetry_changed_at", "setup_token"):
            if data.get(key) is not None and not isinstance(data.get(key), str):
                raise ValueError(f"{key} is not a string or null")
        return cls(
            telemetry_salt=salt,
            installation_id=installation_id,
            setup_complete=data["setup_complete"],
            setup_completed_at=data.get("setup_completed_at"),
            telemetry_enabled=data["telemetry_enabled"],
            telemetry_changed_at=data.get("telemetry_changed_at"),
            setup_token=data.get("setup_token"),
        )


@dataclass(frozen=True)
class StoreState:
    """What a process knows about the store: the installation, or the problem that hides it."""

    path: Path
    installation: Installation | None
    problem: str | None = None
    detail: str = ""
    # A store that cannot be written cannot record a change of mind: telemetry is off.
    writable: bool = True


@dataclass
class _CacheEntry:
    path_text: str
    stat_key: tuple | None
    state: StoreState
    loaded_at: float
    checked_at: float  # when the file was last stat()ed; 0.0 forces the next check
    access_checked_at: float = 0.0  # when the directory's writability was last checked


_cached: _CacheEntry | None = None
_thread_lock = threading.Lock()
_held = threading.local()


def utc_now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def store_path() -> Path:
    return Path(settings.TIMETRACKER_DATA_DIR) / STORE_NAME


def get_state() -> StoreState:
    """The current state: no system call while it is trusted, one ``stat`` to revalidate.

    A checked state is trusted for TRUSTED_FOR_SECONDS; every request starts with
    ``expire()``, so a change made by another process applies on its next request. The
    file is re-read only when its inode, mtime or size changed.
    """
    entry = _cached
    if entry is not None and time.monotonic() - entry.checked_at < TRUSTED_FOR_SECONDS:
        return entry.state
    return _revalidate(entry)


def expire() -> None:
    """Make the next read check the file again (called at the start of every request)."""
    entry = _cached
    if entry is not None:
        entry.checked_at = 0.0


def get() -> Installation | None:
    """The installation, or ``None`` while the store has a problem (see ``get_state``)."""
    return get_state().installation


def update(**changes) -> Installation:
    """Apply ``changes`` to the store under the cross-process lock and write it atomically."""
    unknown = set(changes) - set(Installation.__dataclass_fields__)
    if unknown or "telemetry_salt" in changes or "installation_id" in changes:
        raise ValueError(f"these keys cannot be updated: {sorted(unknown) or 'identity'}")
    with _locked() as path:
        data = _read_for_update(path)
        data.update(changes)
        return _write(path, data)


def complete_setup(telemetry_enabled: bool) -> Installation:
    """Mark setup complete exactly once; raise ``StoreError`` if it already was."""
    with _locked() as path:
        data = _read_for_update(path)
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
        return _write(path, data)


def set_telemetry_enabled(enabled: bool) -> tuple[Installation, bool]:
    """Record the administrator's choice; return the installation and whether it changed."""
    with _locked() as path:
        data = _read_for_update(path)
        if data["telemetry_enabled"] == enabled:
            return Installation.from_dict(data), False
        data.update(telemetry_enabled=enabled, telemetry_changed_at=utc_now_iso())
        return _write(path, data), True


def corrupt_copies(path: Path | None = None) -> list[Path]:
    path = path or store_path()
    return sorted(path.parent.glob(path.name + CORRUPT_MARKER + "*"))


def data_dir_writable() -> bool:
    return os.access(settings.TIMETRACKER_DATA_DIR, os.W_OK)


@dataclass(frozen=True)
class RepairReport:
    changed: bool
    messages: list[str]


def repair(has_superuser: bool) -> RepairReport:
    """Write a valid store again, keeping the salt and id of the newest corrupt copy if legible.

    Telemetry stays off after a repair: the administrator opts in again deliberately.
    """
    with _locked() as path:
        try:
            Installation.from_dict(json.loads(path.read_text()))
            return RepairReport(False, [f"{path} is valid: nothing to repair."])
        except FileNotFoundError:
            pass
        except (OSError, ValueError):
            _quarantine(path, "invalid at repair time")
        copies = corrupt_copies(path)
        messages = []
        recovered = _recover_identity(copies[-1]) if copies else {}
        if copies:
            messages.append(f"Read the newest corrupt copy: {copies[-1].name}.")
        for key, label in (("telemetry_salt", "salt"), ("installation_id", "installation id")):
            if key in recovered:
                messages.append(f"Recovered the telemetry {label} from the corrupt copy.")
            else:
                messages.append(
                    f"Could not recover the telemetry {label}: a new one was generated."
                )
        data = _new_store_data()
        data.update(recovered)
        if has_superuser:
            data.update(setup_complete=True, setup_completed_at=utc_now_iso())
            data.pop("setup_token", None)
        _write(path, data)
        messages.append(f"Wrote a valid {path}. Telemetry is off until an admin enables it.")
        return RepairReport(True, messages)


def reset_cache() -> None:
    """Forget what this process read (tests; a different data directory)."""
    global _cached
    _cached = None


@receiver(setting_changed)
def _forget_other_data_dir(setting, **kwargs):
    if setting == "TIMETRACKER_DATA_DIR":
        reset_cache()


# Internals


def _revalidate(entry: _CacheEntry | None) -> StoreState:
    now = time.monotonic()
    if entry is not None:
        path_text = entry.path_text  # building a Path would cost more than the stat() itself
    else:
        path_text = os.path.join(settings.TIMETRACKER_DATA_DIR, STORE_NAME)
    try:
        st = os.stat(path_text)
    except FileNotFoundError:
        if (
            entry is not None
            and entry.stat_key is None
            and now - entry.loaded_at < MISSING_RETRY_SECONDS
        ):
            entry.checked_at = now
            return entry.state
        return _remember(None, _load_missing(Path(path_text)))
    except OSError as exc:
        return _remember(None, _unreadable(Path(path_text), exc))
    stat_key = (st.st_ino, st.st_mtime_ns, st.st_size)
    if entry is not None and entry.stat_key == stat_key:
        if now - entry.access_checked_at < WRITABLE_RECHECK_SECONDS:
            entry.checked_at = now
            return entry.state
        if os.access(os.path.dirname(path_text), os.W_OK) == entry.state.writable:
            entry.checked_at = entry.access_checked_at = now
            return entry.state
    return _remember(stat_key, _load_existing(Path(path_text), stat_key))


def _remember(stat_key: tuple | None, state: StoreState) -> StoreState:
    global _cached
    if stat_key is None and state.installation is not None:
        with suppress(OSError):  # the store was just created: remember its stat
            st = os.stat(state.path)
            stat_key = (st.st_ino, st.st_mtime_ns, st.st_size)
    now = time.monotonic()
    _cached = _CacheEntry(str(state.path), stat_key, state, now, now, now)
    return state


def _load_existing(path: Path, stat_key: tuple) -> StoreState:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return _load_missing(path)
    except OSError as exc:
        return _unreadable(path, exc)
    try:
        installation = Installation.from_dict(json.loads(raw))
    except ValueError as exc:
        moved = _quarantine(path, str(exc), expected_stat_key=stat_key)
        where = f"moved aside to {moved.name}" if moved else "could not be moved aside"
        return StoreState(path, None, CORRUPT, f"{path.name} is corrupt ({exc}); {where}.")
    return StoreState(path, installation, writable=os.access(path.parent, os.W_OK))


def _load_missing(path: Path) -> StoreState:
    copies = corrupt_copies(path)
    if copies:
        return StoreState(
            path,
            None,
            CORRUPT,
            f"{path.name} was corrupt and is quarantined as {copies[-1].name}; "
            f"run `{REPAIR_COMMAND}`.",
        )
    try:
        with _locked() as locked_path:
            if not locked_path.exists() and not corrupt_copies(locked_path):
                _write(locked_path, _new_store_data())
                logger.info("Created the installation store %s", locked_path)
    except OSError as exc:
        return StoreState(
            path,
            None,
            READ_ONLY,
            f"{path} does not exist and cannot be created ({exc.strerror}); "
            "telemetry is off until the data directory is writable.",
        )
    except StoreError as exc:
        return StoreState(path, None, CORRUPT, str(exc))
    try:
        st = path.stat()
        return _load_existing(path, (st.st_ino, st.st_mtime_ns, st.st_size))
    except OSError as exc:
        return _unreadable(path, exc)


def _unreadable(path: Path, exc: OSError) -> StoreState:
    logger.error("Cannot read the installation store %s: %s", path, exc.strerror)
    return StoreState(
        path, None, UNREADABLE, f"{path} cannot be read ({exc.strerror}); telemetry is off."
    )


def _new_store_data() -> dict:
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


@contextmanager
def _locked():
    """Hold the store's exclusive cross-process lock (re-entrant per thread); yield the path."""
    path = store_path()
    if getattr(_held, "depth", 0):
        _held.depth += 1
        try:
            yield path
        finally:
            _held.depth -= 1
        return
    with _thread_lock:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path.parent / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            _held.depth = 1
            yield path
        finally:
            _held.depth = 0
            os.close(fd)


def _read_for_update(path: Path) -> dict:
    """Inside the lock: the store's current content, created if absent and not quarantined."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        if corrupt_copies(path):
            raise StoreError(
                f"{path.name} is quarantined as corrupt; run `{REPAIR_COMMAND}` first."
            ) from None
        data = _new_store_data()
        _write(path, data)
        return data
    except OSError as exc:
        raise StoreError(f"{path} cannot be read ({exc.strerror}).") from None
    try:
        data = json.loads(raw)
        Installation.from_dict(data)
    except ValueError as exc:
        _quarantine(path, str(exc))
        raise StoreError(
            f"{path.name} was corrupt and has been quarantined; run `{REPAIR_COMMAND}`."
        ) from None
    if not data["setup_complete"] and not data.get("setup_token"):
        data["setup_token"] = secrets.token_urlsafe(32)
    return data


def _write(path: Path, data: dict) -> Installation:
    installation = Installation.from_dict(data)
    atomic_write_json(path, data)
    if Path(settings.TIMETRACKER_DATA_DIR) / STORE_NAME == path:
        _remember(None, StoreState(path, installation))  # this process sees its own write
    return installation


def _quarantine(path: Path, reason: str, expected_stat_key: tuple | None = None) -> Path | None:
    """Move a corrupt store aside (once, even when several processes notice at once)."""
    try:
        with _locked():
            if expected_stat_key is not None:
                st = path.stat()
                if (st.st_ino, st.st_mtime_ns, st.st_size) != expected_stat_key:
                    return None  # another process already replaced or moved it
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
            target = path.with_name(path.name + CORRUPT_MARKER + stamp)
            os.replace(path, target)
    except FileNotFoundError:
        return None
    except OSError as exc:
        logger.error(
            "The installation store %s is corrupt (%s) and cannot be moved aside: %s. "
            "Telemetry is off; run `%s`.",
            path,
            reason,
            exc.strerror,
            REPAIR_COMMAND,
        )
        return None
    logger.error(
        "The installation store %s is corrupt (%s); moved it aside to %s. "
        "Telemetry is off until `%s` runs.",
        path,
        reason,
        target.name,
        REPAIR_COMMAND,
    )
    return target


def _recover_identity(copy: Path) -> dict:
    try:
        text = copy.read_text(errors="replace")
    except OSError:
        return {}
    recovered = {}
    for key, pattern in (("telemetry_salt", "[0-9a-f]{64}"), ("installation_id", "[0-9a-f]{16}")):
        # The closing quote is not required: a file cut short right after the value still
        # holds every character of it. One more hex digit would mean a different value.
        match = re.search(rf'"{key}"\s*:\s*"({pattern})(?![0-9a-f])', text)
        if match:
            recovered[key] = match.group(1)
    return recovered
