"""No new time on an archived project, whichever door it comes through: one rule, in the
model, that the web, the timer, the timesheet, the API (api/tests/test_archived_projects.py)
and the admin all meet."""

import pytest

from tracking.models import ARCHIVED_PROJECT, TimeEntry
from tracking.tests.conftest import at

pytestmark = pytest.mark.django_db


@pytest.fixture
def entry(colleague, website, make_entry):
    return make_entry(colleague, website, at(23, 9), 60)


@pytest.fixture
def web(client, colleague):
    client.force_login(colleague)
    return client


def test_the_web_edit_form_refuses_to_move_an_entry_onto_an_archived_project(
    web, entry, website, archived
):
    response = web.post(
        f"/entries/{entry.pk}/edit/",
        {"project": archived.pk, "start": "2026-11-23T09:00", "end": "2026-11-23T10:00"},
    )
    assert response.status_code == 200
    assert ARCHIVED_PROJECT in response.content.decode()
    entry.refresh_from_db()
    assert entry.project == website


def test_an_entry_already_on_an_archived_project_can_still_be_edited_and_shortened(
    web, entry, website
):
    website.archived = True
    website.save()
    response = web.post(
        f"/entries/{entry.pk}/edit/",
        {
            "project": website.pk,
            "start": "2026-11-23T09:00",
            "end": "2026-11-23T09:30",
            "notes": "less",
        },
    )
    assert response.status_code == 302
    entry.refresh_from_db()
    assert (entry.notes, entry.duration_seconds) == ("less", 1800)


def test_continuing_an_entry_of_an_archived_project_starts_nothing(web, entry, website):
    website.archived = True
    website.save()
    response = web.post(f"/entries/{entry.pk}/continue/", follow=True)
    assert ARCHIVED_PROJECT in response.content.decode()
    assert not TimeEntry.objects.running().exists()


def test_resuming_work_on_a_project_archived_meanwhile_is_refused(web, colleague, website):
    TimeEntry.objects.start_timer(colleague, website, at=at(23, 9))
    TimeEntry.objects.pause_timer(colleague, at=at(23, 10))
    website.archived = True
    website.save()
    response = web.post("/timer/resume/", follow=True)
    assert ARCHIVED_PROJECT in response.content.decode()
    assert not TimeEntry.objects.running().exists()
    assert TimeEntry.objects.get().is_paused  # still resumable once unarchived


def test_the_timesheet_adds_no_time_to_an_archived_project_but_may_remove_its_own(
    web, colleague, website
):
    cell = f"h-{website.pk}-2026-11-23"
    web.post("/timesheet/?week=2026-W48", {cell: "2"})
    website.archived = True
    website.save()
    response = web.post("/timesheet/?week=2026-W48", {cell: "3"})
    assert response.status_code == 400
    assert ARCHIVED_PROJECT in response.content.decode()
    assert web.post("/timesheet/?week=2026-W48", {cell: "1"}).status_code == 302
    assert TimeEntry.objects.get().duration_seconds == 3600


def test_the_admin_refuses_to_move_an_entry_onto_an_archived_project(
    client, superuser, entry, website, archived
):
    client.force_login(superuser)
    response = client.post(
        f"/admin/tracking/timeentry/{entry.pk}/change/",
        {
            "user": entry.user_id,
            "project": archived.pk,
            "notes": "",
            "start_0": "2026-11-23",
            "start_1": "09:00:00",
            "end_0": "2026-11-23",
            "end_1": "10:00:00",
            "billable": "on",
        },
    )
    assert response.status_code == 200
    assert ARCHIVED_PROJECT in response.content.decode()
    entry.refresh_from_db()
    assert entry.project == website
