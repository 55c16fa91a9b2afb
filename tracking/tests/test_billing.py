"""Invoices are final once sent, drafts follow their entries, documents people can send."""

import io
import re
import threading
from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import close_old_connections, connection
from pypdf import PdfReader

from tracking.models import (
    BusinessProfile,
    Invoice,
    InvoiceItem,
    Locked,
    TimeEntry,
    reserve_invoice_number,
    suggest_invoice_number,
)
from tracking.money import Totals
from tracking.tests.conftest import at

pytestmark = pytest.mark.django_db

NOVEMBER = {"start_date": "2026-11-01", "end_date": "2026-11-30"}


@pytest.fixture
def staff(client, owner):
    client.force_login(owner)
    return client


@pytest.fixture
def draft(acme, website):
    return Invoice.objects.create(
        client=acme, issue_date=date(2026, 11, 30), due_date=date(2026, 12, 30)
    )


@pytest.fixture
def billed_entry(draft, owner, website, make_entry):
    entry = make_entry(owner, website, at(2, 9), 150)
    draft.add_items_from_entries(date(2026, 11, 1), date(2026, 11, 30))
    entry.refresh_from_db()
    return entry


@pytest.fixture
def sent(draft, billed_entry):
    draft.advance_status(Invoice.Status.SENT)
    return draft


def messages_of(response) -> str:
    return " ".join(str(message) for message in response.context["messages"])


# --- A sent invoice is final -----------------------------------------------------------


def test_a_sent_invoice_refuses_a_change_in_the_model(sent):
    sent.due_date = date(2027, 1, 31)
    with pytest.raises(Locked, match=f"invoice {sent.number}, which is sent"):
        sent.save()
    with pytest.raises(Locked):
        Invoice.objects.get(pk=sent.pk).delete()
    with pytest.raises(Locked):
        Invoice.objects.filter(pk=sent.pk).delete()
    assert Invoice.objects.get(pk=sent.pk).due_date == date(2026, 12, 30)


def test_a_sent_invoice_refuses_new_changed_or_removed_lines(sent):
    line = sent.items.get()
    line.unit_price = Decimal("1.00")
    with pytest.raises(Locked):
        line.save()
    with pytest.raises(Locked):
        line.delete()
    with pytest.raises(Locked):
        InvoiceItem.objects.create(invoice=sent, description="Extra", unit_price=5)
    with pytest.raises(Locked):
        sent.add_items_from_entries(date(2026, 11, 1), date(2026, 11, 30))
    assert sent.items.get().unit_price == Decimal("80.00")


def test_an_entry_on_a_sent_invoice_refuses_edits_and_deletion(sent, billed_entry):
    billed_entry.notes = "changed after sending"
    with pytest.raises(Locked, match=f"invoice {sent.number}"):
        billed_entry.save()
    with pytest.raises(Locked):
        billed_entry.delete()
    with pytest.raises(Locked):
        TimeEntry.objects.filter(pk=billed_entry.pk).delete()
    assert TimeEntry.objects.get(pk=billed_entry.pk).notes == ""


def test_paying_keeps_it_final_and_records_when(sent):
    assert sent.sent_at is not None
    sent.advance_status(Invoice.Status.PAID)
    sent.refresh_from_db()
    assert sent.status == "paid" and sent.paid_at >= sent.sent_at
    sent.tax_rate = Decimal("5")
    with pytest.raises(Locked, match="which is paid"):
        sent.save()


def test_the_web_ui_refuses_to_edit_or_delete_a_sent_invoice_and_says_why(staff, sent):
    page = staff.get(f"/invoices/{sent.pk}/").content.decode()
    assert f"/invoices/{sent.pk}/edit/" not in page and f"/invoices/{sent.pk}/delete/" not in page
    response = staff.get(f"/invoices/{sent.pk}/edit/", follow=True)
    assert f"Invoice {sent.number} is sent" in messages_of(response)
    response = staff.post(f"/invoices/{sent.pk}/delete/", follow=True)
    assert "can no longer be changed or deleted" in messages_of(response)
    assert Invoice.objects.filter(pk=sent.pk).exists()


def test_the_web_ui_refuses_to_edit_or_delete_a_billed_entry_naming_the_invoice(
    staff, sent, billed_entry
):
    page = staff.get(f"/entries/{billed_entry.pk}/").content.decode()
    assert f"on invoice {sent.number}, which is sent" in page
    assert f"/entries/{billed_entry.pk}/edit/" not in page
    form = {
        "project": billed_entry.project_id,
        "start": "2026-11-02T09:00",
        "end": "2026-11-02T13:00",
    }
    response = staff.post(f"/entries/{billed_entry.pk}/edit/", form, follow=True)
    assert f"invoice {sent.number}" in messages_of(response)
    response = staff.post(f"/entries/{billed_entry.pk}/delete/", follow=True)
    assert f"invoice {sent.number}" in messages_of(response)
    billed_entry.refresh_from_db()
    assert billed_entry.duration_seconds == 150 * 60


def test_the_admin_shows_a_sent_invoice_read_only_and_refuses_changes(
    client, superuser, sent, billed_entry
):
    client.force_login(superuser)
    page = client.get(f"/admin/tracking/invoice/{sent.pk}/change/", follow=True)
    assert f"on invoice {sent.number}, which is sent" in messages_of(page)
    assert client.post(f"/admin/tracking/invoice/{sent.pk}/change/", {}).status_code == 403
    deleting = client.get(f"/admin/tracking/invoice/{sent.pk}/delete/", follow=True)
    assert f"invoice {sent.number}, which is sent" in messages_of(deleting)
    client.post(f"/admin/tracking/invoice/{sent.pk}/delete/", {"post": "yes"})
    assert Invoice.objects.filter(pk=sent.pk).exists()
    entry_page = client.get(f"/admin/tracking/timeentry/{billed_entry.pk}/change/")
    assert f"on invoice {sent.number}" in messages_of(entry_page)
    url = f"/admin/tracking/timeentry/{billed_entry.pk}/change/"
    assert client.post(url, {}).status_code == 403
    bulk = {"action": "delete_selected", "_selected_action": [billed_entry.pk]}
    asking = client.post("/admin/tracking/timeentry/", bulk).content.decode()
    assert f"invoice {sent.number}, which is sent" in asking
    confirmed = client.post("/admin/tracking/timeentry/", {**bulk, "post": "yes"})
    assert confirmed.status_code == 403
    assert TimeEntry.objects.filter(pk=billed_entry.pk).exists()


# --- Drafts follow their entries ------------------------------------------------------


def test_a_draft_shows_when_its_entries_changed_and_updates_from_them(staff, draft, billed_entry):
    billed_entry.end = at(2, 12, 30)  # 2.5 h → 3.5 h
    billed_entry.save()
    page = staff.get(f"/invoices/{draft.pk}/").content.decode()
    assert "no longer match" in page and "entries now 3.50 h" in page
    response = staff.post(f"/invoices/{draft.pk}/refresh/", follow=True)
    assert "Updated 1 lines" in messages_of(response)
    line = draft.items.get()
    assert line.quantity == Decimal("3.50") and line.amount == Decimal("280.00")
    assert "no longer match" not in staff.get(f"/invoices/{draft.pk}/").content.decode()


def test_refreshing_unbills_entries_no_longer_billable_and_drops_empty_lines(draft, billed_entry):
    billed_entry.billable = False
    billed_entry.save()
    assert draft.refresh_from_entries() == 1
    assert not draft.items.exists()
    billed_entry.refresh_from_db()
    assert billed_entry.invoice_item is None


def test_editing_an_entry_keeps_a_billing_link_made_after_it_was_loaded(
    draft, owner, website, make_entry
):
    entry = make_entry(owner, website, at(3, 9), 60)
    stale = TimeEntry.objects.get(pk=entry.pk)  # loaded before billing
    draft.add_items_from_entries(date(2026, 11, 1), date(2026, 11, 30))
    stale.notes = "a late note"
    stale.save()
    assert TimeEntry.objects.get(pk=entry.pk).invoice_item is not None


def test_overlapping_entries_are_flagged_on_save_and_never_billed(
    staff, owner, website, draft, make_entry
):
    make_entry(owner, website, at(5, 9), 120)
    form = {
        "project": website.pk,
        "start": "2026-11-05T10:00",
        "end": "2026-11-05T11:00",
        "billable": "on",
    }
    with time_machine.travel(at(6, 12), tick=False):
        response = staff.post("/entries/new/", form, follow=True)
    assert "overlaps your entry on Website, Thu 5 Nov 09:00\u201311:00." in messages_of(response)
    assert TimeEntry.objects.count() == 2  # a warning, not a refusal
    listed = staff.get("/entries/").content.decode()
    assert listed.count("badge overlap") == 2
    make_entry(owner, website, at(6, 9), 60, notes="fine")  # billed: it overlaps nothing
    response = staff.post(f"/invoices/{draft.pk}/bill/", NOVEMBER, follow=True)
    assert "2 entries overlap" in messages_of(response)
    link = re.search(r'href="(/entries/\?overlaps=on[^"]*)"', messages_of(response))
    listed = staff.get(link.group(1).replace("&amp;", "&")).content.decode()
    assert listed.count("badge overlap") == 2 and "fine" not in listed
    assert draft.items.get().quantity == 1


def test_billing_an_empty_range_says_so(staff, draft):
    response = staff.post(f"/invoices/{draft.pk}/bill/", NOVEMBER, follow=True)
    assert "Nothing left to bill between 2026-11-01 and 2026-11-30" in messages_of(response)


# --- Numbers --------------------------------------------------------------------------


def test_numbers_follow_the_pattern_and_skip_numbers_typed_by_hand(acme):
    assert suggest_invoice_number(date(2026, 3, 1)) == "2026-0001"
    Invoice.objects.create(client=acme, number="2026-0002", due_date=date(2026, 4, 1))
    first = Invoice.objects.create(
        client=acme, issue_date=date(2026, 3, 1), due_date=date(2026, 4, 1)
    )
    second = Invoice.objects.create(
        client=acme, issue_date=date(2026, 3, 2), due_date=date(2026, 4, 1)
    )
    assert (first.number, second.number) == ("2026-0001", "2026-0003")
    next_year = Invoice.objects.create(
        client=acme, issue_date=date(2027, 1, 2), due_date=date(2027, 2, 1)
    )
    assert next_year.number == "2027-0001"


def test_a_custom_pattern_is_used_and_a_broken_one_refused(acme):
    profile = BusinessProfile.load()
    profile.invoice_number_pattern = "INV-{year}{month}-{seq:03d}"
    profile.full_clean()
    profile.save()
    assert reserve_invoice_number(date(2026, 11, 5)) == "INV-202611-001"
    for broken in ("INV-{year}", "INV-{seq:q}", "INV-{client}-{seq}"):
        profile.invoice_number_pattern = broken
        with pytest.raises(ValidationError):
            profile.full_clean()


def test_the_new_invoice_form_suggests_the_next_number_without_taking_it(staff, acme):
    page = staff.get("/invoices/new/").content.decode()
    number = suggest_invoice_number(date.today())
    assert f'placeholder="{number}"' in page
    assert suggest_invoice_number(date.today()) == number


@pytest.mark.django_db(transaction=True)
def test_concurrent_invoices_get_distinct_numbers(acme):
    if connection.vendor != "postgresql":
        pytest.skip("row locks between connections are a PostgreSQL test (the CI runs it)")
    ready = threading.Barrier(6)
    failures = []

    def create():
        try:
            ready.wait()
            Invoice.objects.create(
                client=acme, issue_date=date(2026, 5, 1), due_date=date(2026, 6, 1)
            )
        except Exception as exc:  # reported by the assertion below
            failures.append(exc)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=create) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    numbers = sorted(Invoice.objects.values_list("number", flat=True))
    assert numbers == [f"2026-{n:04d}" for n in range(1, 7)]


# --- Money ----------------------------------------------------------------------------


def test_net_tax_and_gross_round_once_each_with_sub_cent_lines(draft):
    draft.tax_rate = Decimal("19")
    draft.save()
    draft.items.create(description="Design", quantity=Decimal("1.10"), unit_price=Decimal("0.10"))
    draft.items.create(description="Build", quantity=Decimal("3"), unit_price=Decimal("33.33"))
    for _ in range(3):  # 0.0025 each: rounded to 0.00 per line, never summed to a cent
        draft.items.create(
            description="Tiny", quantity=Decimal("0.05"), unit_price=Decimal("0.05")
        )
    totals = Invoice.objects.with_totals().get(pk=draft.pk).totals
    assert totals == Totals(Decimal("100.10"), Decimal("19.02"), Decimal("119.12"), "EUR")
    assert draft.totals == totals


def test_amounts_round_to_the_currencys_own_unit(draft):
    draft.items.create(description="Work", quantity=Decimal("1.5"), unit_price=Decimal("333"))
    draft.currency = "JPY"
    draft.save()
    assert draft.items.get().amount == Decimal("500")  # 499.5 yen, half up: no sen
    assert draft.totals.gross == Decimal("500")


def test_the_page_the_pdf_and_the_admin_show_the_same_totals(staff, client, superuser, draft):
    draft.tax_rate = Decimal("20")
    draft.save()
    draft.items.create(description="Build", quantity=Decimal("3"), unit_price=Decimal("33.33"))
    page = staff.get(f"/invoices/{draft.pk}/").content.decode()
    text = pdf_text(staff.get(f"/invoices/{draft.pk}/pdf/"))
    for amount in ("€99.99", "€20.00", "€119.99"):
        assert amount in page and amount in text
    client.force_login(superuser)
    admin_page = client.get(f"/admin/tracking/invoice/{draft.pk}/change/").content.decode()
    assert "€99.99" in admin_page and "€20.00" in admin_page and "€119.99" in admin_page


# --- Documents ------------------------------------------------------------------------


def pdf_text(response) -> str:
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    return "\n".join(page.extract_text() for page in reader.pages)


@pytest.fixture
def profile():
    profile = BusinessProfile.load()
    profile.legal_name = "Lena Weber Design"
    profile.address = "Hauptstraße 5\n10115 Berlin"
    profile.tax_id = "DE123456789"
    profile.bank_details = "IBAN DE89 3704 0044 0532 0130 00"
    profile.payment_terms = "Payable within 30 days."
    profile.save()
    return profile


def test_the_pdf_is_the_invoice_a_client_would_accept(staff, profile, sent):
    response = staff.get(f"/invoices/{sent.pk}/pdf/")
    assert f'filename="invoice-{sent.number}.pdf"' in response["Content-Disposition"]
    text = pdf_text(response)
    for expected in (
        sent.number,
        "Lena Weber Design",
        "DE123456789",
        "IBAN DE89 3704 0044 0532 0130 00",
        "Acme",
        "30 December 2026",
        "€200.00",  # 2.50 h at 80.00
        "Total due",
    ):
        assert expected in text


def test_the_print_view_is_the_same_document_with_a_way_back(staff, profile, sent):
    page = staff.get(f"/invoices/{sent.pk}/print/").content.decode()
    assert "Lena Weber Design" in page and "IBAN DE89 3704 0044 0532 0130 00" in page
    assert f"/invoices/{sent.pk}/pdf/" in page and f'href="/invoices/{sent.pk}/"' in page


def test_a_sent_invoice_keeps_the_addresses_it_was_sent_with(
    staff, acme, profile, draft, billed_entry
):
    acme.billing_address = "1 Old Road"
    acme.save()
    draft.advance_status(Invoice.Status.SENT)
    acme.billing_address = "99 New Avenue"
    acme.save()
    profile.legal_name = "Renamed Studio"
    profile.save()
    page = staff.get(f"/invoices/{draft.pk}/print/").content.decode()
    assert "1 Old Road" in page and "Lena Weber Design" in page
    assert "99 New Avenue" not in page and "Renamed Studio" not in page


def test_the_pdf_renderer_fetches_nothing_but_our_static_files():
    from tracking.pdf import LocalFilesOnly

    fetcher = LocalFilesOnly()
    assert fetcher.fetch("http://localhost/static/css/invoice.css").read().startswith(b"/*")
    for url in ("http://127.0.0.1:9/x.css", "file:///etc/passwd", "http://localhost/static/../x"):
        with pytest.raises(ValueError):
            fetcher.fetch(url)


def test_only_staff_open_invoices_and_their_documents(client, colleague, sent):
    client.force_login(colleague)
    for suffix in ("", "print/", "pdf/"):
        assert client.get(f"/invoices/{sent.pk}/{suffix}").status_code == 403


def test_the_business_profile_is_one_record_opened_directly_in_the_admin(client, superuser):
    client.force_login(superuser)
    response = client.get("/admin/tracking/businessprofile/")
    assert response.status_code == 302
    assert response["Location"].endswith("/admin/tracking/businessprofile/1/change/")
    assert client.get("/admin/tracking/businessprofile/add/").status_code == 403


def test_billing_a_project_again_adds_to_its_line(draft, owner, website, make_entry):
    make_entry(owner, website, at(2, 9), 60)
    make_entry(owner, website, at(20, 9), 90)
    draft.add_items_from_entries(date(2026, 11, 1), date(2026, 11, 15))
    draft.add_items_from_entries(date(2026, 11, 16), date(2026, 11, 30))
    line = draft.items.get()
    assert line.quantity == Decimal("2.50") and line.amount == Decimal("200.00")
    assert line.description == "Website: 2026-11-01 to 2026-11-30"
    assert line.time_entries.count() == 2


def test_bill_unbilled_time_starts_the_day_after_the_last_billed_entry(
    staff, draft, owner, website, make_entry
):
    make_entry(owner, website, at(3, 9), 60)
    make_entry(owner, website, at(12, 9), 60)
    assert draft.suggested_billing_range(date(2026, 11, 29)) == (
        date(2026, 11, 3),
        date(2026, 11, 29),
    )  # the first unbilled day
    draft.add_items_from_entries(date(2026, 11, 1), date(2026, 11, 5))
    assert draft.suggested_billing_range(date(2026, 11, 29))[0] == date(2026, 11, 4)
    with time_machine.travel(at(29, 12), tick=False):
        page = staff.get(f"/invoices/{draft.pk}/").content.decode()
    assert 'name="start_date" value="2026-11-04"' in page
    assert 'name="end_date" value="2026-11-29"' in page
    assert "data-confirm=" in page  # sending asks first: it cannot be undone
