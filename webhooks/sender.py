"""Sending what is due from the outbox: signed, at least once, never on a request's thread.

Each web process runs one background thread (started by the first delivery it queues, then
polling for retries); ``manage.py webhooks deliver`` sends what is due and exits (cron, or to
drain). Each delivery is claimed with a lease before it is sent (``SELECT … FOR UPDATE SKIP
LOCKED`` on PostgreSQL, and a conditional update everywhere) and its outcome recorded only
while the lease holds, so with several senders each delivery goes out once per attempt.
"""

import hashlib
import hmac
import logging
import threading
import time
from datetime import timedelta

from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.dispatch import Signal
from django.utils import timezone

from timetracker.version import __version__
from webhooks.addresses import UnsafeAddress, check_url
from webhooks.models import (
    FIRST_RETRY,
    GIVE_UP_AFTER,
    LONGEST_WAIT,
    RESPONSE_KEPT,
    TEST_EVENT,
    Delivery,
)

logger = logging.getLogger(__name__)

TIMEOUT = 10  # seconds to connect, and for each read of the answer
# A claimed delivery is this process's for this long: well past one attempt's timeouts, so
# it is not sent twice; a process that dies holding it frees it when the lease ends.
LEASE = timedelta(minutes=2)
CLAIM_WINDOW = 20  # due rows read per claim; another sender may hold the first ones
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


def _describe(failure: Exception) -> str:
    """A failure in words an administrator can act on (the delivery log, the admin)."""
    import requests  # here, as in _post: a web worker that never sends does not load it

    if isinstance(failure, requests.Timeout):
        return f"No answer within {TIMEOUT} s."
    if isinstance(failure, requests.ConnectionError):
        return "Could not connect (refused, unreachable, or no such host)."
    return f"{type(failure).__name__}: {failure}"[:300]


def _post(delivery: Delivery) -> tuple[int | None, str, str]:
    """POST the body, signed: the answer's code, its first kilobyte, or what went wrong."""
    import requests  # loaded by the sender, not by every web worker (docs/performance.md)

    hook = delivery.webhook
    body = delivery.body.encode()
    timestamp = int(time.time())
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
            excerpt = next(response.iter_content(RESPONSE_KEPT), b"")
            return response.status_code, excerpt.decode("utf-8", "replace"), ""
    except UnsafeAddress as refused:
        return None, "", str(refused)
    except Exception as failure:  # any failure is an attempt that failed, told in words
        return None, "", _describe(failure)


def send(delivery: Delivery) -> Delivery:
    """One attempt at a delivery this process holds (its ``next_attempt_at`` is the lease):
    POST it, then record the outcome and when to try again, unless the lease ran out and
    another sender took the delivery meanwhile."""
    lease = delivery.next_attempt_at
    code, excerpt, error = _post(delivery)
    now = timezone.now()
    delivery.attempts += 1
    delivery.response_code, delivery.response_excerpt, delivery.last_error = code, excerpt, error
    if code is not None and 200 <= code < 300:
        delivery.status, delivery.delivered_at = Delivery.Status.DELIVERED, now
    elif code is not None and code != 429 and code < 500:
        # The receiver refused it (or redirected, which is not followed): trying again would
        # get the same answer.
        delivery.status = Delivery.Status.FAILED
        delivery.last_error = f"HTTP {code}"
    else:
        wait = _retry_wait(delivery.attempts)
        # A test event is one attempt: its answer is what the person asked to see.
        if delivery.event == TEST_EVENT or now + wait > delivery.created_at + GIVE_UP_AFTER:
            delivery.status = Delivery.Status.FAILED
        else:
            delivery.status, delivery.next_attempt_at = Delivery.Status.RETRYING, now + wait
        delivery.last_error = delivery.last_error or f"HTTP {code}"
    fields = [
        "status",
        "attempts",
        "next_attempt_at",
        "response_code",
        "response_excerpt",
        "last_error",
        "delivered_at",
    ]
    recorded = Delivery.objects.filter(pk=delivery.pk, next_attempt_at=lease).update(
        **{name: getattr(delivery, name) for name in fields}
    )
    if recorded and delivery.status == Delivery.Status.FAILED:
        delivery_failed.send(sender=Delivery, delivery=delivery, status_code=code)
    return delivery


def test_outcome(delivery: Delivery) -> str:
    """What a test event's one attempt came to, for the person who asked (admin, command)."""
    where = f"Test event to {delivery.webhook.url}"
    if delivery.status == Delivery.Status.DELIVERED:
        return f"{where}: delivered (HTTP {delivery.response_code})."
    return f"{where}: not delivered. {delivery.last_error}"


def claim_next() -> Delivery | None:
    """The next due delivery of an active webhook, leased to this process for LEASE (its
    ``next_attempt_at`` moved to the lease's end): no other sender takes it meanwhile.
    PostgreSQL skips rows another sender is claiming; everywhere, the conditional update
    claims a row only if nobody changed it since it was read."""
    now = timezone.now()
    due = Delivery.objects.filter(
        status__in=[Delivery.Status.PENDING, Delivery.Status.RETRYING],
        next_attempt_at__lte=now,
        webhook__active=True,
    ).order_by("next_attempt_at", "created_at")
    with transaction.atomic():
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True, of=("self",))
        for pk, due_at in due.values_list("pk", "next_attempt_at")[:CLAIM_WINDOW]:
            if Delivery.objects.filter(pk=pk, next_attempt_at=due_at).update(
                next_attempt_at=now + LEASE
            ):
                return Delivery.objects.select_related("webhook").get(pk=pk)
    return None


def deliver_due(limit: int | None = None) -> int:
    """Send the deliveries due now, one claimed at a time (at most ``limit``); returns how
    many were attempted."""
    attempted = 0
    while (limit is None or attempted < limit) and (delivery := claim_next()):
        send(delivery)
        attempted += 1
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
            except Exception as failure:  # a database hiccup must not end the thread
                # The kind only: an error's text may quote a row (notes, an address).
                logger.error(
                    "Sending webhooks failed (%s); retrying in %s s.",
                    type(failure).__name__,
                    POLL_SECONDS,
                )
            finally:
                close_old_connections()


_sender = _Sender()


def wake() -> None:
    _sender.wake()
