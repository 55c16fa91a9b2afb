"""Time on a sent invoice is final from every door: the admin's tag deletion and merge, the
timer's bookkeeping (continue, resume, keeping an auto-stopped end) and saves that name
their fields. (Editing and deleting entries and invoices: test_billing.py.)"""

from datetime import date

import pytest

from tracking.models import Invoice, Locked, Tag, TimeEntry
from tracking.tests.conftest import at

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_tag():
    return Tag.objects.create(name="client work")


@pytest.fixture
def billed(owner, website, acme, client_tag):
    """An entry of the owner's, tagged and paused, then billed on an invoice that was sent."""
    TimeEntry.objects.start_timer(owner, website, at=at(2, 9), tags=[client_tag])
    entry = TimeEntry.objects.pause_timer(owner, at=at(2, 11))
    invoice = Invoice.objects.create(client=acme, due_date=date(2026, 12, 30))
    invoice.add_items_from_entries(date(2026, 11, 1), date(2026, 11, 30))
    invoice.advance_status(Invoice.Status.SENT)
    entry.refresh_from_db()
    return entry


@pytest.fixture
def admin(client, superuser):
    client.force_login(superuser)
    return client


def test_sending_ends_the_pause_of_billed_work(billed):
    assert billed.pause == TimeEntry.Pause.NONE
    assert TimeEntry.objects.resume_timer(billed.user) is None


def test_a_tag_on_billed_time_cannot_be_deleted_in_the_model(billed, client_tag):
    with pytest.raises(Locked):
        client_tag.delete()
    with pytest.raises(Locked):
        Tag.objects.filter(pk=client_tag.pk).delete()
    assert list(billed.tags.all()) == [client_tag]


def test_the_admin_refuses_to_delete_a_tag_on_billed_time(admin, billed, client_tag):
    response = admin.post(f"/admin/tracking/tag/{client_tag.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert "it cannot be deleted" in admin.get(response["Location"]).content.decode()
    response = admin.post(
        "/admin/tracking/tag/",
        {"action": "delete_selected", "_selected_action": [client_tag.pk], "post": "yes"},
    )
    assert response.status_code == 403
    assert list(billed.tags.all()) == [client_tag]


def test_the_admin_refuses_to_merge_a_tag_on_billed_time_away(admin, billed, client_tag):
    newer = Tag.objects.create(name="clients")
    client_tag.created_at, newer.created_at = newer.created_at, client_tag.created_at
    Tag.objects.bulk_update([client_tag, newer], ["created_at"])  # keep the newer one
    response = admin.post(
        "/admin/tracking/tag/",
        {"action": "merge", "_selected_action": [client_tag.pk, newer.pk]},
        follow=True,
    )
    assert "Nothing was merged" in response.content.decode()
    assert list(billed.tags.all()) == [client_tag]
    assert Tag.objects.count() == 2


def test_continuing_billed_work_starts_a_new_entry_and_leaves_the_billed_one(
    client, owner, billed
):
    client.force_login(owner)
    before = TimeEntry.objects.filter(pk=billed.pk).values().get()
    client.post(f"/entries/{billed.pk}/continue/")
    assert TimeEntry.objects.running().get().project == billed.project
    assert TimeEntry.objects.filter(pk=billed.pk).values().get() == before


def test_a_save_naming_its_fields_cannot_change_billed_time(billed):
    billed.notes = "rewritten"
    with pytest.raises(Locked):
        billed.save(update_fields=["notes"])
    billed.refresh_from_db()
    assert billed.notes == ""


def test_keeping_the_end_of_billed_auto_stopped_time_is_refused_politely(client, owner, billed):
    TimeEntry.objects.filter(pk=billed.pk).update(auto_stopped=True)
    client.force_login(owner)
    response = client.post(f"/entries/{billed.pk}/keep-end/", follow=True)
    assert "can no longer be changed or deleted" in response.content.decode()
    billed.refresh_from_db()
    assert billed.auto_stopped
