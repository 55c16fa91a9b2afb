"""What queues webhook deliveries: model changes and tracking's budget signal, each inside
the transaction of its change (``TimeEntry.save``, ``Invoice.advance_status`` and
``Project.save`` are atomic with their receivers)."""

from django.db import transaction
from django.db.models.signals import m2m_changed, post_save
from django.dispatch import receiver

from tracking.models import Invoice, Project, TimeEntry
from tracking.signals import budget_threshold_reached
from webhooks.models import Delivery
from webhooks.outbox import enqueue, payload


def _entry_data(entry: TimeEntry) -> dict:
    from api.serializers import EntrySerializer

    getattr(entry, "_prefetched_objects_cache", {}).pop("tags", None)
    return EntrySerializer(entry).data


def _entry_event(entry: TimeEntry, created: bool, update_fields) -> str:
    if created:
        return "timer.started" if entry.end is None else "entry.created"
    if update_fields and "deleted_at" in update_fields and entry.deleted_at is not None:
        return "entry.deleted"
    # ``_stored_end``: the end as loaded (TimeEntry.from_db), still the old one here.
    if entry.end is not None and getattr(entry, "_stored_end", False) is None:
        return "timer.stopped"
    return "entry.updated"


@receiver(post_save, sender=TimeEntry, dispatch_uid="webhooks:entry")
def entry_saved(sender, instance, created, update_fields=None, raw=False, **kwargs):
    if raw:
        return
    event = _entry_event(instance, created, update_fields)
    deliveries = enqueue(event, lambda: _entry_data(instance))
    if deliveries:
        # Its tags are set after it is saved, in the same transaction: until that commits,
        # a change of its tags writes these bodies again (below). A rolled-back
        # transaction's ids find no rows.
        instance._webhook_deliveries = [delivery.pk for delivery in deliveries]
        transaction.on_commit(lambda: instance.__dict__.pop("_webhook_deliveries", None))


@receiver(m2m_changed, sender=TimeEntry.tags.through, dispatch_uid="webhooks:tags")
def entry_tags_changed(sender, instance, action, reverse, **kwargs):
    pending = None if reverse else getattr(instance, "_webhook_deliveries", None)
    if not pending or action not in ("post_add", "post_remove", "post_clear"):
        return
    data = _entry_data(instance)
    for delivery in Delivery.objects.filter(pk__in=pending):
        delivery.body = payload(delivery, data)
        delivery.save(update_fields=["body"])


@receiver(post_save, sender=Invoice, dispatch_uid="webhooks:invoice")
def invoice_saved(sender, instance, update_fields=None, raw=False, **kwargs):
    if raw or not update_fields or "status" not in update_fields:
        return
    event = {Invoice.Status.SENT: "invoice.sent", Invoice.Status.PAID: "invoice.paid"}.get(
        instance.status
    )
    if event:
        from api.serializers import InvoiceSerializer

        enqueue(event, lambda: InvoiceSerializer(instance).data)


@receiver(post_save, sender=Project, dispatch_uid="webhooks:project")
def project_saved(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        from api.serializers import ProjectSerializer

        enqueue("project.created", lambda: ProjectSerializer(instance).data)


@receiver(budget_threshold_reached, dispatch_uid="webhooks:budget")
def budget_alert(sender, alert, use, **kwargs):
    project = alert.project
    enqueue(
        "budget.threshold_reached",
        {
            "project": {"id": project.pk, "name": project.name},
            "percent": alert.percent,
            "used_hours": str(use.hours),
            "budget_hours": None if project.budget_hours is None else str(project.budget_hours),
            "used_amount": None if use.amount is None else str(use.amount),
            "budget_amount": (
                None if project.budget_amount is None else str(project.budget_amount)
            ),
            "period": alert.period,
        },
    )
