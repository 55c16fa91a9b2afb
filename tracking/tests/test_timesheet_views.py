"""The week timesheet: shown = stored, saved = stored, and what it may never change."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from tracking.models import Invoice, Preferences, Project, TimeEntry
from tracking.tests.conftest import at
from tracking.timesheet import CellError, parse_hours

pytestmark = pytest.mark.django_db

WEEK = "2026-W48"  # Monday 23 to Sunday 29 November 2026


@pytest.fixture
def logged_in(client, colleague):
    client.force_login(colleague)
    return client


def cell(project, day):
    return f"h-{project.pk}-2026-11-{day:02d}"


def timer_seconds(user, project, start, seconds):
    """Timer time that is not a whole number of minutes."""
    return TimeEntry.objects.create(
        user=user,
        project=project,
        start=start,
        end=start + timedelta(seconds=seconds),
        source=TimeEntry.Source.TIMER,
    )


def shown(page: str, name: str) -> str:
    """What the cell ``name`` holds (an empty cell has no value attribute)."""
    tag = re.search(rf'<input name="{name}"[^>]*>', page).group(0)
    value = re.search(r' value="([^"]*)"', tag)
    return value.group(1) if value else ""


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("1.5", 5400), ("1,5", 5400), ("1:30", 5400), ("1h30", 5400), ("1h", 3600),
     ("90m", 5400), ("90 min", 5400), ("", 0), ("0:05", 300), ("8", 28800)],
)  # fmt: skip
def test_hours_are_read_as_people_write_them(text, seconds):
    assert parse_hours(text) == seconds


@pytest.mark.parametrize("text", ["abc", "25", "1:75", "-1", "30:00"])
def test_anything_else_is_refused(text):
    with pytest.raises(CellError):
        parse_hours(text)


def test_the_week_shows_what_was_tracked_per_project_and_day(
    logged_in, colleague, website, make_entry
):
    make_entry(colleague, website, at(23, 9), 90)
    make_entry(colleague, website, at(23, 14), 30)
    make_entry(colleague, website, at(25, 9), 45)
    page = logged_in.get(f"/timesheet/?week={WEEK}").content.decode()
    assert shown(page, cell(website, 23)) == "2:00"
    assert shown(page, cell(website, 25)) == "0:45"
    assert shown(page, cell(website, 24)) == ""
    assert 'id="week-sum">2:45<' in page


def test_saving_adds_a_timesheet_entry_and_shows_what_it_stored(
    logged_in, colleague, website, internal, make_entry
):
    timer_entry = make_entry(colleague, website, at(23, 9), 60, source=TimeEntry.Source.TIMER)
    response = logged_in.post(
        f"/timesheet/?week={WEEK}",
        {cell(website, 23): "2:30", cell(internal, 24): "1h15", cell(website, 24): ""},
    )
    assert response.status_code == 302
    timer_entry.refresh_from_db()
    assert timer_entry.duration_seconds == 3600  # never changed
    owned = TimeEntry.objects.filter(source=TimeEntry.Source.TIMESHEET).order_by("start")
    assert [(e.project, e.duration_seconds) for e in owned] == [(website, 5400), (internal, 4500)]
    page = logged_in.get(f"/timesheet/?week={WEEK}").content.decode()
    assert shown(page, cell(website, 23)) == "2:30"
    assert shown(page, cell(internal, 24)) == "1:15"


def test_lowering_a_cell_changes_only_the_timesheets_own_entry_and_zero_removes_it(
    logged_in, colleague, website
):
    logged_in.post(f"/timesheet/?week={WEEK}", {cell(website, 23): "3"})
    logged_in.post(f"/timesheet/?week={WEEK}", {cell(website, 23): "1"})
    assert TimeEntry.objects.get().duration_seconds == 3600
    logged_in.post(f"/timesheet/?week={WEEK}", {cell(website, 23): ""})
    assert not TimeEntry.objects.exists()


def test_a_cell_below_timer_or_hand_made_time_refuses_the_whole_week(
    logged_in, colleague, website, internal, make_entry
):
    make_entry(colleague, website, at(23, 9), 120, source=TimeEntry.Source.TIMER)
    response = logged_in.post(
        f"/timesheet/?week={WEEK}",
        {cell(internal, 24): "4", cell(website, 23): "1:00"},
        follow=True,
    )
    page = response.content.decode()
    assert "Mon 23 Nov, Website: 1:00 is less than the 2:00 from a timer already tracked" in page
    assert f'id="{cell(website, 23)}"' in page
    assert re.search(rf'name="{cell(website, 23)}"[^>]*aria-invalid="true"', page, re.S)
    assert TimeEntry.objects.count() == 1  # nothing of the week was saved
    assert response.redirect_chain == []
    assert response.status_code == 400


def test_billed_entries_are_never_changed(logged_in, colleague, website, acme, make_entry):
    invoice = Invoice.objects.create(client=acme, number="B-1", due_date="2026-12-31")
    item = invoice.items.create(description="x", quantity=1, unit_price=1)
    billed = make_entry(colleague, website, at(23, 0), 60, source=TimeEntry.Source.TIMESHEET)
    TimeEntry.objects.filter(pk=billed.pk).update(invoice_item=item)
    page = logged_in.get(f"/timesheet/?week={WEEK}").content.decode()
    assert re.search(rf'name="{cell(website, 23)}"[^>]*readonly', page, re.S)
    for typed in ("0:30", "2"):
        response = logged_in.post(f"/timesheet/?week={WEEK}", {cell(website, 23): typed})
        assert response.status_code == 400
        assert b"billed on an invoice" in response.content
    billed.refresh_from_db()
    assert billed.duration_seconds == 3600
    assert TimeEntry.objects.count() == 1


def test_the_week_is_the_users_own_across_a_dst_change(client, colleague, website):
    Preferences.objects.create(user=colleague, time_zone="Europe/Berlin")
    client.force_login(colleague)
    # ISO week 2026-W43 ends on Sunday 25 October, the night the clocks go back.
    response = client.post("/timesheet/?week=2026-W43", {f"h-{website.pk}-2026-10-25": "8:00"})
    assert response.status_code == 302
    entry = TimeEntry.objects.get()
    assert entry.start == datetime(2026, 10, 24, 22, 0, tzinfo=UTC)  # local midnight, CEST
    assert entry.duration_seconds == 8 * 3600
    page = client.get("/timesheet/?week=2026-W43").content.decode()
    assert shown(page, f"h-{website.pk}-2026-10-25") == "8:00"


def test_rows_can_be_added_and_copied_from_last_week(
    logged_in, colleague, website, internal, make_entry
):
    make_entry(colleague, internal, at(18, 9), 60)  # the week before
    page = logged_in.get(f"/timesheet/?week={WEEK}&copy=1").content.decode()
    assert f'name="{cell(internal, 23)}"' in page
    assert shown(page, cell(internal, 23)) == ""
    page = logged_in.get(f"/timesheet/?week={WEEK}&row={website.pk}").content.decode()
    assert f'name="{cell(website, 23)}"' in page


def test_a_bad_week_is_explained(logged_in):
    response = logged_in.get("/timesheet/?week=2026-W99", follow=True)
    assert b"is not a week" in response.content


def test_the_current_week_is_the_default(logged_in):
    with time_machine.travel(at(25, 12), tick=False):
        page = logged_in.get("/timesheet/").content.decode()
    assert "Timesheet 2026-W48" in page


def test_no_time_is_added_to_an_archived_project(logged_in, website):
    website.archived = True
    website.save()
    response = logged_in.post(f"/timesheet/?week={WEEK}", {cell(website, 23): "1"})
    assert response.status_code == 400
    assert b"This project is archived" in response.content
    assert not TimeEntry.objects.exists()


def test_a_cell_left_as_shown_over_seconds_of_timer_time_saves_and_keeps_the_seconds(
    logged_in, colleague, website, internal
):
    timer = timer_seconds(colleague, website, at(24, 9), 63)
    page = logged_in.get(f"/timesheet/?week={WEEK}").content.decode()
    assert shown(page, cell(website, 24)) == "0:01"
    response = logged_in.post(
        f"/timesheet/?week={WEEK}", {cell(website, 24): "0:01", cell(internal, 25): "2"}
    )
    assert response.status_code == 302
    timer.refresh_from_db()
    assert timer.duration_seconds == 63
    assert TimeEntry.objects.filter(source=TimeEntry.Source.TIMESHEET).count() == 1


def test_half_a_minute_rounds_up_on_every_page_and_saving_it_unchanged_keeps_it(
    logged_in, colleague, website, internal
):
    # 54:30 and 55:30: Python's round() took halves to the even minute (0:54, then 0:56),
    # while the page's script and money round them up.
    first = timer_seconds(colleague, website, at(23, 9), 54 * 60 + 30)
    timer_seconds(colleague, internal, at(24, 9), 55 * 60 + 30)
    page = logged_in.get(f"/timesheet/?week={WEEK}").content.decode()
    assert (shown(page, cell(website, 23)), shown(page, cell(internal, 24))) == ("0:55", "0:56")
    assert 'id="week-sum">1:50<' in page
    entries = logged_in.get("/entries/").content.decode()
    assert ">0:55<" in entries and ">0:56<" in entries
    response = logged_in.post(
        f"/timesheet/?week={WEEK}", {cell(website, 23): "0:55", cell(internal, 24): "0:56"}
    )
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.duration_seconds == 54 * 60 + 30
    assert not TimeEntry.objects.filter(source=TimeEntry.Source.TIMESHEET).exists()


@pytest.mark.parametrize("typed", ["3:30", "3.5", "210m"])
def test_typing_what_the_cell_shows_for_3_30_05_of_fixed_time_adds_nothing(
    logged_in, colleague, website, make_entry, typed
):
    make_entry(colleague, website, at(23, 9), 210)
    timer_seconds(colleague, website, at(23, 14), 5)
    response = logged_in.post(f"/timesheet/?week={WEEK}", {cell(website, 23): typed})
    assert response.status_code == 302
    assert sorted(TimeEntry.objects.values_list("duration_seconds", flat=True)) == [5, 12600]


def test_lowering_a_cell_to_its_fixed_minutes_removes_only_the_timesheets_time(
    logged_in, colleague, website, make_entry
):
    make_entry(colleague, website, at(23, 9), 210)
    timer_seconds(colleague, website, at(23, 14), 5)
    logged_in.post(f"/timesheet/?week={WEEK}", {cell(website, 23): "4:30"})
    assert TimeEntry.objects.filter(source=TimeEntry.Source.TIMESHEET).exists()
    response = logged_in.post(f"/timesheet/?week={WEEK}", {cell(website, 23): "3:30"})
    assert response.status_code == 302
    assert not TimeEntry.objects.filter(source=TimeEntry.Source.TIMESHEET).exists()


def test_a_cell_below_its_fixed_time_says_how_much_and_where_it_comes_from(
    logged_in, colleague, website, make_entry
):
    make_entry(colleague, website, at(23, 9), 210)
    timer_seconds(colleague, website, at(23, 14), 63)
    response = logged_in.post(f"/timesheet/?week={WEEK}", {cell(website, 23): ""})
    assert response.status_code == 400
    assert (
        "Mon 23 Nov, Website: 0:00 is less than the 0:01:03 from a timer, 3:30 by hand "
        "already tracked" in response.content.decode()
    )
    assert TimeEntry.objects.count() == 2


def test_adding_a_row_keeps_what_was_typed_and_saves_nothing(
    logged_in, colleague, website, internal
):
    response = logged_in.post(
        f"/timesheet/?week={WEEK}", {cell(website, 23): "2:15", "row": internal.pk, "add": "1"}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert shown(page, cell(website, 23)) == "2:15"
    assert shown(page, cell(internal, 23)) == ""
    assert not TimeEntry.objects.exists()


def test_an_added_row_goes_last_and_moves_none_of_the_rows_being_typed(
    logged_in, colleague, acme, website, internal, make_entry
):
    from tracking.models import Project

    archive = Project.objects.create(name="Archive work", client=acme)
    zebra = Project.objects.create(name="Zebra", client=acme)
    make_entry(colleague, website, at(23, 9), 60, source=TimeEntry.Source.TIMESHEET)
    typed = {cell(website, 23): "1:00", cell(zebra, 24): "0:30"}  # Zebra: typed, not saved
    response = logged_in.post(f"/timesheet/?week={WEEK}", {**typed, "row": archive.pk, "add": "1"})
    rows = re.findall(r'name="h-(\d+)-2026-11-23"', response.content.decode())
    assert [int(pk) for pk in rows] == [website.pk, zebra.pk, archive.pk]


def test_the_first_bad_cell_is_marked_and_takes_the_focus(logged_in, website, internal):
    response = logged_in.post(
        f"/timesheet/?week={WEEK}", {cell(website, 24): "abc", cell(internal, 26): "99"}
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "Tue 24 Nov, Website: &#x27;abc&#x27; is not a duration" in page
    assert "Thu 26 Nov, Internal: &#x27;99&#x27; is more than 24 hours" in page
    first = re.search(rf'<input name="{cell(website, 24)}"[^>]*>', page, re.S).group(0)
    assert 'aria-invalid="true"' in first and "autofocus" in first
    second = re.search(rf'<input name="{cell(internal, 26)}"[^>]*>', page, re.S).group(0)
    assert 'aria-invalid="true"' in second and "autofocus" not in second


def test_names_and_typed_text_come_back_escaped_and_every_cell_is_named_by_its_headers(
    logged_in, acme
):
    tricky = Project.objects.create(name='<b>"Tom & Jerry"</b>', client=acme)
    typed = '"><script>alert(1)</script>'
    response = logged_in.post(f"/timesheet/?week={WEEK}", {cell(tricky, 23): typed})
    page = response.content.decode()
    assert response.status_code == 400  # not a duration: shown again as typed
    assert "<script>alert" not in page and "<b>" not in page
    assert "&lt;b&gt;&quot;Tom &amp; Jerry&quot;&lt;/b&gt;" in page
    assert shown(page, cell(tricky, 23)) == "&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"
    labels = re.findall(r'<input name="h-[^>]* aria-labelledby="([^"]+)"', page)
    assert len(labels) == 7
    for label in labels:
        assert all(f'id="{header}"' in page for header in label.split())
