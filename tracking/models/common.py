from contextvars import ContextVar
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pycountry
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator

# Hours as invoices count them live with the money they price (one rule: tracking.money).
from tracking.money import (  # noqa: F401
    hundredths_of_hours,
    nearest_minute,
    seconds_to_hours,
)

# The one limit on free text people type into entries, timers and comments.
NOTES_MAX_LENGTH = 2000
COMMENT_MAX_LENGTH = 10_000
# Time entries live in this window of years (UTC and local alike) and last at most this long:
# anything outside is a typo, and far-off dates overflow in other time zones and databases.
FIRST_YEAR = 2000
LAST_YEAR = 2100
EARLIEST_MOMENT = datetime(FIRST_YEAR, 1, 1, tzinfo=UTC)
END_OF_TIME = datetime(LAST_YEAR + 1, 1, 1, tzinfo=UTC)  # exclusive
MAX_ENTRY_DURATION = timedelta(hours=72)
# A deleted entry waits this long in the trash before `manage.py purge_trash` removes it.
TRASH_DAYS = 30
# The largest id an integer column holds in both databases: a larger number asked for is no
# id of ours (and SQLite cannot even compare it).
LARGEST_ID = 2**63 - 1
NON_NEGATIVE = MinValueValidator(Decimal("0"), "Must be zero or more.")


def elapsed_seconds(start: datetime, end: datetime) -> int:
    """Whole seconds that really passed from ``start`` to ``end``, across any DST change.

    Python subtracts two datetimes that share a tzinfo by their wall clocks (01:30 → 03:30
    is 2 h even on the night the clocks jump), so both are taken to UTC first.
    """
    return int((end.astimezone(UTC) - start.astimezone(UTC)).total_seconds())


# ISO 4217 codes that are not money one invoices in: precious metals, bond-market and
# accounting units, the testing code and "no currency".
NOT_MONEY = frozenset(
    {
        "XAG",
        "XAU",
        "XPD",
        "XPT",
        "XBA",
        "XBB",
        "XBC",
        "XBD",
        "XDR",
        "XSU",
        "XUA",
        "XAD",
        "XTS",
        "XXX",
    }
)


def validate_currency(code: str) -> None:
    if code in NOT_MONEY or pycountry.currencies.get(alpha_3=code) is None:
        raise ValidationError(
            "%(code)s is not an ISO 4217 currency code (such as EUR, USD or GBP).",
            params={"code": code},
        )


def currency_choices() -> list[tuple[str, str]]:
    return sorted(
        (c.alpha_3, f"{c.alpha_3} · {c.name}")
        for c in pycountry.currencies
        if c.alpha_3 not in NOT_MONEY
    )


def validate_entry_moment(moment: datetime) -> None:
    """An entry's start or end lies within the supported years."""
    if not EARLIEST_MOMENT <= moment < END_OF_TIME:
        raise ValidationError(
            "Use a date between %(first)s and %(last)s.",
            params={"first": FIRST_YEAR, "last": LAST_YEAR},
            code="out_of_range",
        )


def clock_duration(seconds: int | float | None, *, exact: bool = False) -> str:
    """The one duration formatter. Seconds as hours and minutes on a clock, to the nearest
    minute (``nearest_minute``): 720 → "0:12", 5400 → "1:30", nothing → "0:00"; ``exact``:
    with the seconds, 3663 → "1:01:03"."""
    if exact:
        whole = max(0, int(seconds or 0))
        return f"{whole // 3600}:{whole // 60 % 60:02d}:{whole % 60:02d}"
    minutes = nearest_minute(seconds)
    return f"{minutes // 60}:{minutes % 60:02d}"


# Durations on pages are H:MM unless the person prefers decimal hours (set per request by
# tracking.middleware.UserTimeZoneMiddleware from their Preferences).
decimal_hours = ContextVar("decimal_hours", default=False)


def shown_duration(seconds: int | float | None) -> str:
    """A duration as the person reads it on a page: H:MM (``clock_duration``), or decimal
    hours with two places ("1.50 h") by their preference."""
    if decimal_hours.get():
        return f"{seconds_to_hours(round(seconds or 0))} h"
    return clock_duration(seconds)


END_DATE_BEFORE_START = "The end date cannot be before the start date."


def check_date_range(first: date | None, last: date | None) -> None:
    """A range of days may not end before it starts (either end may be open)."""
    if first and last and last < first:
        raise ValidationError(END_DATE_BEFORE_START, code="end_before_start")


# An invoice in one of these statuses is final: it, its lines and the entries it bills are
# never changed or deleted again (a correction is a new invoice).
LOCKED_INVOICE_STATUSES = ("sent", "paid")


class Locked(ValidationError):
    """A change refused because a sent or paid invoice holds what was to be changed."""

    def __init__(self, what: str, number: str, status: str):
        super().__init__(
            "%(what)s is on invoice %(number)s, which is %(status)s: it can no longer be "
            "changed or deleted.",
            code="locked",
            params={"what": what, "number": number, "status": status},
        )
        self.number = number
