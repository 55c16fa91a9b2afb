import pytest
from django.core.cache import cache
from django.test import Client as HttpClient

from api.models import ApiToken

# The tracking tests' catalogue and entry fixtures (Acme, Website, Design, make_entry, at).
from tracking.tests.conftest import (  # noqa: F401
    acme,
    archived,
    at,
    design_task,
    make_entry,
    website,
)


@pytest.fixture(autouse=True)
def _setup_complete(setup_done):
    """The API, like every page, answers once first-run setup is complete."""


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """Rate-limit counts live in the cache: each test starts with none."""
    cache.clear()
    yield
    cache.clear()


class Api:
    """A person's API client: a bearer token on every request, JSON both ways."""

    def __init__(self, secret=None):
        self.http = HttpClient()
        self.headers = {"Authorization": f"Bearer {secret}"} if secret else {}

    def get(self, path, params=None):
        return self.http.get(path, params or {}, headers=self.headers)

    def post(self, path, data=None):
        return self.http.post(
            path, data or {}, content_type="application/json", headers=self.headers
        )

    def patch(self, path, data):
        return self.http.patch(path, data, content_type="application/json", headers=self.headers)

    def delete(self, path):
        return self.http.delete(path, headers=self.headers)


@pytest.fixture
def api_as():
    """``api_as(user, read_only=False, expires_days=None)``: an Api with a new token."""

    def make(user, **options):
        _, secret = ApiToken.objects.create_token(user, "tests", **options)
        return Api(secret)

    return make
