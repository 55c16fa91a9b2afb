"""``Authorization: Bearer <token>`` with a personal access token."""

from contextlib import suppress

from django.core.exceptions import ObjectDoesNotExist
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed

from api.models import ApiToken
from tracking.middleware import activate_time_zone

KEYWORD = b"bearer"


class BearerTokenAuthentication(BaseAuthentication):
    """The token's user, with the token as ``request.auth`` (its scope decides writes)."""

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != KEYWORD:
            return None  # not ours: the session may still authenticate
        if len(parts) != 2:
            raise AuthenticationFailed("Send the token as “Authorization: Bearer <token>”.")
        try:
            secret = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise AuthenticationFailed("This token is not valid.") from None
        return token_user(secret)

    def authenticate_header(self, request):
        # Present, so that a request without credentials answers 401 rather than 403.
        return 'Bearer realm="api"'


def token_user(secret: str) -> tuple:
    """``(user, token)`` for a personal token's secret, its owner's zone activated; any
    token not valid, expired, revoked or of a deactivated person fails."""
    token = ApiToken.objects.authenticate(secret)
    if token is None or not token.user.is_active:
        raise AuthenticationFailed("This token is not valid, has expired or was revoked.")
    token.touch()
    _activate_time_zone(token.user)
    return token.user, token


def _activate_time_zone(user) -> None:
    """Times in the token owner's own zone, as their pages show them (the web session does
    this in ``UserTimeZoneMiddleware``, which also deactivates it after the request)."""
    with suppress(ObjectDoesNotExist):
        activate_time_zone(user.preferences.time_zone)
