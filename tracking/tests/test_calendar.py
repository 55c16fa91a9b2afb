"""The calendar: a person's week (or day) of entries on a day-by-hour grid."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from tracking import calendar
from tracking.models import Preferences, TimeEntry
from tracking.tests.conftest import at

pytestmark = pytest.mark.django_db

WEEK = "2026-W45"  # Monday 2 to Sunday 8 November 2026
BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture
def member(client, colleague):
    Preferences.objects.create(user=colleague, time_zone="Europe/Berlin")
    client.force_login(colleague)
    return client


def berlin(day, hour, minute=0, month=11):
    return datetime(2026, month, day, hour, minute, tzinfo=BERLIN)


def test_the_week_shows_its_entries_where_they_happened(
    member, colleague, stranger, website, make_entry
):
    make_entry(colleague, website, berlin(2, 9), 150, notes="Homepage hero")
    make_entry(colleague, website, berlin(2, 13), 60, notes="Client call")
    make_entry(stranger, website, berlin(2, 9), 60, notes="someone else's")
    make_entry(colleague, website, berlin(9, 9), 60, notes="next week")
    page = member.get(f"/calendar/?week={WEEK}").content.decode()
    assert "Homepage hero" in page and "Client call" in page
    assert "someone else" not in page and "next week" not in page
    # 09:00 is row 36 (quarters) and 2:30 spans 10 rows; 13:00 starts row 52.
    assert "cal-entry cal-at-36 cal-span-10 lane-0" in page
    assert "cal-entry cal-at-52 cal-span-4 lane-0" in page
    assert '<span class="cal-total" data-day="2026-11-02">3:30</span>' in page
    # The pause between them is a gap to fill, with its times in the link.
    assert "start_time=11:30&amp;end_time=13:00&amp;next=" in page and "Gap 1:30" in page
    # Every hour of every day is a slot that opens the new-entry form there: app.js makes
    # them from these (the browser test clicks one).
    assert 'data-new-url="/entries/new/" data-back="/calendar/?week=2026-W45"' in page
    assert 'aria-label="Thu 5 Nov" data-date="2026-11-05"' in page
    assert '<span class="cal-at-56 cal-span-4" data-hour="14">14:00</span>' in page
    assert 'href="?week=2026-W44"' in page and 'href="?week=2026-W46"' in page


def test_time_without_clock_times_sits_in_the_days_band(member, colleague, website):
    entry = TimeEntry(user=colleague, project=website)
    entry.place_on_day(date(2026, 11, 4), 3 * 3600 + 1800)
    entry.save()
    week = calendar.build(colleague, date(2026, 11, 2), date(2026, 11, 8), at(10, 0))
    wednesday = week.days[2]
    assert wednesday.band == [entry] and wednesday.blocks == []
    assert wednesday.seconds == 12600


def test_an_entry_past_midnight_shows_on_both_days_and_counts_on_its_own(
    member, colleague, website, make_entry
):
    with timezone.override(BERLIN):
        make_entry(colleague, website, berlin(3, 22), 210)  # 22:00 to 01:30
        week = calendar.build(colleague, date(2026, 11, 2), date(2026, 11, 8), at(10, 0))
    tuesday, wednesday = week.days[1], week.days[2]
    assert [(b.row, b.span) for b in tuesday.blocks] == [(88, 8)]
    assert [(b.row, b.span) for b in wednesday.blocks] == [(0, 6)]
    assert (tuesday.seconds, wednesday.seconds) == (12600, 0)


def test_overlapping_entries_go_side_by_side(colleague, website, make_entry):
    make_entry(colleague, website, at(2, 9), 120)
    make_entry(colleague, website, at(2, 10), 30)
    make_entry(colleague, website, at(2, 12), 30)
    with timezone.override("UTC"):
        day = calendar.build(colleague, date(2026, 11, 2), date(2026, 11, 2), at(10, 0)).days[0]
    assert [block.lane for block in day.blocks] == [0, 1, 0]
    assert day.lanes == 2


def test_the_running_timer_shows_up_to_now(member, colleague, website):
    with time_machine.travel(berlin(4, 9), tick=False):
        TimeEntry.objects.start_timer(colleague, website)
    with time_machine.travel(berlin(4, 10, 30), tick=False):
        page = member.get(f"/calendar/?week={WEEK}").content.decode()
    assert "cal-entry cal-at-36 cal-span-6 lane-0 running" in page
    assert "09:00\u2013now" in page  # an en dash
    assert '<span class="cal-total" data-day="2026-11-04">1:30</span>' in page


def test_one_day_at_a_time_for_a_phone(member, colleague, website, make_entry):
    make_entry(colleague, website, berlin(5, 9), 60, notes="Thursday work")
    make_entry(colleague, website, berlin(6, 9), 60, notes="Friday work")
    page = member.get("/calendar/?day=2026-11-05").content.decode()
    assert "Thursday work" in page and "Friday work" not in page
    assert "days-1" in page
    assert 'href="?day=2026-11-04"' in page and 'href="?day=2026-11-06"' in page


def test_a_bad_week_or_day_is_refused_with_a_message(member):
    for query, message in [
        ("week=2026-W99", "is not a week: write it like 2026-W10"),
        ("week=soon", "is not a week: write it like 2026-W10"),
        ("day=2026-02-30", "is not a day: write it like 2026-11-23"),
        ("day=1900-01-01", "Use a day between 2000 and 2100."),
    ]:
        response = member.get(f"/calendar/?{query}", follow=True)
        assert response.redirect_chain[-1][0] == "/calendar/"
        assert message in response.content.decode()


def test_a_trashed_entry_is_not_on_the_calendar(member, colleague, website, make_entry):
    make_entry(colleague, website, berlin(2, 9), 60, notes="deleted work").delete()
    assert "deleted work" not in member.get(f"/calendar/?week={WEEK}").content.decode()


def test_an_empty_slot_opens_the_form_at_its_day_and_time(member, colleague, website):
    page = member.get("/entries/new/?date=2026-11-05&start_time=14:00").content.decode()
    assert 'value="2026-11-05"' in page and 'value="14:00"' in page
    member.post(
        "/entries/new/",
        {"project": website.pk, "date": "2026-11-05", "start_time": "14:00", "duration": "1h"},
    )
    entry = TimeEntry.objects.get(user=colleague)
    assert timezone.localtime(entry.start, BERLIN) == berlin(5, 14)
    assert entry.end - entry.start == timedelta(hours=1)


def test_the_band_is_on_the_page(member, colleague, website):
    entry = TimeEntry(user=colleague, project=website)
    entry.place_on_day(date(2026, 11, 4), 3 * 3600)
    entry.save()
    page = member.get(f"/calendar/?week={WEEK}").content.decode()
    assert '3:00 <span class="muted">no clock time</span>' in page


def test_a_slot_brings_the_person_back_to_the_calendar_after_saving(member, colleague, website):
    page = member.get(f"/calendar/?week={WEEK}").content.decode()
    assert "next=/calendar/%3Fweek%3D2026-W45" in page
    response = member.post(
        "/entries/new/?date=2026-11-05&start_time=14:00&next=/calendar/%3Fweek%3D2026-W45",
        {"project": website.pk, "date": "2026-11-05", "start_time": "14:00", "duration": "1h"},
    )
    assert response.url == "/calendar/?week=2026-W45"
    elsewhere = member.post(
        "/entries/new/?next=https://evil.example/",
        {"project": website.pk, "date": "2026-11-06", "duration": "1h"},
    )
    assert elsewhere.url.startswith("/entries/")  # another site is never a way back


def test_overlapping_entries_are_marked(member, colleague, website, make_entry):
    make_entry(colleague, website, berlin(2, 9), 120)
    make_entry(colleague, website, berlin(2, 10), 30)
    page = member.get(f"/calendar/?week={WEEK}").content.decode()
    assert page.count('<span class="badge overlap">overlaps</span>') == 2


def test_names_titles_and_notes_on_the_grid_are_escaped_and_long_notes_cut(
    member, colleague, acme, make_entry
):
    from tracking.models import Project, Task

    project = Project.objects.create(name='<b>"Tom & Jerry"</b>', client=acme)
    task = Task.objects.create(project=project, title="<i>Design</i>")
    notes = "<script>alert(1)</script> " + "word " * 10
    make_entry(colleague, project, berlin(3, 9), 60, task=task, notes=notes)
    page = member.get(f"/calendar/?week={WEEK}").content.decode()
    assert "<script>" not in page and "<b>" not in page and "<i>" not in page
    block = page[page.index('<a class="cal-entry') :]
    block = block[: block.index("</a>")]
    assert "<strong>&lt;b&gt;&quot;Tom &amp; Jerry&quot;&lt;/b&gt;</strong>" in block
    assert " · &lt;i&gt;Design&lt;/i&gt;" in block
    assert '<span class="cal-time">09:00\u201310:00</span>' in block  # in the viewer's zone
    shown = block[block.index('<span class="muted">') :]
    cut = "&lt;script&gt;alert(1)&lt;/script&gt; word word wor\u2026"  # 40 characters
    assert shown == f'<span class="muted">{cut}</span>'
