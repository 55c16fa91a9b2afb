"""The calendar: a person's entries on a day-by-hour grid, a week (or, on a phone, a day) at a
time, server-rendered.

Each day is a CSS grid of 96 quarter-hour rows (static/css/calendar.css has a class for each
row and span, so the page needs no inline style under the CSP). Time with clock times is
placed where it happened in the viewer's zone, split at midnight; time without clock times
sits in a band above its day. Day totals go by the entries' own days, as everywhere.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import ClassVar

from django.db.models import Q
from django.utils import timezone

from tracking.models import TimeEntry, elapsed_seconds, local_midnight

QUARTERS = 96  # rows of a day: quarter hours
# Lanes side by side for entries that overlap; more than this share the last one.
MAX_LANES = 3
# A pause between two entries at least this long shows as a gap to fill.
MIN_GAP = timedelta(minutes=15)
# The grid opens scrolled to this hour unless something happened earlier.
DAY_STARTS_AT = 7


@dataclass
class Block:
    """An entry, or its part on one day, on the grid."""

    entry: TimeEntry
    start: datetime  # local, within the day
    end: datetime  # local, within the day (now for a running timer)
    row: int = 0  # first quarter (0-95)
    span: int = 1  # quarters
    lane: int = 0
    running: bool = False
    overlaps: bool = False  # shares time with another entry shown that day


@dataclass
class Gap:
    start: datetime
    end: datetime
    row: int
    span: int

    @property
    def seconds(self) -> int:
        return elapsed_seconds(self.start, self.end)


@dataclass
class Day:
    date: date
    blocks: list = field(default_factory=list)
    band: list = field(default_factory=list)  # time without clock times
    gaps: list = field(default_factory=list)
    seconds: int = 0
    lanes: int = 1
    today: bool = False


def _quarter(moment: datetime, day_start: datetime, *, up: bool = False) -> int:
    """The quarter-hour row of a local moment on its day, or the first row after it when
    ``up`` (an end). Wall-clock, so a DST day's extra hour folds onto the hour it repeats."""
    if moment.date() > day_start.date():
        return QUARTERS
    minutes = moment.hour * 60 + moment.minute + (1 if up and moment.second else 0)
    return (minutes + 14) // 15 if up else minutes // 15


def _place(day: Day, blocks: list[Block]) -> None:
    """Rows, spans and lanes: an entry overlapping one still shown goes beside it."""
    day_start = local_midnight(day.date)
    lane_ends: list[datetime] = []
    for block in sorted(blocks, key=lambda b: (b.start, b.end)):
        block.row = min(_quarter(block.start, day_start), QUARTERS - 1)
        block.span = max(1, _quarter(block.end, day_start, up=True) - block.row)
        free = [n for n, end in enumerate(lane_ends) if end <= block.start]
        if free:
            block.lane = free[0]
        elif len(lane_ends) < MAX_LANES:
            block.lane = len(lane_ends)
            lane_ends.append(block.end)
        else:
            block.lane = MAX_LANES - 1
        lane_ends[block.lane] = max(lane_ends[block.lane], block.end)
        day.blocks.append(block)
    day.lanes = max(1, len(lane_ends))
    for block in day.blocks:
        block.overlaps = any(
            other is not block and other.start < block.end and block.start < other.end
            for other in day.blocks
        )


def _gaps(day: Day) -> None:
    """The pauses of at least MIN_GAP between the day's first and last clock times."""
    day_start = local_midnight(day.date)
    reached = None
    for block in sorted(day.blocks, key=lambda b: b.start):
        if reached is not None and block.start - reached >= MIN_GAP:
            row = _quarter(reached, day_start)
            span = max(1, _quarter(block.start, day_start) - row)
            day.gaps.append(Gap(reached, block.start, row, span))
        reached = block.end if reached is None else max(reached, block.end)


@dataclass
class Calendar:
    days: list
    first: date
    last: date
    scroll_hour: int = DAY_STARTS_AT
    # The hour lines, the same on every day; app.js makes each one a slot to click on every
    # day, where a new entry would start.
    hours: ClassVar[tuple] = tuple(
        {"hour": hour, "row": hour * 4, "at": time(hour)} for hour in range(24)
    )

    @property
    def seconds(self) -> int:
        return sum(day.seconds for day in self.days)

    @property
    def entry_count(self) -> int:
        placed = {block.entry.pk for day in self.days for block in day.blocks}
        return len(placed | {entry.pk for day in self.days for entry in day.band})


def build(user, first: date, last: date, now: datetime) -> Calendar:
    """``user``'s time from ``first`` to ``last`` (inclusive), placed day by day."""
    days = {first + timedelta(days=n): Day(first + timedelta(days=n)) for n in range(7)}
    days = {d: day for d, day in days.items() if d <= last}
    today = timezone.localdate(now)
    if today in days:
        days[today].today = True
    begins, ends = local_midnight(first), local_midnight(last + timedelta(days=1))
    clock = Q(duration_only=False, start__lt=ends) & (Q(end__isnull=True) | Q(end__gt=begins))
    entries = (
        TimeEntry.objects.filter(user=user)
        .filter(clock | Q(day__gte=first, day__lte=last))
        .select_related("project", "task")
        .order_by("start")
    )
    placed: dict[date, list[Block]] = {d: [] for d in days}
    for entry in entries:
        end = entry.end or max(now, entry.start)
        if entry.day in days:
            days[entry.day].seconds += elapsed_seconds(entry.start, end)
        if entry.duration_only:
            if entry.day in days:
                days[entry.day].band.append(entry)
            continue
        start_local, end_local = timezone.localtime(entry.start), timezone.localtime(end)
        on = start_local.date()
        while on <= end_local.date() and on <= last:
            midnight, next_midnight = local_midnight(on), local_midnight(on + timedelta(days=1))
            part_start = max(start_local, midnight)
            part_end = min(end_local, next_midnight)
            if on in days and part_end > part_start:
                placed[on].append(Block(entry, part_start, part_end, running=entry.end is None))
            on += timedelta(days=1)
    earliest = DAY_STARTS_AT
    for d, day in days.items():
        _place(day, placed[d])
        _gaps(day)
        if day.blocks:
            earliest = min(earliest, min(block.row for block in day.blocks) // 4)
    return Calendar(list(days.values()), first, last, scroll_hour=earliest)
