"""Projects without a client: internal work, shown as "Internal" wherever a client's name
would be, never invoiced, and kept without a client through export and import."""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from api.models import ApiToken
from api.tests.conftest import Api
from tracking.models import INTERNAL, Invoice, Project, TimeEntry
from tracking.tests.conftest import at
from tracking.tests.test_reports import read_csv

pytestmark = pytest.mark.django_db


@pytest.fixture
def training(owner, client):
    """Made through the project form with the client left empty."""
    client.force_login(owner)
    page = client.get("/projects/new/")
    assert f"{INTERNAL} (no client)" in page.content.decode()
    response = client.post("/projects/new/", {"name": "Training", "client": "", "billable": ""})
    assert response.status_code == 302, response.context["form"].errors
    return Project.objects.get(name="Training")


def test_internal_work_is_reported_exported_and_imported_without_a_client(
    client, owner, website, training, make_entry, tmp_path
):
    assert training.client is None and training.client_name == INTERNAL
    make_entry(owner, training, at(2, 9), 90, billable=False)
    make_entry(owner, website, at(2, 13), 60)
    assert "<td>Internal</td>" in client.get("/projects/").content.decode()
    assert "Client: Internal" in client.get(training.get_absolute_url()).content.decode()
    found = client.get("/projects/find/", {"q": "intern"}).json()
    assert [(p["name"], p["client"]) for p in found] == [("Training", INTERNAL)]

    figures = client.get("/reports/?start=2026-11-01&end=2026-11-30").context["report"]
    assert [(row.label, row.seconds) for row in figures.clients] == [
        (INTERNAL, 5400),
        ("Acme", 3600),
    ]
    _, secret = ApiToken.objects.create_token(owner, "reports")
    summary = Api(secret).get(
        "/api/v1/reports/summary/",
        {"start": "2026-11-01", "end": "2026-11-30", "group_by": "client"},
    )
    assert [(g["key"], g["label"], g["seconds"]) for g in summary.json()["groups"]] == [
        ("", INTERNAL, 5400),
        (str(website.client_id), "Acme", 3600),
    ]

    exported = client.get("/entries/export.csv")
    header, *rows = read_csv(exported)
    by_project = {row[header.index("project")]: row[header.index("client")] for row in rows}
    assert by_project == {"Training": "", "Website": "Acme"}

    # The file comes back as it left: the training still has no client.
    path = tmp_path / "export.csv"
    path.write_text("\r\n".join(",".join(f'"{cell}"' for cell in row) for row in [header, *rows]))
    TimeEntry.everything.all().purge()
    Project.objects.filter(pk=training.pk).delete()
    out = StringIO()
    call_command(
        "import_entries", str(path), "--format", "timetracker", "--user", "owner", stdout=out
    )
    assert "Entries: 2 imported" in out.getvalue()
    again = Project.objects.get(name="Training")
    assert again.client is None
    assert TimeEntry.objects.get(project=again).duration_seconds == 5400


def test_internal_projects_are_never_invoiced(client, owner, acme, training):
    response = client.post(
        "/invoices/new/",
        {
            "client": acme.pk,
            "project": training.pk,
            "issue_date": "2026-11-30",
            "due_date": "2026-12-30",
            "currency": "EUR",
        },
    )
    assert response.status_code == 200
    assert "This project is internal: it has no client." in response.content.decode()
    assert not Invoice.objects.exists()


def test_priced_internal_work_is_billable_time_but_never_waits_for_an_invoice(
    client, owner, website, training, make_entry
):
    training.hourly_rate = 100
    training.save()
    make_entry(owner, training, at(3, 9), 30)
    make_entry(owner, website, at(3, 13), 60)
    figures = client.get("/reports/?start=2026-11-01&end=2026-11-30").context["report"]
    assert figures.amount == Decimal("130.00")  # 0.5 h internal at 100 + 1 h Website at 80
    assert figures.unbilled == Decimal("80.00")  # only Website's can be invoiced
