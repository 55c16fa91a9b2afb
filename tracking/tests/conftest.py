from datetime import UTC, datetime, timedelta

import pytest

from tracking.models import Client, Project, Task, TimeEntry

UTC = UTC


@pytest.fixture(autouse=True)
def _setup_complete(setup_done):
    """Tracking pages are only reachable once first-run setup is complete."""


@pytest.fixture
def acme(db):
    return Client.objects.create(name="Acme", email="billing@acme.test")


@pytest.fixture
def website(acme):
    return Project.objects.create(name="Website", client=acme, hourly_rate="80.00")


@pytest.fixture
def internal(acme):
    return Project.objects.create(name="Internal", client=acme, billable=False)


@pytest.fixture
def archived(acme):
    return Project.objects.create(name="Old site", client=acme, archived=True)


@pytest.fixture
def design_task(website):
    return Task.objects.create(project=website, title="Design")


def at(day, hour, minute=0):
    """A UTC moment in November 2026."""
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


@pytest.fixture
def make_entry():
    def make(user, project, start, minutes, **extra):
        return TimeEntry.objects.create(
            user=user,
            project=project,
            start=start,
            end=start + timedelta(minutes=minutes) if minutes is not None else None,
            **extra,
        )

    return make
