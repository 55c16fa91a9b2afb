"""Entering time as people type it: a day, and two of start, end and duration, in the
person's zone; a duration alone is time without clock times."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
import time_machine

from tracking.models import Preferences, TimeEntry
from tracking.typed_time import Unreadable, parse_clock, parse_duration

pytestmark = pytest.mark.django_db


@pytest.fixture
def berliner(client, colleague):
    Preferences.objects.create(user=colleague, time_zone="Europe/Berlin")
    client.force_login(colleague)
    return client


def typed(project, **fields):
    return {"project": project.pk, "date": "2026-11-23", "billable": "on", **fields}


@pytest.mark.parametrize(
    ("text", "expected"),
    [("9", time(9)), ("09", time(9)), ("930", time(9, 30)), ("9:30", time(9, 30)),
     ("9.30", time(9, 30)), ("9h30", time(9, 30)), ("9am", time(9)),
     ("2:15pm", time(14, 15)), ("14:15", time(14, 15)), ("12am", time(0))],
)  # fmt: skip
def test_times_of_day_are_read_as_people_write_them(text, expected):
    assert parse_clock(text) == expected


@pytest.mark.parametrize("text", ["25", "9:75", "13pm", "noon", "9-11"])
def test_anything_else_is_not_a_time(text):
    with pytest.raises(Unreadable, match="is not a time of day"):
        parse_clock(text)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("1:30", 5400), ("1.5", 5400), ("1,5", 5400), ("1h30", 5400), ("90m", 5400), ("45m", 2700)],
)
def test_durations_are_read_as_people_write_them(text, seconds):
    assert parse_duration(text, 72) == seconds


def test_a_start_and_an_end_store_the_time_between_them_in_the_persons_zone(berliner, website):
    response = berliner.post("/entries/new/", typed(website, start_time="9", end_time="11:30"))
    assert response.status_code == 302
    entry = TimeEntry.objects.get()
    assert entry.start == datetime(2026, 11, 23, 8, 0, tzinfo=UTC)  # 09:00 in Berlin
    assert entry.duration_seconds == 9000 and entry.day == date(2026, 11, 23)


def test_a_start_and_a_duration_store_that_long(berliner, website):
    berliner.post("/entries/new/", typed(website, start_time="14:00", duration="45m"))
    entry = TimeEntry.objects.get()
    assert entry.start == datetime(2026, 11, 23, 13, 0, tzinfo=UTC)
    assert entry.duration_seconds == 2700


def test_an_end_before_the_start_is_the_next_day(berliner, website):
    berliner.post("/entries/new/", typed(website, start_time="22:00", end_time="1:30"))
    entry = TimeEntry.objects.get()
    assert entry.duration_seconds == 3.5 * 3600
    assert entry.end == datetime(2026, 11, 24, 0, 30, tzinfo=UTC)  # 01:30 on the 24th
    assert entry.day == date(2026, 11, 23)


def test_a_start_typed_as_a_timers_shown_end_begins_at_its_second(berliner, colleague, website):
    """A timer stopped at 05:22:10 (Berlin) shows 05:22: typing 05:22 to 05:28 after it
    starts at 05:22:10, not ten seconds inside it, and neither is marked as overlapping."""
    timer = TimeEntry.objects.create(
        user=colleague,
        project=website,
        start=datetime(2026, 11, 23, 4, 16, tzinfo=UTC),
        end=datetime(2026, 11, 23, 4, 22, 10, tzinfo=UTC),
        source=TimeEntry.Source.TIMER,
    )
    response = berliner.post(
        "/entries/new/", typed(website, start_time="5:22", end_time="5:28"), follow=True
    )
    assert "overlaps" not in response.content.decode()
    typed_entry = TimeEntry.objects.exclude(pk=timer.pk).get()
    assert typed_entry.start == timer.end
    assert typed_entry.end == datetime(2026, 11, 23, 4, 28, tzinfo=UTC)
    assert not TimeEntry.objects.overlapping_only().exists()
    # A start in another minute is the time typed; so is the minute a timer's end has passed.
    berliner.post("/entries/new/", typed(website, start_time="5:30", duration="10m"))
    assert TimeEntry.objects.get(start=datetime(2026, 11, 23, 4, 30, tzinfo=UTC))
    berliner.post("/entries/new/", typed(website, start_time="5:28", duration="1m"))
    assert TimeEntry.objects.get(start=datetime(2026, 11, 23, 4, 28, tzinfo=UTC))


def test_a_snapped_start_keeps_a_typed_duration_and_accepts_all_three(
    berliner, colleague, website
):
    """After timers stopped at 06:22:40 and 08:22:40: 06:22 with 38 minutes lasts 38
    minutes from 06:22:40; 08:22 to 09:00 with 0:38 agree as typed, and start at 08:22:40."""
    for hour in (5, 7):
        TimeEntry.objects.create(
            user=colleague,
            project=website,
            start=datetime(2026, 11, 23, hour, 0, tzinfo=UTC),
            end=datetime(2026, 11, 23, hour, 22, 40, tzinfo=UTC),
        )
    berliner.post("/entries/new/", typed(website, start_time="6:22", duration="38m"))
    with_duration = TimeEntry.objects.get(start=datetime(2026, 11, 23, 5, 22, 40, tzinfo=UTC))
    assert with_duration.duration_seconds == 38 * 60
    response = berliner.post(
        "/entries/new/", typed(website, start_time="8:22", end_time="9:00", duration="0:38")
    )
    assert response.status_code == 302
    all_three = TimeEntry.objects.get(start=datetime(2026, 11, 23, 7, 22, 40, tzinfo=UTC))
    assert all_three.end == datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
    assert not TimeEntry.objects.overlapping_only().exists()


def test_the_minute_a_start_snaps_within_is_counted_in_utc(berliner, colleague, website):
    """On the night clocks go back in Berlin (25 October 2026), 02:59 (the first, 00:59 UTC)
    and a minute is 01:00 UTC, not 03:00 CET (02:00 UTC): an entry that ends at 01:40 UTC,
    the second 02:40, is 41 minutes later and does not move the start."""
    TimeEntry.objects.create(
        user=colleague,
        project=website,
        start=datetime(2026, 10, 25, 1, 10, tzinfo=UTC),
        end=datetime(2026, 10, 25, 1, 40, tzinfo=UTC),
    )
    fields = {"date": "2026-10-25", "start_time": "2:59", "duration": "10m"}
    assert berliner.post("/entries/new/", {**typed(website), **fields}).status_code == 302
    assert TimeEntry.objects.filter(start=datetime(2026, 10, 25, 0, 59, tzinfo=UTC)).exists()


def test_an_end_and_a_duration_store_the_time_before_the_end(berliner, website):
    berliner.post("/entries/new/", typed(website, end_time="18:00", duration="1h30"))
    entry = TimeEntry.objects.get()
    assert entry.start == datetime(2026, 11, 23, 15, 30, tzinfo=UTC)
    assert entry.duration_seconds == 5400


def test_a_duration_alone_is_time_on_that_day_without_clock_times(berliner, website):
    berliner.post("/entries/new/", typed(website, duration="1,5"))
    entry = TimeEntry.objects.get()
    assert (entry.duration_only, entry.day, entry.duration_seconds) == (
        True,
        date(2026, 11, 23),
        5400,
    )
    assert not entry.overlapping().exists()


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"start_time": "25:00", "end_time": "26"}, "start_time", "is not a time of day"),
        ({"start_time": "9", "duration": "lots"}, "duration", "is not a duration"),
        ({"start_time": "9", "duration": "80h"}, "duration", "more than 72 hours"),
        ({}, "start_time", "Give two of start, end and duration"),
        ({"end_time": "17"}, "end_time", "Give a start or a duration with the end"),
    ],
)
def test_what_cannot_be_read_is_said_and_nothing_is_saved(
    berliner, website, fields, field, message
):
    response = berliner.post("/entries/new/", typed(website, **fields))
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert not TimeEntry.objects.exists()


def test_the_new_entry_form_starts_on_today(berliner):
    with time_machine.travel(datetime(2026, 11, 29, 23, 30, tzinfo=UTC), tick=False):
        page = berliner.get("/entries/new/").content.decode()
    assert 'name="date" value="2026-11-30"' in page  # already Monday in Berlin


def test_editing_shows_the_typed_times_and_changes_only_what_was_retyped(
    berliner, colleague, website
):
    start = datetime(2026, 11, 23, 8, 0, 7, tzinfo=UTC)  # 09:00:07 in Berlin
    entry = TimeEntry.objects.create(
        user=colleague, project=website, start=start, end=start + timedelta(hours=2)
    )
    page = berliner.get(f"/entries/{entry.pk}/edit/").content.decode()
    assert 'name="start_time" value="09:00"' in page and 'name="end_time" value="11:00"' in page
    shown = typed(website, start_time="09:00", end_time="11:00", notes="kept")
    assert berliner.post(f"/entries/{entry.pk}/edit/", shown).status_code == 302
    entry.refresh_from_db()
    assert entry.start == start and entry.notes == "kept"  # its seconds too
    later = typed(website, start_time="09:00", end_time="12:15")
    assert berliner.post(f"/entries/{entry.pk}/edit/", later).status_code == 302
    entry.refresh_from_db()
    assert entry.duration_seconds == 3 * 3600 + 15 * 60 - 7


def test_three_times_that_disagree_are_refused(berliner, website):
    fields = typed(website, start_time="9", end_time="11:30", duration="45m")
    response = berliner.post("/entries/new/", fields)
    assert response.status_code == 200
    assert "09:00 to 11:30 is 2:30, not 0:45: clear one of the three." in (
        response.content.decode()
    )
    assert not TimeEntry.objects.exists()
    berliner.post(
        "/entries/new/", typed(website, start_time="9", end_time="11:30", duration="2:30")
    )
    assert TimeEntry.objects.get().duration_seconds == 9000  # agreeing, all three are fine


@time_machine.travel(datetime(2026, 11, 29, 12, 0, tzinfo=UTC), tick=False)
def test_a_start_alone_long_ago_asks_for_an_end_instead_of_running(berliner, website):
    response = berliner.post("/entries/new/", typed(website, date="2026-11-20", start_time="18"))
    assert "Give an end or a duration" in response.content.decode()
    assert not TimeEntry.objects.exists()
    berliner.post("/entries/new/", typed(website, date="2026-11-29", start_time="12"))
    assert TimeEntry.objects.get().end is None  # an hour ago: a running timer, as before
