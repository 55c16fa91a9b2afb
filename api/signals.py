"""What the API app tells others (telemetry listens): never the token or its name."""

from django.dispatch import Signal

token_created = Signal()  # token
token_revoked = Signal()  # token
