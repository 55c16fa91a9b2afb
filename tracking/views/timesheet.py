from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone

from tracking import timesheet
from tracking.models import Project
from tracking.signals import timesheet_saved


def _extra_rows(request) -> list[int]:
    """Rows asked for in the URL (``row=<project id>``, repeatable) that are active projects."""
    ids = [int(value) for value in request.GET.getlist("row") if value.isdigit()]
    return list(Project.objects.active().filter(pk__in=ids).values_list("pk", flat=True))


@login_required
def timesheet_week(request):
    today = timezone.localdate()
    try:
        monday = timesheet.parse_week(request.GET.get("week"), today)
    except timesheet.CellError as exc:
        messages.error(request, str(exc))
        return redirect("tracking:timesheet")
    extra = _extra_rows(request)
    if request.GET.get("copy"):
        extra += timesheet.projects_of_week(request.user, monday - timedelta(days=7))
    status = 200
    if request.method == "POST":
        result = timesheet.save_week(request.user, monday, request.POST)
        if not result.errors:
            timesheet_saved.send(
                sender=timesheet_week,
                user=request.user,
                cells_changed=result.changed,
                entries_created=result.created,
                entries_updated=result.updated,
                entries_deleted=result.deleted,
            )
            messages.success(request, f"Week saved: {result.changed} day(s) changed.")
            return redirect(f"{request.path}?week={timesheet.week_label(monday)}")
        for error in result.errors:
            messages.error(request, error)
        status = 400
    week = timesheet.load_week(request.user, monday, extra)
    # After a refused save the cells show what was typed, so nothing has to be typed again.
    typed = request.POST if request.method == "POST" else {}
    day_totals = week.day_totals()
    context = {
        "week": week,
        "label": timesheet.week_label(monday),
        "previous": timesheet.week_label(monday - timedelta(days=7)),
        "next": timesheet.week_label(monday + timedelta(days=7)),
        "this_week": timesheet.week_label(timesheet.parse_week(None, today)),
        "rows": [
            {
                **row,
                "inputs": [
                    {
                        "name": cell.name,
                        "value": typed.get(cell.name, timesheet.format_hours(cell.seconds)),
                        "day": cell.day,
                    }
                    for cell in row["cells"]
                ],
                "total": timesheet.format_hours(row["seconds"]) or "0:00",
            }
            for row in week.rows()
        ],
        "day_totals": [timesheet.format_hours(seconds) or "0:00" for seconds in day_totals],
        "week_total": timesheet.format_hours(sum(day_totals)) or "0:00",
        "addable": Project.objects.active().exclude(pk__in=[p.pk for p in week.projects]),
    }
    return render(request, "tracking/timesheet.html", context, status=status)
