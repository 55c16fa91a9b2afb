from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models, transaction
from django.db.models import (
    Case,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    Max,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from tracking.models.catalogue import Preferences, Project, Tag, Task
from tracking.models.common import (
    EARLIEST_MOMENT,
    END_OF_TIME,
    FIRST_YEAR,
    LAST_YEAR,
    LOCKED_INVOICE_STATUSES,
    MAX_ENTRY_DURATION,
    NOTES_MAX_LENGTH,
    TRASH_DAYS,
    Locked,
    elapsed_seconds,
    seconds_to_hours,
    validate_entry_moment,
)
from tracking.signals import time_adding, trash_purged

ANOTHER_TIMER_RUNS = "A timer is already running: give this entry an end."
ARCHIVED_PROJECT = "This project is archived: unarchive it to track time."
END_AFTER_START = "The end must be after the start."
LIVE = Q(deleted_at__isnull=True)  # not in the trash
# Suggestions come from a person's latest entries, this many (TimeEntryQuerySet.suggestions).
SUGGEST_FROM = 5000
# A long project picker offers the person's RECENT_PROJECTS latest projects, found among
# their latest RECENT_FROM entries (weeks of work), and a search for the others.
RECENT_PROJECTS = 10
RECENT_FROM = 300


# What a row of an entry table reads (TimeEntryQuerySet.for_rows, tracking_tags._entry_row):
# a column the row reads and this list lacks costs a query per row.
ROW_COLUMNS = [
    "user_id",
    "project__name",
    "task__title",
    "notes",
    "start",
    "end",
    "day",
    "duration_only",
    "duration_seconds",
    "pause",
    "auto_stopped",
    "source",
    "invoice_item_id",
]


@dataclass(frozen=True)
class RecentProjects:
    """``TimeEntryQuerySet.recent_projects``: ``names``, ``{project id: name}`` newest
    first, and ``last``, ``{"project": id, "task": id or None}`` of the latest entry ({}
    when there is none)."""

    names: dict[int, str]
    last: dict


class TimeEntryQuerySet(models.QuerySet):
    def running(self):
        return self.filter(end__isnull=True)

    def locked(self):
        """Billed on a sent or paid invoice: no longer changed, deleted or purged."""
        return self.filter(invoice_item__invoice__status__in=LOCKED_INVOICE_STATUSES)

    def with_any_tag(self, tags):
        """Entries carrying any of ``tags``: ``Exists``, so no row is counted twice."""
        through = TimeEntry.tags.through
        return self.filter(
            Exists(through.objects.filter(timeentry_id=OuterRef("pk"), tag__in=tags))
        )

    def on_days(self, first_day: date | None, last_day: date | None):
        """Entries whose day is ``first_day`` to ``last_day``, inclusive (either may be None).

        By the stored ``day``, not by converting ``start`` to the viewer's zone: an entry
        stays on its day whatever zone its owner later chooses.
        """
        entries = self
        if first_day:
            entries = entries.filter(day__gte=first_day)
        if last_day:
            entries = entries.filter(day__lte=last_day)
        return entries

    def for_rows(self, with_user: bool = False):
        """What a table of entries shows (``tracking_tags.entry_rows``), and nothing more:
        the entry's own columns a row writes, its project's name, its task's title, the
        person's name ``with_user``, and the tags as ``tag_list``. Whole rows of the entry,
        its project, client and person were half of a list's time."""
        columns = [*ROW_COLUMNS, "user__username"] if with_user else ROW_COLUMNS
        related = ["project", "task", "user"] if with_user else ["project", "task"]
        return (
            self.select_related(*related)
            .only(*columns)
            .prefetch_related(models.Prefetch("tags", to_attr="tag_list"))
        )

    def with_overlaps(self):
        """Annotate ``overlaps``: this entry has clock times and another entry of the same
        person with clock times shares some of them. Duration-only time never overlaps."""
        return self.annotate(
            overlaps=Case(
                When(duration_only=True, then=Value(False)),
                When(_another_overlaps(), then=Value(True)),
                default=Value(False),
                output_field=models.BooleanField(),
            )
        )

    def mark_overlaps(self, entries: list) -> None:
        """Set ``with_overlaps``'s ``overlaps`` on ``entries`` (a page of a list), asked for
        those rows alone: annotated in the list's own query, it was worked out for every
        row an OFFSET skips too (docs/performance.md, twelfth round)."""
        ids = [entry.pk for entry in entries]
        overlapping = self.filter(pk__in=ids).overlapping_only().order_by()
        found = set(overlapping.values_list("pk", flat=True)) if ids else set()
        for entry in entries:
            entry.overlaps = entry.pk in found

    def overlapping_only(self):
        """Entries with clock times sharing some of them with another of the person's."""
        return self.filter(duration_only=False).filter(_another_overlaps())

    def bulk_create(self, objs, *args, **kwargs):
        """Bulk inserts skip ``save()``: derive its columns (day, duration) here too."""
        objs = list(objs)
        for entry in objs:
            entry.derive_columns()
        return super().bulk_create(objs, *args, **kwargs)

    def delete(self):
        """Move these entries to the trash (``TimeEntry.trash``), all or none: nothing billed
        on a sent invoice may go. Returns what ``QuerySet.delete`` returns."""
        billed = (
            self.locked()
            .values_list("invoice_item__invoice__number", "invoice_item__invoice__status")
            .first()
        )
        if billed:
            raise Locked("An entry", *billed)
        with transaction.atomic():
            entries = list(self.select_for_update())
            for entry in entries:
                entry.trash()
        return len(entries), {TimeEntry._meta.label: len(entries)}

    def trashed(self):
        return self.filter(deleted_at__isnull=False)

    def purgeable(self, now: datetime):
        """Trashed entries whose time in the trash is over (``TRASH_DAYS``), except billed
        time on a sent invoice: that is never deleted."""
        return (
            self.trashed()
            .filter(deleted_at__lte=now - timedelta(days=TRASH_DAYS))
            .exclude(invoice_item__invoice__status__in=LOCKED_INVOICE_STATUSES)
        )

    def purge(self) -> int:
        """Remove these entries for good (``manage.py purge_trash``); returns how many."""
        with transaction.atomic():
            # Locked as read: a restore (or billing) meanwhile waits, and is not undone.
            ids = list(self.select_for_update(of=("self",)).values_list("pk", flat=True))
            models.QuerySet.delete(TimeEntry.everything.filter(pk__in=ids))
            if ids:
                trash_purged.send(sender=TimeEntry, entry_count=len(ids))
        return len(ids)

    def total_seconds(self) -> int:
        return self.aggregate(total=Coalesce(Sum("duration_seconds"), 0))["total"]

    def recent_projects(self, user, limit: int = RECENT_PROJECTS) -> "RecentProjects":
        """The open projects ``user`` tracked most recently, and the latest entry's project
        and task (to start the same work again in one click), in one query: what a long
        project picker offers before a search. It reads the person's latest
        ``RECENT_FROM`` entries begun by now (a range of the (user, start) index): time
        typed ahead for later days is not the work just done. The projects' names come
        with them: a picker shows them without asking again."""
        latest = list(
            self.filter(user=user, project__archived=False, start__lte=timezone.now())
            .order_by("-start")
            .values_list("project_id", "task_id", "project__name")[:RECENT_FROM]
        )
        names = {}
        for project, _, name in latest:
            if len(names) == limit:
                break
            names.setdefault(project, name)
        return RecentProjects(
            names=names,
            last={"project": latest[0][0], "task": latest[0][1]} if latest else {},
        )

    def recent_work(self, user, limit: int = RECENT_PROJECTS) -> list["TimeEntry"]:
        """The latest entry of each distinct project + task ``user`` tracked recently,
        newest first, at most ``limit``: work to start again. From their latest
        ``RECENT_FROM`` entries, like ``recent_projects``; two queries (and what this
        queryset prefetches)."""
        latest = (
            self.filter(user=user)
            .order_by("-start", "-pk")
            .values_list("pk", "project_id", "task_id")[:RECENT_FROM]
        )
        firsts = {}
        for pk, project, task in latest:
            firsts.setdefault((project, task), pk)
        ids = list(firsts.values())[:limit]
        found = self.filter(pk__in=ids).in_bulk()
        return [found[pk] for pk in ids]

    def suggestions(self, user, text: str, limit: int = 10) -> list["TimeEntry"]:
        """``user``'s earlier work whose notes contain ``text`` (any case): the latest
        entry of each distinct notes + project + task, newest first, at most ``limit``;
        never on an archived project.

        It looks through the person's latest ``SUGGEST_FROM`` entries (years of work), a
        range of the (user, start) index: the answer time stays flat however long their
        history (docs/performance.md). Four queries."""
        text = text.strip()
        if not text:
            return []
        mine = self.filter(user=user)
        oldest = mine.order_by("-start").values_list("start", flat=True)[SUGGEST_FROM - 1 :]
        oldest = oldest.first()
        if oldest is not None:
            mine = mine.filter(start__gte=oldest)
        latest = list(
            mine.filter(notes__icontains=text, project__archived=False)
            .values("notes", "project", "task")
            .annotate(latest=Max("start"))
            .order_by("-latest", "notes")[:limit]
        )
        if not latest:
            return []
        wanted = Q()
        for work in latest:
            wanted |= Q(project=work["project"], task=work["task"], start=work["latest"])
        found = {
            (entry.notes, entry.project_id, entry.task_id): entry
            for entry in mine.filter(wanted)
            .select_related("project", "task")
            .prefetch_related("tags")
        }
        keys = [(work["notes"], work["project"], work["task"]) for work in latest]
        return [found[key] for key in keys if key in found]

    def days_of(self, first_day: date, last_day: date, now: datetime) -> list[dict]:
        """``{"day", "seconds", "count"}`` per day from ``first_day`` to ``last_day``, newest
        first (only days with time): stopped entries, and a running timer up to ``now``."""
        rows = {
            row["day"]: row
            for row in self.on_days(first_day, last_day)
            .filter(end__isnull=False)
            .values("day")
            .annotate(seconds=Sum("duration_seconds"), count=Count("pk"))
        }
        for day, seconds in self.running_seconds_by_day(now).items():
            if first_day <= day <= last_day:
                row = rows.setdefault(day, {"day": day, "seconds": 0, "count": 0})
                row["seconds"] += seconds
                row["count"] += 1
        return sorted(rows.values(), key=lambda row: row["day"], reverse=True)

    def running_seconds_by_day(self, now: datetime) -> dict[date, int]:
        """The running timers' seconds up to ``now``, on their days (a timer set to start
        later has none yet). Read through the one-running-timer index: with an order or a
        range of starts, SQLite walked the person's whole history by start instead."""
        by_day = defaultdict(int)
        for start, day in self.running().order_by().values_list("start", "day"):
            if start < now:
                by_day[day] += elapsed_seconds(start, now)
        return by_day

    def start_timer(self, user, project, task=None, notes="", billable=None, at=None, tags=()):
        """Start a timer for ``user``, stopping the one already running, in one transaction.

        The user's row is locked first so that two concurrent starts are serialised; the
        partial unique index stays the last line of defence.
        """
        at = _whole_seconds(at or timezone.now())
        with transaction.atomic():
            self.make_room_for_timer(user, at)
            entry = self.create(
                user=user,
                project=project,
                task=task,
                notes=notes,
                start=at,
                billable=project.billable if billable is None else billable,
                source=TimeEntry.Source.TIMER,
            )
            if tags:
                entry.tags.set(tags)
            return entry

    def make_room_for_timer(self, user, at=None) -> None:
        """Inside a transaction, before a new timer of ``user``: their row locked (two
        concurrent starts are serialised), the running entry stopped at ``at`` (now), the
        paused work item over (starting other work ends it)."""
        get_user_model().objects.select_for_update().filter(pk=user.pk).first()
        running = self._locked_running(user)
        if running is not None:
            running.stop(at=at)
        self._forget_pause(user)

    def stop_timer(self, user, at=None):
        """Stop ``user``'s running entry and return it, or None when nothing runs.

        Stopping while paused ends the paused work item: it can no longer be resumed.
        """
        with transaction.atomic():
            running = self._locked_running(user)
            if running is not None:
                running.stop(at=at)
            return running or self._forget_pause(user)

    def pause_timer(self, user, at=None):
        """Pause ``user``'s running timer: its stretch of work ends and can be resumed.

        Returns the paused entry, or None when nothing runs.
        """
        with transaction.atomic():
            running = self._locked_running(user)
            if running is None:
                return None
            # One paused item at a time: pausing this one ends an earlier one's way back (a
            # timer started by adding an entry never passed through start_timer).
            self._forget_pause(user)
            running.pause = TimeEntry.Pause.PAUSED
            running.stop(at=at, extra_fields=["pause"])
            return running

    def resume_timer(self, user, at=None):
        """Start a new stretch of the paused work item (project, task, notes, billable, tags).

        Returns the new running entry, or None when nothing is paused. Paused time lies
        between two entries, so nothing ever counts it.
        """
        at = _whole_seconds(at or timezone.now())
        with transaction.atomic():
            # The user's row first, as start_timer does: one lock order, no deadlock.
            get_user_model().objects.select_for_update().filter(pk=user.pk).first()
            paused = self.select_for_update().filter(user=user, pause=TimeEntry.Pause.PAUSED)
            paused = paused.first()
            if paused is None:
                return None
            paused.pause = TimeEntry.Pause.RESUMED
            paused.save(update_fields=["pause", "updated_at"])
            return self.start_timer(
                user,
                paused.project,
                task=paused.task,
                notes=paused.notes,
                billable=paused.billable,
                at=max(at, paused.end),
                tags=list(paused.tags.all()),
            )

    def forgotten(self, now: datetime, max_hours: int):
        """Running entries older than ``max_hours`` (none when the limit is 0)."""
        if not max_hours:
            return self.none()
        return self.running().filter(start__lte=forgotten_before(now, max_hours))

    def stop_forgotten(self, now: datetime, max_hours: int) -> list:
        """Stop every forgotten timer at its start + ``max_hours``; never deletes time.

        Idempotent: a stopped timer is no longer running. Returns the entries stopped.
        """
        stopped = []
        for entry in self.forgotten(now, max_hours).select_related("project", "user"):
            with transaction.atomic():
                locked = TimeEntry.objects.select_for_update().filter(pk=entry.pk, end=None)
                if locked.first() is None:
                    continue  # stopped meanwhile
                entry.auto_stopped = True
                entry.stop(
                    at=entry.start + timedelta(hours=max_hours), extra_fields=["auto_stopped"]
                )
            stopped.append(entry)
        return stopped

    def _locked_running(self, user):
        """Inside a transaction: ``user``'s running entry, row-locked, with its project (not
        locked: other people's timers on it go on), or None."""
        running = self.select_for_update(of=("self",)).select_related("project")
        return running.filter(user=user, end__isnull=True).first()

    def _forget_pause(self, user):
        """The paused work item is over: it stays as it is, without the way back."""
        paused = self.filter(user=user, pause=TimeEntry.Pause.PAUSED).first()
        if paused is not None:
            paused.pause = TimeEntry.Pause.NONE
            paused.save(update_fields=["pause", "updated_at"])
        return None


class LiveEntryManager(models.Manager.from_queryset(TimeEntryQuerySet)):
    """Entries not in the trash: what every list, report, export, invoice, overlap check
    and the one-running-timer rule count. ``TimeEntry.everything`` includes the trash."""

    def get_queryset(self):
        return super().get_queryset().filter(deleted_at__isnull=True)


def overlapping_entries(user_id, start, end):
    """Entries with clock times of a person sharing some time with ``start`` to ``end``. A
    running timer's clock time runs from its start until now: time still to come is not
    shared yet. Duration-only entries have no clock time to share."""
    now = timezone.now()
    shares = Q(end__gt=start)
    if start < now:
        shares |= Q(end__isnull=True, start__lt=now)
    return TimeEntry.objects.filter(user_id=user_id, start__lt=end, duration_only=False).filter(
        shares
    )


def _longest_clocked_length():
    """For a query: the length of the longest stopped entry with clock times, read through
    ``entry_longest`` in the same statement, and a second more (``duration_seconds`` leaves
    out the fraction of a second that times sent by the API may carry)."""
    longest = (
        TimeEntry.objects.filter(duration_only=False, duration_seconds__isnull=False)
        .order_by("-duration_seconds")
        .values("duration_seconds")[:1]
    )
    return ExpressionWrapper(
        Value(timedelta(seconds=1)) * (Coalesce(Subquery(longest), 0) + 1),
        output_field=models.DurationField(),
    )


def _another_overlaps():
    """For a query over entries: another entry of the same person shares some of the outer
    entry's clock time (``overlapping_entries``'s rule). Two EXISTS: stopped entries, and
    the running timer (``one_running_timer_per_user``; a timer is never duration-only nor in
    the trash, so those conditions would only hide that index from SQLite's planner).

    A stopped entry that shares time with the outer one starts and ends within its own
    length of it, so within the longest one's: said as well, those bounds keep each probe to
    a short stretch of an index, whichever the database picks, instead of the person's whole
    history after or before the entry (docs/performance.md, twelfth round).

    A running timer's clock time runs until now, as in ``overlapping_entries``: a timer
    started back over time already tracked overlaps it, and time still to come is not
    shared yet."""
    longest = _longest_clocked_length()
    now = timezone.now()
    end = Coalesce(OuterRef("end"), Value(now), output_field=models.DateTimeField())
    stopped = TimeEntry.objects.filter(
        user_id=OuterRef("user_id"),
        start__lt=end,
        end__gt=OuterRef("start"),
        start__gte=OuterRef("start") - longest,
        end__lte=end + longest,
        duration_only=False,
    ).exclude(pk=OuterRef("pk"))
    running = TimeEntry.everything.filter(
        user_id=OuterRef("user_id"), end=None, start__lt=OuterRef("end")
    ).filter(start__lt=now)
    shared = Exists(stopped) | (Exists(running) & Q(start__lt=now))
    # A timer set to start later shares no time yet.
    return shared & (Q(end__isnull=False) | Q(start__lt=now))


def forgotten_before(now: datetime, max_hours: int) -> datetime:
    """A timer started at or before this moment has run past the limit."""
    return now - timedelta(hours=max_hours)


def _whole_seconds(moment):
    return moment.replace(microsecond=0)


def local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def duration_only_span(day: date, seconds: int) -> tuple[datetime, datetime]:
    """Where a duration-only entry sits: from the day's local midnight, in UTC, for exactly
    ``seconds`` (elapsed, so a DST day is no different)."""
    start = local_midnight(day).astimezone(UTC)
    return start, start + timedelta(seconds=seconds)


class TimeEntry(models.Model):
    class Pause(models.TextChoices):
        NONE = "", "—"
        PAUSED = "paused", "Paused"  # this stretch ended with a pause, resumable
        RESUMED = "resumed", "Resumed"  # it was paused and the work went on in a new entry

    class Source(models.TextChoices):
        TIMER = "timer", "Timer"
        MANUAL = "manual", "By hand"
        TIMESHEET = "timesheet", "Timesheet"
        IMPORT = "import", "Imported"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="time_entries"
    )
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="time_entries")
    task = models.ForeignKey(
        Task, on_delete=models.PROTECT, null=True, blank=True, related_name="time_entries"
    )
    notes = models.TextField(
        blank=True, max_length=NOTES_MAX_LENGTH, validators=[MaxLengthValidator(NOTES_MAX_LENGTH)]
    )
    start = models.DateTimeField(validators=[validate_entry_moment])
    # The day the entry belongs to, fixed when it is made (or its start moves) in its owner's
    # zone of the moment (_day_zone): choosing another zone later moves no entry to another
    # day.
    day = models.DateField(editable=False)
    # Time typed as a length on a day (timesheet, imports without clock times): it sits at
    # the day's start so every query by time keeps working, but it has no clock time, so it
    # never overlaps anything.
    duration_only = models.BooleanField(default=False, db_default=False, editable=False)
    end = models.DateTimeField(null=True, blank=True, validators=[validate_entry_moment])
    # Kept in step with start/end by save() so reports aggregate an integer column.
    duration_seconds = models.PositiveIntegerField(null=True, editable=False)
    billable = models.BooleanField(default=True)
    tags = models.ManyToManyField(Tag, blank=True, related_name="entries")
    # Database defaults too: bulk inserts (seed_demo) and older code need not know them.
    pause = models.CharField(
        max_length=8,
        choices=Pause.choices,
        blank=True,
        default=Pause.NONE,
        db_default=Pause.NONE,
        editable=False,
    )
    # Who made it: the week timesheet only ever changes the entries it made itself.
    source = models.CharField(
        max_length=10,
        choices=Source.choices,
        default=Source.MANUAL,
        db_default=Source.MANUAL,
        editable=False,
    )
    # Stopped by the server at start + TIMER_MAX_HOURS, until its owner sets the real end.
    auto_stopped = models.BooleanField(default=False, db_default=False, editable=False)
    reminder_sent = models.BooleanField(default=False, db_default=False, editable=False)
    invoice_item = models.ForeignKey(
        "InvoiceItem",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="time_entries",
    )
    # Where an imported entry came from: its format and a fingerprint of its row (imports).
    # Importing the same file again finds it here and adds nothing.
    import_key = models.CharField(
        max_length=80, blank=True, default="", db_default="", editable=False
    )
    # In the trash since then (TimeEntry.trash): it counts nowhere until restored, and
    # `manage.py purge_trash` removes it after TRASH_DAYS.
    deleted_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = LiveEntryManager()
    everything = TimeEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-start"]
        verbose_name_plural = "time entries"
        # Related managers (a project's entries, an invoice line's) leave out the trash too.
        default_manager_name = "objects"
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(end__isnull=True),
                name="one_running_timer_per_user",
            ),
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gt=F("start")),
                name="entry_ends_after_start",
                violation_error_message=END_AFTER_START,
            ),
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(pause="paused"),
                name="one_paused_timer_per_user",
            ),
            models.UniqueConstraint(
                fields=["user", "import_key"],
                condition=~Q(import_key=""),
                name="entry_imported_once",
            ),
            models.CheckConstraint(
                condition=~Q(pause="paused") | Q(end__isnull=False),
                name="paused_entry_has_ended",
            ),
            # Far-off dates overflow on the way to other time zones and break every page
            # that shows the entry: the database itself keeps them out.
            models.CheckConstraint(
                condition=Q(start__gte=EARLIEST_MOMENT, start__lt=END_OF_TIME)
                & (Q(end__isnull=True) | Q(end__lt=END_OF_TIME)),
                name="entry_within_supported_years",
                violation_error_message=(f"Use dates between {FIRST_YEAR} and {LAST_YEAR}."),
            ),
        ]
        # Each index leads with what reports filter on and carries the columns they add up,
        # so a report is answered from the index alone (docs/performance.md). They hold live
        # entries only (the condition every query of ``objects`` carries), so the trash
        # neither slows them down nor makes them read the table.
        indexes = [
            models.Index(
                fields=["user", "start", "end", "project", "duration_seconds"],
                name="entry_user_start",
                condition=LIVE,
            ),
            models.Index(
                fields=["project", "start", "end", "user", "duration_seconds"],
                name="entry_project_start",
                condition=LIVE,
            ),
            models.Index(
                fields=["start", "end", "user", "project", "duration_seconds"],
                name="entry_start",
                condition=LIVE,
            ),
            # The timer bar's lookup of a person's unreviewed auto-stopped entries.
            models.Index(
                fields=["user"], condition=Q(auto_stopped=True), name="entry_auto_stopped"
            ),
            # A person's latest entries (suggestions look through the latest SUGGEST_FROM):
            # narrow, so SQLite walks it even when one person owns every row.
            models.Index(fields=["user", "start"], condition=LIVE, name="entry_user_latest"),
            # Overlaps (``_another_overlaps``): the longest entry with clock times, and a
            # person's stopped entries ending around a moment.
            models.Index(
                fields=["duration_seconds"],
                condition=LIVE & Q(duration_only=False),
                name="entry_longest",
            ),
            models.Index(
                fields=["user", "end"],
                condition=LIVE & Q(duration_only=False),
                name="entry_user_end",
            ),
            # A person's trash, newest first; purge_trash's oldest.
            models.Index(
                fields=["user", "deleted_at"],
                condition=Q(deleted_at__isnull=False),
                name="entry_trash",
            ),
            # Days: the timesheet, day reports, ranges of days; with what a report adds up
            # and prices (billable, billed), so a report reads the index alone.
            models.Index(
                fields=["user", "day", "project", "end", "duration_seconds"],
                name="entry_user_day",
                condition=LIVE,
            ),
            models.Index(
                fields=[
                    "day",
                    "user",
                    "project",
                    "end",
                    "duration_seconds",
                    "billable",
                    "invoice_item",
                ],
                name="entry_day_report",
                condition=LIVE,
            ),
            # The same in the order a report adds them up (by project and person), for a
            # report of all days: read in order, no sort.
            models.Index(
                fields=[
                    "project",
                    "user",
                    "day",
                    "end",
                    "duration_seconds",
                    "billable",
                    "invoice_item",
                ],
                name="entry_project_user_report",
                condition=LIVE,
            ),
        ]

    def __str__(self):
        if self.duration_only:
            return f"{self.project} · {self.day:%Y-%m-%d}"
        return f"{self.project} · {timezone.localtime(self.start):%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        # The same rules as clean(), for the doors that save without it (timer, timesheet).
        self._refuse_time_on_archived_project()
        self.derive_columns()
        self._announce_time_added()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "end" in update_fields:
            kwargs["update_fields"] = update_fields = {*update_fields, "duration_seconds"}
        if update_fields is not None and "start" in update_fields:
            kwargs["update_fields"] = {*update_fields, "duration_seconds", "day", "duration_only"}
        # Any change to an entry that has ended may touch billed time: check the lock. Only a
        # running entry (never billed) skips the query: the timer's stop and pause.
        # Moving in or out of the trash changes no billed time (``trash`` checks the lock).
        ended = update_fields is None or getattr(self, "_stored_end", None) is not None
        if update_fields is not None and set(update_fields) <= {"deleted_at", "updated_at"}:
            ended = False
        if ended and not self._state.adding:
            self._check_not_locked()
        # One transaction with what the change sets off (its budget alert, its webhooks'
        # outbox rows: post_save receivers), so a rolled-back change leaves none of them.
        with transaction.atomic():
            super().save(*args, **kwargs)
        self._stored_start, self._stored_project_id = self.start, self.project_id
        self._stored_seconds, self._stored_end = self.duration_seconds, self.end

    def get_absolute_url(self):
        return reverse("tracking:entry_detail", args=[self.pk])

    def delete(self, *args, **kwargs):
        """Deleting an entry, at any door, moves it to the trash (see ``trash``)."""
        self.trash()
        return 1, {self._meta.label: 1}

    def trash(self) -> None:
        """Move this entry to the trash, whole (times, tags, billing link), for
        ``TRASH_DAYS``: it then counts nowhere until ``restore``. Billed time on a sent
        invoice stays (``Locked``). A running timer stops now and a paused one can no
        longer be resumed: the trash keeps the time worked, not a clock still going."""
        if self.deleted_at is not None:
            return
        self._check_not_locked()
        now = _whole_seconds(timezone.now())
        fields = ["deleted_at", "updated_at"]
        if self.end is None:
            self.end = max(now, self.start + timedelta(seconds=1))
            fields.append("end")
        if self.pause == self.Pause.PAUSED:
            self.pause = self.Pause.NONE
            fields.append("pause")
        self.deleted_at = now
        self.save(update_fields=fields)

    @property
    def purged_after(self) -> datetime | None:
        """When ``purge_trash`` may remove this trashed entry for good."""
        if self.deleted_at is None:
            return None
        return self.deleted_at + timedelta(days=TRASH_DAYS)

    def restore(self) -> None:
        """Bring an entry back from the trash as it was, with its link to the invoice line
        that billed it (a draft's refresh unlinks trashed entries, see
        ``Invoice.refresh_from_entries``)."""
        if self.deleted_at is None:
            return
        self.deleted_at = None
        self.save(update_fields=["deleted_at", "updated_at"])

    @classmethod
    def from_db(cls, db, field_names, values):
        entry = super().from_db(db, field_names, values)
        # What was read, so save() and clean() know whether the entry moved to another start
        # or project or grew longer (a deferred column reads as None).
        entry._stored_start = entry.__dict__.get("start")
        entry._stored_project_id = entry.__dict__.get("project_id")
        entry._stored_seconds = entry.__dict__.get("duration_seconds")
        entry._stored_end = entry.__dict__.get("end")
        return entry

    def _day_zone(self) -> tzinfo:
        """The zone an entry's day is counted in: for a new entry, the one in use as it is
        made (its owner's, who makes it); for one moved later, its owner's own, looked up,
        since a manager in another zone may be the one moving it."""
        if self._state.adding or self.user_id is None:
            return timezone.get_current_timezone()
        name = Preferences.objects.filter(user_id=self.user_id).values_list("time_zone", flat=True)
        try:
            return ZoneInfo(name.first() or settings.TIME_ZONE)
        except (ZoneInfoNotFoundError, ValueError):
            return timezone.get_default_timezone()

    def adds_time_to_archived_project(self) -> bool:
        """New time on an archived project: a new entry there, one moved onto it, or one
        made longer there. Editing or shortening what is already there is fine."""
        if self.project_id is None:
            return False
        if not self._state.adding and getattr(self, "_stored_project_id", None) == self.project_id:
            before = getattr(self, "_stored_seconds", None)
            after = None if self.end is None else elapsed_seconds(self.start, self.end)
            if before is None or after is None or after <= before:
                return False
        return self.project.archived

    def _refuse_time_on_archived_project(self) -> None:
        if self.adds_time_to_archived_project():
            raise ValidationError({"project": ARCHIVED_PROJECT}, code="archived")

    def seconds_added(self) -> int | None:
        """What saving this adds to its project's time: a new entry's length (0 for a timer
        starting), what an edit adds there (all of it, moved from another project); None
        when it adds nothing (a timer stopping, a shortening, another field)."""
        if self.project_id is None or self.start is None:
            return None
        after = 0 if self.end is None else elapsed_seconds(self.start, self.end)
        if self._state.adding or getattr(self, "_stored_project_id", None) != self.project_id:
            return after
        before = getattr(self, "_stored_seconds", None)
        if before is None or after <= before:
            return None
        return after - before

    def _announce_time_added(self) -> None:
        """Let the project's rules refuse the time (``time_adding``)."""
        seconds = self.seconds_added()
        if seconds is not None:
            time_adding.send(sender=TimeEntry, entry=self, seconds=seconds)

    def derive_columns(self) -> None:
        """Duration from start and end; the day from start, when the entry is new or its
        start moved, in the zone active now.

        A duration-only entry keeps its day; moving its start anywhere but the start of
        that day (as the timesheet does) gives it a clock time, and its day follows.
        """
        if self.end is None:
            self.duration_seconds = None
        else:
            self.duration_seconds = elapsed_seconds(self.start, self.end)
        moved = self.start != getattr(self, "_stored_start", None)
        if moved and self.duration_only and self.day is not None and self.start is not None:
            self.duration_only = self.start == duration_only_span(self.day, 0)[0]
        if self.day is None or (moved and not self.duration_only and self.start is not None):
            self.day = timezone.localtime(self.start, self._day_zone()).date()

    def _stored_billing(self):
        return (
            TimeEntry.everything.filter(pk=self.pk)
            .values_list(
                "invoice_item_id", "invoice_item__invoice__number", "invoice_item__invoice__status"
            )
            .first()
        )

    def locking_invoice(self) -> tuple[str, str] | None:
        """(number, status) of the sent or paid invoice that bills this entry, if any."""
        stored = self._stored_billing()
        if stored and stored[2] in LOCKED_INVOICE_STATUSES:
            return stored[1], stored[2]
        return None

    def _check_not_locked(self) -> None:
        stored = self._stored_billing()
        if stored is None:
            return
        item_id, number, status = stored
        if status in LOCKED_INVOICE_STATUSES:
            raise Locked("This entry", number, status)
        # Billing links the entry behind our back (a queryset update): keep the stored link.
        self.invoice_item_id = item_id

    def overlapping(self):
        """Other entries of the same person that share some of this entry's clock time; a
        running entry's runs until now."""
        now = timezone.now()
        if self.duration_only or (self.end is None and self.start >= now):
            return TimeEntry.objects.none()  # no clock time, or a timer set to start later
        end = self.end or now
        return overlapping_entries(self.user_id, self.start, end).exclude(pk=self.pk)

    @property
    def is_running(self) -> bool:
        return self.end is None

    @property
    def duration(self) -> timedelta:
        return timedelta(seconds=elapsed_seconds(self.start, self.end or timezone.now()))

    @property
    def hours(self) -> Decimal:
        seconds = self.duration_seconds
        if seconds is None:
            seconds = int(self.duration.total_seconds())
        return seconds_to_hours(seconds)

    def clean(self):
        if self.start and self.end and self.end <= self.start:
            raise ValidationError({"end": END_AFTER_START})
        if self.start and self.end is None and self.user_id is not None:
            others = TimeEntry.objects.running().filter(user_id=self.user_id).exclude(pk=self.pk)
            if others.exists():
                raise ValidationError({"end": ANOTHER_TIMER_RUNS})
        if self.task_id is not None and self.task.project_id != self.project_id:
            raise ValidationError({"task": "This task belongs to another project."})
        self._refuse_time_on_archived_project()
        self._announce_time_added()
        too_long = MAX_ENTRY_DURATION.total_seconds()
        if self.start and self.end and elapsed_seconds(self.start, self.end) > too_long:
            hours = int(too_long // 3600)
            raise ValidationError(
                {"end": f"An entry lasts at most {hours} hours: split longer work."}
            )

    def stop(self, at=None, extra_fields=()):
        """Stop a running entry; stopping a stopped one is an error, not a no-op."""
        if self.end is not None:
            raise ValidationError("This timer is already stopped.")
        at = _whole_seconds(at or timezone.now())
        # A timer stopped within its first second still counts one second.
        self.end = max(at, self.start + timedelta(seconds=1))
        self.save(update_fields=["end", "updated_at", *extra_fields])

    def place_on_day(self, day: date, seconds: int) -> None:
        """Make this time without clock times: ``seconds`` long on ``day`` (stored from the
        day's local midnight, see ``duration_only_span``). Saving is the caller's."""
        self.duration_only, self.day = True, day
        self.start, self.end = duration_only_span(day, seconds)

    def duplicate(self, user, today: date | None = None) -> "TimeEntry":
        """A copy for ``user`` on ``today``: the same project, task, notes, tags, billable
        and length, at the same clock time (or, for time without clock times, on that day).
        Without ``today``, at the very same moments (on the same day). A running entry has
        no length to copy (``ValidationError``)."""
        if self.end is None:
            raise ValidationError("Stop the timer first: a running entry has no length yet.")
        seconds = elapsed_seconds(self.start, self.end)
        copy = TimeEntry(
            user=user,
            project=self.project,
            task=self.task,
            notes=self.notes,
            billable=self.billable,
            source=TimeEntry.Source.MANUAL,
        )
        if self.duration_only:
            copy.place_on_day(today or self.day, seconds)
        elif today is None:
            copy.start, copy.end = self.start, self.end
        else:
            at = datetime.combine(today, timezone.localtime(self.start).time())
            copy.start = timezone.make_aware(at).astimezone(UTC)
            copy.end = copy.start + timedelta(seconds=seconds)
        with transaction.atomic():
            copy.save()
            copy.tags.set(self.tags.all())
        return copy

    def confirm_end(self) -> None:
        """A person has looked at the end the server gave a forgotten timer."""
        if self.auto_stopped:
            self.auto_stopped = False
            self.save(update_fields=["auto_stopped", "updated_at"])

    @property
    def is_paused(self) -> bool:
        return self.pause == self.Pause.PAUSED
