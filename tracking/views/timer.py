from datetime import date, timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from tracking import permissions
from tracking.forms import (
    QuickStartForm,
    TimerStartForm,
    offer_recent_projects,
    recent_projects_of,
)
from tracking.models import (
    BudgetAlert,
    Locked,
    Project,
    Tag,
    TimeEntry,
    past_alert_for,
    shown_duration,
)
from tracking.signals import entry_duplicated
from tracking.views.entries import get_entry_for_user, warn_if_overlapping


def _back(request):
    """Redirect to the page the form was posted from, if it is ours."""
    target = request.POST.get("next") or request.headers.get("referer", "")
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect("tracking:dashboard")


def _today_and_week(now) -> tuple[date, date]:
    """Today and the Monday of this ISO week, in the user's zone."""
    today = timezone.localdate(now)
    return today, today - timedelta(days=today.weekday())


@login_required
def dashboard(request):
    """The running timer, and today's and this ISO week's work in the user's zone.

    Both periods end at the end of today: an entry dated in the future is no work done yet.
    """
    now = timezone.now()
    today, monday = _today_and_week(now)
    mine = TimeEntry.objects.filter(user=request.user)
    # The timer bar's own lookup (which also stops a forgotten timer first).
    running = request.timer.running
    today_entries = list(mine.on_days(today, today).for_rows())
    # The week's days, a running timer on its own day: the week's total is their sum. The
    # earlier days are a line each, linked to their entries (a busy week is seventy rows,
    # and today's are the ones to act on).
    week_days = mine.days_of(monday, today, now)
    earlier_days = [row for row in week_days if row["day"] != today]
    start_form = TimerStartForm(initial=recent_projects_of(request.user).last)
    offer_recent_projects(start_form, request.user, tasks="task")
    context = {
        # The first-run guide: nothing can be tracked before a project exists.
        "has_projects": Project.objects.active().exists(),
        "running": running,
        "form": start_form,
        "today_entries": today_entries,
        "earlier_days": earlier_days,
        # The person's projects past their budget's alert percentage, and for the
        # people who manage projects, the alerts they have not dismissed yet.
        "over_budget": past_alert_for(request.user),
        "budget_alerts": (
            BudgetAlert.objects.undismissed()[:10]
            if permissions.can(request.user, "change", Project)
            else []
        ),
        "today_seconds": sum(row["seconds"] for row in week_days if row["day"] == today),
        "week_seconds": sum(row["seconds"] for row in week_days),
    }
    return render(request, "tracking/dashboard.html", context)


@login_required
@require_POST
def budget_alert_dismiss(request, pk):
    """A manager has read a budget alert: it leaves the managers' dashboards (the admin keeps
    it)."""
    if not permissions.can(request.user, "change", Project):
        raise PermissionDenied
    BudgetAlert.objects.filter(pk=pk).dismiss()
    return redirect("tracking:dashboard")


@login_required
@require_POST
def timer_start(request):
    # The timer bar's form carries its task hidden: it follows a change of project there.
    form = (QuickStartForm if "quick" in request.POST else TimerStartForm)(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return _back(request)
    try:
        TimeEntry.objects.start_timer(
            request.user,
            form.cleaned_data["project"],
            task=form.cleaned_data["task"],
            notes=form.cleaned_data["notes"],
            billable=form.cleaned_data["billable"],
            tags=Tag.objects.for_names(form.cleaned_data["tags"]),
        )
    except ValidationError as exc:  # its budget is used up (a hard limit)
        for message in exc.messages:
            messages.error(request, message)
        return _back(request)
    messages.success(request, f"Timer started on {form.cleaned_data['project']}.")
    return _back(request)


@login_required
@require_POST
def timer_stop(request):
    stopped = TimeEntry.objects.stop_timer(request.user)
    if stopped is None:
        messages.error(request, "No timer is running.")
    else:
        # Today's total in the message: the daily flow ends on whatever page it started from.
        now = timezone.now()
        today = timezone.localdate(now)
        mine = TimeEntry.objects.filter(user=request.user)
        today_seconds = sum(row["seconds"] for row in mine.days_of(today, today, now))
        messages.success(
            request,
            f"Timer stopped: {shown_duration(stopped.duration_seconds)} on {stopped.project}. "
            f"Today: {shown_duration(today_seconds)}.",
        )
        # It ran into time typed for later, perhaps: said, as saving an entry says it.
        warn_if_overlapping(request, stopped)
    return _back(request)


@login_required
@require_POST
def timer_pause(request):
    paused = TimeEntry.objects.pause_timer(request.user)
    if paused is None:
        messages.error(request, "No timer is running.")
    else:
        messages.success(request, f"Paused {paused.project}: resume when you are back.")
    return _back(request)


@login_required
@require_POST
def timer_resume(request):
    try:
        resumed = TimeEntry.objects.resume_timer(request.user)
    except ValidationError as exc:  # its project was archived meanwhile
        messages.error(request, " ".join(exc.messages))
        return _back(request)
    if resumed is None:
        messages.error(request, "No timer is paused.")
    else:
        messages.success(request, f"Resumed {resumed.project}.")
    return _back(request)


@login_required
@require_POST
def entry_keep_end(request, pk):
    """The owner confirms the end an auto-stopped timer was given."""
    entry = get_entry_for_user(request, pk, "change")
    try:
        entry.confirm_end()
    except Locked as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, "Kept the end as it is.")
    return _back(request)


@login_required
@require_POST
def entry_duplicate(request, pk):
    """A copy of an entry at the same clock time today, opened for editing."""
    entry = get_entry_for_user(request, pk)
    try:
        copy = entry.duplicate(request.user, timezone.localdate())
    except ValidationError as exc:  # running, or its project was archived
        messages.error(request, " ".join(exc.messages))
        return redirect(entry.get_absolute_url())
    entry_duplicated.send(sender=entry_duplicate, user=request.user, entry=copy)
    messages.success(request, f"Copied to today: {copy.project}. Change what differs.")
    return redirect("tracking:entry_edit", pk=copy.pk)


@login_required
@require_POST
def entry_continue(request, pk):
    """Start a new timer with a previous entry's project, task and notes."""
    entry = get_entry_for_user(request, pk)
    try:
        TimeEntry.objects.start_timer(
            request.user,
            entry.project,
            task=entry.task,
            notes=entry.notes,
            billable=entry.billable,
            tags=list(entry.tags.all()),
        )
    except ValidationError as exc:  # the project is archived
        messages.error(request, f"{entry.project}: {' '.join(exc.messages)}")
    else:
        messages.success(request, f"Timer started on {entry.project}.")
    return _back(request)
