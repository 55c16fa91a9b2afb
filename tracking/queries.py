"""Which entries a person sees, and the report figures built from them.

Views (and, later, the API) ask here instead of filtering and aggregating by hand, so a
number has one definition wherever it is shown.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Q, Sum
from django.db.models.functions import Coalesce

from tracking.models import Client, Project, TimeEntry, seconds_to_hours
from tracking.money import line_amount

# A range longer than this many days is shown by week, longer than WEEKS_UP_TO_DAYS by month:
# every entry is always in some bucket, only the bucket's size changes.
DAYS_UP_TO_DAYS = 62
WEEKS_UP_TO_DAYS = 731


def filtered_entries(user, filters: dict, entries=None):
    """The entries ``user`` may see, narrowed by validated filters (a web form's or the
    API's): local dates ``start``/``end``, moments ``start_after``/``start_before``/
    ``modified_after``, ``project``, ``client``, ``task``, ``user``, ``tag`` (any of),
    and ``billable``/``running`` (True, False, or None for either). ``entries`` narrows
    a queryset of the caller's (annotated, ordered) instead of all entries."""
    entries = (TimeEntry.objects.all() if entries is None else entries).for_user(user)
    entries = entries.on_days(filters.get("start"), filters.get("end"))
    if filters.get("start_after"):
        entries = entries.filter(start__gte=filters["start_after"])
    if filters.get("start_before"):
        entries = entries.filter(start__lt=filters["start_before"])
    if filters.get("modified_after"):
        entries = entries.filter(updated_at__gt=filters["modified_after"])
    for name in ("project", "task", "user"):
        if filters.get(name):
            entries = entries.filter(**{name: filters[name]})
    if filters.get("client"):
        entries = entries.filter(project__client=filters["client"])
    if filters.get("tag"):
        entries = entries.with_any_tag(filters["tag"])
    if filters.get("billable") is not None:
        entries = entries.filter(billable=filters["billable"])
    if filters.get("running") is not None:
        entries = entries.filter(end__isnull=filters["running"])
    return entries


@dataclass
class Amounts:
    """Billable amounts of a report, priced like invoice lines, in one currency."""

    currency: str
    by_project: dict = field(default_factory=dict)  # project id → amount
    by_client: dict = field(default_factory=dict)  # client id → amount
    by_user: dict = field(default_factory=dict)  # user id → amount
    unbilled_by_project: dict = field(default_factory=dict)

    @property
    def billable(self) -> Decimal:
        return sum(self.by_project.values(), Decimal(0))

    @property
    def unbilled(self) -> Decimal:
        """What can still be invoiced: billable time not yet on any invoice."""
        return sum(self.unbilled_by_project.values(), Decimal(0))


def billable_amounts(entries, currency: str) -> Amounts:
    """Hours times the project's rate for the billable, stopped ``entries``, by project,
    client and user, and the part not yet invoiced.

    Priced as an invoice prices them: a project's hours (a person's, per project) to the
    hundredth, times the rate, rounded to the currency's unit. One grouped query.
    """
    rows = (
        entries.filter(billable=True, end__isnull=False, project__hourly_rate__isnull=False)
        .values("user_id", "project_id", "project__client_id", "project__hourly_rate")
        .annotate(
            seconds=Sum("duration_seconds"),
            unbilled=Sum("duration_seconds", filter=Q(invoice_item__isnull=True)),
        )
        .order_by()
    )
    seconds = defaultdict(int)
    unbilled = defaultdict(int)
    rates, clients = {}, {}
    amounts = Amounts(currency)
    for row in rows:
        project, rate = row["project_id"], row["project__hourly_rate"]
        seconds[project] += row["seconds"]
        unbilled[project] += row["unbilled"] or 0
        rates[project], clients[project] = rate, row["project__client_id"]
        price = line_amount(seconds_to_hours(row["seconds"]), rate, currency)
        amounts.by_user[row["user_id"]] = amounts.by_user.get(row["user_id"], 0) + price
    for project, total in seconds.items():
        price = line_amount(seconds_to_hours(total), rates[project], currency)
        amounts.by_project[project] = price
        amounts.by_client[clients[project]] = amounts.by_client.get(clients[project], 0) + price
        if unbilled[project]:
            amounts.unbilled_by_project[project] = line_amount(
                seconds_to_hours(unbilled[project]), rates[project], currency
            )
    return amounts


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


def seconds_by_day(entries) -> dict[date, int]:
    """Seconds of stopped entries per day (each entry's own ``day``)."""
    rows = (
        entries.filter(end__isnull=False)
        .values("day")
        .annotate(seconds=Sum("duration_seconds"))
        .order_by("day")
    )
    return {row["day"]: row["seconds"] for row in rows}


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


@dataclass
class Summary:
    """Seconds and billable amounts of a range, grouped one way (the API's report)."""

    start: date | None
    end: date | None
    group_by: str
    currency: str
    seconds: int
    billable_seconds: int
    amount: Decimal
    groups: list[dict]


def _summary_rows(entries, group_by: str):
    """(key, label, seconds, billable_seconds) per group, grouped by the database."""
    sums = {
        "seconds": Sum("duration_seconds"),
        "billable_seconds": Sum("duration_seconds", filter=Q(billable=True)),
    }
    if group_by == "tag":
        rows = seconds_by_tag(entries)
        return [(r["tag_id"], r["tag__name"], r["seconds"], r["billable_seconds"]) for r in rows]
    if group_by == "day":
        rows = entries.values("day").annotate(**sums)
        rows = rows.order_by("day")
        return [
            (r["day"], r["day"].isoformat(), r["seconds"], r["billable_seconds"]) for r in rows
        ]
    column, label_model, label_field = {
        "project": ("project_id", Project, "name"),
        "client": ("project__client_id", Client, "name"),
        "user": ("user_id", get_user_model(), "username"),
    }[group_by]
    rows = list(entries.values(column).annotate(**sums).order_by("-seconds", column))
    labels = dict(
        label_model.objects.filter(pk__in=[r[column] for r in rows]).values_list("pk", label_field)
    )
    return [(r[column], labels[r[column]], r["seconds"], r["billable_seconds"]) for r in rows]


def report_summary(user, filters: dict, group_by: str, currency: str) -> Summary:
    """Totals of the stopped entries ``user`` may see, grouped by project, client, user,
    local day or tag (an entry counts for each of its tags). Amounts, priced as invoices
    price them, for project, client and user groups."""
    entries = filtered_entries(user, filters).filter(end__isnull=False)
    amounts = billable_amounts(entries, currency)
    by = {"project": amounts.by_project, "client": amounts.by_client, "user": amounts.by_user}
    groups = [
        {
            "key": str(key),
            "label": label,
            "seconds": seconds,
            "billable_seconds": billable_seconds or 0,
            "amount": by[group_by].get(key, Decimal(0)) if group_by in by else None,
        }
        for key, label, seconds, billable_seconds in _summary_rows(entries, group_by)
    ]
    totals = entries.aggregate(
        seconds=Coalesce(Sum("duration_seconds"), 0),
        billable_seconds=Coalesce(Sum("duration_seconds", filter=Q(billable=True)), 0),
    )
    return Summary(
        start=filters.get("start"),
        end=filters.get("end"),
        group_by=group_by,
        currency=currency,
        amount=amounts.billable,
        groups=groups,
        **totals,
    )
