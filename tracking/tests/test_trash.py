"""Deleting an entry moves it to the trash: it counts nowhere, comes back whole, and only
``purge_trash`` removes it for good, after TRASH_DAYS."""

from datetime import date, timedelta
from io import StringIO

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client as HttpClient
from django.utils import timezone

from api.models import ApiToken
from api.tests.conftest import Api
from tracking.models import TRASH_DAYS, Invoice, Locked, Tag, TimeEntry
from tracking.tests.conftest import at

pytestmark = pytest.mark.django_db

NOVEMBER = "start=2026-11-01&end=2026-11-30"


@pytest.fixture
def member(client, colleague):
    client.force_login(colleague)
    return client


@pytest.fixture
def draft(acme):
    return Invoice.objects.create(
        client=acme, issue_date=date(2026, 11, 30), due_date=date(2026, 12, 30)
    )


def csv_of(client) -> str:
    response = client.get(f"/entries/export.csv?{NOVEMBER}")
    return b"".join(response.streaming_content).decode()


def test_a_deleted_entry_counts_nowhere_and_comes_back_whole(
    member, colleague, website, design_task, draft, make_entry
):
    entry = make_entry(colleague, website, at(2, 9), 90, task=design_task, notes="Homepage hero")
    entry.tags.set(Tag.objects.for_names(["Design", "Client call"]))
    draft.add_items_from_entries(date(2026, 11, 1), date(2026, 11, 30))
    entry.refresh_from_db()
    line = entry.invoice_item
    assert "Homepage hero" in csv_of(member)

    response = member.post(f"/entries/{entry.pk}/delete/", follow=True)

    page = response.content.decode()
    assert "Moved " in page and f'action="/entries/{entry.pk}/restore/"' in page  # Undo
    assert "Homepage hero" not in csv_of(member)
    assert "Homepage hero" not in member.get("/entries/").content.decode()
    assert "1:30" not in member.get(f"/reports/?{NOVEMBER}").content.decode()
    assert member.get(f"/entries/{entry.pk}/").status_code == 404
    assert TimeEntry.objects.filter(user=colleague).total_seconds() == 0
    assert "Homepage hero" in member.get("/entries/trash/").content.decode()

    response = member.post(f"/entries/{entry.pk}/restore/", follow=True)

    assert "Restored" in response.content.decode()
    back = TimeEntry.objects.get(pk=entry.pk)
    assert (back.start, back.end, back.task, back.notes) == (
        entry.start,
        entry.end,
        design_task,
        "Homepage hero",
    )
    assert sorted(back.tags.values_list("name", flat=True)) == ["Client call", "Design"]
    assert back.invoice_item == line
    assert "Homepage hero" in csv_of(member)
    assert "Homepage hero" not in member.get("/entries/trash/").content.decode()


def test_the_delete_page_says_where_the_entry_goes(member, colleague, website, make_entry):
    entry = make_entry(colleague, website, at(2, 9), 60)
    page = member.get(f"/entries/{entry.pk}/delete/").content.decode()
    assert f"restore it for {TRASH_DAYS} days" in page
    assert "cannot be undone" not in page


def test_a_deleted_running_timer_stops_and_leaves_room_for_the_next(member, colleague, website):
    member.post("/timer/start/", {"project": website.pk})
    running = TimeEntry.objects.running().get(user=colleague)
    member.post(f"/entries/{running.pk}/delete/")
    trashed = TimeEntry.everything.get(pk=running.pk)
    assert trashed.end is not None and trashed.deleted_at is not None
    assert not TimeEntry.objects.running().exists()

    member.post("/timer/start/", {"project": website.pk})
    member.post(f"/entries/{running.pk}/restore/")

    assert TimeEntry.objects.running().filter(user=colleague).count() == 1
    assert TimeEntry.objects.filter(user=colleague).count() == 2


def test_trashed_time_neither_overlaps_nor_fills_a_timesheet_cell(
    member, colleague, website, make_entry
):
    old = make_entry(colleague, website, at(2, 9), 60)
    old.delete()
    newer = make_entry(colleague, website, at(2, 9), 60)
    assert not newer.overlapping().exists()
    page = member.get("/timesheet/?week=2026-W45").content.decode()
    assert 'value="1:00"' in page  # only the live hour, not two
    assert 'value="2:00"' not in page


def test_billed_time_on_a_sent_invoice_stays_out_of_the_trash(
    member, owner, colleague, website, draft, make_entry
):
    entry = make_entry(colleague, website, at(2, 9), 60)
    draft.add_items_from_entries(date(2026, 11, 1), date(2026, 11, 30))
    draft.advance_status(Invoice.Status.SENT)
    entry.refresh_from_db()
    with pytest.raises(Locked):
        entry.delete()
    with pytest.raises(Locked):
        TimeEntry.objects.filter(pk=entry.pk).delete()
    response = member.post(f"/entries/{entry.pk}/delete/", follow=True)
    assert draft.number in response.content.decode()
    _, secret = ApiToken.objects.create_token(colleague, "cli")
    assert Api(secret).delete(f"/api/v1/entries/{entry.pk}/").status_code == 409
    assert TimeEntry.objects.filter(pk=entry.pk).exists()


def test_refreshing_a_draft_unbills_trashed_time(colleague, website, draft, make_entry):
    kept = make_entry(colleague, website, at(2, 9), 60)
    gone = make_entry(colleague, website, at(3, 9), 120)
    draft.add_items_from_entries(date(2026, 11, 1), date(2026, 11, 30))
    TimeEntry.objects.get(pk=gone.pk).delete()
    line = draft.items.get()
    assert draft.items.with_entry_seconds().get().entry_seconds == 3600

    draft.refresh_from_entries()

    line.refresh_from_db()
    assert line.quantity == 1
    assert TimeEntry.everything.get(pk=gone.pk).invoice_item is None
    assert TimeEntry.objects.get(pk=kept.pk).invoice_item == line


def test_the_api_deletes_into_the_trash(colleague, website, make_entry):
    entry = make_entry(colleague, website, at(2, 9), 60)
    _, secret = ApiToken.objects.create_token(colleague, "cli")
    api = Api(secret)
    assert api.delete(f"/api/v1/entries/{entry.pk}/").status_code == 204
    assert api.get(f"/api/v1/entries/{entry.pk}/").status_code == 404
    assert api.get("/api/v1/entries/").json()["count"] == 0
    assert TimeEntry.everything.trashed().filter(pk=entry.pk).exists()


def test_people_see_and_restore_only_their_own_trash_managers_everyones(
    member, owner, colleague, stranger, website, make_entry
):
    mine = make_entry(colleague, website, at(2, 9), 60, notes="mine")
    theirs = make_entry(stranger, website, at(2, 9), 60, notes="theirs")
    mine.delete()
    theirs.delete()
    page = member.get("/entries/trash/").content.decode()
    assert "mine" in page and "theirs" not in page
    assert member.post(f"/entries/{theirs.pk}/restore/").status_code == 404
    assert member.get(f"/entries/{mine.pk}/restore/").status_code == 405

    manager = HttpClient()
    manager.force_login(owner)
    page = manager.get("/entries/trash/").content.decode()
    assert "mine" in page and "theirs" in page
    manager.post(f"/entries/{theirs.pk}/restore/")
    assert TimeEntry.objects.filter(pk=theirs.pk).exists()


def test_purge_trash_removes_only_what_waited_long_enough_and_is_idempotent(
    colleague, website, draft, make_entry
):
    old = make_entry(colleague, website, at(2, 9), 60)
    recent = make_entry(colleague, website, at(3, 9), 60)
    billed = make_entry(colleague, website, at(4, 9), 60)
    live = make_entry(colleague, website, at(5, 9), 60)
    draft.add_items_from_entries(date(2026, 11, 4), date(2026, 11, 4))
    now = timezone.now()
    with time_machine.travel(now - timedelta(days=TRASH_DAYS, seconds=1), tick=False):
        TimeEntry.objects.get(pk=old.pk).delete()
        TimeEntry.objects.get(pk=billed.pk).delete()
    TimeEntry.objects.get(pk=recent.pk).delete()
    # Billed time of a sent invoice is never deleted, even from the trash (sending refuses
    # trashed time; an invoice marked sent behind the model's back is the last guard).
    Invoice.objects.filter(pk=draft.pk).update(status=Invoice.Status.SENT)

    out = StringIO()
    call_command("purge_trash", stdout=out)
    assert out.getvalue().strip() == "1 entry removed from the trash."
    assert not TimeEntry.everything.filter(pk=old.pk).exists()
    assert set(TimeEntry.everything.values_list("pk", flat=True)) == {
        recent.pk,
        billed.pk,
        live.pk,
    }

    again = StringIO()
    call_command("purge_trash", stdout=again)
    assert again.getvalue().strip() == "0 entries removed from the trash."


def test_an_invoice_billing_trashed_time_is_refreshed_before_it_is_sent(
    colleague, website, draft, make_entry
):
    make_entry(colleague, website, at(2, 9), 60)
    gone = make_entry(colleague, website, at(3, 9), 60)
    draft.add_items_from_entries(date(2026, 11, 1), date(2026, 11, 30))
    TimeEntry.objects.get(pk=gone.pk).delete()
    with pytest.raises(ValidationError, match="1 entry billed on this invoice went to the trash"):
        draft.advance_status(Invoice.Status.SENT)
    draft.refresh_from_entries()
    draft.advance_status(Invoice.Status.SENT)
    assert draft.items.get().quantity == 1
