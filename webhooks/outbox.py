"""Writing deliveries: one outbox row per subscribed webhook, in the caller's transaction."""

import json
from datetime import timedelta

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from webhooks.models import TEST_EVENT, Delivery, Webhook


def payload(delivery: Delivery, data: dict) -> str:
    """The body: ``{"id", "event", "created_at", "data"}`` (README, "Webhooks")."""
    body = {
        "id": str(delivery.pk),
        "event": delivery.event,
        "created_at": delivery.created_at.isoformat(),
        "data": data,
    }
    return json.dumps(body, cls=DjangoJSONEncoder)


def enqueue(event: str, data) -> list[Delivery]:
    """Queue ``event`` with ``data`` (a dict, or a function that makes it: called only when
    a webhook wants the event) for every active webhook that wants it; returns the
    deliveries.

    Call it inside the transaction of the change it reports: the rows commit or roll back
    with it. The sender is woken once the transaction commits.
    """
    hooks = Webhook.objects.for_event(event)
    if not hooks:
        return []
    if callable(data):
        data = data()
    now = timezone.now()
    deliveries = []
    for hook in hooks:
        delivery = Delivery(webhook=hook, event=event, created_at=now, next_attempt_at=now)
        delivery.body = payload(delivery, data)
        deliveries.append(delivery)
    Delivery.objects.bulk_create(deliveries)
    from webhooks import sender

    transaction.on_commit(sender.wake)
    return deliveries


def enqueue_test(hook: Webhook) -> Delivery:
    """A ``webhook.test`` delivery for ``hook`` alone (the admin's and the command's test)."""
    now = timezone.now()
    # Due only after a minute: the caller sends it now, no background sender takes it first.
    later = now + timedelta(minutes=1)
    delivery = Delivery(webhook=hook, event=TEST_EVENT, created_at=now, next_attempt_at=later)
    delivery.body = payload(delivery, {"webhook": hook.pk, "message": "A test from TimeTracker."})
    delivery.save()
    return delivery
