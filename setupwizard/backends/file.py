"""The installation record in ``<TIMETRACKER_DATA_DIR>/installation.json``.

- Reads cost one ``os.stat`` when nothing changed; the file is re-read only when its inode,
  mtime or size changed (another process replaced it).
- Writes go through ``atomic_write_json`` (temp file, fsync, ``os.replace``) while an
  exclusive ``flock`` is held for the whole read-modify-write: concurrent processes never
  lose an update.
- A corrupt file is moved aside as ``installation.json.corrupt-<UTC>``, never replaced:
  while such a copy exists and no valid file does, no new identity is minted.
"""

import fcntl
import json
import logging
import os
import threading
import time
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from setupwizard import record as store
from setupwizard.record import (
    CORRUPT,
    CORRUPT_MARKER,
    READ_ONLY,
    REPAIR_COMMAND,
    STORE_NAME,
    UNREADABLE,
    WRITABLE_RECHECK_SECONDS,
    Backend,
    Installation,
    RepairReport,
    StoreError,
    StoreState,
)
from timetracker.files import atomic_write_json

logger = logging.getLogger("setupwizard.installation")

LOCK_NAME = ".installation.lock"
# How long a "the file is missing and cannot be created" answer is trusted before retrying.
MISSING_RETRY_SECONDS = 5.0


@dataclass
class _CacheEntry:
    stat_key: tuple | None
    state: StoreState
    loaded_at: float
    checked_at: float  # when the file was last stat()ed; 0.0 forces the next check
    access_checked_at: float  # when the directory's writability was last checked


class FileBackend(Backend):
    def __init__(self, directory: Path):
        self.path = directory / STORE_NAME
        self.path_text = str(self.path)  # a Path costs more to build than the stat() itself
        self.cached: _CacheEntry | None = None
        self.thread_lock = threading.Lock()
        self.held = threading.local()

    # Reading

    def _revalidate(self, entry: _CacheEntry | None) -> StoreState:
        now = time.monotonic()
        try:
            st = os.stat(self.path_text)
        except FileNotFoundError:
            if (
                entry is not None
                and entry.stat_key is None
                and now - entry.loaded_at < MISSING_RETRY_SECONDS
            ):
                entry.checked_at = now
                return entry.state
            return self._remember(None, self._load_missing())
        except OSError as exc:
            return self._remember(None, self._unreadable(exc))
        stat_key = (st.st_ino, st.st_mtime_ns, st.st_size)
        if entry is not None and entry.stat_key == stat_key:
            if now - entry.access_checked_at < WRITABLE_RECHECK_SECONDS:
                entry.checked_at = now
                return entry.state
            if os.access(os.path.dirname(self.path_text), os.W_OK) == entry.state.writable:
                entry.checked_at = entry.access_checked_at = now
                return entry.state
        return self._remember(stat_key, self._load_existing(stat_key))

    def _remember(self, stat_key: tuple | None, state: StoreState) -> StoreState:
        if stat_key is None and state.installation is not None:
            with suppress(OSError):  # the store was just created: remember its stat
                st = os.stat(self.path_text)
                stat_key = (st.st_ino, st.st_mtime_ns, st.st_size)
        now = time.monotonic()
        self.cached = _CacheEntry(stat_key, state, now, now, now)
        return state

    def _state(self, installation=None, problem=None, detail="", writable=True) -> StoreState:
        return StoreState(self.path_text, installation, problem, detail, writable)

    def _load_existing(self, stat_key: tuple) -> StoreState:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return self._load_missing()
        except OSError as exc:
            return self._unreadable(exc)
        try:
            installation = Installation.from_dict(json.loads(raw))
        except ValueError as exc:
            moved = self._quarantine(str(exc), expected_stat_key=stat_key)
            where = f"moved aside to {moved.name}" if moved else "could not be moved aside"
            detail = f"{self.path.name} is corrupt ({exc}); {where}; run `{REPAIR_COMMAND}`."
            return self._state(problem=CORRUPT, detail=detail)
        return self._state(installation, writable=os.access(self.path.parent, os.W_OK))

    def _load_missing(self) -> StoreState:
        copies = store.corrupt_copies(self.path)
        if copies:
            return self._state(
                problem=CORRUPT,
                detail=f"{self.path.name} was corrupt and is quarantined as {copies[-1].name}; "
                f"run `{REPAIR_COMMAND}`.",
            )
        try:
            with self._locked():
                if not self.path.exists() and not store.corrupt_copies(self.path):
                    self._write(store.new_record())
                    logger.info("Created the installation store %s", self.path)
        except OSError as exc:
            return self._state(
                problem=READ_ONLY,
                detail=f"{self.path} does not exist and cannot be created ({exc.strerror}); "
                "telemetry is off until the data directory is writable.",
            )
        try:
            st = self.path.stat()
            return self._load_existing((st.st_ino, st.st_mtime_ns, st.st_size))
        except OSError as exc:
            return self._unreadable(exc)

    def _unreadable(self, exc: OSError) -> StoreState:
        logger.error("Cannot read the installation store %s: %s", self.path, exc.strerror)
        return self._state(
            problem=UNREADABLE,
            detail=f"{self.path} cannot be read ({exc.strerror}); telemetry is off.",
        )

    # Changing

    @contextmanager
    def change(self):
        """Yield the record as a dict under the lock; write it if the block changed it."""
        with self._locked():
            data = self._read_for_update()
            before = dict(data)
            yield data
            if data != before:
                self._write(data)

    def _read_for_update(self) -> dict:
        """Inside the lock: the current record, created if absent and not quarantined."""
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            if store.corrupt_copies(self.path):
                raise StoreError(
                    f"{self.path.name} is quarantined as corrupt; run `{REPAIR_COMMAND}` first."
                ) from None
            data = store.new_record()
            self._write(data)
            return data
        except OSError as exc:
            raise StoreError(f"{self.path} cannot be read ({exc.strerror}).") from None
        try:
            data = json.loads(raw)
            Installation.from_dict(data)
        except ValueError as exc:
            self._quarantine(str(exc))
            raise StoreError(
                f"{self.path.name} was corrupt and has been quarantined; run `{REPAIR_COMMAND}`."
            ) from None
        return store.ensure_setup_token(data)

    def _write(self, data: dict) -> Installation:
        installation = Installation.from_dict(data)
        atomic_write_json(self.path, data)
        self._remember(None, self._state(installation))  # this process sees its own write
        return installation

    def write_record(self, data: dict) -> None:
        """Replace the record (``setup --store``): under the lock, atomically."""
        with self._locked():
            self._write(data)

    def read_valid_record(self) -> dict | None:
        """The record if the file holds a valid one, else None (``setup --store``)."""
        try:
            data = json.loads(self.path.read_bytes())
            Installation.from_dict(data)
        except (OSError, ValueError):
            return None
        return data

    @contextmanager
    def _locked(self):
        """Hold the store's exclusive cross-process lock (re-entrant per thread)."""
        if getattr(self.held, "depth", 0):
            self.held.depth += 1
            try:
                yield
            finally:
                self.held.depth -= 1
            return
        with self.thread_lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path.parent / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                self.held.depth = 1
                yield
            finally:
                self.held.depth = 0
                os.close(fd)

    # Repairing

    def repair(self, has_superuser: bool) -> RepairReport:
        with self._locked():
            try:
                Installation.from_dict(json.loads(self.path.read_text()))
                return RepairReport(False, [f"{self.path} is valid: nothing to repair."])
            except FileNotFoundError:
                pass
            except (OSError, ValueError):
                self._quarantine("invalid at repair time")
            copies = store.corrupt_copies(self.path)
            recovered, messages = {}, []
            if copies:
                with suppress(OSError):
                    recovered = store.recover_identity(copies[-1].read_text(errors="replace"))
                messages.append(f"Read the newest corrupt copy: {copies[-1].name}.")
            data, found = store.repaired_record(recovered, has_superuser, "the corrupt copy")
            self._write(data)
            messages += found
            messages.append(
                f"Wrote a valid {self.path}. Telemetry is off until an admin enables it."
            )
            return RepairReport(True, messages)

    def _quarantine(self, reason: str, expected_stat_key: tuple | None = None) -> Path | None:
        """Move a corrupt store aside (once, even when several processes notice at once)."""
        try:
            with self._locked():
                if expected_stat_key is not None:
                    st = self.path.stat()
                    if (st.st_ino, st.st_mtime_ns, st.st_size) != expected_stat_key:
                        return None  # another process already replaced or moved it
                stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
                target = self.path.with_name(self.path.name + CORRUPT_MARKER + stamp)
                os.replace(self.path, target)
        except FileNotFoundError:
            return None
        except OSError as exc:
            logger.error(
                "The installation store %s is corrupt (%s) and cannot be moved aside: %s. "
                "Telemetry is off; run `%s`.",
                self.path,
                reason,
                exc.strerror,
                REPAIR_COMMAND,
            )
            return None
        logger.error(
            "The installation store %s is corrupt (%s); moved it aside to %s. "
            "Telemetry is off until `%s` runs.",
            self.path,
            reason,
            target.name,
            REPAIR_COMMAND,
        )
        return target
