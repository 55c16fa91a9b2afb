"""Receivers that translate other apps' signals into catalog events.

Model events come from ``post_save``/``post_delete``. Old values (a task's status, an
invoice's status, a timer's end) come from a snapshot of the few tracked fields taken at
``post_init`` and refreshed after each save, so no extra query is made. Events are emitted
``on_commit``: a rolled-back change emits nothing.
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db import transaction
from django.db.models.signals import post_delete, post_init, post_save
from django.utils import timezone

from api.signals import token_created, token_revoked
from imports.signals import import_completed, import_failed
from setupwizard.signals import setup_completed
from telemetry import lifecycle
from telemetry.catalog import USER_FIELDS, bucket, get_event, hours_bucket
from telemetry.emitter import emit
from telemetry.middleware import current_source, current_user
from tracking.models import (
    BusinessProfile,
    Client,
    Comment,
    Invoice,
    Project,
    Tag,
    Task,
    TimeEntry,
)
from tracking.signals import (
    calendar_viewed,
    csv_exported,
    entries_billed,
    entry_duplicated,
    invitations_sent,
    invoice_downloaded,
    invoice_refreshed,
    report_viewed,
    timesheet_saved,
    trash_purged,
)
from webhooks.models import Webhook
from webhooks.sender import delivery_failed

_MISSING = object()
SNAPSHOT_ATTRIBUTE = "_telemetry_snapshot"

USER_TRACKED_FIELDS = {name: name for name in sorted(USER_FIELDS.names)}


def tracked_fields(model, event: str | None, *state: str) -> dict:
    """{attribute: name in events}: the fields the catalog's ``event`` lists as changeable
    (its ``changed_fields``), and the ``state`` fields whose change makes events of their
    own (a status, the archived flag, the timer's end and pause)."""
    names = set(state)
    if event is not None:
        names |= get_event(event).properties["changed_fields"].names
    return {model._meta.get_field(name).attname: name for name in sorted(names)}


def _snapshot(instance, fields) -> dict:
    # __dict__, not getattr: a deferred field must not cost a query.
    return {attname: instance.__dict__.get(attname, _MISSING) for attname in fields}


def _changes(instance, fields) -> tuple[dict, list[str]]:
    """The old snapshot and the event names of fields changed since it; refresh it."""
    old = getattr(instance, SNAPSHOT_ATTRIBUTE, None) or {}
    new = _snapshot(instance, fields)
    changed = [
        fields[attname]
        for attname, value in new.items()
        if value is not _MISSING
        and old.get(attname, _MISSING) is not _MISSING
        and old[attname] != value
    ]
    setattr(instance, SNAPSHOT_ATTRIBUTE, new)
    return old, changed


def _actor(instance=None):
    """Who acted: the request's user, else the object's own user or author, else nobody."""
    user = current_user()
    if user is not None and getattr(user, "is_authenticated", False):
        return user
    for attribute in ("user", "author"):
        owner_id = getattr(instance, f"{attribute}_id", None)
        if owner_id is not None:
            return getattr(instance, attribute)
    return None


def _emit_on_commit(name: str, user=None, **properties) -> None:
    transaction.on_commit(partial(emit, name, user=user, **properties))


def snapshot_receiver(fields):
    """A ``post_init`` receiver that keeps the tracked fields' values as loaded.

    It runs for every instance of a tracked model a page builds (a dashboard builds over a
    thousand for its pickers), so the field list is bound here, once, not looked up per
    instance.
    """
    attnames = tuple(fields)

    def take_snapshot(sender, instance, **kwargs):
        instance.__dict__[SNAPSHOT_ATTRIBUTE] = _snapshot(instance, attnames)

    return take_snapshot


def _entry_events(entry, created, old, changed):
    source = current_source()
    if "deleted_at" in changed:  # into the trash (stopping a timer on the way) or out
        if entry.deleted_at is None:
            return [("entry.restored", {"source": source})]
        deleted = {
            "was_running": old.get("end", _MISSING) is None,
            "duration_seconds": entry.duration_seconds or 0,
            "source": source,
        }
        return [("time_entry.deleted", deleted), ("entry.trashed", {"source": source})]
    facts = {"has_task": entry.task_id is not None, "billable": entry.billable, "source": source}
    if created and entry.end is None:
        return [("timer.started", {**facts, "has_notes": bool(entry.notes)})]
    if created:
        return [
            (
                "time_entry.created",
                {
                    **facts,
                    "has_notes": bool(entry.notes),
                    "duration_seconds": entry.duration_seconds or 0,
                },
            )
        ]
    events = []
    stopped = "end" in changed and old.get("end") is None and entry.end is not None
    if stopped and entry.pause == TimeEntry.Pause.PAUSED:
        events.append(("timer.paused", {**facts, "duration_seconds": entry.duration_seconds}))
    elif stopped:
        events.append(("timer.stopped", {**facts, "duration_seconds": entry.duration_seconds}))
    if stopped and entry.auto_stopped:
        hours = (entry.duration_seconds or 0) // 3600
        events.append(
            ("timer.auto_stopped", {"hours_bucket": hours_bucket(hours), "source": source})
        )
    if "pause" in changed and entry.pause == TimeEntry.Pause.RESUMED:
        events.append(("timer.resumed", facts))
    # The timer's own state, not something a person edited.
    own_state = {"pause", "auto_stopped", *(["end"] if stopped else [])}
    changed = [name for name in changed if name not in own_state]
    if changed:
        events.append(
            ("time_entry.updated", {"changed_fields": sorted(changed), "source": source})
        )
    return events


def _archivable_events(prefix, created_properties, created, changed, archived):
    if created:
        return [(f"{prefix}.created", created_properties)]
    events = []
    if "archived" in changed:
        events.append((f"{prefix}.archived" if archived else f"{prefix}.unarchived", {}))
    other = sorted(name for name in changed if name != "archived")
    if other:
        events.append((f"{prefix}.updated", {"changed_fields": other}))
    return events


def _task_events(task, created, old, changed):
    if created:
        return [("task.created", {"status": task.status, "priority": task.priority})]
    events = []
    if "status" in changed:
        events.append(
            ("task.status_changed", {"from_status": old["status"], "to_status": task.status})
        )
    other = sorted(name for name in changed if name != "status")
    if other:
        events.append(("task.updated", {"changed_fields": other}))
    return events


def _invoice_events(invoice, created, old, changed):
    if created:
        facts = {
            "has_project": invoice.project_id is not None,
            "currency": invoice.currency,
            "has_tax": bool(invoice.tax_rate),
        }
        return [("invoice.created", facts)]
    events = []
    if "status" in changed and invoice.status == Invoice.Status.SENT:
        facts = {
            "days_until_due": (invoice.due_date - invoice.issue_date).days,
            "line_count": invoice.items.count(),
            "currency": invoice.currency,
        }
        events.append(("invoice.sent", facts))
    if "status" in changed and invoice.status == Invoice.Status.PAID:
        days = (timezone.localdate() - invoice.issue_date).days
        events.append(("invoice.paid", {"days_since_issue": days}))
    other = sorted(name for name in changed if name != "status")
    if other:
        events.append(("invoice.updated", {"changed_fields": other}))
    return events


def _comment_target(comment) -> str:
    return "project" if comment.project_id is not None else "task"


def _project_events(project, created, old, changed):
    properties = {"billable": project.billable, "has_hourly_rate": project.hourly_rate is not None}
    return _archivable_events("project", properties, created, changed, project.archived)


def _client_events(client, created, old, changed):
    properties = {
        "has_email": bool(client.email),
        "has_billing_address": bool(client.billing_address),
        "has_tax_id": bool(client.tax_id),
    }
    return _archivable_events("client", properties, created, changed, client.archived)


def _tag_events(tag, created, old, changed):
    return [("tag.created", {"has_color": bool(tag.color)})] if created else []


def _business_profile_events(profile, created, old, changed):
    return [("business_profile.updated", {"changed_fields": sorted(changed)})] if changed else []


def _comment_events(comment, created, old, changed):
    name = "comment.created" if created else "comment.updated"
    return [(name, {"target": _comment_target(comment)})] if created or changed else []


@dataclass(frozen=True)
class Tracked:
    """How one model's changes become events: the fields whose change matters, the events
    a save makes (``saved(instance, created, old, changed)``), and the properties of its
    ``<prefix>.deleted`` event (``None``: deleting it is not an event)."""

    prefix: str
    fields: dict
    saved: Callable
    deleted: Callable | None = None


def _no_properties(instance) -> dict:
    return {}


TRACKED = {
    # Deleting an entry moves it to the trash (a save: time_entry.deleted and
    # entry.trashed); only purge_trash removes rows, counted once in trash.purged.
    TimeEntry: Tracked(
        "time_entry",
        tracked_fields(
            TimeEntry, "time_entry.updated", "end", "pause", "auto_stopped", "deleted_at"
        ),
        _entry_events,
    ),
    Project: Tracked(
        "project",
        tracked_fields(Project, "project.updated", "archived"),
        _project_events,
        _no_properties,
    ),
    Client: Tracked(
        "client",
        tracked_fields(Client, "client.updated", "archived"),
        _client_events,
        _no_properties,
    ),
    Task: Tracked(
        "task",
        tracked_fields(Task, "task.updated", "status"),
        _task_events,
        lambda task: {"status": task.status},
    ),
    Invoice: Tracked(
        "invoice",
        tracked_fields(Invoice, "invoice.updated", "status"),
        _invoice_events,
        lambda invoice: {"status": invoice.status},
    ),
    Tag: Tracked("tag", {}, _tag_events, _no_properties),
    # One record, never deleted (the admin offers no way to).
    BusinessProfile: Tracked(
        "business_profile",
        tracked_fields(BusinessProfile, "business_profile.updated"),
        _business_profile_events,
    ),
    Comment: Tracked(
        "comment",
        tracked_fields(Comment, None, "text"),
        _comment_events,
        lambda comment: {"target": _comment_target(comment)},
    ),
}


def model_saved(sender, instance, created, raw=False, **kwargs):
    if raw:
        return
    tracked = TRACKED[sender]
    old, changed = _changes(instance, tracked.fields)
    events = tracked.saved(instance, created, old, changed)
    if events:
        actor = _actor(instance)
        for name, properties in events:
            _emit_on_commit(name, user=actor, **properties)


def model_deleted(sender, instance, **kwargs):
    tracked = TRACKED[sender]
    if tracked.deleted is not None:
        properties = tracked.deleted(instance)
        _emit_on_commit(f"{tracked.prefix}.deleted", user=_actor(instance), **properties)


def user_saved(sender, instance, created, raw=False, **kwargs):
    if raw:
        return
    _, changed = _changes(instance, USER_TRACKED_FIELDS)
    if created:
        _emit_on_commit(
            "admin.user_created",
            user=_actor(),
            is_staff=instance.is_staff,
            is_superuser=instance.is_superuser,
        )
    elif changed:
        _emit_on_commit("admin.user_updated", user=_actor(), changed_fields=sorted(changed))


def user_deleted(sender, instance, **kwargs):
    _emit_on_commit("admin.user_deleted", user=_actor())


def logged_in(sender, request, user, **kwargs):
    emit("auth.login", user=user, is_staff=user.is_staff)


def logged_out(sender, request, user, **kwargs):
    emit("auth.logout", user=user)


def login_failed(sender, credentials, request=None, **kwargs):
    # The credentials (the username tried) are deliberately never looked at.
    locked = getattr(request, "axes_locked_out", False)
    emit("auth.login_failed", reason="locked_out" if locked else "invalid_credentials")


def on_report_viewed(sender, user, filters, row_count, **kwargs):
    emit("report.viewed", user=user, filters=sorted(filters), row_count=row_count)


def on_entry_duplicated(sender, user, entry, **kwargs):
    emit("entry.duplicated", user=user, duration_only=entry.duration_only, source=current_source())


def on_calendar_viewed(sender, user, view, entry_count, **kwargs):
    emit("calendar.viewed", user=user, view=view, entry_count=entry_count)


def on_import_completed(sender, user, format, entries_created, entries_skipped, **kwargs):
    _emit_on_commit(
        "import.completed",
        user=user,
        format=format,
        entries_bucket=bucket(entries_created),
        skipped_bucket=bucket(entries_skipped),
        source=current_source(),
    )


def on_webhook_saved(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        _emit_on_commit(
            "webhook.created",
            user=_actor(),
            event_count=len(instance.events),
            source=current_source(),
        )


def on_delivery_failed(sender, delivery, status_code, **kwargs):
    if status_code is None:
        kind = "network"
    elif status_code == 429:
        kind = "429"
    else:
        kind = f"{min(max(status_code // 100, 3), 5)}xx"
    emit("webhook.delivery_failed", status_bucket=kind)


def on_import_failed(sender, format, kind, **kwargs):
    emit("import.failed", user=_actor(), format=format, kind=kind, source=current_source())


def on_trash_purged(sender, entry_count, **kwargs):
    _emit_on_commit("trash.purged", entry_count=entry_count)


def on_invitations_sent(sender, user, sent_count, **kwargs):
    emit("admin.invitations_sent", user=user, sent_count=sent_count)


def on_timesheet_saved(
    sender, user, cells_changed, entries_created, entries_updated, entries_deleted, **kwargs
):
    emit(
        "timesheet.saved",
        user=user,
        cells_changed=cells_changed,
        entries_created=entries_created,
        entries_updated=entries_updated,
        entries_deleted=entries_deleted,
    )


def on_entries_billed(sender, entry_count, line_count, overlapping_count, **kwargs):
    _emit_on_commit(
        "invoice.entries_billed",
        user=_actor(),
        entry_count=entry_count,
        line_count=line_count,
        overlapping_count=overlapping_count,
    )


def on_invoice_refreshed(sender, lines_changed, **kwargs):
    _emit_on_commit("invoice.refreshed", user=_actor(), lines_changed=lines_changed)


def on_invoice_downloaded(sender, user, invoice, **kwargs):
    emit(
        "invoice.pdf_downloaded",
        user=user,
        line_count=invoice.items.count(),
        currency=invoice.currency,
        status=invoice.status,
    )


def on_csv_exported(sender, user, kind, row_count, **kwargs):
    emit("export.csv", user=user, kind=kind, row_count=row_count)


def on_token_created(sender, token, **kwargs):
    _emit_on_commit(
        "api.token_created",
        user=token.user,
        read_only=token.read_only,
        has_expiry=token.expires_at is not None,
        source=current_source(),
    )


def on_token_revoked(sender, token, **kwargs):
    _emit_on_commit("api.token_revoked", user=_actor(token), source=current_source())


def on_setup_completed(sender, user, telemetry_enabled, source, **kwargs):
    # emit() checks consent: with telemetry off (the default) nothing is recorded.
    emit("setup.completed", user=user, source=source, created_admin=user is not None)
    if telemetry_enabled:
        lifecycle.announce_enabled(source, user)
    else:
        lifecycle.send_first_seen_once(user)  # sends only if the operator forced it on


def connect() -> None:
    """Connect every receiver (called once, from ``TelemetryConfig.ready``)."""
    for model, tracked in TRACKED.items():
        uid = f"telemetry:{model.__name__}"
        snapshot = snapshot_receiver(tracked.fields)
        post_init.connect(snapshot, sender=model, weak=False, dispatch_uid=f"{uid}:init")
        post_save.connect(model_saved, sender=model, dispatch_uid=f"{uid}:save")
        post_delete.connect(model_deleted, sender=model, dispatch_uid=f"{uid}:delete")
    user_model = get_user_model()
    post_init.connect(
        snapshot_receiver(USER_TRACKED_FIELDS),
        sender=user_model,
        weak=False,
        dispatch_uid="telemetry:user:init",
    )
    post_save.connect(user_saved, sender=user_model, dispatch_uid="telemetry:user:save")
    post_delete.connect(user_deleted, sender=user_model, dispatch_uid="telemetry:user:delete")
    user_logged_in.connect(logged_in, dispatch_uid="telemetry:login")
    user_logged_out.connect(logged_out, dispatch_uid="telemetry:logout")
    user_login_failed.connect(login_failed, dispatch_uid="telemetry:login_failed")
    report_viewed.connect(on_report_viewed, dispatch_uid="telemetry:report_viewed")
    csv_exported.connect(on_csv_exported, dispatch_uid="telemetry:csv_exported")
    timesheet_saved.connect(on_timesheet_saved, dispatch_uid="telemetry:timesheet_saved")
    entry_duplicated.connect(on_entry_duplicated, dispatch_uid="telemetry:entry_duplicated")
    trash_purged.connect(on_trash_purged, dispatch_uid="telemetry:trash_purged")
    invitations_sent.connect(on_invitations_sent, dispatch_uid="telemetry:invitations_sent")
    calendar_viewed.connect(on_calendar_viewed, dispatch_uid="telemetry:calendar_viewed")
    import_completed.connect(on_import_completed, dispatch_uid="telemetry:import_completed")
    import_failed.connect(on_import_failed, dispatch_uid="telemetry:import_failed")
    post_save.connect(on_webhook_saved, sender=Webhook, dispatch_uid="telemetry:webhook")
    delivery_failed.connect(on_delivery_failed, dispatch_uid="telemetry:delivery_failed")
    entries_billed.connect(on_entries_billed, dispatch_uid="telemetry:entries_billed")
    invoice_refreshed.connect(on_invoice_refreshed, dispatch_uid="telemetry:invoice_refreshed")
    invoice_downloaded.connect(on_invoice_downloaded, dispatch_uid="telemetry:invoice_downloaded")
    setup_completed.connect(on_setup_completed, dispatch_uid="telemetry:setup_completed")
    token_created.connect(on_token_created, dispatch_uid="telemetry:token_created")
    token_revoked.connect(on_token_revoked, dispatch_uid="telemetry:token_revoked")
