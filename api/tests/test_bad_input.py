"""Bad input to the API answers 400 in JSON, never 500: huge numbers, deep nesting, dates at
the ends of the calendar, ids beyond what a database column holds, a body too large."""

import json

import pytest
from django.test import Client as HttpClient

from tracking.models import Preferences

pytestmark = pytest.mark.django_db

HUGE = "99999999999999999999"


@pytest.fixture
def berliner_api(colleague, api_as):
    Preferences.objects.create(user=colleague, time_zone="Europe/Berlin")
    return api_as(colleague)


def raw_post(api, path, body: str):
    return api.http.post(path, body, content_type="application/json", headers=api.headers)


@pytest.mark.parametrize("project", ["1e400", "-1e400", HUGE, "1.5", "true"])
def test_a_project_id_that_is_no_id_is_a_400(berliner_api, website, project):
    body = f'{{"project": {project}, "start": "2026-11-23T09:00:00Z"}}'
    response = raw_post(berliner_api, "/api/v1/entries/", body)
    assert response.status_code == 400
    assert "project" in response.json()


@pytest.mark.parametrize("depth", [100, 900, 5000])
def test_deeply_nested_json_is_a_400(berliner_api, website, depth):
    body = '{"project": 1, "notes": ' + "[" * depth + "]" * depth + "}"
    response = raw_post(berliner_api, "/api/v1/entries/", body)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"


@pytest.mark.parametrize(
    "query",
    [
        "start_after=0001-01-01T00:00:00",
        "start_before=9999-12-31T23:59:59",
        "modified_after=0001-01-01T00:00:00",
        f"tag={HUGE}",
        f"project={HUGE}",
    ],
)
def test_filters_at_the_ends_of_the_calendar_or_of_integers_are_a_400(berliner_api, query):
    response = berliner_api.get(f"/api/v1/entries/?{query}")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"


@pytest.mark.parametrize("group_by", ["project", "day"])
def test_a_summary_over_the_whole_calendar_is_a_400(berliner_api, group_by):
    response = berliner_api.get(
        f"/api/v1/reports/summary/?start=0001-01-01&end=9999-12-31&group_by={group_by}"
    )
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"


def test_a_body_over_the_size_limit_is_a_json_413(berliner_api, settings):
    body = json.dumps({"notes": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)})
    response = raw_post(berliner_api, "/api/v1/entries/", body)
    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"
    assert "too large" in response.json()["detail"]


def test_web_ids_beyond_any_database_column_are_a_400(client, colleague):
    client.force_login(colleague)
    assert client.get(f"/timesheet/?row={HUGE}").status_code == 200  # an unknown row: none
    cell = f"h-{HUGE}-2026-11-23"
    assert client.post("/timesheet/?week=2026-W48", {cell: "1"}).status_code == 400
    assert client.get(f"/reports/?tag={HUGE}").status_code == 400
    assert client.get(f"/entries/?tag={HUGE}").status_code == 400
    assert HttpClient().get("/healthz").status_code == 200
