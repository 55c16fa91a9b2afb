from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone

from tracking.csv_export import csv_response, invalid_filters
from tracking.forms import ReportFilterForm
from tracking.models import BusinessProfile, seconds_to_hours, shown_duration
from tracking.queries import bucket_label, build_report, filtered_entries
from tracking.signals import report_viewed

CHART_HEIGHT = 120
CHART_BAR_WIDTH = 18
CHART_GAP = 4
CHART_AXIS_WIDTH = 40  # room for the hour labels on the left, at least
CHART_DIGIT_WIDTH = 7  # of a 12px label (app.css): a longer one ("1537:31") widens the axis
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


def _chart(buckets: list[dict], size: str) -> dict:
    """Bars for an inline SVG chart of hours per bucket, every bucket of the range (empty
    ones too), scaled to the busiest one, with a vertical axis labelled in H:MM (0, half the
    peak, the peak) and dates along the bottom. Each bar is focusable and read out."""
    peak = max((row["seconds"] for row in buckets), default=0) or 1
    ticks = [
        {"y": round(CHART_HEIGHT * (1 - share)), "label": shown_duration(round(peak * share))}
        for share in (0, 0.5, 1)
    ]
    axis = max(CHART_AXIS_WIDTH, CHART_DIGIT_WIDTH * len(ticks[-1]["label"]) + 8)
    bars = []
    for index, row in enumerate(buckets):
        height = round(CHART_HEIGHT * row["seconds"] / peak)
        bars.append(
            {
                "x": axis + index * (CHART_BAR_WIDTH + CHART_GAP),
                "y": CHART_HEIGHT - height,
                "height": height,
                "start": row["start"],
                "label": f"{bucket_label(row['start'], size)}: {shown_duration(row['seconds'])}",
            }
        )
    width = axis + max(len(bars) * (CHART_BAR_WIDTH + CHART_GAP), CHART_BAR_WIDTH)
    return {
        "bars": bars,
        "width": width,
        "height": CHART_HEIGHT,
        "bar_width": CHART_BAR_WIDTH,
        "axis": axis,
        "ticks": ticks,
    }


@login_required
def reports(request):
    form = _report_form(request)
    if not form.is_valid():
        return render(request, "tracking/reports.html", {"form": form}, status=400)
    report = build_report(request.user, form.cleaned_data, BusinessProfile.load().default_currency)
    bucket, buckets = report.over_time()
    over_time = [
        dict(row, hours=seconds_to_hours(row["seconds"]), label=bucket_label(row["start"], bucket))
        for row in buckets
    ]
    context = {
        "form": form,
        "report": report,
        "total_hours": seconds_to_hours(report.seconds),
        "bucket": bucket,
        "bucket_label": BUCKET_LABELS[bucket],
        "over_time": over_time,
        "chart": _chart(report.chart_buckets(bucket, buckets), bucket),
        "query": form.data.urlencode(),
    }
    used = {name for name in REPORT_FILTERS if request.GET.get(name)}
    report_viewed.send(sender=reports, user=request.user, filters=used, row_count=report.count)
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
