from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.template.defaultfilters import pluralize
from django.utils import timezone

from tracking import timesheet
from tracking.forms import TimesheetRowForm, is_id
from tracking.models import Project
from tracking.signals import timesheet_saved


def _active_ids(values) -> list[int]:
    """The active projects among ``values`` (ids as text; anything else is ignored)."""
    ids = [int(value) for value in values if is_id(value)]
    return list(Project.objects.active().filter(pk__in=ids).values_list("pk", flat=True))


def _rows_asked_for(request, monday) -> list[int]:
    """Rows beyond those with time: ``row=<id>`` in the URL, the rows of a posted form
    (its cells and the row being added), last week's with ``copy``."""
    if request.method == "POST":
        # The rows as the page showed them (an archived project's posted row stays too),
        # then the one being added.
        posted = list(dict.fromkeys(pk for pk, _ in timesheet.cells_posted(request.POST, monday)))
        adding = request.POST.getlist("row") if "add" in request.POST else []
        return posted + [pk for pk in _active_ids(adding) if pk not in posted]
    ids = _active_ids(request.GET.getlist("row"))
    if request.GET.get("copy"):
        ids += timesheet.projects_of_week(request.user, monday - timedelta(days=7))
    return ids


@login_required
def timesheet_week(request):
    today = timezone.localdate()
    try:
        monday = timesheet.parse_week(request.GET.get("week"), today)
    except timesheet.CellError as exc:
        messages.error(request, str(exc))
        return redirect("tracking:timesheet")
    status = 200
    errors = {}
    # "Add a row" posts the form as typed: the new row appears and nothing typed is lost.
    adding = request.method == "POST" and "add" in request.POST
    if request.method == "POST" and not adding:
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
            messages.success(
                request, f"Week saved: {result.changed} cell{pluralize(result.changed)} changed."
            )
            return redirect(f"{request.path}?week={timesheet.week_label(monday)}")
        errors = result.errors
        count = len(errors)
        messages.error(
            request,
            f"Nothing was saved: {count} cell{pluralize(count)} need{pluralize(count, 's,')} "
            "a look, marked below.",
        )
        status = 400
    week = timesheet.load_week(request.user, monday, _rows_asked_for(request, monday))
    return render(
        request,
        "tracking/timesheet.html",
        _context(week, today, request.POST if request.method == "POST" else {}, errors),
        status=status,
    )


def _context(week, today, typed, errors: dict) -> dict:
    """The grid as the page shows it: what was typed wins over what is stored, so a refused
    save or an added row never makes anyone type again."""
    first_error = next((name for name in errors if name), None)
    day_totals = week.day_totals()
    rows = []
    any_billed = False
    for row in week.rows():
        inputs = []
        for cell in row["cells"]:
            shown = timesheet.format_hours(cell.seconds)
            inputs.append(
                {
                    "name": cell.name,
                    "value": typed.get(cell.name, shown),
                    "shown": shown,
                    "seconds": cell.seconds,
                    "billed": cell.billed,
                    "error": errors.get(cell.name, ""),
                    "focus": cell.name == first_error,
                }
            )
            any_billed = any_billed or cell.billed
        total = timesheet.format_hours(row["seconds"]) or "0:00"
        rows.append({**row, "inputs": inputs, "total": total})
    return {
        "week": week,
        "label": timesheet.week_label(week.monday),
        "previous": timesheet.week_label(week.monday - timedelta(days=7)),
        "next": timesheet.week_label(week.monday + timedelta(days=7)),
        "this_week": timesheet.week_label(timesheet.parse_week(None, today)),
        "rows": rows,
        "errors": errors,
        "any_billed": any_billed,
        "day_totals": [timesheet.format_hours(seconds) or "0:00" for seconds in day_totals],
        "week_total": timesheet.format_hours(sum(day_totals)) or "0:00",
        "add_row": TimesheetRowForm(user=week.user, week_projects=week.projects),
    }
