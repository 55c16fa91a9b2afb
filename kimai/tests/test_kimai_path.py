"""The whole path from a Kimai client: time logged through /api/ is in the report, billed,
sent and printed, and Kimai clients then see it exported and locked."""

import io
from datetime import date
from decimal import Decimal

import pytest
from pypdf import PdfReader

from tracking.models import Invoice, Preferences

pytestmark = pytest.mark.django_db


def test_time_from_a_kimai_client_is_reported_billed_sent_and_printed(
    client, owner, acme, website, design_task, kimai_as, bearer_as
):
    Preferences.objects.create(user=owner, time_zone="Europe/Berlin")
    kimai = kimai_as(owner)
    for begin, end in [
        ("2026-11-23T09:00:00", "2026-11-23T10:30:00"),  # 1:30
        ("2026-11-24T23:15:00", "2026-11-25T01:00:00"),  # 1:45, over a Berlin midnight
    ]:
        sheet = kimai.post(
            "/api/timesheets",
            {"begin": begin, "end": end, "project": website.pk, "activity": design_task.pk},
        )
        assert sheet.status_code == 200, sheet.content

    summary = bearer_as(owner).get(
        "/api/v1/reports/summary/", {"start": "2026-11-01", "end": "2026-11-30"}
    )
    assert summary.json()["seconds"] == 3 * 3600 + 15 * 60
    assert summary.json()["amount"] == "260.00"  # 3.25 h at 80.00

    client.force_login(owner)
    invoice = Invoice.objects.create(client=acme, due_date=date(2026, 12, 31))
    billed = client.post(
        f"/invoices/{invoice.pk}/bill/",
        {"start_date": "2026-11-01", "end_date": "2026-11-30"},
        follow=True,
    )
    assert "Billed 2 time entries." in billed.content.decode()
    assert invoice.items.get().quantity == Decimal("3.25")
    client.post(f"/invoices/{invoice.pk}/status/", {"status": "sent"})
    pdf = client.get(f"/invoices/{invoice.pk}/pdf/")
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "€260.00" in text

    sheets = kimai.get("/api/timesheets").json()
    assert [sheet["exported"] for sheet in sheets] == [True, True]
    refused = kimai.patch(f"/api/timesheets/{sheets[0]['id']}", {"description": "later"})
    assert refused.status_code == 409
