"""The API meets the model's archived-project rule (tracking/tests/test_archived_projects.py)."""

import pytest

from tracking.models import ARCHIVED_PROJECT, TimeEntry
from tracking.tests.conftest import at

pytestmark = pytest.mark.django_db


@pytest.fixture
def entry(colleague, website, make_entry):
    return make_entry(colleague, website, at(23, 9), 60)


def test_the_api_refuses_new_moved_resumed_or_longer_time_on_an_archived_project(
    api_as, colleague, entry, website, archived
):
    api = api_as(colleague)
    created = api.post(
        "/api/v1/entries/",
        {"project": archived.pk, "start": "2026-11-24T09:00:00Z", "end": "2026-11-24T10:00:00Z"},
    )
    assert created.status_code == 400
    assert created.json() == {"project": [ARCHIVED_PROJECT]}
    moved = api.patch(f"/api/v1/entries/{entry.pk}/", {"project": archived.pk})
    assert moved.status_code == 400
    website.archived = True
    website.save()
    longer = api.patch(f"/api/v1/entries/{entry.pk}/", {"end": "2026-11-23T11:00:00Z"})
    assert longer.status_code == 400
    assert api.patch(f"/api/v1/entries/{entry.pk}/", {"notes": "fine"}).status_code == 200
    website.archived = False
    website.save()
    api.post("/api/v1/timer/start/", {"project": website.pk})
    api.post("/api/v1/timer/pause/")
    website.archived = True
    website.save()
    assert api.post("/api/v1/timer/resume/").status_code == 400
    assert TimeEntry.objects.filter(project=archived).count() == 0
