"""Mailing a project's managers that its budget reached a threshold, when an outgoing mail
server is configured (the in-app notice is the ``BudgetAlert`` row itself, on their
dashboard).

The alert row is the mail's outbox: written in the change's transaction, mailed after the
commit from a thread (no request waits on the mail server), marked ``mailed_at`` when
claimed, and unmarked when sending fails; ``manage.py stop_forgotten_timers`` (cron) mails
what a stopped process or a failed send left.
"""

import logging
import threading
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from tracking.models import BudgetAlert
from tracking.permissions import project_managers

logger = logging.getLogger(__name__)

# An alert older than this is not mailed any more (mail was set up later, say): old news.
MAIL_WITHIN = timedelta(days=2)


def mail_pending() -> int:
    """Mail each recent alert not mailed yet; returns how many went out. Claimed one at a
    time, so two senders never mail one alert twice."""
    if not settings.EMAIL_CONFIGURED:
        return 0
    now = timezone.now()
    pending = BudgetAlert.objects.filter(mailed_at=None, created_at__gte=now - MAIL_WITHIN)
    recipients = list(project_managers().exclude(email="").values_list("email", flat=True))
    sent = 0
    for alert in pending.select_related("project__client") if recipients else []:
        if not BudgetAlert.objects.filter(pk=alert.pk, mailed_at=None).update(mailed_at=now):
            continue  # another sender has it
        project = alert.project
        url = settings.SITE_URL + reverse("tracking:project_detail", args=[project.pk])
        try:
            send_mail(
                f"{project.name}: {alert.percent} % of its budget used",
                f"{alert.summary}.\n\n{url}\n",
                None,
                recipients,
            )
        except Exception as failure:  # the alert stays on the dashboard; cron mails it again
            # The kind of failure only: a mail server's refusal quotes the addresses, and an
            # exception's text reaches Sentry.
            logger.error("Could not mail budget alert %s (%s).", alert.pk, type(failure).__name__)
            BudgetAlert.objects.filter(pk=alert.pk).update(mailed_at=None)
            continue
        sent += 1
    return sent


def mail_after_commit(sender, alert, use, **kwargs):
    """``budget_threshold_reached`` receiver (TrackingConfig.ready)."""
    if settings.EMAIL_CONFIGURED:
        transaction.on_commit(
            lambda: threading.Thread(target=_mail_in_thread, daemon=True).start()
        )


def _mail_in_thread():
    from django.db import connection

    try:
        mail_pending()
    finally:
        connection.close()
