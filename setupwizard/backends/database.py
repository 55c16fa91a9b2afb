"""The installation record in one row of the project's database (``INSTALLATION_STORE=database``).

Several app servers on one database share one identity and one switch. A server trusts what
it read for a second and, at the start of every request that asks, checks one integer (the
row's revision, by primary key); the row itself is read again only when it changed. Changes
hold the row lock (``SELECT … FOR UPDATE``) for the whole read-modify-write. An invalid row
is reported, never replaced, until ``manage.py setup --repair``.
"""

import json
import logging
import time
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import DatabaseError, IntegrityError, connections, router, transaction

from setupwizard import record as store
from setupwizard.models import InstallationRecord
from setupwizard.record import (
    CORRUPT,
    REPAIR_COMMAND,
    UNREADABLE,
    Backend,
    Installation,
    RepairReport,
    StoreError,
    StoreState,
)

logger = logging.getLogger("setupwizard.installation")

WHERE = "the database (INSTALLATION_STORE=database)"
# The table name is the model's own constant, not input.
REVISION_SQL = f'SELECT "revision" FROM "{InstallationRecord._meta.db_table}" WHERE "id" = 1'  # noqa: S608


@dataclass
class _CacheEntry:
    revision: int | None
    state: StoreState
    checked_at: float  # 0.0 forces the next check


class DatabaseBackend(Backend):
    def __init__(self):
        self.cached: _CacheEntry | None = None

    # Reading

    def _revalidate(self, entry: _CacheEntry | None) -> StoreState:
        try:
            revision = self._revision()
            if entry is not None and revision is not None and entry.revision == revision:
                entry.checked_at = time.monotonic()
                return entry.state
            if revision is None:
                self._create()
            row = InstallationRecord.objects.get(pk=1)
        except DatabaseError as exc:
            logger.error("Cannot read the installation record from the database: %s", exc)
            # A thread outside the request cycle (the telemetry dispatcher) would keep a
            # broken connection for good: drop it so the next look reconnects.
            connection = connections[router.db_for_read(InstallationRecord)]
            if not connection.in_atomic_block:
                connection.close_if_unusable_or_obsolete()
            state = StoreState(
                WHERE,
                None,
                UNREADABLE,
                f"The installation record cannot be read from the database ({exc}); "
                "telemetry is off. Has `manage.py migrate` run?",
            )
            self.cached = _CacheEntry(None, state, time.monotonic())
            return state
        self.cached = _CacheEntry(row.revision, self._state_of(row), time.monotonic())
        return self.cached.state

    def _revision(self) -> int | None:
        """The row's revision: one primary-key read of one integer, below the ORM.

        This runs once per request that looks at the store; the queryset machinery cost
        several times the query itself (docs/performance.md).
        """
        with connections[router.db_for_read(InstallationRecord)].cursor() as cursor:
            cursor.execute(REVISION_SQL)
            row = cursor.fetchone()
        return row[0] if row else None

    def _state_of(self, row: InstallationRecord) -> StoreState:
        try:
            return StoreState(WHERE, Installation.from_dict(row.data))
        except ValueError as exc:
            logger.error(
                "The installation record in the database is invalid (%s): telemetry is off "
                "until `%s` runs.",
                exc,
                REPAIR_COMMAND,
            )
            return StoreState(
                WHERE,
                None,
                CORRUPT,
                f"The installation record in the database is invalid ({exc}); "
                f"run `{REPAIR_COMMAND}`.",
            )

    def _create(self) -> None:
        """Create the record once; a server that loses the race reads the winner's."""
        try:
            with transaction.atomic():
                InstallationRecord.objects.create(pk=1, data=store.new_record())
            logger.info("Created the installation record in the database")
        except IntegrityError:
            pass

    # Changing

    @contextmanager
    def change(self):
        """Yield the record as a dict while holding its row lock; save it if it changed."""
        with transaction.atomic():
            row = self._locked_row()
            try:
                Installation.from_dict(row.data)
            except ValueError:
                raise StoreError(
                    f"The installation record in the database is invalid; run `{REPAIR_COMMAND}`."
                ) from None
            data = store.ensure_setup_token(dict(row.data))
            before = dict(row.data)
            yield data
            if data != before:
                self._save(row, data)
        self.cached = None  # read it again, committed, on the next look

    def _locked_row(self) -> InstallationRecord:
        row = InstallationRecord.objects.select_for_update().filter(pk=1).first()
        if row is None:
            self._create()
            row = InstallationRecord.objects.select_for_update().get(pk=1)
        return row

    def _save(self, row: InstallationRecord, data: dict) -> None:
        Installation.from_dict(data)
        row.data = data
        row.revision += 1
        row.save()

    def write_record(self, data: dict) -> None:
        """Replace the record (``setup --store``), under the row lock."""
        with transaction.atomic():
            row = InstallationRecord.objects.select_for_update().filter(pk=1).first()
            if row is None:
                Installation.from_dict(data)
                InstallationRecord.objects.create(pk=1, data=data)
            else:
                self._save(row, data)
        self.cached = None

    def read_valid_record(self) -> dict | None:
        row = InstallationRecord.objects.filter(pk=1).first()
        if row is None:
            return None
        try:
            Installation.from_dict(row.data)
        except ValueError:
            return None
        return dict(row.data)

    # Repairing

    def repair(self, has_superuser: bool) -> RepairReport:
        with transaction.atomic():
            row = InstallationRecord.objects.select_for_update().filter(pk=1).first()
            if row is not None:
                try:
                    Installation.from_dict(row.data)
                    valid = f"The record in {WHERE} is valid: nothing to repair."
                    return RepairReport(False, [valid])
                except ValueError:
                    pass
            text = json.dumps(row.data) if row is not None else ""
            recovered = store.recover_identity(text)
            data, messages = store.repaired_record(
                recovered, has_superuser, "the invalid database record"
            )
            if row is None:
                InstallationRecord.objects.create(pk=1, data=data)
            else:
                self._save(row, data)
        self.cached = None
        messages.append(
            f"Wrote a valid record to {WHERE}. Telemetry is off until an admin enables it."
        )
        return RepairReport(True, messages)
