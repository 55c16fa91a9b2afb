"""Invitations: an email with a link to choose a password, for people an administrator
added (with or without a password). The link is Django's password-reset link, valid for
``PASSWORD_RESET_TIMEOUT``."""

import smtplib
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMessage, get_connection
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from tracking.signals import invitations_sent


def invitation(person) -> EmailMessage:
    uid = urlsafe_base64_encode(force_bytes(person.pk))
    token = default_token_generator.make_token(person)
    context = {
        "person": person,
        "link": settings.SITE_URL + reverse("password_reset_confirm", args=[uid, token]),
        "site_url": settings.SITE_URL,
        "days": settings.PASSWORD_RESET_TIMEOUT // (24 * 3600),
    }
    subject = render_to_string("registration/invitation_subject.txt", context)
    body = render_to_string("registration/invitation_email.txt", context)
    return EmailMessage(" ".join(subject.split()), body, to=[person.email])


@dataclass
class Invitations:
    sent: list = field(default_factory=list)
    skipped: list = field(default_factory=list)  # inactive, or no address
    failed: str = ""  # why the rest were not sent: the mail server's error, in a word


def send_invitations(people, sender) -> Invitations:
    """Email each active person with an address a link to choose their password, one
    message at a time over one connection (sent in the request: the administrator is told
    what happened). A mail server that fails stops the rest; those sent stay sent."""
    result = Invitations()
    try:
        with get_connection() as connection:  # Django's SMTP backend sends one by one
            for person in people:
                if not (person.is_active and person.email):
                    result.skipped.append(person)
                elif connection.send_messages([invitation(person)]):
                    result.sent.append(person)
    except (OSError, smtplib.SMTPException) as error:
        result.failed = type(error).__name__
    if result.sent:
        invitations_sent.send(sender=None, user=sender, sent_count=len(result.sent))
    return result
