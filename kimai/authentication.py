"""Kimai's legacy headers, ``X-AUTH-USER: <username>`` and ``X-AUTH-TOKEN: <token>``, with a
personal access token: the same token, checks and scope as ``Authorization: Bearer``."""

from django.contrib.auth import get_user_model
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import AuthenticationFailed

from api.authentication import BearerTokenAuthentication, token_user


class KimaiHeaderAuthentication(BaseAuthentication):
    """The token's owner, when ``X-AUTH-USER`` (left out, or their username or email) names
    them: a token sent for someone else fails rather than acting as its owner."""

    def authenticate(self, request):
        secret = request.headers.get("X-Auth-Token")
        if not secret:
            return None  # a bearer token or the session may still authenticate
        user, token = token_user(secret.strip())
        named = request.headers.get("X-Auth-User", "").strip()
        if named and not _names(user, named):
            raise AuthenticationFailed("X-AUTH-USER does not name the token's owner.")
        return user, token

    def authenticate_header(self, request):
        return BearerTokenAuthentication().authenticate_header(request)


def _names(user, named: str) -> bool:
    username = getattr(user, get_user_model().USERNAME_FIELD)
    return named == username or (bool(user.email) and named.lower() == user.email.lower())
