import re
from datetime import date

import pytest
import time_machine
from django.utils import timezone

from tracking.models import Preferences, Project, Task, TimeEntry
from tracking.tests.conftest import at

pytestmark = pytest.mark.django_db


@pytest.fixture
def logged_in(client, colleague):
    client.force_login(colleague)
    return client


def test_the_dashboard_needs_a_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_start_shows_the_running_timer_and_stop_ends_it(logged_in, colleague, website):
    response = logged_in.post("/timer/start/", {"project": website.pk, "notes": "kick-off"})
    assert response.status_code == 302
    running = TimeEntry.objects.get(user=colleague)
    assert running.is_running and running.notes == "kick-off"
    page = logged_in.get("/")
    assert page.context["running"] == running
    assert b"Stop timer" in page.content
    logged_in.post("/timer/stop/")
    running.refresh_from_db()
    assert not running.is_running
    assert logged_in.get("/").context["running"] is None


def test_starting_again_switches_timers(logged_in, colleague, website, internal):
    logged_in.post("/timer/start/", {"project": website.pk})
    logged_in.post("/timer/start/", {"project": internal.pk})
    entries = TimeEntry.objects.filter(user=colleague)
    assert entries.count() == 2
    assert entries.running().get().project == internal


def test_stopping_a_timer_that_ran_into_typed_time_says_so(
    logged_in, colleague, website, make_entry
):
    """Typed at 08:00 for 10:00 to 10:30, the entry shared nothing with a timer started at
    09:00 yet; stopped at noon, the timer covers it."""
    with time_machine.travel(at(23, 8), tick=False):
        make_entry(colleague, website, at(23, 10), 30)
        logged_in.post("/timer/start/", {"project": website.pk})
    with time_machine.travel(at(23, 12), tick=False):
        page = logged_in.post("/timer/stop/", follow=True).content.decode()
    assert "Timer stopped: 4:00 on" in page
    assert (
        f"This entry overlaps your entry on {website.name}, Mon 23 Nov 10:00\u201310:30." in page
    )


def test_stop_without_a_running_timer_says_so(logged_in):
    response = logged_in.post("/timer/stop/", follow=True)
    assert b"No timer is running." in response.content


def test_start_with_a_task_of_another_project_is_refused(logged_in, colleague, website, internal):
    other = Task.objects.create(project=internal, title="Other")
    response = logged_in.post(
        "/timer/start/", {"project": website.pk, "task": other.pk}, follow=True
    )
    assert b"This task belongs to another project." in response.content
    assert not TimeEntry.objects.filter(user=colleague).exists()


def test_start_without_a_project_is_refused(logged_in, colleague):
    response = logged_in.post("/timer/start/", {"notes": "x"}, follow=True)
    assert b"Choose a project (or find one) first." in response.content
    assert not TimeEntry.objects.exists()


def test_an_archived_project_cannot_be_started(logged_in, website):
    website.archived = True
    website.save()
    logged_in.post("/timer/start/", {"project": website.pk})
    assert not TimeEntry.objects.exists()


def test_timer_endpoints_refuse_get(logged_in):
    assert logged_in.get("/timer/start/").status_code == 405
    assert logged_in.get("/timer/stop/").status_code == 405


def test_continue_restarts_an_entry_with_its_project_task_and_notes(
    logged_in, colleague, website, design_task, make_entry
):
    old = make_entry(colleague, website, at(2, 9), 30, task=design_task, notes="layout")
    logged_in.post(f"/entries/{old.pk}/continue/")
    new = TimeEntry.objects.running().get(user=colleague)
    assert (new.project, new.task, new.notes) == (website, design_task, "layout")


def test_continue_of_someone_elses_entry_is_404(logged_in, stranger, website, make_entry):
    theirs = make_entry(stranger, website, at(2, 9), 30)
    assert logged_in.post(f"/entries/{theirs.pk}/continue/").status_code == 404


def test_the_dashboard_lists_today_and_this_week_with_totals(
    logged_in, colleague, website, make_entry, django_assert_num_queries
):
    with time_machine.travel(at(25, 12), tick=False):  # a Wednesday
        make_entry(colleague, website, at(25, 9), 30)
        make_entry(colleague, website, at(25, 10), 45)
        make_entry(colleague, website, at(23, 9), 60)  # Monday
        make_entry(colleague, website, at(22, 9), 120)  # last Sunday: not this week
        # Session, person, the timer's ids, today's entries and their tags, the week's days
        # and the running timer's, the recent projects and the last one tracked (one
        # query), the picker, any project?, the projects with a budget, the person's
        # permissions (one query), the picker's tasks.
        with django_assert_num_queries(13):
            response = logged_in.get("/")
    assert response.context["today_seconds"] == 75 * 60
    assert response.context["week_seconds"] == 135 * 60
    assert len(response.context["today_entries"]) == 2
    # Earlier days of the week are a line each, linked to their entries.
    assert response.context["earlier_days"] == [
        {"day": date(2026, 11, 23), "seconds": 3600, "count": 1}
    ]
    page = response.content.decode()
    assert 'href="/entries/?start=2026-11-23&amp;end=2026-11-23">Mon 23 Nov' in page


def test_dashboard_totals_include_the_running_timer_and_no_future_day(
    logged_in, colleague, website, make_entry
):
    with time_machine.travel(at(25, 12), tick=False):  # a Wednesday, noon UTC
        make_entry(colleague, website, at(25, 9), 60)
        make_entry(colleague, website, at(27, 9), 240)  # Friday: not worked yet
        make_entry(colleague, website, at(25, 11, 30), None)  # running for 30 minutes
        page = logged_in.get("/").content.decode()
    assert 'id="today-total" data-seconds="5400"' in page
    assert 'id="week-total" data-seconds="5400"' in page


def test_a_timer_running_since_an_earlier_day_counts_on_that_days_row_of_the_week(
    logged_in, colleague, website, make_entry
):
    """The week's rows add up to the week's total: a timer started on Tuesday night and
    still running on Wednesday morning counts on Tuesday's row, where the total counts it."""
    with time_machine.travel(at(25, 5), tick=False):  # a Wednesday, 05:00 UTC
        make_entry(colleague, website, at(24, 9), 60)  # Tuesday
        make_entry(colleague, website, at(24, 22), None)  # Tuesday 22:00, still running
        response = logged_in.get("/")
    tuesday = {"day": date(2026, 11, 24), "seconds": 3600 + 7 * 3600, "count": 2}
    assert response.context["earlier_days"] == [tuesday]
    assert response.context["week_seconds"] == tuesday["seconds"]
    assert response.context["today_seconds"] == 0
    # The running card says on which day it started; started today, the time is enough.
    assert "Started Tue 24 Nov 22:00 ·" in response.content.decode()
    with time_machine.travel(at(24, 23), tick=False):
        assert "Started 22:00 ·" in logged_in.get("/").content.decode()


def test_dashboard_totals_follow_the_users_local_day_and_iso_week(
    client, colleague, website, make_entry
):
    Preferences.objects.create(user=colleague, time_zone="Pacific/Auckland")  # UTC+13
    client.force_login(colleague)
    with (
        time_machine.travel(at(29, 20), tick=False),  # Monday 09:00 in Auckland
        timezone.override("Pacific/Auckland"),  # made where they live
    ):
        make_entry(colleague, website, at(29, 19), 30)  # Monday 08:00 local
        make_entry(colleague, website, at(29, 9), 60)  # Sunday 22:00 local: last week
        page = client.get("/").content.decode()
    assert 'id="today-total" data-seconds="1800"' in page
    assert 'id="week-total" data-seconds="1800"' in page


def test_the_idle_timer_bar_starts_on_the_project_last_tracked(logged_in, colleague, website):
    other = Project.objects.create(name="Other", client=website.client)
    TimeEntry.objects.start_timer(colleague, other, at=at(23, 9))
    TimeEntry.objects.stop_timer(colleague, at=at(23, 10))
    TimeEntry.objects.start_timer(colleague, website, at=at(23, 11))
    TimeEntry.objects.stop_timer(colleague, at=at(23, 12))
    page = logged_in.get("/entries/").content.decode()
    assert f'<option value="{website.pk}" selected>' in page
    assert 'id="today-total"' not in page  # the bar, not the dashboard
    dashboard = logged_in.get("/").content.decode()
    assert re.search(r'id="today-total" data-seconds="\d+">\d+:\d\d<', dashboard)


def test_time_typed_for_later_days_is_not_the_work_last_tracked(logged_in, colleague, website):
    other = Project.objects.create(name="Other", client=website.client)
    with time_machine.travel(at(23, 12), tick=False):  # Monday 23 November, noon
        saved = logged_in.post("/timesheet/?week=2026-W48", {f"h-{other.pk}-2026-11-27": "2"})
        assert saved.status_code == 302  # two hours on Friday, typed ahead
        TimeEntry.objects.start_timer(colleague, website, at=at(23, 9))
        TimeEntry.objects.stop_timer(colleague, at=at(23, 10))
        page = logged_in.get("/entries/").content.decode()
    assert f'<option value="{website.pk}" selected>' in page


def test_the_timer_bar_starts_another_project_than_the_last_tasks(
    logged_in, colleague, website, internal, design_task
):
    """The bar carries the last entry's task hidden; choosing another project there starts
    it without that task, not a refusal about a field nobody sees."""
    TimeEntry.objects.start_timer(colleague, website, task=design_task, at=at(23, 9))
    TimeEntry.objects.stop_timer(colleague, at=at(23, 10))
    page = logged_in.get("/entries/").content.decode()
    hidden = re.search(r'<input type="hidden" name="task" value="(\d+)"', page).group(1)
    assert hidden == str(design_task.pk) and 'name="quick" value="1"' in page
    form = {"project": internal.pk, "task": hidden, "notes": "Budget review", "quick": "1"}
    assert logged_in.post("/timer/start/", form).status_code == 302
    running = TimeEntry.objects.get(end=None)
    assert (running.project, running.task, running.notes) == (internal, None, "Budget review")
    # The dashboard's form shows its task picker: there a mismatch is still an error.
    form.pop("quick")
    response = logged_in.post("/timer/start/", form, follow=True)
    assert "This task belongs to another project." in response.content.decode()
