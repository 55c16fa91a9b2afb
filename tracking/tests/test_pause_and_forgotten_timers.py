"""Pausing and resuming a timer, and timers forgotten overnight."""

from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command

from tracking.models import TimeEntry
from tracking.tests.conftest import at

pytestmark = pytest.mark.django_db


@pytest.fixture
def logged_in(client, colleague):
    client.force_login(colleague)
    return client


def test_a_paused_timer_resumes_the_same_work_and_never_counts_the_break(
    logged_in, colleague, website, design_task
):
    with time_machine.travel(at(25, 9), tick=False):
        logged_in.post(
            "/timer/start/", {"project": website.pk, "task": design_task.pk, "notes": "layout"}
        )
    with time_machine.travel(at(25, 10), tick=False):
        assert logged_in.post("/timer/pause/").status_code == 302
        assert not TimeEntry.objects.running().exists()
    with time_machine.travel(at(25, 10, 45), tick=False):
        logged_in.post("/timer/resume/")
    with time_machine.travel(at(25, 11, 15), tick=False):
        page = logged_in.get("/").content.decode()
        logged_in.post("/timer/stop/")
    first, second = TimeEntry.objects.filter(user=colleague).order_by("start")
    assert (first.duration_seconds, second.duration_seconds) == (3600, 1800)
    assert (second.project, second.task, second.notes) == (website, design_task, "layout")
    assert first.pause == TimeEntry.Pause.RESUMED and second.pause == TimeEntry.Pause.NONE
    # Today's total at 11:15 while running again: 60 + 30 minutes, the break left out.
    assert 'id="today-total" data-seconds="5400"' in page
    report = logged_in.get("/reports/?start=2026-11-25&end=2026-11-25").context
    assert str(report["total_hours"]) == "1.50"
    body = b"".join(logged_in.get("/entries/export.csv").streaming_content).decode()
    assert [line.split(",")[3] for line in body.splitlines()[1:]] == ["1.00", "0.50"]


def test_a_paused_timer_is_shown_as_paused_on_every_page(logged_in, website):
    logged_in.post("/timer/start/", {"project": website.pk})
    logged_in.post("/timer/pause/")
    for path in ("/", "/entries/", "/reports/", "/projects/"):
        page = logged_in.get(path).content.decode()
        assert 'id="timer-bar" class="timer-bar paused"' in page, path
        assert 'action="/timer/resume/"' in page


def test_a_running_timer_is_shown_with_a_stop_button_on_every_page(logged_in, website):
    logged_in.post("/timer/start/", {"project": website.pk})
    for path in ("/entries/", "/reports/", "/tasks/", "/preferences/"):
        page = logged_in.get(path).content.decode()
        assert 'id="timer-bar" class="timer-bar running"' in page, path
        assert 'action="/timer/stop/"' in page and "Website" in page


def test_a_pause_since_an_earlier_day_says_which(logged_in, website):
    with time_machine.travel(at(23, 17), tick=False):
        logged_in.post("/timer/start/", {"project": website.pk})
        logged_in.post("/timer/pause/")
        assert "since 17:00</span>" in logged_in.get("/entries/").content.decode()
    with time_machine.travel(at(24, 9), tick=False):
        assert "since Mon 23 Nov 17:00</span>" in logged_in.get("/entries/").content.decode()


def test_pause_and_resume_say_so_when_there_is_nothing_to_do(logged_in):
    assert b"No timer is running." in logged_in.post("/timer/pause/", follow=True).content
    assert b"No timer is paused." in logged_in.post("/timer/resume/", follow=True).content


def test_starting_other_work_or_stopping_ends_the_pause(logged_in, colleague, website, internal):
    logged_in.post("/timer/start/", {"project": website.pk})
    logged_in.post("/timer/pause/")
    logged_in.post("/timer/start/", {"project": internal.pk})
    assert not TimeEntry.objects.filter(pause=TimeEntry.Pause.PAUSED).exists()
    assert b"No timer is paused." in logged_in.post("/timer/resume/", follow=True).content
    logged_in.post("/timer/pause/")
    logged_in.post("/timer/stop/")  # "Done" while paused
    assert not TimeEntry.objects.filter(pause=TimeEntry.Pause.PAUSED).exists()
    assert not TimeEntry.objects.running().exists()


def test_the_database_allows_one_paused_timer_per_user(colleague, website, make_entry):
    from django.db import IntegrityError, transaction

    make_entry(colleague, website, at(2, 9), 30, pause=TimeEntry.Pause.PAUSED)
    with pytest.raises(IntegrityError), transaction.atomic():
        make_entry(colleague, website, at(2, 10), 30, pause=TimeEntry.Pause.PAUSED)


def test_a_forgotten_timer_is_stopped_on_its_owners_next_page(
    logged_in, colleague, website, settings
):
    settings.TIMER_MAX_HOURS = 10
    with time_machine.travel(at(25, 8), tick=False):
        logged_in.post("/timer/start/", {"project": website.pk})
    with time_machine.travel(at(26, 7), tick=False):
        page = logged_in.get("/entries/").content.decode()
    entry = TimeEntry.objects.get(user=colleague)
    assert entry.end == at(25, 18) and entry.auto_stopped
    assert f'href="/entries/{entry.pk}/edit/">Set the real end' in page
    assert 'id="timer-bar"' not in page
    logged_in.post(f"/entries/{entry.pk}/keep-end/")
    entry.refresh_from_db()
    assert not entry.auto_stopped
    assert "stopped automatically" not in logged_in.get("/").content.decode()


def test_setting_the_real_end_clears_the_notice(logged_in, colleague, website, make_entry):
    entry = make_entry(colleague, website, at(2, 8), 600, auto_stopped=True)
    response = logged_in.post(
        f"/entries/{entry.pk}/edit/",
        {"project": website.pk, "start": "2026-11-02T08:00", "end": "2026-11-02T12:30"},
    )
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.duration_seconds == 4.5 * 3600 and not entry.auto_stopped


def run_command() -> str:
    out = StringIO()
    call_command("stop_forgotten_timers", stdout=out)
    return out.getvalue()


def test_the_command_stops_every_forgotten_timer_once(
    colleague, stranger, website, make_entry, settings
):
    settings.TIMER_MAX_HOURS = 10
    forgotten = make_entry(colleague, website, at(25, 6), None)
    recent = make_entry(stranger, website, at(25, 14), None)
    with time_machine.travel(at(25, 17), tick=False):
        output = run_command()
        assert "1 forgotten timer(s) stopped." in output
        assert "0 forgotten timer(s) stopped." in run_command()
    forgotten.refresh_from_db()
    recent.refresh_from_db()
    assert forgotten.end == forgotten.start + timedelta(hours=10) and forgotten.auto_stopped
    assert recent.end is None


def test_a_limit_of_zero_leaves_timers_running(colleague, website, make_entry, settings):
    settings.TIMER_MAX_HOURS = 0
    entry = make_entry(colleague, website, at(1, 6), None)
    with time_machine.travel(at(25, 17), tick=False):
        assert "left running" in run_command()
    entry.refresh_from_db()
    assert entry.end is None


def test_a_reminder_is_mailed_once_when_mail_is_configured(
    colleague, website, make_entry, settings
):
    settings.EMAIL_CONFIGURED = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.TIMER_REMIND_HOURS, settings.TIMER_MAX_HOURS = 8, 10
    entry = make_entry(colleague, website, at(25, 8), None)
    with time_machine.travel(at(25, 17), tick=False):
        run_command()
        run_command()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [colleague.email]
    assert "still running" in mail.outbox[0].subject
    entry.refresh_from_db()
    assert entry.end is None and entry.reminder_sent


def test_pausing_a_timer_started_by_adding_an_entry_ends_the_earlier_pause(colleague, website):
    TimeEntry.objects.start_timer(colleague, website, at=at(23, 9))
    first = TimeEntry.objects.pause_timer(colleague, at=at(23, 10))
    TimeEntry.objects.create(user=colleague, project=website, start=at(23, 11))  # no timer
    second = TimeEntry.objects.pause_timer(colleague, at=at(23, 12))
    first.refresh_from_db()
    assert (first.is_paused, second.is_paused) == (False, True)
