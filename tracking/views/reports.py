from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.db.models import Count, DateField, F, Func, Sum
from django.db.models.functions import TruncDate
from django.shortcuts import render
from django.utils import timezone

from tracking.csv_export import csv_response
from tracking.forms import ReportFilterForm
from tracking.models import Project, seconds_to_hours
from tracking.signals import report_viewed
from tracking.views.entries import filtered_entries

CHART_HEIGHT = 120
CHART_BAR_WIDTH = 18
# Hours per day are shown for at most this many days (the end of the range): a day per bar
# stops being readable long before, and the per-row date computation is the report's cost.
MAX_DAYS = 366


def _local_day(field: str):
    """The local date of a timestamp column, computed by the database.

    SQLite's own date() runs in C, Django's TruncDate there calls Python once per row (17 s
    over a million rows); they agree when the zone is UTC, the default.
    """
    if connection.vendor == "sqlite" and timezone.get_current_timezone_name() == "UTC":
        return Func(F(field), function="DATE", output_field=DateField())
    return TruncDate(field, tzinfo=timezone.get_current_timezone())


def _report_entries(request):
    """The filter form (this month by default) and the entries it selects (none if invalid)."""
    data = request.GET.copy()
    if not data.get("start") and not data.get("end"):
        today = timezone.localdate()
        data["start"] = today.replace(day=1).isoformat()
        data["end"] = today.isoformat()
    form = ReportFilterForm(data, viewer=request.user)
    entries = filtered_entries(request, form)
    return form, entries if form.is_valid() else entries.none()


def _chart(by_day):
    """Bars for an inline SVG chart of hours per day, scaled to the busiest day."""
    peak = max((row["seconds"] or 0 for row in by_day), default=0) or 1
    bars = []
    for index, row in enumerate(by_day):
        height = round(CHART_HEIGHT * (row["seconds"] or 0) / peak)
        bars.append(
            {
                "x": index * (CHART_BAR_WIDTH + 4),
                "y": CHART_HEIGHT - height,
                "height": height,
                "day": row["day"],
                "hours": seconds_to_hours(row["seconds"]),
            }
        )
    width = max(len(bars) * (CHART_BAR_WIDTH + 4), CHART_BAR_WIDTH)
    return {"bars": bars, "width": width, "height": CHART_HEIGHT, "bar_width": CHART_BAR_WIDTH}


@login_required
def reports(request):
    form, entries = _report_entries(request)
    finished = entries.filter(end__isnull=False)
    # Grouped by id only, names fetched once afterwards: no join on every entry.
    by_project = list(
        finished.values("project_id")
        .annotate(seconds=Sum("duration_seconds"), count=Count("pk"))
        .order_by("-seconds")
    )
    ids = [row["project_id"] for row in by_project]
    projects = Project.objects.select_related("client").in_bulk(ids)
    for row in by_project:
        project = projects[row["project_id"]]
        row.update(project__name=project.name, project__client__name=project.client.name)
    by_user = list(
        finished.values("user_id")
        .annotate(seconds=Sum("duration_seconds"), count=Count("pk"))
        .order_by("-seconds")
    )
    usernames = dict(
        get_user_model()
        .objects.filter(pk__in=[row["user_id"] for row in by_user])
        .values_list("pk", "username")
    )
    for row in by_user:
        row["user__username"] = usernames[row["user_id"]]
    # The totals are the sum of the per-user rows: one scan of the entries fewer.
    total_seconds = sum(row["seconds"] for row in by_user)
    entry_count = sum(row["count"] for row in by_user)
    last_day = (form.is_valid() and form.cleaned_data.get("end")) or timezone.localdate()
    last_days = finished.started_between(last_day - timedelta(days=MAX_DAYS - 1), None)
    by_day = list(
        last_days.annotate(day=_local_day("start"))
        .values("day")
        .annotate(seconds=Sum("duration_seconds"))
        .order_by("day")
    )
    context = {
        "form": form,
        "total_hours": seconds_to_hours(total_seconds),
        "entry_count": entry_count,
        "by_project": [dict(row, hours=seconds_to_hours(row["seconds"])) for row in by_project],
        "by_user": [dict(row, hours=seconds_to_hours(row["seconds"])) for row in by_user],
        "by_day": [dict(row, hours=seconds_to_hours(row["seconds"])) for row in by_day],
        "chart": _chart(by_day),
        "max_days": MAX_DAYS,
        "query": form.data.urlencode(),
    }
    filters = {name for name in ("start", "end", "project", "user") if request.GET.get(name)}
    report_viewed.send(sender=reports, user=request.user, filters=filters, row_count=entry_count)
    return render(request, "tracking/reports.html", context)


@login_required
def report_export(request):
    _, entries = _report_entries(request)
    return csv_response(
        entries.filter(end__isnull=False),
        filename="report.csv",
        user=request.user,
        kind="report",
    )
