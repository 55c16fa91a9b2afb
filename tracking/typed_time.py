"""Times and durations as people type them, read the same way everywhere (the entry form,
the timesheet, imports): "9", "930", "9:30", "2:15pm"; "1:30", "1,5", "90m"."""

import re
from datetime import UTC, datetime, time

from tracking.money import nearest_minute

# Durations: what is typed → seconds.
DURATION_PATTERNS = [
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
DURATION_FORMATS = "1.5, 1:30, 1h30 or 90m"
# Clock times: 9, 09, 930, 0930, 9:30, 9.30, 9h30, 9am, 2:15pm, 14:15.
CLOCK = re.compile(r"^(\d{1,2})(?:[:.h]?([0-5]\d))?\s*(?:([ap])\.?\s*m?\.?)?$")
CLOCK_FORMATS = "9, 930, 9:30, 2:15pm or 14:15"


class Unreadable(ValueError):
    """What was typed is not a time or a duration; the message says how to write one."""


def parse_duration(text: str, limit_hours: int) -> int:
    """Seconds, rounded to the minute; empty is 0. More than ``limit_hours`` or anything
    unreadable is ``Unreadable``."""
    text = text.strip().lower()
    if not text:
        return 0
    for pattern, seconds_of in DURATION_PATTERNS:
        match = pattern.match(text)
        if match:
            seconds = nearest_minute(seconds_of(*match.groups())) * 60
            if seconds > limit_hours * 3600:
                raise Unreadable(f"{text!r} is more than {limit_hours} hours")
            return seconds
    raise Unreadable(f"{text!r} is not a duration: write {DURATION_FORMATS}")


def parse_clock(text: str) -> time | None:
    """A time of day; ``None`` for nothing typed."""
    text = text.strip().lower()
    if not text:
        return None
    match = CLOCK.match(text)
    if match:
        hour, minute, half = int(match.group(1)), int(match.group(2) or 0), match.group(3)
        if half and 1 <= hour <= 12:
            hour = hour % 12 + (12 if half == "p" else 0)
            return time(hour, minute)
        if not half and hour < 24:
            return time(hour, minute)
    raise Unreadable(f"{text!r} is not a time of day: write {CLOCK_FORMATS}")


def aware_from_wall_clock(naive: datetime, zone) -> datetime:
    """A local wall-clock time in ``zone`` as an aware datetime.

    The hour that exists twice when clocks go back is taken at its first occurrence; an
    hour skipped when clocks go forward does not exist (``Unreadable``, with a message).
    """
    first = naive.replace(tzinfo=zone, fold=0)
    if first.utcoffset() == naive.replace(tzinfo=zone, fold=1).utcoffset():
        return first
    if first.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != naive:
        raise Unreadable(
            f"{naive:%Y-%m-%d %H:%M} does not exist in {zone}: the clocks skip that hour on "
            "this day."
        )
    return first
