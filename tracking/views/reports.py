from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Sum
from django.shortcuts import render
from django.utils import timezone

from tracking.csv_export import csv_response, invalid_filters
from tracking.forms import ReportFilterForm
from tracking.models import BusinessProfile, Project, seconds_to_hours
from tracking.queries import (
    billable_amounts,
    filtered_entries,
    seconds_by_day,
    seconds_by_tag,
    seconds_over_time,
)
from tracking.signals import report_viewed

CHART_HEIGHT = 120
CHART_BAR_WIDTH = 18
CHART_AXIS_WIDTH = 40  # room for the hour labels on the left
REPORT_FILTERS = ("start", "end", "client", "project", "billable", "user", "tag")
BUCKET_LABELS = {"day": "Hours per day", "week": "Hours per week", "month": "Hours per month"}


def _report_form(request) -> ReportFilterForm:
    """The filter form, this month by default."""
    data = request.GET.copy()
    if not data.get("start") and not data.get("end"):
        today = timezone.localdate()
        data["start"] = today.replace(day=1).isoformat()
        data["end"] = today.isoformat()
    return ReportFilterForm(data, viewer=request.user)


def _chart(buckets):
    """Bars for an inline SVG chart of hours per bucket, scaled to the busiest one, with a
    vertical axis labelled in hours (0, half the peak, the peak) and dates along the bottom."""
    peak = max((row["seconds"] for row in buckets), default=0) or 1
    bars = []
    for index, row in enumerate(buckets):
        height = round(CHART_HEIGHT * row["seconds"] / peak)
        bars.append(
            {
                "x": CHART_AXIS_WIDTH + index * (CHART_BAR_WIDTH + 4),
                "y": CHART_HEIGHT - height,
                "height": height,
                "start": row["start"],
                "hours": seconds_to_hours(row["seconds"]),
            }
        )
    width = CHART_AXIS_WIDTH + max(len(bars) * (CHART_BAR_WIDTH + 4), CHART_BAR_WIDTH)
    ticks = [
        {"y": round(CHART_HEIGHT * (1 - share)), "hours": seconds_to_hours(round(peak * share))}
        for share in (0, 0.5, 1)
    ]
    return {
        "bars": bars,
        "width": width,
        "height": CHART_HEIGHT,
        "bar_width": CHART_BAR_WIDTH,
        "axis": CHART_AXIS_WIDTH,
        "ticks": ticks,
    }


@login_required
def reports(request):
    form = _report_form(request)
    if not form.is_valid():
        return render(request, "tracking/reports.html", {"form": form}, status=400)
    filters = form.cleaned_data
    finished = filtered_entries(request.user, filters).filter(end__isnull=False)
    # Grouped by id only, names fetched once afterwards: no join on every entry.
    by_project = list(
        finished.values("project_id")
        .annotate(seconds=Sum("duration_seconds"), count=Count("pk"))
        .order_by("-seconds")
    )
    ids = [row["project_id"] for row in by_project]
    projects = Project.objects.select_related("client").in_bulk(ids)
    amounts = billable_amounts(finished, BusinessProfile.load().default_currency)
    by_client = {}
    for row in by_project:
        project = projects[row["project_id"]]
        row.update(
            project__name=project.name,
            project__client__name=project.client.name,
            amount=amounts.by_project.get(project.pk),
        )
        client = by_client.setdefault(
            project.client_id,
            {
                "name": project.client.name,
                "seconds": 0,
                "amount": amounts.by_client.get(project.client_id),
            },
        )
        client["seconds"] += row["seconds"]
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
        row["amount"] = amounts.by_user.get(row["user_id"])
    # The totals are the sum of the per-user rows: one scan of the entries fewer.
    total_seconds = sum(row["seconds"] for row in by_user)
    entry_count = sum(row["count"] for row in by_user)
    by_tag = seconds_by_tag(finished)
    bucket, over_time = seconds_over_time(
        seconds_by_day(finished), filters.get("start"), filters.get("end")
    )
    context = {
        "form": form,
        "total_hours": seconds_to_hours(total_seconds),
        "entry_count": entry_count,
        "by_project": [dict(row, hours=seconds_to_hours(row["seconds"])) for row in by_project],
        "by_user": [dict(row, hours=seconds_to_hours(row["seconds"])) for row in by_user],
        "by_client": [
            dict(row, hours=seconds_to_hours(row["seconds"]))
            for row in sorted(by_client.values(), key=lambda row: -row["seconds"])
        ],
        "amounts": amounts,
        "by_tag": [dict(row, hours=seconds_to_hours(row["seconds"])) for row in by_tag],
        "bucket": bucket,
        "bucket_label": BUCKET_LABELS[bucket],
        "over_time": [dict(row, hours=seconds_to_hours(row["seconds"])) for row in over_time],
        "chart": _chart(over_time),
        "query": form.data.urlencode(),
    }
    used = {name for name in REPORT_FILTERS if request.GET.get(name)}
    report_viewed.send(sender=reports, user=request.user, filters=used, row_count=entry_count)
    return render(request, "tracking/reports.html", context)


@login_required
def report_export(request):
    form = _report_form(request)
    if not form.is_valid():
        return invalid_filters(form)
    return csv_response(
        filtered_entries(request.user, form.cleaned_data).filter(end__isnull=False),
        filename="report.csv",
        user=request.user,
        kind="report",
    )
