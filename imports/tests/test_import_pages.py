"""/import/: upload, preview, confirm; members import for themselves, never a 500."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tracking.models import Client, Preferences, Project, TimeEntry

pytestmark = pytest.mark.django_db

FILES = Path(__file__).parent / "files"


def upload(client, name, content=None, **options):
    data = content if content is not None else (FILES / name).read_bytes()
    return client.post(
        "/import/",
        {"file": SimpleUploadedFile(name, data), "time_zone": "Europe/Berlin", **options},
    )


@pytest.fixture
def manager(client, owner):
    Preferences.objects.create(user=owner, time_zone="Europe/Berlin")
    client.force_login(owner)
    return client


def test_upload_preview_and_confirm(manager, owner):
    page = manager.get("/import/").content.decode()
    assert 'type="file"' in page and 'enctype="multipart/form-data"' in page
    preview = upload(manager, "toggl.csv")
    body = preview.content.decode()
    assert preview.status_code == 200
    assert "Toggl Track (detailed report)" in body  # detected from the header
    assert "Homepage hero, first draft" in body and "09:00\u201310:30" in body
    assert "Entries: 3 to import, 0 already imported" in body
    assert not TimeEntry.objects.exists() and not Client.objects.exists()  # nothing yet

    done = manager.post(
        "/import/confirm/", {"format": "toggl", "time_zone": "Europe/Berlin", "import": "1"}
    )
    assert done.status_code == 302
    assert TimeEntry.objects.filter(user=owner, source="import").count() == 3
    listed = manager.get("/entries/").content.decode()
    assert '<span class="tag">imported</span>' in listed
    options = {"format": "toggl", "time_zone": "UTC", "import": "1"}
    again = manager.post("/import/confirm/", options)
    assert again.url == "/import/"  # the upload is used once


def test_a_file_already_imported_offers_nothing_to_press(manager):
    upload(manager, "kimai.csv")
    options = {"format": "kimai", "time_zone": "Europe/Berlin", "import": "1"}
    manager.post("/import/confirm/", options)
    body = upload(manager, "kimai.csv").content.decode()
    assert "Entries: 0 to import, 2 already imported" in body
    assert "Nothing new in this file" in body and 'name="import"' not in body


def test_preview_again_in_another_zone(manager):
    upload(manager, "toggl.csv")
    body = manager.post(
        "/import/confirm/", {"format": "toggl", "time_zone": "America/New_York", "preview": "1"}
    ).content.decode()
    assert "15:00\u201316:30" in body  # read in New York, shown in the page's zone (Berlin)
    assert not TimeEntry.objects.exists()


def test_a_bad_file_is_refused_on_the_form_with_its_line(manager):
    response = upload(manager, "clockify-bad-date.csv")
    assert response.status_code == 400
    assert "line 3, Start Date: &#x27;13/15/2026&#x27; is not a MM/DD/YYYY date" in (
        response.content.decode()
    )
    assert not TimeEntry.objects.exists()


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"\x00\x01\x02 binary \xff\xfe",
        b"just,a,header\n1,2,3\n",
        b"date,start,end,project,notes\n" + b'"unclosed quote\n' * 3,
        b"Date;From;To;Project;Description\n2026-11-02;09:00;10:00;;x\n",
        b"Date;From;To;Project;Description\n9999-12-31;23:00;01:00;P;x\n",
        b"Date,Client,Project,Notes,Hours\n2026-11-02,A,P,x,1e308\n",
        b"date,start,end,project,notes,duration_seconds\n2026-11-02,,,P,x,99999999999\n",
    ],
)
def test_whatever_is_uploaded_gets_a_message_not_a_500(manager, content):
    response = upload(manager, "odd.csv", content)
    assert response.status_code == 400
    assert 'class="errorlist' in response.content.decode()
    assert not TimeEntry.objects.exists()


def test_a_file_over_the_limit_is_refused(manager, settings):
    settings.IMPORT_MAX_MB = 1
    response = upload(manager, "big.csv", b"x" * (1024 * 1024 + 1))
    assert response.status_code == 400
    assert "larger than 1 MB" in response.content.decode()


def test_members_import_for_themselves_into_projects_that_exist(client, colleague, owner):
    acme = Client.objects.create(name="Acme")
    client.force_login(colleague)
    form = client.get("/import/").content.decode()
    assert "map_by_email" not in form
    refused = upload(client, "kimai.csv")
    assert "Project &#x27;Website&#x27; does not exist, and you may not add projects" in (
        refused.content.decode()
    )
    Project.objects.create(name="Website", client=acme)
    Project.objects.create(name="Mobile app", client=acme)
    upload(client, "kimai.csv", map_by_email="on")  # ignored: not theirs to choose
    client.post("/import/confirm/", {"format": "kimai", "time_zone": "UTC", "import": "1"})
    assert set(TimeEntry.objects.values_list("user__username", flat=True)) == {"colleague"}


def test_logged_out_people_are_sent_to_log_in(client):
    assert client.get("/import/").status_code == 302
    assert client.post("/import/confirm/").status_code == 302
