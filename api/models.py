"""Personal access tokens: how scripts, CLIs and other apps speak for a person.

A token is shown once, when it is made; only its SHA-256 hash is stored. A token is random
(256 bits), so a plain hash is enough: there is nothing to guess that a slow hash would
protect, and looking one up by its hash is a single indexed query.
"""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone

from api.signals import token_created, token_revoked

PREFIX = "tt_"
# The first characters after the prefix, kept in the clear so a person can tell tokens apart.
HINT_LENGTH = 6
# last_used_at is written at most this often: not a database write per request.
LAST_USED_PRECISION = timedelta(minutes=1)
MAX_EXPIRY_DAYS = 3650


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def active(self, now=None):
        now = now or timezone.now()
        return self.filter(revoked_at__isnull=True).filter(
            models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now)
        )

    def create_token(self, user, name, read_only=False, expires_days=None):
        """A new token for ``user``: returns (the stored token, the secret to show once)."""
        secret = PREFIX + secrets.token_urlsafe(32)
        expires_at = timezone.now() + timedelta(days=expires_days) if expires_days else None
        token = self.create(
            user=user,
            name=name,
            read_only=read_only,
            expires_at=expires_at,
            token_hash=hash_token(secret),
            hint=secret[len(PREFIX) : len(PREFIX) + HINT_LENGTH],
        )
        token_created.send(sender=ApiToken, token=token)
        return token, secret

    def authenticate(self, secret: str):
        """The active token with this secret (its user loaded), or None."""
        if not secret.startswith(PREFIX):
            return None
        return (
            self.active()
            .select_related("user", "user__preferences")
            .filter(token_hash=hash_token(secret))
            .first()
        )


class ApiToken(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100, help_text="What it is for, e.g. “laptop CLI”.")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    hint = models.CharField(max_length=HINT_LENGTH, editable=False)
    read_only = models.BooleanField(
        default=False, help_text="Read-only tokens may look but never change anything."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "API token"

    def __str__(self):
        return f"{self.name} ({self.display})"

    @property
    def display(self) -> str:
        """How the token is shown after creation: its first characters only."""
        return f"{PREFIX}{self.hint}…"

    @property
    def scope(self) -> str:
        return "read-only" if self.read_only else "read-write"

    @property
    def is_expired(self) -> bool:
        """For display; whether a token authenticates is ``ApiTokenQuerySet.active``."""
        return self.expires_at is not None and self.expires_at <= timezone.now()

    def touch(self, now=None) -> None:
        """Record a use, at most once per LAST_USED_PRECISION."""
        now = now or timezone.now()
        if self.last_used_at is None or now - self.last_used_at >= LAST_USED_PRECISION:
            ApiToken.objects.filter(pk=self.pk).update(last_used_at=now)
            self.last_used_at = now

    def revoke(self) -> bool:
        """Revoke the token; False when it already was."""
        if self.revoked_at is not None:
            return False
        self.revoked_at = timezone.now()
        self.save(update_fields=["revoked_at"])
        token_revoked.send(sender=ApiToken, token=self)
        return True
