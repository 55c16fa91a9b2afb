"""Moments written as every page writes them, in the viewer's zone: a day ("Mon 3 Nov"), a
time of day ("14:05") and a stretch of clock time ("10:00-10:30", with an en dash). The
templates use them as filters (``tracking_tags``); views writing a message use them
directly."""

from datetime import date, datetime
from functools import lru_cache

from django.utils import timezone
from django.utils.dateformat import format as format_date
from django.utils.translation import get_language

EN_DASH = "\u2013"


def day(moment) -> str:
    """A date as "Mon 3 Nov", with the year whenever it is not this year ("Mon 3 Nov 2025").

    ``moment`` may be a date or an aware datetime (shown in the current zone).
    """
    if not moment:
        return ""
    if isinstance(moment, datetime):
        moment = timezone.localtime(moment).date()
    return _day_label(moment, timezone.localdate().year, get_language())


@lru_cache(maxsize=4096)
def _day_label(moment: date, this_year: int, language: str) -> str:
    """``day``'s text, kept: a list of fifty entries names a handful of days, and formatting
    one was a tenth of the list's time."""
    return format_date(moment, "D j M" if moment.year == this_year else "D j M Y")


def day_time(moment) -> str:
    """A moment as "Mon 3 Nov 14:05" (with the year when it is not this year)."""
    if not moment:
        return ""
    return f"{day(moment)} {clock(moment)}"


def clock(moment) -> str:
    """A moment's time of day in the viewer's zone, as the template filter ``time:"H:i"``."""
    return timezone.localtime(moment).strftime("%H:%M")


def clock_span(start, end) -> str:
    """A stretch of clock time in the viewer's zone: "10:00-10:30", "23:00-Mon 23 Nov 01:00"
    when it ends on another day, or "10:00-now" for a running entry (``end`` None), with an
    en dash."""
    if end is None:
        until = "now"
    elif timezone.localdate(end) == timezone.localdate(start):
        until = clock(end)
    else:
        until = day_time(end)
    return f"{clock(start)}{EN_DASH}{until}"
