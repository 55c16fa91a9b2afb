"""The week timesheet: hours per project and day, in the user's zone.

A cell shows everything the user tracked on that project that local day. Saving a cell never
touches an entry made by a timer, by hand or billed on an invoice: the difference goes into
the one entry per cell that the timesheet owns (``source="timesheet"``), which starts at
the day's local midnight and lasts exactly the difference (elapsed seconds, so a DST day
is no different).
"""

import re
from dataclasses import dataclass, field
from datetime import UTC, date, timedelta

from django.db import transaction
from django.utils import timezone

from tracking.models import Project, TimeEntry, clock_duration, local_midnight

MAX_CELL_SECONDS = 24 * 3600
WEEK_RE = re.compile(r"^(\d{4})-W(\d{2})$")
HOURS_PATTERNS = [
    # 1:30, 0:05
    (re.compile(r"^(\d{1,2}):([0-5]\d)$"), lambda h, m: int(h) * 3600 + int(m) * 60),
    # 1h30, 1h, 1h 30m
    (
        re.compile(r"^(\d{1,2})\s*h\s*(?:(\d{1,2})\s*m?)?$"),
        lambda h, m: int(h) * 3600 + int(m or 0) * 60,
    ),
    # 90m, 90 min
    (re.compile(r"^(\d{1,4})\s*m(?:in)?$"), lambda m: int(m) * 60),
    # 1.5, 1,5, 2
    (
        re.compile(r"^(\d{1,2})(?:[.,](\d{1,2}))?$"),
        lambda h, f: int(h) * 3600 + round(float(f"0.{f or 0}") * 3600),
    ),
]


class CellError(ValueError):
    pass


def parse_hours(text: str) -> int:
    """Seconds from what people type: ``1.5``, ``1,5``, ``1:30``, ``1h30``, ``90m``; empty is 0.

    Rounded to the minute; more than 24 hours or anything else is a ``CellError``.
    """
    text = text.strip().lower()
    if not text:
        return 0
    for pattern, seconds_of in HOURS_PATTERNS:
        match = pattern.match(text)
        if match:
            seconds = round(seconds_of(*match.groups()) / 60) * 60
            if seconds > MAX_CELL_SECONDS:
                raise CellError(f"{text!r} is more than 24 hours")
            return seconds
    raise CellError(f"{text!r} is not a duration: write 1.5, 1:30, 1h30 or 90m")


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


@dataclass
class Cell:
    project_id: int
    day: date
    seconds: int  # everything tracked
    fixed_seconds: int  # what the timesheet may not change (timer, by hand, billed)
    owned: TimeEntry | None = None  # the timesheet's own entry, if any

    @property
    def name(self) -> str:
        return cell_name(self.project_id, self.day)


@dataclass
class Week:
    user: object
    monday: date
    projects: list = field(default_factory=list)
    cells: dict = field(default_factory=dict)  # (project_id, day) -> Cell

    @property
    def days(self) -> list[date]:
        return [self.monday + timedelta(days=offset) for offset in range(7)]

    def cell(self, project_id: int, day: date) -> Cell:
        return self.cells.get((project_id, day)) or Cell(project_id, day, 0, 0)

    def rows(self) -> list[dict]:
        return [
            {
                "project": project,
                "cells": [self.cell(project.pk, day) for day in self.days],
                "seconds": sum(self.cell(project.pk, day).seconds for day in self.days),
            }
            for project in self.projects
        ]

    def day_totals(self) -> list[int]:
        return [sum(self.cell(p.pk, day).seconds for p in self.projects) for day in self.days]


def _entries_of_week(user, monday: date):
    since = local_midnight(monday)
    until = local_midnight(monday + timedelta(days=7))
    return TimeEntry.objects.filter(user=user, end__isnull=False).started_in(since, until)


def load_week(user, monday: date, extra_project_ids=()) -> Week:
    """The grid: a row per project with time this week, plus the rows asked for."""
    week = Week(user, monday)
    for entry in _entries_of_week(user, monday).only(
        "pk", "project_id", "start", "end", "duration_seconds", "source", "invoice_item_id"
    ):
        day = timezone.localtime(entry.start).date()
        cell = week.cells.setdefault((entry.project_id, day), Cell(entry.project_id, day, 0, 0))
        cell.seconds += entry.duration_seconds or 0
        if entry.source == TimeEntry.Source.TIMESHEET and entry.invoice_item_id is None:
            cell.owned = entry
        else:
            cell.fixed_seconds += entry.duration_seconds or 0
    ids = {project_id for project_id, _ in week.cells} | set(extra_project_ids)
    week.projects = list(Project.objects.filter(pk__in=ids).select_related("client"))
    return week


def projects_of_week(user, monday: date) -> list[int]:
    return list(_entries_of_week(user, monday).values_list("project_id", flat=True).distinct())


@dataclass
class SaveResult:
    errors: list[str]
    changed: int = 0
    created: int = 0
    updated: int = 0
    deleted: int = 0


def save_week(user, monday: date, data) -> SaveResult:
    """Save every ``h-<project>-<date>`` cell of the week in one transaction, or none.

    A cell below what timers, hand-made or billed entries already hold is refused, as is a
    cell that is not a duration; then nothing of the week changes.
    """
    result = SaveResult(errors=[])
    targets = {}
    for name, value in data.items():
        match = re.match(r"^h-(\d+)-(\d{4}-\d{2}-\d{2})$", name)
        if not match:
            continue
        try:
            project_id, day = int(match.group(1)), date.fromisoformat(match.group(2))
        except ValueError:
            continue  # not a cell of any week
        if not 0 <= (day - monday).days < 7:
            continue
        try:
            targets[(project_id, day)] = parse_hours(value)
        except CellError as exc:
            result.errors.append(f"{day:%a %-d %b}: {exc}.")
    projects = Project.objects.in_bulk({project_id for project_id, _ in targets})
    with transaction.atomic():
        week = load_week(user, monday, projects)
        for (project_id, day), seconds in sorted(targets.items(), key=lambda item: item[0][1]):
            project = projects.get(project_id)
            if project is None:
                result.errors.append(f"{day:%a %-d %b}: no such project.")
                continue
            cell = week.cell(project_id, day)
            if seconds == cell.seconds:
                continue
            if project.archived and seconds > cell.seconds:
                result.errors.append(
                    f"{day:%a %-d %b}, {project.name}: the project is archived; "
                    "unarchive it to add time."
                )
                continue
            if seconds < cell.fixed_seconds:
                result.errors.append(
                    f"{day:%a %-d %b}, {project.name}: {format_hours(seconds) or '0:00'} is "
                    f"less than the {format_hours(cell.fixed_seconds)} tracked by timer, by "
                    "hand or already billed; change those entries instead."
                )
                continue
            result.changed += 1
            _set_owned(user, project, cell, seconds - cell.fixed_seconds, result)
        if result.errors:
            transaction.set_rollback(True)
            result.changed = result.created = result.updated = result.deleted = 0
    return result


def _set_owned(user, project, cell: Cell, seconds: int, result: SaveResult) -> None:
    owned = cell.owned
    if not seconds:
        if owned is not None:
            owned.delete()
            result.deleted += 1
        return
    # In UTC: adding to a local time adds wall-clock time, an hour off on a DST day.
    start = local_midnight(cell.day).astimezone(UTC)
    end = start + timedelta(seconds=seconds)
    if owned is None:
        TimeEntry.objects.create(
            user=user,
            project=project,
            start=start,
            end=end,
            billable=project.billable,
            source=TimeEntry.Source.TIMESHEET,
        )
        result.created += 1
    else:
        owned.start, owned.end = start, end
        owned.save(update_fields=["start", "end", "updated_at"])
        result.updated += 1
