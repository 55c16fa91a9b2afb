"""Invitations: an email with a link to choose a password, for people an administrator
added (with or without a password). The link is Django's password-reset link, valid for
``PASSWORD_RESET_TIMEOUT``."""

import smtplib

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMessage, get_connection
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from tracking.signals import invitations_sent


class MailError(Exception):
    """The mail server could not be reached or refused the messages."""


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


def send_invitations(people, sender) -> list:
    """Email each active person with an address a link to choose their password; the
    people invited. Sent over one connection; ``MailError`` when none could be."""
    invited = [person for person in people if person.is_active and person.email]
    if not invited:
        return []
    try:
        with get_connection() as connection:
            connection.send_messages([invitation(person) for person in invited])
    except (OSError, smtplib.SMTPException) as error:
        raise MailError(type(error).__name__) from error
    invitations_sent.send(sender=None, user=sender, sent_count=len(invited))
    return invited
