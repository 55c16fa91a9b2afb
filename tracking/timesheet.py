"""The week timesheet: hours per project and day.

A cell shows everything the user tracked on that project that day (each entry's own
``day``). Saving a cell never touches an entry made by a timer, by hand or billed on an
invoice: the difference goes into the one entry per cell that the timesheet owns
(``source="timesheet"``), a duration-only entry on the cell's day, lasting exactly the
difference. It has no clock time, so it overlaps nothing and bills like any other time.
"""

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cached_property

from django.core.exceptions import ValidationError
from django.db import transaction

from tracking.models import LARGEST_ID, Project, TimeEntry, clock_duration, nearest_minute
from tracking.typed_time import Unreadable, parse_duration

MAX_CELL_HOURS = 24
WEEK_RE = re.compile(r"^(\d{4})-W(\d{2})$")
CELL_RE = re.compile(r"^h-(\d+)-(\d{4}-\d{2}-\d{2})$")
CellError = Unreadable  # a cell, or a week, that cannot be read


def parse_hours(text: str) -> int:
    """Seconds from what people type in a cell (``tracking.typed_time``), at most a day;
    empty is 0."""
    return parse_duration(text, MAX_CELL_HOURS)


def format_hours(seconds: int) -> str:
    """``H:MM``; empty for nothing (an empty cell)."""
    return clock_duration(seconds) if seconds else ""


def parse_week(text: str | None, today: date) -> date:
    """The Monday of ISO week ``YYYY-Www`` (this week when empty); ``CellError`` if invalid."""
    if not text:
        return today - timedelta(days=today.weekday())
    match = WEEK_RE.match(text)
    try:
        if not match:
            raise ValueError
        monday = date.fromisocalendar(int(match.group(1)), int(match.group(2)), 1)
    except ValueError:
        raise CellError(f"{text!r} is not a week: write it like 2026-W10") from None
    if not 2000 <= monday.year <= 2100:
        raise CellError("Use a week between 2000 and 2100.")
    return monday


def week_label(monday: date) -> str:
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}"


def cell_name(project_id: int, day: date) -> str:
    return f"h-{project_id}-{day.isoformat()}"


# How the reasons a cell cannot go lower are named, in this order.
FIXED_KINDS = {
    TimeEntry.Source.TIMER: "from a timer",
    TimeEntry.Source.MANUAL: "by hand",
    TimeEntry.Source.TIMESHEET: "in the timesheet",
    "billed": "already billed",
}


def precise_hours(seconds: int) -> str:
    """``H:MM``, or ``H:MM:SS`` when the seconds matter: 12605 → "3:30:05"."""
    return clock_duration(seconds, exact=bool(seconds % 60))


def to_the_minute(seconds: int) -> int:
    """What a cell shows, in seconds: rounded to the nearest minute as ``clock_duration``."""
    return nearest_minute(seconds) * 60


@dataclass
class Cell:
    project_id: int
    day: date
    seconds: int = 0  # everything tracked
    # What the timesheet may not change, by kind (FIXED_KINDS): timer, by hand, billed.
    fixed: dict = field(default_factory=dict)
    owned: TimeEntry | None = None  # the timesheet's own entry, if any

    @property
    def name(self) -> str:
        return cell_name(self.project_id, self.day)

    @property
    def fixed_seconds(self) -> int:
        return sum(self.fixed.values())

    @property
    def billed(self) -> bool:
        """Some of this cell's time is on an invoice: the cell is read-only."""
        return "billed" in self.fixed

    def fixed_text(self) -> str:
        """Where the fixed time comes from: "0:01:03 from a timer, 3:30 by hand"."""
        return ", ".join(
            f"{precise_hours(self.fixed[kind])} {label}"
            for kind, label in FIXED_KINDS.items()
            if self.fixed.get(kind)
        )

    def add(self, entry: TimeEntry) -> None:
        seconds = entry.duration_seconds or 0
        self.seconds += seconds
        if entry.invoice_item_id is not None:
            kind = "billed"
        elif entry.source == TimeEntry.Source.TIMESHEET and self.owned is None:
            self.owned = entry
            return
        else:
            kind = entry.source
        self.fixed[kind] = self.fixed.get(kind, 0) + seconds


@dataclass
class Week:
    user: object
    monday: date
    projects: list = field(default_factory=list)
    cells: dict = field(default_factory=dict)  # (project_id, day) -> Cell

    @cached_property
    def days(self) -> list[date]:
        return [self.monday + timedelta(days=offset) for offset in range(7)]

    def cell(self, project_id: int, day: date) -> Cell:
        return self.cells.get((project_id, day)) or Cell(project_id, day)

    def rows(self) -> list[dict]:
        rows = []
        for project in self.projects:
            cells = [self.cell(project.pk, day) for day in self.days]
            rows.append(
                {"project": project, "cells": cells, "seconds": sum(c.seconds for c in cells)}
            )
        return rows

    def day_totals(self) -> list[int]:
        totals = [0] * 7
        for (_, day), cell in self.cells.items():
            totals[(day - self.monday).days] += cell.seconds
        return totals


def _entries_of_week(user, monday: date):
    """The week's stopped entries, by their own days (a zone chosen later moves none)."""
    entries = TimeEntry.objects.filter(user=user, end__isnull=False)
    return entries.on_days(monday, monday + timedelta(days=6))


def load_week(user, monday: date, extra_project_ids=()) -> Week:
    """The grid: a row per project with time this week, plus the rows asked for (in the
    order of ``extra_project_ids``)."""
    week = Week(user, monday)
    for entry in (
        _entries_of_week(user, monday)
        .only(
            "pk",
            "project_id",
            "day",
            "start",
            "end",
            "duration_seconds",
            "source",
            "invoice_item_id",
        )
        .order_by("start", "pk")
    ):
        key = (entry.project_id, entry.day)
        week.cells.setdefault(key, Cell(entry.project_id, entry.day)).add(entry)
    with_time = {project_id for project_id, _ in week.cells}
    asked = [pk for pk in dict.fromkeys(extra_project_ids) if pk not in with_time]
    found = (
        Project.objects.filter(pk__in=with_time | set(asked))
        .select_related("client")
        .only("name", "client__name")
    )
    by_id = {project.pk: project for project in found}
    # Rows with time by name, then the rows asked for in the order asked: adding a row puts
    # it last and moves none of the rows being typed into.
    week.projects = sorted(
        (by_id[pk] for pk in with_time if pk in by_id), key=lambda p: (p.name, p.pk)
    ) + [by_id[pk] for pk in asked if pk in by_id]
    return week


def projects_of_week(user, monday: date) -> list[int]:
    return list(_entries_of_week(user, monday).values_list("project_id", flat=True).distinct())


def cells_posted(data, monday: date) -> dict[tuple[int, date], str]:
    """``{(project id, day): typed text}`` for every ``h-<project>-<date>`` cell of the week."""
    cells = {}
    for name, value in data.items():
        match = CELL_RE.match(name)
        if not match:
            continue
        try:
            project_id, day = int(match.group(1)), date.fromisoformat(match.group(2))
        except ValueError:
            continue  # not a cell of any week
        if project_id > LARGEST_ID:
            project_id = 0  # no project's id: refused as "no such project"
        if 0 <= (day - monday).days < 7:
            cells[(project_id, day)] = value
    return cells


@dataclass
class SaveResult:
    errors: dict = field(default_factory=dict)  # cell name ("" for none) -> message
    changed: int = 0
    created: int = 0
    updated: int = 0
    deleted: int = 0


def save_week(user, monday: date, data) -> SaveResult:
    """Save every ``h-<project>-<date>`` cell of the week in one transaction, or none.

    A cell submitted as it was shown is unchanged, whatever seconds lie behind it. A cell
    typed below what timers, hand-made or billed entries already hold (compared to the
    minute, as cells show time) is refused, as is a cell that is not a duration, a change
    to a billed cell, or what the entry itself refuses (more time on an archived project);
    then nothing of the week changes.
    """
    result = SaveResult()
    typed = cells_posted(data, monday)
    projects = Project.objects.in_bulk({project_id for project_id, _ in typed})
    with transaction.atomic():
        week = load_week(user, monday, projects)
        for (project_id, day), text in sorted(typed.items(), key=lambda item: item[0][1]):
            project = projects.get(project_id)
            name = cell_name(project_id, day)
            where = f"{day:%a %-d %b}, {project.name if project else 'no such project'}"
            if project is None:
                result.errors[name] = f"{where}."
                continue
            try:
                seconds = parse_hours(text)
            except CellError as exc:
                result.errors[name] = f"{where}: {exc}."
                continue
            cell = week.cell(project_id, day)
            if seconds == to_the_minute(cell.seconds):
                continue  # as shown: nothing typed here
            error = _refusal(cell, project, seconds)
            if error:
                result.errors[name] = f"{where}: {error}"
                continue
            try:
                _set_owned(user, project, cell, max(seconds - cell.fixed_seconds, 0), result)
            except ValidationError as exc:  # the entry's own rules (an archived project)
                result.errors[name] = f"{where}: {' '.join(exc.messages)}"
                continue
            result.changed += 1
        if result.errors:
            transaction.set_rollback(True)
            result.changed = result.created = result.updated = result.deleted = 0
    return result


def _refusal(cell: Cell, project: Project, seconds: int) -> str:
    """Why a cell may not become ``seconds``, or empty when it may."""
    if cell.billed:
        return "this day's time is billed on an invoice; it can no longer be changed here."
    if seconds < to_the_minute(cell.fixed_seconds):
        return (
            f"{format_hours(seconds) or '0:00'} is less than the {cell.fixed_text()} "
            "already tracked; change those entries instead."
        )
    return ""


def _set_owned(user, project, cell: Cell, seconds: int, result: SaveResult) -> None:
    """The cell's own entry lasts ``seconds``: a duration-only entry on the cell's day."""
    owned = cell.owned
    if not seconds:
        if owned is not None:
            owned.delete()
            result.deleted += 1
        return
    if owned is None:
        owned = TimeEntry(
            user=user,
            project=project,
            billable=project.billable,
            source=TimeEntry.Source.TIMESHEET,
        )
        owned.place_on_day(cell.day, seconds)
        owned.save()
        result.created += 1
    else:
        owned.place_on_day(cell.day, seconds)
        owned.save(update_fields=["start", "end", "updated_at"])
        result.updated += 1
