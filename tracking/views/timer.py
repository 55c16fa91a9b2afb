from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from tracking.forms import TimerStartForm
from tracking.models import TimeEntry
from tracking.views.entries import get_entry_for_user


def _back(request):
    """Redirect to the page the form was posted from, if it is ours."""
    target = request.POST.get("next") or request.headers.get("referer", "")
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect("tracking:dashboard")


@login_required
def dashboard(request):
    now = timezone.localtime()
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    week_start = today - timedelta(days=today.weekday())
    mine = TimeEntry.objects.filter(user=request.user).select_related("project", "task")
    running = mine.running().first()
    week_entries = list(mine.filter(start__gte=week_start).order_by("-start")[:200])
    today_entries = [entry for entry in week_entries if entry.start >= today]
    context = {
        "running": running,
        "form": TimerStartForm(),
        "today_entries": today_entries,
        "week_entries": week_entries,
        "today_seconds": mine.filter(start__gte=today).total_seconds(),
        "week_seconds": mine.filter(start__gte=week_start).total_seconds(),
    }
    return render(request, "tracking/dashboard.html", context)


@login_required
@require_POST
def timer_start(request):
    form = TimerStartForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return _back(request)
    TimeEntry.objects.start_timer(
        request.user,
        form.cleaned_data["project"],
        task=form.cleaned_data["task"],
        notes=form.cleaned_data["notes"],
    )
    messages.success(request, f"Timer started on {form.cleaned_data['project']}.")
    return _back(request)


@login_required
@require_POST
def timer_stop(request):
    stopped = TimeEntry.objects.stop_timer(request.user)
    if stopped is None:
        messages.error(request, "No timer is running.")
    else:
        messages.success(request, f"Timer stopped after {stopped.hours} h.")
    return _back(request)


@login_required
@require_POST
def entry_continue(request, pk):
    """Start a new timer with a previous entry's project, task and notes."""
    entry = get_entry_for_user(request, pk)
    if entry.project.archived:
        messages.error(request, f"{entry.project} is archived: unarchive it to track time.")
        return _back(request)
    TimeEntry.objects.start_timer(
        request.user, entry.project, task=entry.task, notes=entry.notes, billable=entry.billable
    )
    messages.success(request, f"Timer started on {entry.project}.")
    return _back(request)
