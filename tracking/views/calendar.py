from datetime import date, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone

from tracking import calendar, timesheet
from tracking.models import FIRST_YEAR, LAST_YEAR
from tracking.signals import calendar_viewed


def _day_asked(text: str) -> date:
    """``?day=YYYY-MM-DD``; ``ValueError`` with a message people can act on."""
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a day: write it like 2026-11-23") from None
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise ValueError(f"Use a day between {FIRST_YEAR} and {LAST_YEAR}.")
    return day


@login_required
def calendar_view(request):
    """A week of the person's time on a day-by-hour grid (``?week=``), or one day (``?day=``,
    what a phone shows)."""
    now = timezone.now()
    today = timezone.localdate(now)
    try:
        if request.GET.get("day"):
            first = last = _day_asked(request.GET["day"])
            monday = first - timedelta(days=first.weekday())
        else:
            first = monday = timesheet.parse_week(request.GET.get("week"), today)
            last = first + timedelta(days=6)
    except (ValueError, timesheet.CellError) as exc:
        messages.error(request, str(exc))
        return redirect("tracking:calendar")
    view = "day" if first == last else "week"
    grid = calendar.build(request.user, first, last, now)
    calendar_viewed.send(
        sender=calendar_view, user=request.user, view=view, entry_count=grid.entry_count
    )
    if view == "day":
        previous, following = (
            f"?day={first - timedelta(days=1)}",
            f"?day={first + timedelta(days=1)}",
        )
    else:
        previous = f"?week={timesheet.week_label(first - timedelta(days=7))}"
        following = f"?week={timesheet.week_label(first + timedelta(days=7))}"
    context = {
        "grid": grid,
        "view": view,
        "week": timesheet.week_label(monday),
        "previous": previous,
        "next": following,
        "this_week": timesheet.week_label(timesheet.parse_week(None, today)),
        "today": today,
        "here": request.get_full_path(),  # where a new entry's form comes back to
    }
    return render(request, "tracking/calendar.html", context)
