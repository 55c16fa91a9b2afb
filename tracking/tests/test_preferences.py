from datetime import UTC, datetime

import pytest
import time_machine
from django.utils import timezone

from tracking.models import Preferences
from tracking.tests.conftest import at

pytestmark = pytest.mark.django_db


@pytest.fixture
def logged_in(client, colleague):
    client.force_login(colleague)
    return client


def test_times_follow_the_users_own_time_zone_and_entries_keep_their_day(
    logged_in, colleague, website, make_entry
):
    make_entry(colleague, website, at(2, 20), 30)  # 05:00 on the 3rd in Tokyo
    response = logged_in.post("/preferences/", {"time_zone": "Asia/Tokyo"})
    assert response.status_code == 302
    assert Preferences.objects.get(user=colleague).time_zone == "Asia/Tokyo"
    with timezone.override("Asia/Tokyo"):  # made where its owner now lives
        make_entry(colleague, website, at(3, 1), 30)  # 10:00 on the 3rd in Tokyo
    body = b"".join(
        logged_in.get("/reports/export.csv?start=2026-11-02&end=2026-11-03").streaming_content
    ).decode()
    # Made on the 2nd (in UTC, the zone of the day), it stays there; times are Tokyo's.
    assert "2026-11-02,05:00:00,05:30:00" in body
    assert "2026-11-03,10:00:00,10:30:00" in body


def test_the_server_zone_is_the_default(logged_in, colleague, website, make_entry):
    make_entry(colleague, website, at(2, 20), 30)
    body = b"".join(logged_in.get("/entries/export.csv").streaming_content).decode()
    assert "2026-11-02,20:00:00,20:30:00" in body


def test_an_unknown_zone_is_refused(logged_in, colleague):
    response = logged_in.post("/preferences/", {"time_zone": "Mars/Olympus_Mons"})
    assert response.status_code == 200
    assert "time_zone" in response.context["form"].errors
    assert Preferences.objects.get(user=colleague).time_zone == ""


def test_the_zone_is_remembered_at_login(client, colleague, website, make_entry):
    Preferences.objects.create(user=colleague, time_zone="America/New_York")
    make_entry(colleague, website, at(2, 20), 30)
    client.post("/accounts/login/", {"username": "colleague", "password": "pw-colleague"})
    body = b"".join(client.get("/entries/export.csv").streaming_content).decode()
    assert "2026-11-02,15:00:00,15:30:00" in body


def test_the_zone_costs_no_query_of_its_own(logged_in, django_assert_num_queries):
    logged_in.post("/preferences/", {"time_zone": "Asia/Tokyo"})
    with django_assert_num_queries(1) as captured:
        logged_in.get("/favicon.ico")  # a redirect: what every request pays, and nothing more
    assert "django_session" in captured.captured_queries[0]["sql"]  # not the user, no prefs


def test_a_person_without_a_zone_is_asked_for_their_browsers_once(logged_in, colleague):
    page = logged_in.get("/entries/").content.decode()
    assert 'id="browser-zone"' in page
    response = logged_in.post(
        "/preferences/zone/", {"time_zone": "Asia/Tokyo", "next": "/entries/?page=1"}
    )
    assert response.status_code == 302 and response["Location"] == "/entries/?page=1"
    assert Preferences.objects.get(user=colleague).time_zone == "Asia/Tokyo"
    page = logged_in.get("/entries/").content.decode()
    assert "Times are now shown in Asia/Tokyo" in page
    assert 'id="browser-zone"' not in page
    assert (
        "Times are shown in <strong>Asia/Tokyo</strong>"
        in logged_in.get("/preferences/").content.decode()
    )


def test_an_unknown_browser_zone_is_ignored_and_not_asked_again(logged_in, colleague):
    response = logged_in.post("/preferences/zone/", {"time_zone": "Mars/Olympus_Mons"})
    assert response.status_code == 302
    assert Preferences.objects.get(user=colleague).time_zone == ""
    assert 'id="browser-zone"' not in logged_in.get("/").content.decode()


def test_the_browser_never_overrides_a_chosen_zone_or_sends_people_elsewhere(client, colleague):
    Preferences.objects.create(user=colleague, time_zone="Europe/Berlin")
    client.force_login(colleague)
    response = client.post(
        "/preferences/zone/", {"time_zone": "Asia/Tokyo", "next": "https://evil.test/"}
    )
    assert response["Location"] == "/"
    assert Preferences.objects.get(user=colleague).time_zone == "Europe/Berlin"


def test_choosing_the_servers_zone_is_kept_and_never_replaced_by_the_browsers(
    logged_in, colleague, settings
):
    logged_in.post("/preferences/", {"time_zone": ""})
    assert Preferences.objects.get(user=colleague).time_zone == settings.TIME_ZONE
    logged_in.logout()
    logged_in.force_login(colleague)
    assert 'id="browser-zone"' not in logged_in.get("/entries/").content.decode()


@time_machine.travel(datetime(2026, 11, 25, 12, 0, tzinfo=UTC), tick=False)  # noon everywhere
def test_durations_read_h_mm_unless_decimal_hours_are_preferred(logged_in, colleague, website):
    logged_in.post("/entries/new/", {"project": website.pk, "duration": "1:30"})
    assert '<small class="muted" id="today-total" data-seconds="5400">1:30</small>' in (
        logged_in.get("/").content.decode()
    )
    logged_in.post("/timer/start/", {"project": website.pk})
    stopped = logged_in.post("/timer/stop/", follow=True).content.decode()
    assert "Today: 1:30." in stopped

    response = logged_in.post(
        "/preferences/", {"time_zone": "Europe/Berlin", "durations": "decimal"}
    )
    assert response.status_code == 302
    page = logged_in.get("/").content.decode()
    assert 'id="today-total" data-seconds="5401">1.50 h</small>' in page
    assert "1.50 h" in logged_in.get("/entries/").content.decode()
    csv = b"".join(logged_in.get("/entries/export.csv").streaming_content).decode()
    assert ",1.50,5400," in csv  # machine-readable columns, whatever the preference
