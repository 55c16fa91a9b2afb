"""Durations are real elapsed time on the nights the clocks change, in every entry path."""

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from tracking.models import Preferences, TimeEntry

pytestmark = pytest.mark.django_db

# (zone, local day, seconds that really pass from 01:30 to 03:30 local)
DST_NIGHTS = [
    ("Europe/Berlin", "2026-03-29", 3600),
    ("Europe/Berlin", "2026-10-25", 10800),
    ("America/New_York", "2026-03-08", 3600),
    ("America/New_York", "2026-11-01", 10800),
]


@pytest.fixture
def in_zone(client, colleague):
    def log_in(zone):
        Preferences.objects.create(user=colleague, time_zone=zone)
        client.force_login(colleague)  # the zone travels in the session from login
        return client

    return log_in


def csv_lines(client, day) -> list[str]:
    response = client.get(f"/entries/export.csv?start={day}&end={day}")
    return b"".join(response.streaming_content).decode().splitlines()[1:]


@pytest.mark.parametrize(("zone", "day", "seconds"), DST_NIGHTS)
def test_a_typed_entry_across_the_change_stores_the_real_duration(
    in_zone, colleague, website, zone, day, seconds
):
    client = in_zone(zone)
    response = client.post(
        "/entries/new/",
        {"project": website.pk, "start": f"{day}T01:30", "end": f"{day}T03:30", "billable": "on"},
    )
    assert response.status_code == 302
    entry = TimeEntry.objects.get(user=colleague)
    assert entry.duration_seconds == seconds
    assert entry.end - entry.start == entry.duration
    hours = f"{seconds // 3600}.00"
    amount = f"{seconds // 3600 * 80}.00"  # Website bills 80.00 an hour
    assert csv_lines(client, day) == [
        f"{day},01:30:00,03:30:00,{hours},{seconds},colleague,Acme,Website,,yes,80.00,{amount},,"
    ]


@pytest.mark.parametrize(("zone", "day", "seconds"), DST_NIGHTS)
def test_a_timer_across_the_change_counts_the_real_duration(
    in_zone, colleague, website, zone, day, seconds
):
    client = in_zone(zone)
    local = ZoneInfo(zone)
    start = datetime.fromisoformat(f"{day}T01:30").replace(tzinfo=local)
    with time_machine.travel(start, tick=False):
        client.post("/timer/start/", {"project": website.pk})
    with time_machine.travel(start.astimezone(UTC).timestamp() + seconds, tick=False):
        client.post("/timer/stop/")
    entry = TimeEntry.objects.get(user=colleague)
    assert entry.duration_seconds == seconds
    assert csv_lines(client, day)[0].startswith(f"{day},01:30:00,03:30:00,{seconds // 3600}.00")


def test_the_repeated_hour_can_be_entered_as_its_first_occurrence(in_zone, colleague, website):
    client = in_zone("Europe/Berlin")
    response = client.post(
        "/entries/new/",
        {"project": website.pk, "start": "2026-10-25T02:15", "end": "2026-10-25T02:45"},
    )
    assert response.status_code == 302
    entry = TimeEntry.objects.get(user=colleague)
    assert entry.start == datetime(2026, 10, 25, 0, 15, tzinfo=UTC)  # 02:15 summer time
    assert entry.duration_seconds == 1800


def test_an_untouched_second_occurrence_is_not_moved_when_the_form_is_saved_again(
    in_zone, colleague, website
):
    entry = TimeEntry.objects.create(
        user=colleague,
        project=website,
        start=datetime(2026, 10, 25, 1, 10, tzinfo=UTC),  # 02:10 winter time, the second one
        end=datetime(2026, 10, 25, 1, 40, tzinfo=UTC),
    )
    client = in_zone("Europe/Berlin")
    page = client.get(f"/entries/{entry.pk}/edit/").content.decode()
    shown = {
        name: re.search(rf'name="{name}" value="([^"]+)"', page).group(1)
        for name in ("date", "start_time", "end_time")
    }
    assert shown == {"date": "2026-10-25", "start_time": "02:10", "end_time": "02:40"}
    data = {"project": website.pk, "notes": "edited", **shown}
    assert client.post(f"/entries/{entry.pk}/edit/", data).status_code == 302
    entry.refresh_from_db()
    assert entry.notes == "edited"
    assert entry.start == datetime(2026, 10, 25, 1, 10, tzinfo=UTC)
    assert entry.duration_seconds == 1800


def test_a_skipped_hour_is_refused_with_a_message(in_zone, colleague, website):
    client = in_zone("Europe/Berlin")
    response = client.post(
        "/entries/new/",
        {"project": website.pk, "start": "2026-03-29T02:30", "end": "2026-03-29T04:00"},
    )
    assert response.status_code == 200
    assert "the clocks skip that hour" in response.context["form"].errors["start"][0]
    assert not TimeEntry.objects.exists()
