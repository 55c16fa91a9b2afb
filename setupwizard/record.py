"""The installation record itself: its fields, states and errors, the interface its
backends implement, and how a new or repaired record is made. No storage and no Django
setting here: ``setupwizard.installation`` holds the backend in use and the transitions,
``setupwizard.backends`` the two ways to keep the record. Both import this module, and
nothing here imports them.
"""

import re
import secrets
import time
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from pathlib import Path

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


def corrupt_copies(path: Path) -> list[Path]:
    """Quarantined copies of the corrupt store file ``path``, oldest first."""
    return sorted(path.parent.glob(path.name + CORRUPT_MARKER + "*"))
