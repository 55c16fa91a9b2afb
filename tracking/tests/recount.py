"""The running totals (tracking.models.totals) against a recount of the entries."""

from django.db import connection
from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce, ExtractYear

from tracking import totals_sql
from tracking.models import DayTotal, TimeEntry, YearTotal


def recounted() -> tuple[set, set]:
    """What the two tables must hold, counted from the live, stopped entries."""
    stopped = TimeEntry.objects.filter(end__isnull=False)
    billable = Q(billable=True)
    billable_seconds = Coalesce(Sum("duration_seconds", filter=billable), 0)
    by_year = stopped.values_list("project_id", "user_id", ExtractYear("day")).annotate(
        seconds=Sum("duration_seconds"),
        billable_seconds=billable_seconds,
        unbilled_seconds=Coalesce(
            Sum("duration_seconds", filter=billable & Q(invoice_item=None)), 0
        ),
        entries=Count("pk"),
    )
    by_day = stopped.values_list("day", "user_id").annotate(
        seconds=Sum("duration_seconds"), billable_seconds=billable_seconds, entries=Count("pk")
    )
    return set(by_year.order_by()), set(by_day.order_by())


def stored() -> tuple[set, set]:
    year_columns = ["seconds", "billable_seconds", "unbilled_seconds", "entries"]
    by_year = YearTotal.objects.values_list("project_id", "user_id", "year", *year_columns)
    by_day = DayTotal.objects.values_list(
        "day", "user_id", "seconds", "billable_seconds", "entries"
    )
    return set(by_year), set(by_day)


def assert_totals_match() -> None:
    """The triggers are there and the totals equal the recount."""
    if connection.vendor == "sqlite":
        sql = "SELECT name FROM sqlite_master WHERE type = 'trigger'"
    else:
        sql = "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"
    with connection.cursor() as cursor:
        cursor.execute(sql)
        names = {name for (name,) in cursor.fetchall()}
    assert set(totals_sql.trigger_names(connection.vendor)) <= names
    assert stored() == recounted()
