"""Telling a project's managers that its budget reached a threshold: by mail, when an
outgoing mail server is configured (the in-app notice is the ``BudgetAlert`` row itself, on
their dashboard). Sent after the change commits, from a thread, so no request waits on the
mail server."""

import logging
import threading

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse

from tracking.permissions import project_managers

logger = logging.getLogger(__name__)


def mail_managers(sender, alert, use, **kwargs):
    """``budget_threshold_reached`` receiver (TrackingConfig.ready)."""
    if not settings.EMAIL_CONFIGURED:
        return
    recipients = list(project_managers().exclude(email="").values_list("email", flat=True))
    if not recipients:
        return
    project = alert.project
    subject = f"{project.name}: {alert.percent} % of its budget used"
    url = settings.SITE_URL.rstrip("/") + reverse("tracking:project_detail", args=[project.pk])
    body = (
        f"{project.name} ({project.client.name}) has used {use.budget_text} "
        f"{use.period_label}: {use.percent} % of its budget.\n\n{url}\n"
    )

    def send():
        try:
            send_mail(subject, body, None, recipients)
        except Exception:  # the alert is recorded and shown in the app either way
            logger.exception("Could not mail the budget alert for project %s.", project.pk)

    transaction.on_commit(lambda: threading.Thread(target=send, daemon=True).start())
