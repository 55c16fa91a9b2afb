"""Importing a file of time entries: exact, all or nothing, each row once.

``Importer.run`` reads the rows (``imports.formats``), finds or creates each client,
project, task and tag once, checks every entry with the model's own rules (``full_clean``:
the same messages as the entry form) and writes them in one transaction, a thousand rows
at a time, so memory stays flat. Each entry keeps an ``import_key`` (the format and a
fingerprint of its row): importing the same file again adds nothing. A dry run (the web
preview, ``--dry-run``) does all of it and rolls back.
"""

import codecs
import csv
import hashlib
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from itertools import islice

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from imports.formats import FORMATS, Format, Row, RowError, Unfinished, detect
from imports.signals import import_completed, import_failed
from tracking.models import (
    Client,
    Project,
    Tag,
    Task,
    TimeEntry,
    check_budgets,
    clean_tag_names,
    clock_duration,
    seconds_to_hours,
)

PREVIEW_ROWS = 20
CHUNK_ROWS = 1000
MAX_PROBLEMS = 20  # bad rows named in one refusal


class ImportFailed(Exception):
    """Nothing was imported: ``kind`` (one of ``imports.names.FAILURE_KINDS``, for
    telemetry) and a message people can act on."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind


def decode(data: bytes) -> tuple[str, str]:
    """The file's text and a note when it was not UTF-8: UTF-8 with or without a BOM,
    else Windows-1252 (what spreadsheets on Windows save)."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    try:
        return data.decode("utf-8"), ""
    except UnicodeDecodeError:
        note = "The file is not UTF-8: it was read as Windows-1252 (cp1252)."
        return data.decode("cp1252", errors="replace"), note


def detect_format(text: str) -> Format:
    end = text.find("\n")
    header = text if end == -1 else text[:end]
    found = detect(header)
    if found is None:
        names = ", ".join(format.label for format in FORMATS.values())
        raise ImportFailed(
            "unknown_format", f"The header is not one of the formats we read ({names})."
        )
    return found


@dataclass
class Tally:
    """Things of one kind a file names: created by this import or already there."""

    created: set = field(default_factory=set)
    reused: set = field(default_factory=set)

    def text(self) -> str:
        return f"{len(self.created)} created, {len(self.reused)} reused"


@dataclass
class Summary:
    format: Format
    dry_run: bool
    note: str = ""
    clients: Tally = field(default_factory=Tally)
    projects: Tally = field(default_factory=Tally)
    tasks: Tally = field(default_factory=Tally)
    tags: Tally = field(default_factory=Tally)
    created: int = 0
    skipped: int = 0
    unfinished: int = 0
    seconds: int = 0
    preview: list = field(default_factory=list)

    def lines(self) -> list[str]:
        """What the command prints."""
        return [*(["Dry run: nothing was written."] if self.dry_run else []), *self.facts()]

    def facts(self) -> list[str]:
        """What the file holds and what importing it does (the preview lists these)."""
        hours = f"{clock_duration(self.seconds)} ({seconds_to_hours(self.seconds)} h)"
        running = (
            [f"Timers still running when the file was made, left out: {self.unfinished}"]
            if self.unfinished
            else []
        )
        return [
            *([self.note] if self.note else []),
            f"Format: {self.format.label}",
            f"Clients: {self.clients.text()}",
            f"Projects: {self.projects.text()}",
            f"Tasks: {self.tasks.text()}",
            f"Tags: {self.tags.text()}",
            (
                f"Entries: {self.created} to import, {self.skipped} already imported"
                if self.dry_run
                else f"Entries: {self.created} imported, {self.skipped} skipped as already "
                "imported"
            ),
            *running,
            f"Hours {'to import' if self.dry_run else 'imported'}: {hours}",
        ]


def _lines(text: str):
    """The text's lines, each with its end, one at a time (no copy of the whole file; only
    "\n" ends a line, as csv wants: a quoted cell may hold other line breaks)."""
    start, size = 0, len(text)
    while start < size:
        end = text.find("\n", start)
        end = size if end == -1 else end + 1
        yield text[start:end]
        start = end


def _records(text: str, delimiter: str):
    """(line, cells) of each non-empty record; ``line`` is where it starts in the file
    (the header is line 1), a quoted cell may span lines."""
    reader = csv.reader(_lines(text), delimiter=delimiter)
    line = reader.line_num + 1
    try:
        for cells in reader:
            if any(cell.strip() for cell in cells):
                yield line, cells
            line = reader.line_num + 1
    except csv.Error as error:
        raise ImportFailed("bad_row", f"line {line}: this is not a CSV row ({error}).") from None


class Importer:
    """One import of one file for ``user`` (or, mapping by email, for the people a file
    names), reading local times in ``zone``."""

    def __init__(self, user, format: Format, zone, *, map_by_email=False, may_create=True):
        self.user, self.format, self.zone = user, format, zone
        self.map_by_email, self.may_create = map_by_email, may_create
        if map_by_email and not format.has_email:
            raise ImportFailed(
                "unknown_users", f"{format.label} files have no Email column to map people by."
            )
        self.clients, self.projects, self.tasks, self.tags = {}, {}, {}, {}
        self.people: dict[str, object] = {}
        self.unknown_emails: set[str] = set()
        self.problems: list[str] = []  # every bad row, named; any one means nothing is written
        self.days_by_project = defaultdict(set)  # what was written, for the budgets
        self.seen = Counter()

    def run(self, text: str, *, dry_run: bool = False, note: str = "") -> Summary:
        summary = Summary(self.format, dry_run, note)
        try:
            with timezone.override(self.zone), transaction.atomic():
                # One import per person at a time (the row is the lock, as for the timer).
                get_user_model().objects.select_for_update().filter(pk=self.user.pk).first()
                records = _records(text, self.format.delimiter)
                header = next(records, None)
                if header is None:
                    raise ImportFailed("empty", "The file is empty.")
                names = [name.strip() for name in header[1]]
                read = 0
                while chunk := list(islice(records, CHUNK_ROWS)):
                    self._import(summary, names, chunk)
                    read += len(chunk)
                if not read:
                    raise ImportFailed("empty", "The file has a header but no rows.")
                if self.problems:
                    shown = self.problems[:MAX_PROBLEMS]
                    more = len(self.problems) - len(shown)
                    raise ImportFailed(
                        "bad_row",
                        "; ".join(shown) + (f"; and {more} more row(s)." if more else "."),
                    )
                if self.unknown_emails:
                    raise ImportFailed(
                        "unknown_users",
                        f"No one here has these emails: {', '.join(sorted(self.unknown_emails))}.",
                    )
                # Imported time is recorded time: its budgets' thresholds, as for an entry
                # saved one at a time (a bulk insert sends no post_save).
                check_budgets(self.days_by_project)
                if dry_run:
                    transaction.set_rollback(True)
        except ImportFailed as failure:
            import_failed.send(sender=Importer, format=self.format.name, kind=failure.kind)
            raise
        if not dry_run:
            import_completed.send(
                sender=Importer,
                user=self.user,
                format=self.format.name,
                entries_created=summary.created,
                entries_skipped=summary.skipped,
            )
        return summary

    # --- one chunk of rows ----------------------------------------------------------------

    def _import(self, summary: Summary, names: list[str], chunk: list) -> None:
        built = []  # (entry, tag objects, line)
        for line, cells in chunk:
            row = dict(zip(names, cells, strict=False))
            try:
                parsed = self.format.read(row, self.zone)
            except Unfinished:
                summary.unfinished += 1
                continue
            except RowError as error:
                self.problems.append(f"line {line}, {error.column}: {error}")
                continue
            try:
                person = self._person(parsed)
                if person is None:
                    continue
                entry, tags = self._entry(summary, parsed, person)
            except RowError as error:
                self.problems.append(f"line {line}, {error.column}: {error}")
                continue
            except ValidationError as error:
                self.problems.append(f"line {line}: {' '.join(error.messages)}")
                continue
            built.append((entry, tags, line))
        if self.problems:  # nothing will be written: no need to store this chunk
            return
        keys = {(entry.user_id, entry.import_key) for entry, _, _ in built}
        stored = set(
            TimeEntry.everything.filter(
                user_id__in={user for user, _ in keys},
                import_key__in={key for _, key in keys},
            ).values_list("user_id", "import_key")
        )
        new = [item for item in built if (item[0].user_id, item[0].import_key) not in stored]
        for entry, tags, _ in built:
            if len(summary.preview) < PREVIEW_ROWS:
                new_here = (entry.user_id, entry.import_key) not in stored
                summary.preview.append(self._shown(entry, tags, new_here))
        summary.skipped += len(built) - len(new)
        try:
            with transaction.atomic():
                TimeEntry.objects.bulk_create([entry for entry, _, _ in new], batch_size=500)
        except IntegrityError:  # the same rows, imported by another request meanwhile
            raise ImportFailed(
                "conflict",
                "The same rows were being imported at the same time: nothing was imported "
                "from this file. Import it again to add what is still missing.",
            ) from None
        through = TimeEntry.tags.through
        through.objects.bulk_create(
            [
                through(timeentry_id=entry.pk, tag_id=tag.pk)
                for entry, tags, _ in new
                for tag in tags
            ],
            batch_size=1000,
        )
        for entry, _, _ in new:
            if entry.end is not None:
                self.days_by_project[entry.project].add(entry.day)
        summary.created += len(new)
        summary.seconds += sum(entry.duration_seconds or 0 for entry, _, _ in new)

    def _shown(self, entry, tags, new: bool) -> dict:
        """A row of the preview, as it will be stored."""
        clock = not entry.duration_only
        return {
            "day": entry.day,
            "start": timezone.localtime(entry.start) if clock else None,
            "end": timezone.localtime(entry.end) if clock else None,
            "seconds": entry.duration_seconds,
            "client": entry.project.client_name,
            "project": entry.project.name,
            "task": entry.task.title if entry.task else "",
            "notes": entry.notes,
            "tags": [tag.name for tag in tags],
            "billable": entry.billable,
            "person": entry.user.get_username(),
            "new": new,
        }

    def _person(self, row: Row):
        if not self.map_by_email:
            return self.user
        email = row.email.casefold()
        if not email:
            raise RowError("Email", "is empty: every row needs the person's email")
        if email not in self.people:
            found = list(get_user_model().objects.filter(email__iexact=email, is_active=True)[:2])
            if len(found) > 1:
                raise RowError("Email", f"{email} belongs to more than one person")
            self.people[email] = found[0] if found else None
        if self.people[email] is None:
            self.unknown_emails.add(email)
        return self.people[email]

    def _entry(self, summary: Summary, row: Row, person) -> tuple[TimeEntry, list]:
        project = self._project(summary, row)
        task = self._task(summary, row, project, person)
        entry = TimeEntry(
            user=person,
            project=project,
            task=task,
            notes=row.notes,
            billable=project.billable if row.billable is None else row.billable,
            source=TimeEntry.Source.IMPORT,
        )
        if row.start is not None:
            entry.start, entry.end = row.start, row.end
        else:
            entry.place_on_day(row.day, row.seconds)
        entry.derive_columns()  # its day, in the import's zone, as a save would
        # The model's own rules (dates, length, archived projects), as every door applies.
        entry.full_clean(
            exclude={"user", "project", "task"}, validate_unique=False, validate_constraints=False
        )
        entry.import_key = self._key(row, person)
        return entry, [self._tag(summary, name) for name in clean_tag_names(row.tags)]

    def _key(self, row: Row, person) -> str:
        """The format and a fingerprint of the row: who, when, on what, with which notes.
        The second identical row of a file is another entry, so each is counted."""
        when = (
            [row.start.isoformat(), row.end.isoformat()]
            if row.start is not None
            else [f"day:{row.day}", str(row.seconds)]
        )
        parts = [self.format.name, str(person.pk), *when, row.client, row.project, row.task]
        digest = hashlib.sha256("\x1f".join([*parts, row.notes]).encode()).hexdigest()[:40]
        self.seen[digest] += 1
        return f"{self.format.name}:{digest}:{self.seen[digest]}"

    # --- the catalogue: each thing found or created once ----------------------------------

    def _refuse_new(self, column: str, kind: str, name: str) -> None:
        if not self.may_create:
            raise RowError(
                column,
                f"{kind} {name!r} does not exist, and you may not add {kind.lower()}s: "
                "ask a manager to add it first",
            )

    @staticmethod
    def _once(tally: Tally, cache: dict, key, find, make):
        """What ``find()`` returns, or else what ``make()`` builds, checked by the model's
        rules and saved: looked up once per ``key`` and counted in ``tally``. ``find`` builds
        its query only when called: building one for each of 100,000 rows was half an
        import's time (docs/performance.md)."""
        if key not in cache:
            thing = find()
            if thing is None:
                thing = make()
                thing.full_clean()
                thing.save()
                tally.created.add(thing.pk)
            elif thing.pk not in tally.created:
                tally.reused.add(thing.pk)
            cache[key] = thing
        return cache[key]

    def _client(self, summary: Summary, row: Row) -> Client | None:
        """The row's client; none when the file names none (internal work)."""
        if not row.client:
            return None
        name = row.client

        def make():
            self._refuse_new("Client", "Client", name)
            return Client(name=name)

        return self._once(
            summary.clients,
            self.clients,
            name,
            lambda: Client.objects.filter(name=name).order_by("pk").first(),
            make,
        )

    def _project(self, summary: Summary, row: Row) -> Project:
        if not row.client:  # a file without clients: the one project of that name, if one
            if ("", row.project) not in self.projects:
                named = list(Project.objects.filter(name=row.project).order_by("pk")[:2])
                self.projects["", row.project] = named[0] if len(named) == 1 else None
            if self.projects["", row.project] is not None:
                return self._reuse(summary, self.projects["", row.project])
        client = self._client(summary, row)

        def make():
            self._refuse_new("Project", "Project", row.project)
            return Project(
                client=client,
                name=row.project,
                billable=True if row.billable is None else row.billable,
                hourly_rate=row.rate,
            )

        return self._once(
            summary.projects,
            self.projects,
            (client.pk if client else None, row.project),
            lambda: Project.objects.filter(client=client, name=row.project).order_by("pk").first(),
            make,
        )

    def _reuse(self, summary: Summary, project: Project) -> Project:
        self.projects[(project.client_id, project.name)] = project
        if project.pk not in summary.projects.created:
            summary.projects.reused.add(project.pk)
        return project

    def _task(self, summary: Summary, row: Row, project: Project, person) -> Task | None:
        if not row.task:
            return None
        return self._once(
            summary.tasks,
            self.tasks,
            (project.pk, row.task),
            lambda: Task.objects.filter(project=project, title=row.task).order_by("pk").first(),
            lambda: Task(project=project, title=row.task, created_by=person),
        )

    def _tag(self, summary: Summary, name: str) -> Tag:
        return self._once(
            summary.tags,
            self.tags,
            name.casefold(),
            lambda: Tag.objects.filter(name__iexact=name).order_by("pk").first(),
            lambda: Tag(name=name),
        )
