"""Sending what is due from the outbox: signed, at least once, never on a request's thread.

Each web process runs one background thread (started by the first delivery it queues, then
polling for retries); ``manage.py webhooks deliver`` sends what is due and exits (cron, or to
drain). Rows are claimed with a short lease before sending, ``SELECT … FOR UPDATE SKIP
LOCKED`` on PostgreSQL and a conditional update everywhere, so with several servers each
delivery goes out once per attempt.
"""

import hashlib
import hmac
import logging
import threading
import time
from datetime import timedelta

import requests
from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.dispatch import Signal
from django.utils import timezone

from timetracker.version import __version__
from webhooks.addresses import UnsafeAddress, check_url
from webhooks.models import FIRST_RETRY, GIVE_UP_AFTER, LONGEST_WAIT, RESPONSE_KEPT, Delivery

logger = logging.getLogger(__name__)

TIMEOUT = 10  # seconds for a receiver to answer
LEASE = timedelta(seconds=60)  # longer than TIMEOUT: a claimed row is not sent twice
BATCH = 50
POLL_SECONDS = 15  # the background thread looks for due retries this often

# A delivery was given up (after 24 h of failures, or refused by its receiver). Arguments:
# ``delivery``, ``status_code`` (None for a network error). For telemetry's counts.
delivery_failed = Signal()


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """``sha256=<hex>``: HMAC-SHA256 of ``"<timestamp>.<body>"`` with the webhook's secret."""
    message = f"{timestamp}.".encode() + body
    return "sha256=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def _retry_wait(attempts: int) -> timedelta:
    return min(FIRST_RETRY * 2 ** (attempts - 1), LONGEST_WAIT)


def send(delivery: Delivery) -> Delivery:
    """One attempt: POST the body, then record the outcome and when to try again."""
    hook = delivery.webhook
    body = delivery.body.encode()
    timestamp = int(time.time())
    code, excerpt, error = None, "", ""
    try:
        check_url(hook.url)  # again now: the name may point elsewhere since it was added
        response = requests.post(
            hook.url,
            data=body,
            headers={
                "Content-Type": "application/json",
                "User-Agent": f"TimeTracker/{__version__} webhooks",
                "X-TimeTracker-Event": delivery.event,
                "X-TimeTracker-Delivery": str(delivery.pk),
                "X-TimeTracker-Timestamp": str(timestamp),
                "X-TimeTracker-Signature": signature(hook.secret, timestamp, body),
            },
            timeout=TIMEOUT,
            allow_redirects=False,
            stream=True,
        )
        with response:
            code = response.status_code
            excerpt = response.raw.read(RESPONSE_KEPT, decode_content=True)
            excerpt = excerpt.decode("utf-8", "replace")[:RESPONSE_KEPT]
    except UnsafeAddress as refused:
        error = str(refused)
    except requests.RequestException as failure:
        error = f"{type(failure).__name__}: {failure}"
    now = timezone.now()
    delivery.attempts += 1
    delivery.response_code, delivery.response_excerpt = code, excerpt
    delivery.last_error = error[:300]
    if code is not None and 200 <= code < 300:
        delivery.status, delivery.delivered_at = Delivery.Status.DELIVERED, now
    elif code is not None and code != 429 and code < 500:
        # The receiver refused it (or redirected, which is not followed): trying again would
        # get the same answer.
        delivery.status = Delivery.Status.FAILED
        delivery.last_error = delivery.last_error or f"HTTP {code}"
    else:
        wait = _retry_wait(delivery.attempts)
        if now + wait > delivery.created_at + GIVE_UP_AFTER:
            delivery.status = Delivery.Status.FAILED
        else:
            delivery.status, delivery.next_attempt_at = Delivery.Status.RETRYING, now + wait
        delivery.last_error = delivery.last_error or f"HTTP {code}"
    delivery.save()
    if delivery.status == Delivery.Status.FAILED:
        delivery_failed.send(sender=Delivery, delivery=delivery, status_code=code)
    return delivery


def claim_due(limit: int = BATCH) -> list[Delivery]:
    """The due deliveries this process may send now, leased so no other sender takes them."""
    now = timezone.now()
    due = Delivery.objects.filter(
        status__in=[Delivery.Status.PENDING, Delivery.Status.RETRYING], next_attempt_at__lte=now
    ).order_by("next_attempt_at", "created_at")
    with transaction.atomic():
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        candidates = list(due.values_list("pk", "next_attempt_at")[:limit])
        claimed = [
            pk
            for pk, due_at in candidates
            # Still as we read it: nobody claimed it meanwhile (SQLite has no row locks).
            if Delivery.objects.filter(pk=pk, next_attempt_at=due_at).update(
                next_attempt_at=now + LEASE
            )
        ]
    # In the order they became due: a timer's start goes before its stop.
    found = Delivery.objects.select_related("webhook").in_bulk(claimed)
    return [found[pk] for pk in claimed]


def deliver_due(limit: int = BATCH) -> int:
    """Send every delivery due now, ``limit`` at a time; returns how many were attempted."""
    attempted = 0
    while batch := claim_due(limit):
        for delivery in batch:
            send(delivery)
        attempted += len(batch)
    return attempted


class _Sender:
    """The process's background thread: woken by new deliveries, polling for retries."""

    def __init__(self):
        self.lock = threading.Lock()
        self.wakeup = threading.Event()
        self.thread = None

    def wake(self):
        if not settings.WEBHOOK_BACKGROUND:
            return
        with self.lock:
            if self.thread is None or not self.thread.is_alive():
                self.thread = threading.Thread(target=self._run, name="webhooks", daemon=True)
                self.thread.start()
        self.wakeup.set()

    def _run(self):
        while True:
            self.wakeup.wait(POLL_SECONDS)
            self.wakeup.clear()
            try:
                deliver_due()
            except Exception:  # a database hiccup must not end the thread
                logger.exception("Sending webhooks failed; retrying in %s s.", POLL_SECONDS)
            finally:
                close_old_connections()


_sender = _Sender()


def wake() -> None:
    _sender.wake()
