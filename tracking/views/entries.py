from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render, resolve_url
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_POST

from tracking import permissions
from tracking.csv_export import csv_response, invalid_filters
from tracking.forms import ReportFilterForm, TimeEntryForm
from tracking.models import ANOTHER_TIMER_RUNS, TRASH_DAYS, Locked, TimeEntry
from tracking.moments import clock_span, day
from tracking.permissions import visible_entries
from tracking.queries import filtered_entries
from tracking.views.paging import ListPage


def get_entry_for_user(request, pk, action: str = "view") -> TimeEntry:
    """The entry, if the user may see it (someone else's entry answers 404, not 403), and
    may ``change`` or ``delete`` it when asked (403 if not)."""
    entries = visible_entries(request.user).select_related("project", "task", "user")
    entry = get_object_or_404(entries, pk=pk)
    if action != "view" and not permissions.can_change_entry(request.user, entry, action):
        raise PermissionDenied(f"You may not {action} someone else's entry.")
    return entry


def _filter_form(request) -> ReportFilterForm:
    """The list's filter form, bound even when empty: no filter is a valid request."""
    return ReportFilterForm(request.GET, viewer=request.user)


@login_required
def entry_list(request):
    form = _filter_form(request)
    if not form.is_valid():
        return render(request, "tracking/entry_list.html", {"form": form}, status=400)
    show_user = permissions.sees_everyones_entries(request.user)
    entries = filtered_entries(request.user, form.cleaned_data).for_rows(show_user)
    page = ListPage.of(entries, request.GET.get("page"))
    TimeEntry.objects.mark_overlaps(page.object_list)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "tracking/entry_list.html",
        {"page": page, "form": form, "query": query.urlencode(), "show_user": show_user},
    )


@login_required
def entry_export(request):
    form = _filter_form(request)
    if not form.is_valid():
        return invalid_filters(form)
    return csv_response(
        filtered_entries(request.user, form.cleaned_data),
        filename="time-entries.csv",
        user=request.user,
        kind="entries",
    )


# Enough to recognise earlier work; longer text is cut, not refused (it is typed live).
SUGGEST_MAX_TEXT = 200


@login_required
def entry_suggest(request):
    """JSON: the person's own earlier work whose notes contain ``q``, to fill a form."""
    # No database takes a NUL character in a query; nobody types one.
    text = request.GET.get("q", "")[:SUGGEST_MAX_TEXT].replace("\x00", "")
    suggestions = [
        {
            "notes": entry.notes,
            "project": entry.project_id,
            "project_name": entry.project.name,
            "task": entry.task_id,
            "task_name": entry.task.title if entry.task_id else None,
            "tags": [tag.name for tag in entry.tags.all()],
            "billable": entry.billable,
        }
        for entry in TimeEntry.objects.suggestions(request.user, text)
    ]
    return JsonResponse(suggestions, safe=False)


@login_required
def entry_detail(request, pk):
    entry = get_entry_for_user(request, pk)
    context = {
        "entry": entry,
        "locked": entry.locking_invoice(),
        "overlaps": entry.overlapping().exists(),
        "billed_on": entry.invoice_item.invoice if entry.invoice_item_id else None,
        "can_change": permissions.can_change_entry(request.user, entry),
        "can_delete": permissions.can_change_entry(request.user, entry, "delete"),
    }
    return render(request, "tracking/entry_detail.html", context)


def overlaps_url(first_day, last_day, **scope) -> str:
    """The entry list of overlapping entries from ``first_day`` to ``last_day``, within
    ``scope`` (a person, a project or a client)."""
    query = urlencode({"overlaps": "on", "start": first_day, "end": last_day, **scope})
    return f"{reverse('tracking:entry_list')}?{query}"


def warn_if_overlapping(request, entry) -> None:
    """Overlaps are allowed (a call during a long task) but said, and never billed: with
    which entry, as the lists write it, how many more, and a link to them on their days."""
    others = list(
        entry.overlapping()
        .select_related("project")
        .only("start", "end", "day", "project__name")
        .order_by("start")
    )
    if not others:
        return
    first = others[0]
    own = entry.user_id == request.user.pk
    scope = {"user": entry.user_id} if permissions.sees_everyones_entries(request.user) else {}
    days = [entry.day, *(other.day for other in others)]
    messages.warning(
        request,
        format_html(
            "This entry overlaps {} entry on {}, {} {}{}. Overlapping entries are not billed "
            'until one of them is corrected: <a href="{}">see the overlaps on those days</a>.',
            "your" if own else f"{entry.user.get_username()}'s",
            first.project.name,
            day(first.day),
            clock_span(first.start, first.end),
            f" and {len(others) - 1} more" if len(others) > 1 else "",
            overlaps_url(min(days), max(days), **scope),
        ),
    )


def _refuse_if_locked(request, entry):
    locked = entry.locking_invoice()
    if locked is None:
        return None
    messages.error(request, " ".join(Locked("This entry", *locked).messages))
    return redirect(entry.get_absolute_url())


def _save_entry(request, form, title, cancel_url, back=None):
    """Save the entry form; then its page, or ``back`` (where the person came from)."""
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                entry = form.save()
        except IntegrityError:
            form.add_error(None, ANOTHER_TIMER_RUNS)  # started meanwhile
        except ValidationError as exc:  # billed on an invoice sent meanwhile
            form.add_error(None, exc)
        else:
            messages.success(request, "Entry saved.")
            warn_if_overlapping(request, entry)
            return redirect(back or entry.get_absolute_url())
    context = {"form": form, "title": title, "cancel_url": back or resolve_url(cancel_url)}
    return render(request, "tracking/form.html", context)


# What a link may fill in a new entry (the calendar's empty slots and gaps).
PREFILLED = ("date", "start_time", "end_time")


@login_required
def entry_create(request):
    initial = {name: request.GET[name][:20] for name in PREFILLED if name in request.GET}
    form = TimeEntryForm(request.POST or None, user=request.user, initial=initial)
    # A link may say where to go back to (the calendar): a page of this site only.
    back = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts=None) or not back.startswith("/"):
        back = None
    return _save_entry(request, form, "New time entry", "tracking:entry_list", back)


@login_required
def entry_edit(request, pk):
    entry = get_entry_for_user(request, pk, "change")
    refusal = _refuse_if_locked(request, entry)
    if refusal:
        return refusal
    form = TimeEntryForm(request.POST or None, instance=entry, user=request.user)
    return _save_entry(request, form, f"Edit {entry}", entry.get_absolute_url())


@login_required
def entry_delete(request, pk):
    """Move an entry to the trash; the message that says so has an Undo button."""
    entry = get_entry_for_user(request, pk, "delete")
    refusal = _refuse_if_locked(request, entry)
    if refusal:
        return refusal
    if request.method != "POST":
        context = {"object": entry, "cancel_url": entry.get_absolute_url(), "trash": TRASH_DAYS}
        return render(request, "tracking/confirm_delete.html", context)
    entry.trash()
    undo = format_html(
        '<form method="post" action="{}" class="inline">'
        '<input type="hidden" name="csrfmiddlewaretoken" value="{}">'
        '<button type="submit">Undo</button></form>',
        reverse("tracking:entry_restore", args=[entry.pk]),
        get_token(request),
    )
    messages.success(request, format_html("Moved {} to the trash. {}", entry, undo))
    return redirect("tracking:entry_list")


@login_required
def entry_trash(request):
    """Deleted entries still in the trash: one's own, or everyone's with the permission."""
    entries = (
        visible_entries(request.user, TimeEntry.everything.trashed())
        .select_related("project", "task", "user")
        .order_by("-deleted_at", "-pk")
    )
    page = ListPage.of(entries, request.GET.get("page"))
    context = {
        "page": page,
        "trash_days": TRASH_DAYS,
        "show_user": permissions.sees_everyones_entries(request.user),
    }
    return render(request, "tracking/entry_trash.html", context)


@login_required
@require_POST
def entry_restore(request, pk):
    trashed = visible_entries(request.user, TimeEntry.everything.trashed())
    entry = get_object_or_404(trashed.select_related("project", "user"), pk=pk)
    if not permissions.can_change_entry(request.user, entry, "delete"):
        raise PermissionDenied("You may not restore someone else's entry.")
    entry.restore()
    messages.success(request, f"Restored {entry}.")
    warn_if_overlapping(request, entry)
    return redirect(entry.get_absolute_url())
