"""Reading other trackers' CSV exports (and our own) into rows of one shape.

Each format knows its header (to recognise a file), its separator, and how to read one row
into a ``Row``: local dates and times become aware moments in the import's zone (through
``aware_from_wall_clock``, the entry form's rule), or a day and a length for time without
clock times. Durations always come from start and end, never from a file's Duration column.
A cell that cannot be read raises ``RowError`` naming the column and what was expected.
"""

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation

from imports.names import FORMAT_NAMES
from tracking.csv_export import FORMULA_PREFIXES
from tracking.models import FIRST_YEAR, LAST_YEAR, MAX_ENTRY_DURATION
from tracking.typed_time import Unreadable, aware_from_wall_clock


class Unfinished(Exception):
    """A row of a timer that was still running when the file was made: it has no length
    yet, so it is left out (and counted)."""


class RowError(ValueError):
    """A cell that cannot be read: ``column`` and a message saying what was expected."""

    def __init__(self, column: str, message: str):
        super().__init__(message)
        self.column = column


@dataclass
class Row:
    """One time entry as a file describes it."""

    client: str
    project: str
    task: str = ""
    notes: str = ""
    tags: list = field(default_factory=list)
    billable: bool | None = None
    start: datetime | None = None  # aware; None for time without clock times
    end: datetime | None = None
    day: date | None = None  # time without clock times: its day and length
    seconds: int = 0
    rate: Decimal | None = None
    email: str = ""


# --- cells ---------------------------------------------------------------------------------


def text(row: dict, column: str) -> str:
    value = (row.get(column) or "").strip()
    if "\x00" in value:  # no database stores one
        raise RowError(column, "holds a NUL character: is this a text file?")
    return value


def required(row: dict, column: str) -> str:
    value = text(row, column)
    if not value:
        raise RowError(column, "is empty")
    return value


def plain(value: str) -> str:
    """Our own export defuses formula-like cells with a leading apostrophe: take it off."""
    if value.startswith("'") and value[1:].startswith(FORMULA_PREFIXES):
        return value[1:]
    return value


def yes_no(row: dict, column: str) -> bool | None:
    value = text(row, column).casefold()
    if not value:
        return None
    if value in ("yes", "true", "1", "y"):
        return True
    if value in ("no", "false", "0", "n"):
        return False
    raise RowError(column, f"{value!r} is not Yes or No")


def tags(row: dict, column: str, separator: str = ",") -> list[str]:
    return [name.strip() for name in text(row, column).split(separator) if name.strip()]


def decimal(row: dict, column: str) -> Decimal | None:
    value = text(row, column).replace(",", ".")
    if not value:
        return None
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise RowError(column, f"{value!r} is not a number") from None
    if not number.is_finite() or number < 0:
        raise RowError(column, f"{value!r} is not a number of zero or more")
    return number


def in_range(day: date, column: str) -> date:
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise RowError(column, f"{day} is not between {FIRST_YEAR} and {LAST_YEAR}")
    return day


def iso_date(row: dict, column: str) -> date:
    value = required(row, column)
    try:
        return in_range(date.fromisoformat(value), column)
    except ValueError:
        raise RowError(column, f"{value!r} is not a YYYY-MM-DD date") from None


def length(hours: Decimal | None, column: str) -> int:
    """Seconds of a length in hours, more than nothing and at most an entry's limit."""
    if not hours:
        raise RowError(column, "is empty or zero")
    if hours * 3600 > Decimal(MAX_ENTRY_DURATION.total_seconds()):
        raise RowError(column, f"{hours} hours is more than an entry may last")
    return int((hours * 3600).to_integral_value())


US_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


def us_date(row: dict, column: str) -> date:
    value = required(row, column)
    match = US_DATE.match(value)
    try:
        if not match:
            raise ValueError
        month, day, year = (int(part) for part in match.groups())
        return in_range(date(year, month, day), column)
    except ValueError:
        raise RowError(
            column,
            f"{value!r} is not a MM/DD/YYYY date (set Clockify's date format to MM/DD/YYYY "
            "before exporting)",
        ) from None


CLOCK = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp][Mm])?$")


def clock(row: dict, column: str) -> time:
    """``14:15``, ``14:15:30``, ``09:00:00 AM``, ``01:15 PM``."""
    value = required(row, column)
    match = CLOCK.match(value)
    try:
        if not match:
            raise ValueError
        hour, minute, second = int(match[1]), int(match[2]), int(match[3] or 0)
        if match[4]:
            if not 1 <= hour <= 12:
                raise ValueError
            hour = hour % 12 + (12 if match[4].lower() == "pm" else 0)
        return time(hour, minute, second)
    except ValueError:
        raise RowError(column, f"{value!r} is not a time like 14:15 or 02:15 PM") from None


def moment(day: date, at: time, zone, column: str) -> datetime:
    try:
        return aware_from_wall_clock(datetime.combine(day, at), zone)
    except Unreadable as error:
        raise RowError(column, str(error)) from None


def span(day: date, start: time, end_day: date | None, end: time, zone, columns) -> tuple:
    """Start and end moments; an end at or before its start with no end date of its own
    is on the next day (work past midnight)."""
    if end_day is None:
        end_day = day if end > start else day + timedelta(days=1)
    first = moment(day, start, zone, columns[0])
    last = moment(end_day, end, zone, columns[1])
    if last <= first:
        raise RowError(columns[1], "is not after the start")
    return first, last


# --- the formats ---------------------------------------------------------------------------


def read_toggl(row: dict, zone) -> Row:
    start, end = span(
        iso_date(row, "Start date"),
        clock(row, "Start time"),
        iso_date(row, "End date"),
        clock(row, "End time"),
        zone,
        ("Start time", "End time"),
    )
    return Row(
        client=text(row, "Client"),
        project=required(row, "Project"),
        task=text(row, "Task"),
        notes=text(row, "Description"),
        tags=tags(row, "Tags"),
        billable=yes_no(row, "Billable"),
        start=start,
        end=end,
        email=text(row, "Email"),
    )


def _column(row: dict, *names: str) -> str:
    """The first of ``names`` the file has (Clockify calls Task "Activity" in some exports)."""
    return next((name for name in names if name in row), names[0])


def _rate(row: dict, prefix: str) -> Decimal | None:
    """A rate column whose name ends with the currency: "Billable Rate (EUR)"."""
    column = next((name for name in row if name and name.startswith(prefix)), None)
    return decimal(row, column) if column else None


def read_clockify(row: dict, zone) -> Row:
    start, end = span(
        us_date(row, "Start Date"),
        clock(row, "Start Time"),
        us_date(row, "End Date"),
        clock(row, "End Time"),
        zone,
        ("Start Time", "End Time"),
    )
    return Row(
        client=text(row, "Client"),
        project=required(row, "Project"),
        task=text(row, _column(row, "Task", "Activity")),
        notes=text(row, "Description"),
        tags=tags(row, "Tags"),
        billable=yes_no(row, "Billable"),
        start=start,
        end=end,
        rate=_rate(row, "Billable Rate"),
        email=text(row, "Email"),
    )


def read_harvest(row: dict, zone) -> Row:
    seconds = length(decimal(row, "Hours"), "Hours")
    return Row(
        client=text(row, "Client"),
        project=required(row, "Project"),
        task=text(row, "Task"),
        notes=text(row, "Notes"),
        billable=yes_no(row, "Billable?"),
        day=iso_date(row, "Date"),
        seconds=seconds,
        rate=decimal(row, "Billable Rate"),
    )


def read_kimai(row: dict, zone) -> Row:
    start, end = span(
        iso_date(row, "Date"),
        clock(row, "From"),
        None,
        clock(row, "To"),
        zone,
        ("From", "To"),
    )
    return Row(
        client=text(row, "Customer"),
        project=required(row, "Project"),
        task=text(row, "Activity"),
        notes=text(row, "Description"),
        tags=tags(row, "Tags"),
        start=start,
        end=end,
        rate=decimal(row, "HourlyRate"),
        email=text(row, "Email"),
    )


def read_timetracker(row: dict, zone) -> Row:
    """Our own ``/entries/export.csv``: times in the exporting person's zone, the length from
    ``duration_seconds`` (exact past a day and across clock changes; from start and end in
    exports made before that column); a row without start and end is time without clock
    times. A running timer's row is left out (``Unfinished``)."""
    day = iso_date(row, "date")
    read = Row(
        client=plain(text(row, "client")),
        project=plain(required(row, "project")),
        task=plain(text(row, "task")),
        notes=plain(text(row, "notes")),
        tags=[plain(name) for name in tags(row, "tags", ";")],
        billable=yes_no(row, "billable"),
        rate=decimal(row, "hourly_rate"),
    )
    seconds = text(row, "duration_seconds")
    if text(row, "start"):
        if not text(row, "end"):
            raise Unfinished
        if seconds:  # exact, however long and across any clock change
            if not seconds.isdigit():
                raise RowError("duration_seconds", f"{seconds!r} is not a number of seconds")
            # Elapsed time: in UTC, since adding to a zoned time adds wall-clock hours.
            read.start = moment(day, clock(row, "start"), zone, "start").astimezone(UTC)
            elapsed = length(Decimal(seconds) / 3600, "duration_seconds")
            read.end = read.start + timedelta(seconds=elapsed)
            return read
        read.start, read.end = span(
            day, clock(row, "start"), None, clock(row, "end"), zone, ("start", "end")
        )
        return read
    if seconds:
        if not seconds.isdigit():
            raise RowError("duration_seconds", f"{seconds!r} is not a number of seconds")
        read.seconds = length(Decimal(seconds) / 3600, "duration_seconds")
    else:  # an export from before duration_seconds
        read.seconds = length(decimal(row, "duration_hours"), "duration_hours")
    read.day = day
    return read


@dataclass(frozen=True)
class Format:
    name: str
    label: str
    read: object  # (row dict, zone) -> Row
    columns: frozenset  # what its header always has: how a file is recognised
    delimiter: str = ","
    has_email: bool = True


FORMATS = {
    format.name: format
    for format in [
        Format(
            "toggl",
            "Toggl Track (detailed report)",
            read_toggl,
            frozenset({"Project", "Description", "Start date", "Start time", "End time"}),
        ),
        Format(
            "clockify",
            "Clockify (detailed report)",
            read_clockify,
            frozenset({"Project", "Description", "Start Date", "Start Time", "End Time"}),
        ),
        Format(
            "harvest",
            "Harvest (detailed time)",
            read_harvest,
            frozenset({"Date", "Project", "Notes", "Hours"}),
            has_email=False,
        ),
        Format(
            "kimai",
            "Kimai (CSV export)",
            read_kimai,
            frozenset({"Date", "From", "To", "Project", "Description"}),
            delimiter=";",
        ),
        Format(
            "timetracker",
            "TimeTracker (our own CSV export)",
            read_timetracker,
            frozenset({"date", "start", "end", "project", "notes"}),
            has_email=False,
        ),
    ]
}


assert tuple(FORMATS) == FORMAT_NAMES  # what telemetry may name (imports.names)


def detect(header_line: str) -> Format | None:
    """The format whose columns the header line has, if any."""
    for format in FORMATS.values():
        names = {name.strip().strip('"') for name in header_line.split(format.delimiter)}
        if format.columns <= names:
            return format
    return None
