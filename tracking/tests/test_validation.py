"""Absurd values are refused by the model layer, with a message, whatever the entry point."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from tracking.models import (
    NOTES_MAX_LENGTH,
    Comment,
    Invoice,
    InvoiceItem,
    Project,
    TimeEntry,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client, owner):
    client.force_login(owner)
    return client


def entry_data(project, start, end, **extra):
    return {"project": project.pk, "start": start, "end": end, "billable": "on", **extra}


@pytest.mark.parametrize(
    ("start", "end", "field", "message"),
    [
        ("0001-01-01T09:00", "0001-01-01T10:00", "start", "between 2000 and 2100"),
        ("9999-12-31T22:00", "9999-12-31T23:59", "start", "between 2000 and 2100"),
        ("2026-11-02T09:00", "2094-11-02T09:00", "end", "at most 72 hours"),
    ],
)
def test_an_entry_outside_sane_dates_is_refused(staff, owner, website, start, end, field, message):
    response = staff.post("/entries/new/", entry_data(website, start, end))
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert not TimeEntry.objects.exists()


def test_far_future_local_time_in_a_western_zone_is_refused_not_a_crash(
    client, colleague, website
):
    from tracking.models import Preferences

    Preferences.objects.create(user=colleague, time_zone="America/Los_Angeles")
    client.force_login(colleague)
    response = client.post(
        "/entries/new/", entry_data(website, "9999-12-31T22:00", "9999-12-31T23:59:59")
    )
    assert response.status_code == 200
    assert not TimeEntry.objects.exists()
    assert client.get("/").status_code == 200


def test_the_database_refuses_an_entry_beyond_the_supported_years(owner, website):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        TimeEntry.objects.create(
            user=owner,
            project=website,
            start=datetime(2100, 12, 31, 22, tzinfo=UTC),
            end=datetime(2101, 1, 2, tzinfo=UTC),
        )


def test_notes_have_one_length_limit_in_every_form(staff, website):
    long_notes = "x" * (NOTES_MAX_LENGTH + 1)
    response = staff.post(
        "/entries/new/",
        entry_data(website, "2026-11-02T09:00", "2026-11-02T10:00", notes=long_notes),
    )
    assert "at most 2000 characters" in response.context["form"].errors["notes"][0]
    response = staff.post("/timer/start/", {"project": website.pk, "notes": long_notes})
    assert response.status_code == 302
    assert not TimeEntry.objects.exists()


def test_a_megabyte_comment_is_refused(staff, website):
    response = staff.post(f"/projects/{website.pk}/comments/", {"text": "x" * 1_000_000})
    assert response.status_code == 302
    assert not Comment.objects.exists()


def test_a_negative_hourly_rate_is_refused(staff, acme):
    response = staff.post(
        "/projects/new/", {"name": "Cheap", "client": acme.pk, "hourly_rate": "-50"}
    )
    assert response.context["form"].errors["hourly_rate"] == ["Must be zero or more."]
    assert not Project.objects.filter(name="Cheap").exists()


def invoice_data(acme, **overrides):
    return {
        "number": "INV-1",
        "client": acme.pk,
        "issue_date": "2026-11-01",
        "due_date": "2026-11-30",
        "currency": "EUR",
        "items-TOTAL_FORMS": "1",
        "items-INITIAL_FORMS": "0",
        "items-0-description": "Work",
        "items-0-quantity": "1",
        "items-0-unit_price": "50.00",
        **overrides,
    }


@pytest.mark.parametrize(
    ("overrides", "where"),
    [
        ({"items-0-quantity": "-1"}, "items"),
        ({"items-0-unit_price": "-1"}, "items"),
        ({"currency": "ÄÖÜ"}, "currency"),
        ({"currency": "XYZ"}, "currency"),
        ({"issue_date": "9999-12-31", "due_date": "9999-12-31"}, "issue_date"),
    ],
)
def test_absurd_invoice_values_are_refused(staff, acme, overrides, where):
    response = staff.post("/invoices/new/", invoice_data(acme, **overrides))
    assert response.status_code == 200
    if where == "items":
        assert response.context["items"].errors[0]
    else:
        assert response.context["form"].errors[where]
    assert not Invoice.objects.exists()


def test_a_lowercase_currency_code_is_accepted(staff, acme):
    assert staff.post("/invoices/new/", invoice_data(acme, currency="usd")).status_code == 302
    assert Invoice.objects.get().currency == "USD"


def test_the_admin_applies_the_same_rules(client, superuser, acme):
    client.force_login(superuser)
    response = client.post(
        "/admin/tracking/project/add/",
        {"name": "Neg", "client": acme.pk, "hourly_rate": "-1", "billable": "on"},
    )
    assert response.status_code == 200
    assert "Must be zero or more." in response.content.decode()
    assert not Project.objects.filter(name="Neg").exists()


def test_model_validation_covers_scripts_too(owner, website, acme):
    entry = TimeEntry(
        user=owner,
        project=website,
        start=datetime(2026, 11, 2, 9, tzinfo=UTC),
        end=datetime(2026, 11, 2, 9, tzinfo=UTC) + timedelta(days=4),
    )
    with pytest.raises(ValidationError) as refused:
        entry.full_clean()
    assert "end" in refused.value.message_dict
    invoice = Invoice(client=acme, number="X", due_date=datetime(2026, 12, 1).date())
    invoice.currency = "ÄÖÜ"
    with pytest.raises(ValidationError) as refused:
        invoice.full_clean()
    assert "currency" in refused.value.message_dict
    item = InvoiceItem(description="d", quantity=Decimal("-1"), unit_price=Decimal("1"))
    with pytest.raises(ValidationError):
        item.full_clean(exclude=["invoice"])
