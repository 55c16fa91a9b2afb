"""The published schema is the truth: schemathesis reads ``/api/v1/schema/`` as served,
generates requests from it, runs them against the API in-process (WSGI) and checks every
answer against the schema."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)

from api.models import ApiToken
from timetracker.wsgi import application
from tracking.models import Client, Project, Tag, Task, TimeEntry

CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance]
EXAMPLES = 300  # across all operations, per mode


@pytest.fixture
def bearer(db, setup_done, owner, settings):
    """A staff token (every endpoint answers it), and a little data so that generated ids
    sometimes exist."""
    settings.API_RATE_LIMIT = "100000/minute"  # generated requests come fast
    client = Client.objects.create(name="Acme")
    project = Project.objects.create(name="Website", client=client, hourly_rate="80.00")
    Task.objects.create(project=project, title="Design")
    Tag.objects.create(name="meeting")
    TimeEntry.objects.start_timer(owner, project)
    _, secret = ApiToken.objects.create_token(owner, "schemathesis")
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def in_test_transaction():
    """Requests through the bare WSGI app inside the test's transaction: like Django's test
    client, keep the request signals from closing the test's database connection."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.slow
@pytest.mark.usefixtures("in_test_transaction")
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_api_answers_as_its_published_schema_says(bearer, mode):
    schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", application)

    @given(case=schema.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case):
        case.call_and_validate(headers=bearer, checks=CHECKS)

    run()
