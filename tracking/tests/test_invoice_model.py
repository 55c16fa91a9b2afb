from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from tracking.models import Invoice, TimeEntry
from tracking.tests.conftest import at

pytestmark = pytest.mark.django_db


@pytest.fixture
def invoice(acme, website):
    return Invoice.objects.create(
        client=acme,
        project=website,
        number="2026-001",
        issue_date=date(2026, 11, 30),
        due_date=date(2026, 12, 30),
    )


def test_the_total_is_exact_decimal_arithmetic(invoice):
    invoice.items.create(
        description="Design", quantity=Decimal("1.10"), unit_price=Decimal("0.10")
    )
    invoice.items.create(description="Build", quantity=Decimal("3"), unit_price=Decimal("33.33"))
    assert invoice.total == Decimal("100.10")
    assert Invoice.objects.with_totals().get(pk=invoice.pk).total == Decimal("100.10")


def test_sub_cent_lines_give_one_total_on_the_list_the_page_and_the_admin(
    invoice, client, owner, superuser
):
    for _ in range(3):
        invoice.items.create(
            description="Tiny", quantity=Decimal("0.05"), unit_price=Decimal("0.05")
        )
    # Each line is 0.0025, rounded to 0.00: the invoice adds up what its lines show.
    assert invoice.total == Decimal("0.00")
    client.force_login(owner)
    listed = client.get("/invoices/").context["invoices"].get(pk=invoice.pk)
    assert listed.total == Decimal("0.00")
    page = client.get(f"/invoices/{invoice.pk}/").content.decode()
    assert "€0.00" in page and "0.01" not in page
    client.force_login(superuser)
    admin_list = client.get("/admin/tracking/invoice/").content.decode()
    assert "€0.00" in admin_list and "€0.01" not in admin_list


def test_invoice_numbers_are_unique(invoice, acme):
    with pytest.raises(IntegrityError), transaction.atomic():
        Invoice.objects.create(client=acme, number="2026-001", due_date=date(2026, 12, 1))


def test_status_moves_forward_one_step_at_a_time(invoice):
    with pytest.raises(ValidationError, match="cannot become paid"):
        invoice.advance_status(Invoice.Status.PAID)
    with pytest.raises(ValidationError, match="at least one line"):
        invoice.advance_status(Invoice.Status.SENT)
    invoice.items.create(description="Work", quantity=1, unit_price=10)
    invoice.advance_status(Invoice.Status.SENT)
    invoice.advance_status(Invoice.Status.PAID)
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID
    with pytest.raises(ValidationError, match="cannot become draft"):
        invoice.advance_status(Invoice.Status.DRAFT)


def test_a_due_date_before_the_issue_date_is_invalid(invoice):
    invoice.due_date = date(2026, 11, 1)
    with pytest.raises(ValidationError, match="due date"):
        invoice.full_clean()


def test_billing_entries_creates_one_item_and_never_bills_twice(
    invoice, owner, colleague, website, make_entry
):
    make_entry(owner, website, at(2, 9), 90)
    make_entry(colleague, website, at(3, 9), 30)
    make_entry(owner, website, at(4, 9), 60, billable=False)
    make_entry(owner, website, at(25, 9), None)  # running: not billed
    result = invoice.add_items_from_entries(date(2026, 11, 1), date(2026, 11, 30))
    assert result.billed == 2
    item = invoice.items.get()
    assert item.quantity == Decimal("2.00")
    assert item.unit_price == Decimal("80.00")
    assert invoice.total == Decimal("160.00")
    assert invoice.add_items_from_entries(date(2026, 11, 1), date(2026, 11, 30)).billed == 0
    assert TimeEntry.objects.filter(invoice_item=item).count() == 2


def test_deleting_an_invoice_keeps_its_time_entries(invoice, owner, website, make_entry):
    make_entry(owner, website, at(2, 9), 60)
    invoice.add_items_from_entries(date(2026, 11, 1), date(2026, 11, 30))
    invoice.delete()
    entry = TimeEntry.objects.get()
    assert entry.invoice_item is None
