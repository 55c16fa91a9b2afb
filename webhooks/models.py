"""Webhooks: the owner's own integrations (Slack, accounting, scripts), told what happened.

Unlike telemetry they carry names and notes, and they do not depend on the telemetry switch:
an administrator adds them for their own receivers. Each change writes its deliveries to an
outbox (``Delivery``) in the change's own transaction, and a background sender posts them
(``webhooks.sender``): a rolled-back change sends nothing, a crash loses nothing, and a slow
receiver never slows a request.
"""

import secrets
import uuid
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from webhooks.addresses import UnsafeAddress, check_url

# What a webhook can subscribe to (DESIGN.md, "Budgets and webhooks").
EVENTS = (
    "entry.created",
    "entry.updated",
    "entry.deleted",
    "timer.started",
    "timer.stopped",
    "invoice.sent",
    "invoice.paid",
    "project.created",
    "budget.threshold_reached",
)
# What "Send test event" and `webhooks test` send (to one webhook, whatever it subscribes to).
TEST_EVENT = "webhook.test"
# Retries: the first within FIRST_RETRY, then doubling up to LONGEST_WAIT; a delivery still
# failing GIVE_UP_AFTER its creation is marked failed.
FIRST_RETRY = timedelta(seconds=15)
LONGEST_WAIT = timedelta(hours=1)
GIVE_UP_AFTER = timedelta(hours=24)
RESPONSE_KEPT = 1024  # characters of a receiver's answer kept for the delivery log
LOG_KEPT = timedelta(days=30)  # finished deliveries older than this leave the log


def new_secret() -> str:
    return secrets.token_urlsafe(32)


class WebhookQuerySet(models.QuerySet):
    def for_event(self, event: str) -> list["Webhook"]:
        return [hook for hook in self.filter(active=True) if event in hook.events]

    def failing(self):
        """Active webhooks whose latest finished delivery failed: given up after
        GIVE_UP_AFTER of retries, or refused by the receiver."""
        latest = (
            Delivery.objects.filter(
                webhook=models.OuterRef("pk"),
                status__in=[Delivery.Status.DELIVERED, Delivery.Status.FAILED],
            )
            .order_by("-created_at")
            .values("status")[:1]
        )
        return (
            self.filter(active=True)
            .annotate(latest=models.Subquery(latest))
            .filter(latest=Delivery.Status.FAILED)
        )


class Webhook(models.Model):
    url = models.URLField(max_length=500, help_text="http(s) only; where each event is POSTed.")
    events = models.JSONField(default=list, help_text="The events it receives.")
    secret = models.CharField(
        max_length=200,
        default=new_secret,
        help_text="Signs every delivery (X-TimeTracker-Signature).",
    )
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = WebhookQuerySet.as_manager()

    class Meta:
        ordering = ["pk"]

    def __str__(self):
        return self.url

    def clean(self):
        unknown = sorted(set(self.events) - set(EVENTS))
        if unknown or not self.events:
            raise ValidationError(
                {
                    "events": f"Choose from: {', '.join(EVENTS)}."
                    + (f" Unknown: {', '.join(unknown)}." if unknown else "")
                }
            )
        try:
            check_url(self.url, resolve=False)
        except UnsafeAddress as error:
            raise ValidationError({"url": str(error)}) from None


class DeliveryQuerySet(models.QuerySet):
    def forget_old(self, now) -> int:
        """Remove delivered and failed deliveries older than LOG_KEPT; returns how many."""
        finished = [Delivery.Status.DELIVERED, Delivery.Status.FAILED]
        old = self.filter(status__in=finished, created_at__lt=now - LOG_KEPT)
        return old.delete()[0]


class Delivery(models.Model):
    """One event for one webhook: the outbox row and, once sent, its log."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        RETRYING = "retrying", "Retrying"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(max_length=40)
    body = models.TextField(help_text="The JSON body, as signed and sent.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    response_code = models.PositiveIntegerField(null=True, blank=True)
    response_excerpt = models.TextField(blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)

    objects = DeliveryQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "deliveries"
        indexes = [
            # What is due: the sender's one query.
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(status__in=["pending", "retrying"]),
                name="delivery_due",
            ),
        ]

    def __str__(self):
        return f"{self.event} → {self.webhook}"
