from datetime import UTC, datetime, timedelta

import pytest
from django.core.cache import cache
from django.test import Client as HttpClient

from api.models import ApiToken
from tracking.models import Client, Project, Task, TimeEntry


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


@pytest.fixture
def acme(db):
    return Client.objects.create(name="Acme", email="billing@acme.test")


@pytest.fixture
def website(acme):
    return Project.objects.create(name="Website", client=acme, hourly_rate="80.00")


@pytest.fixture
def design_task(website):
    return Task.objects.create(project=website, title="Design")


def at(day, hour, minute=0):
    """A UTC moment in November 2026."""
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


@pytest.fixture
def make_entry():
    def make(user, project, start, minutes, **extra):
        end = start + timedelta(minutes=minutes) if minutes is not None else None
        return TimeEntry.objects.create(user=user, project=project, start=start, end=end, **extra)

    return make
