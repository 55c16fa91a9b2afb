"""Which entries a person sees, and the report figures built from them.

The web pages and the API ask here instead of filtering and aggregating by hand, so a
number has one definition wherever it is shown.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from itertools import groupby
from operator import itemgetter

from django.contrib.auth import get_user_model
from django.db.models import BigIntegerField, Count, Exists, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Cast, Coalesce
from django.utils.dateformat import format as format_date

from tracking.models import (
    DayTotal,
    Project,
    TimeEntry,
    YearTotal,
    client_label,
    seconds_to_hours,
)
from tracking.money import allocate, round_money, time_amount
from tracking.permissions import visible_entries

# A range longer than this many days is shown by week, longer than WEEKS_UP_TO_DAYS by month:
# every entry is always in some bucket, only the bucket's size changes.
DAYS_UP_TO_DAYS = 62
WEEKS_UP_TO_DAYS = 731


# A filter's name and the entry field it narrows.
FILTER_COLUMNS = {
    "project": "project",
    "task": "task",
    "user": "user",
    "client": "project__client",
}


# Filters that narrow only when not None: False asks for the entries that are not.
TRI_STATE = ("billable", "running", "locked")


def _narrows(filters: dict, name: str) -> bool:
    """Whether the filter ``name`` leaves out any entry: the one rule for what an empty
    filter looks like, for ``filtered_entries`` and for the reports that skip it."""
    value = filters.get(name)
    return value is not None if name in TRI_STATE else bool(value)


def filtered_entries(user, filters: dict, entries=None):
    """The entries ``user`` may see, narrowed by validated filters (a web form's or the
    API's): local dates ``start``/``end``, moments ``start_after``/``start_before``/
    ``modified_after``, ``project``, ``client``, ``task``, ``user`` (one, or a list: any
    of them), ``tag`` (any of), ``billable``/``running``/``locked`` (True, False, or None
    for either; locked is billed on a sent invoice), ``notes`` (containing, any case) and
    ``overlaps`` (only entries that overlap another of their person's). ``entries``
    narrows a queryset of the caller's (annotated, ordered) instead of all entries."""
    entries = visible_entries(user, entries)
    entries = entries.on_days(filters.get("start"), filters.get("end"))
    if _narrows(filters, "start_after"):
        entries = entries.filter(start__gte=filters["start_after"])
    if _narrows(filters, "start_before"):
        entries = entries.filter(start__lt=filters["start_before"])
    if _narrows(filters, "modified_after"):
        entries = entries.filter(updated_at__gt=filters["modified_after"])
    for name, column in FILTER_COLUMNS.items():
        if _narrows(filters, name):
            wanted = filters[name]
            lookup = f"{column}__in" if isinstance(wanted, list | tuple) else column
            entries = entries.filter(**{lookup: wanted})
    if _narrows(filters, "tag"):
        entries = entries.with_any_tag(filters["tag"])
    if _narrows(filters, "billable"):
        entries = entries.filter(billable=filters["billable"])
    if _narrows(filters, "running"):
        entries = entries.filter(end__isnull=filters["running"])
    if _narrows(filters, "locked"):
        locked = filters["locked"]
        entries = (
            entries.locked()
            if locked
            else entries.exclude(pk__in=TimeEntry.objects.locked().values("pk"))
        )
    if _narrows(filters, "notes"):
        entries = entries.filter(notes__icontains=filters["notes"])
    if _narrows(filters, "overlaps"):
        entries = entries.overlapping_only()
    return entries


@dataclass
class Group:
    """One row of a report: a project, client, person, day or tag, with its seconds, its
    billable seconds and, where its time is priced, its amount."""

    key: object  # an id, or a date for a day
    label: str
    seconds: int = 0
    billable_seconds: int = 0
    count: int = 0
    amount: Decimal | None = None
    detail: str = ""  # a project's client

    @property
    def hours(self) -> Decimal:
        return seconds_to_hours(self.seconds)

    def add(self, seconds: int, billable_seconds: int, count: int) -> None:
        self.seconds += seconds
        self.billable_seconds += billable_seconds
        self.count += count


@dataclass
class Report:
    """Every figure of a report, computed once (``build_report``): the web page and the
    API's summary show it, and the CSV exports price their rows by the same rule.

    Money: a project's amount is its billable hours to the hundredth times its rate,
    rounded to the currency's unit, exactly as an invoice line bills them
    (``money.time_amount``). A client's amount is the sum of its projects'. A person's is
    their share of each project's amount, split by seconds so that the shares add up to the
    project's amount to the unit (``money.allocate``). So every total on the page, in the
    API and in the CSV's amount column adds up to the same billable amount.
    """

    currency: str
    start: date | None
    end: date | None
    projects: list = field(default_factory=list)
    clients: list = field(default_factory=list)
    users: list = field(default_factory=list)
    days: list = field(default_factory=list)
    tags: list = field(default_factory=list)
    unbilled: Decimal = Decimal(0)  # what can still be invoiced (not internal work)

    GROUPINGS = ("project", "client", "user", "day", "tag")

    def groups(self, by: str) -> list[Group]:
        return getattr(self, f"{by}s")

    @property
    def seconds(self) -> int:
        return sum(group.seconds for group in self.projects)

    @property
    def billable_seconds(self) -> int:
        return sum(group.billable_seconds for group in self.projects)

    @property
    def count(self) -> int:
        return sum(group.count for group in self.projects)

    @property
    def amount(self) -> Decimal:
        """The billable amount: the sum of the projects' (and of the clients', and of the
        people's)."""
        priced = (group.amount for group in self.projects if group.amount is not None)
        return round_money(sum(priced, Decimal(0)), self.currency)

    def over_time(self) -> tuple[str, list[dict]]:
        """The days rolled up into days, weeks or months, whichever fits the range (only
        those with time)."""
        by_day = {group.key: group.seconds for group in self.days}
        return seconds_over_time(by_day, self.start, self.end)

    def chart_buckets(self, size: str, buckets: list[dict]) -> list[dict]:
        """``over_time()``'s buckets with every empty one of the range between them, for the
        chart (a very long range: the stretch with time, see CHART_MAX_BARS). Nothing for a
        range without time: the page says so instead of drawing a row of empty bars."""
        days = [group.key for group in self.days]
        if not days:
            return []
        first, last = self.start or min(days), self.end or max(days)
        rows = every_bucket(size, buckets, first, last)
        if len(rows) > CHART_MAX_BARS:
            rows = every_bucket(size, buckets, max(first, min(days)), min(last, max(days)))
        return rows


def _group(groups: dict, key, label: str, detail: str = "") -> Group:
    """The group ``key`` of ``groups``, made if new."""
    group = groups.get(key)
    if group is None:
        group = groups[key] = Group(key, label, detail=detail)
    return group


def _add_amount(group: Group, amount: Decimal) -> None:
    group.amount = amount if group.amount is None else group.amount + amount


def _largest_first(group: Group):
    return (-group.seconds, group.label)


# A range of days shorter than this is read through the day index, whatever it holds.
ALL_DAYS_FROM = timedelta(days=366)


def _without_all_days(filters: dict) -> dict:
    """``filters`` without ``start`` and ``end`` when a range of more than a year holds
    every entry's day (an "all time" report): the same entries, and SQLite then adds them
    up along the (project, person) index instead of sorting every row by them
    (docs/performance.md). One query more, for such ranges only."""
    start, end = filters.get("start"), filters.get("end")
    if not (start or end) or (start and end and end - start < ALL_DAYS_FROM):
        return filters
    days = TimeEntry.objects.order_by("day").values("day")
    # One query of two index seeks (SQLite scans for MIN and MAX asked together).
    bounds = TimeEntry.objects.values_list(Subquery(days[:1]), Subquery(days.reverse()[:1]))
    found = list(bounds[:1])
    if not found:
        return filters
    first, last = found[0]
    if (start or first) <= first and (end or last) >= last:
        return {**filters, "start": None, "end": None}
    return filters


class _Whole(Cast):
    """A report's sum or count as a whole number, read as the database returns it: cast to a
    bigint (PostgreSQL adds bigints up as numerics, which psycopg would turn into thousands
    of Decimals), and without Django's own int() on each of the thousands of values of a
    long report (a tenth of its time)."""

    def __init__(self, expression):
        super().__init__(expression, BigIntegerField())

    def get_db_converters(self, connection):
        return []


def _seconds_by_project_and_person(entries) -> list[tuple]:
    """(project, person, seconds, billable, unbilled, count) of stopped ``entries``."""
    billable = Q(billable=True)
    return list(
        entries.filter(end__isnull=False)
        .values_list("project_id", "user_id")
        .annotate(
            seconds=_Whole(Sum("duration_seconds")),
            billable_seconds=_Whole(Coalesce(Sum("duration_seconds", filter=billable), 0)),
            unbilled_seconds=_Whole(
                Coalesce(
                    Sum("duration_seconds", filter=billable & Q(invoice_item__isnull=True)), 0
                )
            ),
            count=_Whole(Count("pk")),
        )
        .order_by("project_id", "user_id")
    )


def _whole_years(start: date | None, end: date | None) -> tuple[int | None, int | None] | None:
    """The first and last calendar year that lie wholly from ``start`` to ``end`` (None: no
    bound), or None when no year does."""
    first = None if start is None else start.year + (start != date(start.year, 1, 1))
    last = None if end is None else end.year - (end != date(end.year, 12, 31))
    if first is not None and last is not None and first > last:
        return None
    return first, last


def _totals_by_project_and_person(user, start: date | None, end: date | None):
    """``_seconds_by_project_and_person`` of every stopped entry ``user`` may see from
    ``start`` to ``end``, read from the running totals (``YearTotal``) for the whole years of
    the range and from the entries for the days before and after them. None when the range
    holds no whole year."""
    years = _whole_years(start, end)
    if years is None:
        return None
    first, last = years
    totals = visible_entries(user, YearTotal.objects.all())
    entries = visible_entries(user)
    if first is not None:
        totals = totals.filter(year__gte=first)
    if last is not None:
        totals = totals.filter(year__lte=last)
    rows = list(
        totals.values_list("project_id", "user_id")
        .annotate(
            seconds=_Whole(Sum("seconds")),
            billable_seconds=_Whole(Sum("billable_seconds")),
            unbilled_seconds=_Whole(Sum("unbilled_seconds")),
            count=_Whole(Sum("entries")),
        )
        .order_by("project_id", "user_id")
    )
    ends = []  # the days before the first whole year and after the last
    # A bound's whole year is known whenever the bound is.
    if start is not None and start < date(first, 1, 1):
        ends += _seconds_by_project_and_person(
            entries.on_days(start, date(first, 1, 1) - timedelta(days=1))
        )
    if end is not None and end > date(last, 12, 31):
        ends += _seconds_by_project_and_person(entries.on_days(date(last + 1, 1, 1), end))
    if not ends:
        return rows
    merged = {}
    for project_id, user_id, *figures in rows + ends:
        known = merged.get((project_id, user_id))
        merged[project_id, user_id] = (
            figures if known is None else [a + b for a, b in zip(known, figures, strict=True)]
        )
    return [(*key, *merged[key]) for key in sorted(merged)]


def _seconds_by_day_from_totals(user, start: date | None, end: date | None):
    """``seconds_by_day`` of every stopped entry ``user`` may see, from ``DayTotal``."""
    totals = visible_entries(user, DayTotal.objects.all())
    if start is not None:
        totals = totals.filter(day__gte=start)
    if end is not None:
        totals = totals.filter(day__lte=end)
    rows = (
        totals.values("day")
        .annotate(seconds=_Whole(Sum("seconds")), billable_seconds=_Whole(Sum("billable_seconds")))
        .order_by("day")
    )
    return [(row["day"], row["seconds"], row["billable_seconds"]) for row in rows]


def build_report(user, filters: dict, currency: str) -> Report:
    """The report of the stopped entries ``user`` may see under ``filters`` (the web form's
    or the API's): their seconds by project and person (every total and amount comes from
    these), by day and by tag.

    A report narrowed by nothing but its dates reads the running totals
    (``tracking.models.totals``): by day always, and by project and person for the whole
    calendar years of its range, with the days around them read from the entries. The same
    figures, from thousands of rows instead of every entry (docs/performance.md, tenth
    round). Any other filter reads the entries."""
    start, end = filters.get("start"), filters.get("end")
    only_days = not any(
        _narrows(filters, name) for name in filters if name not in ("start", "end")
    )
    rows = _totals_by_project_and_person(user, start, end) if only_days else None
    # Read from the entries (each helper keeps the stopped ones): the tags, and whatever the
    # totals did not answer.
    entries = filtered_entries(user, filters if rows is not None else _without_all_days(filters))
    if rows is None:
        rows = _seconds_by_project_and_person(entries)
    # What the groups show and price, as rows: hundreds of projects and their clients as
    # model objects were a fifth of a report's time.
    projects = {
        project.pk: project
        for project in Project.objects.filter(pk__in={row[0] for row in rows})
        .order_by()
        .values_list("pk", "name", "client_id", "client__name", "hourly_rate", named=True)
    }
    usernames = dict(
        get_user_model()
        .objects.filter(pk__in={row[1] for row in rows})
        .values_list("pk", "username")
    )
    report = Report(currency, filters.get("start"), filters.get("end"))
    by_project, by_client, by_user = {}, {}, {}
    # Thousands of (project, person) rows over a long range: plain tuples, added in place.
    for project_id, project_rows in groupby(rows, key=itemgetter(0)):
        project_rows = list(project_rows)
        project = projects[project_id]
        client_name = client_label(project.client__name)
        group = by_project[project_id] = Group(project_id, project.name, detail=client_name)
        for _, user_id, seconds, billable_seconds, _, count in project_rows:
            group.add(seconds, billable_seconds, count)
            _group(by_user, user_id, usernames[user_id]).add(seconds, billable_seconds, count)
        client = _group(by_client, project.client_id, client_name)
        client.add(group.seconds, group.billable_seconds, group.count)
        if project.hourly_rate is None or not group.billable_seconds:
            continue
        group.amount = time_amount(group.billable_seconds, project.hourly_rate, currency)
        _add_amount(client, group.amount)
        shares = allocate(group.amount, [row[3] for row in project_rows], currency)
        for row, share in zip(project_rows, shares, strict=True):
            if row[3]:
                _add_amount(by_user[row[1]], share)
        unbilled = sum(row[4] for row in project_rows)
        if unbilled and project.client_id:  # internal work is never invoiced
            report.unbilled += time_amount(unbilled, project.hourly_rate, currency)
    report.projects = sorted(by_project.values(), key=_largest_first)
    report.clients = sorted(by_client.values(), key=_largest_first)
    report.users = sorted(by_user.values(), key=_largest_first)
    by_day = (
        _seconds_by_day_from_totals(user, start, end) if only_days else seconds_by_day(entries)
    )
    report.days = [
        Group(day, day.isoformat(), seconds, billable_seconds)
        for day, seconds, billable_seconds in by_day
    ]
    report.tags = [
        Group(row["tag_id"], row["tag__name"], row["seconds"], row["billable_seconds"] or 0)
        for row in seconds_by_tag(entries)
    ]
    return report


def seconds_by_tag(entries) -> list[dict]:
    """Seconds (all, and billable) of stopped entries per tag, largest first (an entry
    counts for each tag).

    Driven from the tag assignments, each checked against the report's filters: the cost
    grows with the tagged entries, not with every entry of the range.
    """
    through = TimeEntry.tags.through
    selected = entries.filter(pk=OuterRef("timeentry_id"), end__isnull=False)
    rows = (
        through.objects.filter(Exists(selected))
        .values("tag_id", "tag__name")
        .annotate(
            seconds=Sum("timeentry__duration_seconds"),
            billable_seconds=Sum(
                "timeentry__duration_seconds", filter=Q(timeentry__billable=True)
            ),
        )
        .order_by("-seconds", "tag__name")
    )
    return list(rows)


def seconds_by_day(entries) -> list[tuple[date, int, int]]:
    """(day, seconds, billable seconds) of stopped entries per day (each entry's ``day``)."""
    rows = (
        entries.filter(end__isnull=False)
        .values("day")
        .annotate(
            seconds=Sum("duration_seconds"),
            billable_seconds=Coalesce(Sum("duration_seconds", filter=Q(billable=True)), 0),
        )
        .order_by("day")
    )
    return [(row["day"], row["seconds"], row["billable_seconds"]) for row in rows]


def bucket_size(first_day: date, last_day: date) -> str:
    days = (last_day - first_day).days + 1
    if days <= DAYS_UP_TO_DAYS:
        return "day"
    return "week" if days <= WEEKS_UP_TO_DAYS else "month"


def bucket_start(day: date, size: str) -> date:
    if size == "week":
        return day - timedelta(days=day.weekday())
    if size == "month":
        return day.replace(day=1)
    return day


def seconds_over_time(by_day: dict[date, int], first_day: date | None, last_day: date | None):
    """Per-day seconds rolled up into days, ISO weeks or months, whichever fits the range.

    Returns the bucket size and ``[{"start": date, "seconds": int}]`` in date order, with
    only the buckets that have time. Nothing is dropped: the sum of the buckets is the sum
    of the days.
    """
    if not by_day:
        return "day", []
    first_day = first_day or min(by_day)
    last_day = last_day or max(by_day)
    size = bucket_size(first_day, last_day)
    buckets: dict[date, int] = defaultdict(int)
    for day, seconds in by_day.items():
        buckets[bucket_start(day, size)] += seconds
    return size, [{"start": start, "seconds": buckets[start]} for start in sorted(buckets)]


BUCKET_FORMATS = {"month": "F Y", "week": "\\W\\e\\e\\k \\o\\f D j M Y", "day": "D j M Y"}
# A chart of a range with more buckets than this (a century by month) shows the stretch
# that has time, with the empty buckets inside it.
CHART_MAX_BARS = 400


def bucket_label(start: date, size: str) -> str:
    """What a bucket is called: "November 2026", "Week of Mon 2 Nov 2026", "Tue 3 Nov 2026"."""
    return format_date(start, BUCKET_FORMATS[size])


def next_bucket(start: date, size: str) -> date:
    if size == "month":
        return date(start.year + start.month // 12, start.month % 12 + 1, 1)
    return start + timedelta(days=7 if size == "week" else 1)


def every_bucket(size: str, buckets: list[dict], first_day: date, last_day: date) -> list[dict]:
    """``buckets`` with the empty ones of the range between them: a chart shows every day
    (week, month) from ``first_day`` to ``last_day``, not only those with time."""
    seconds = {row["start"]: row["seconds"] for row in buckets}
    rows, start = [], bucket_start(first_day, size)
    while start <= last_day:
        rows.append({"start": start, "seconds": seconds.get(start, 0)})
        start = next_bucket(start, size)
    return rows


@dataclass
class Summary:
    """A report grouped one way: the API's ``reports/summary/``."""

    start: date | None
    end: date | None
    group_by: str
    currency: str
    seconds: int
    billable_seconds: int
    amount: Decimal
    groups: list[dict]


PRICED_GROUPINGS = ("project", "client", "user")


def report_summary(user, filters: dict, group_by: str, currency: str) -> Summary:
    """``build_report``'s figures grouped by project, client, user, day or tag (an entry
    counts for each of its tags); amounts for project, client and user groups."""
    report = build_report(user, filters, currency)
    priced = group_by in PRICED_GROUPINGS
    groups = [
        {
            "key": "" if group.key is None else str(group.key),
            "label": group.label,
            "seconds": group.seconds,
            "billable_seconds": group.billable_seconds,
            "amount": (group.amount or round_money(0, currency)) if priced else None,
        }
        for group in report.groups(group_by)
    ]
    return Summary(
        start=report.start,
        end=report.end,
        group_by=group_by,
        currency=currency,
        seconds=report.seconds,
        billable_seconds=report.billable_seconds,
        amount=report.amount,
        groups=groups,
    )
