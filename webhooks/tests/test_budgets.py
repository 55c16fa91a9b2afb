"""Budgets that warn before they are blown: once per threshold and period, from every door
(the API, the web, imports), to a webhook, the managers' dashboard and their mailbox."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from tracking.models import BudgetAlert, Project, TimeEntry
from webhooks.models import Webhook
from webhooks.sender import deliver_due

pytestmark = pytest.mark.django_db


def hours_at(api, project, day: date, start_hour: int, hours: str):
    start = datetime(
        day.year, day.month, day.day, start_hour, tzinfo=timezone.get_default_timezone()
    )
    end = start + timedelta(hours=float(hours))
    response = api.post(
        "/api/v1/entries/",
        {"project": project.pk, "start": start.isoformat(), "end": end.isoformat()},
    )
    assert response.status_code == 201, response.content


@pytest.fixture
def budget_hook(recording_server):
    return Webhook.objects.create(url=recording_server.url, events=["budget.threshold_reached"])


def test_a_two_hour_budget_alerts_once_at_80_and_once_at_100_percent(
    colleague, website, api_as, budget_hook, recording_server
):
    website.budget_hours = Decimal("2")
    website.save()
    api = api_as(colleague)
    today = timezone.localdate()
    for hour, hours in [(8, "1.0"), (10, "0.7"), (12, "0.5"), (14, "0.1")]:
        hours_at(api, website, today, hour, hours)
        deliver_due()
    bodies = recording_server.json_bodies()
    assert [body["data"]["percent"] for body in bodies] == [80, 100]
    assert [body["data"]["used_hours"] for body in bodies] == ["1.70", "2.20"]
    for body in bodies:
        assert body["event"] == "budget.threshold_reached"
        assert body["data"]["project"] == {"id": website.pk, "name": "Website"}
        assert body["data"]["budget_hours"] == "2.00" and body["data"]["period"] == "total"
    project = api.get(f"/api/v1/projects/{website.pk}/").json()
    assert project["budget_used_hours"] == "2.30" and project["budget_used_percent"] == 115


def test_dropping_below_and_crossing_again_tells_nobody_twice(colleague, website, make_entry):
    website.budget_hours = Decimal("1")
    website.save()
    entry = make_entry(colleague, website, timezone.now() - timedelta(hours=3), 60)
    entry.trash()
    entry.restore()
    entry.end = entry.start + timedelta(minutes=30)
    entry.save()
    entry.end = entry.start + timedelta(minutes=70)
    entry.save()
    assert sorted(BudgetAlert.objects.values_list("percent", flat=True)) == [80, 100]


def test_a_monthly_budget_alerts_again_in_the_next_month(colleague, website, make_entry):
    website.budget_hours, website.budget_period = Decimal("1"), Project.BudgetPeriod.MONTH
    website.save()
    make_entry(colleague, website, datetime(2026, 10, 5, 9, tzinfo=UTC), 90)
    make_entry(colleague, website, datetime(2026, 11, 5, 9, tzinfo=UTC), 50)
    alerts = BudgetAlert.objects.order_by("period", "percent").values_list("period", "percent")
    assert list(alerts) == [("2026-10", 80), ("2026-10", 100), ("2026-11", 80)]


def test_an_amount_budget_counts_billable_hours_at_the_rate(colleague, website, make_entry):
    website.budget_amount = Decimal("100")  # the rate is 80.00 an hour
    website.save()
    make_entry(colleague, website, timezone.now() - timedelta(hours=5), 45, billable=False)
    assert not BudgetAlert.objects.exists()
    make_entry(colleague, website, timezone.now() - timedelta(hours=3), 61)  # 81.33
    assert list(BudgetAlert.objects.values_list("percent", flat=True)) == [80]


def test_an_import_is_recorded_time_too(colleague, website, tmp_path):
    website.budget_hours = Decimal("1")
    website.save()
    export = tmp_path / "export.csv"
    export.write_text(
        "Project,Client,Description,Start date,Start time,End date,End time,Duration\n"
        "Website,Acme,Design,2026-11-02,09:00:00,2026-11-02,10:30:00,01:30:00\n"
    )
    call_command(
        "import_entries", str(export), "--format", "toggl", "--user", "colleague",
        stdout=StringIO(),
    )  # fmt: skip
    assert sorted(BudgetAlert.objects.values_list("percent", flat=True)) == [80, 100]


def test_the_project_pages_and_the_dashboard_show_the_budget(
    client, owner, colleague, website, make_entry
):
    website.budget_hours = Decimal("2")
    website.save()
    make_entry(colleague, website, timezone.now() - timedelta(hours=4), 138)
    client.force_login(owner)
    page = client.get(f"/projects/{website.pk}/").content.decode()
    assert "2.3 of 2 h · 115&nbsp;%" in page and 'class="budget over"' in page
    assert "2.3 of 2 h · 115&nbsp;%" in client.get("/projects/").content.decode()
    dashboard = client.get("/").content.decode()
    assert "Website</a> reached 80 % of its budget" in dashboard
    assert "Website</a> reached 100 % of its budget" in dashboard
    alert = BudgetAlert.objects.get(percent=100)
    client.post(f"/budget-alerts/{alert.pk}/dismiss/")
    assert "reached 100 %" not in client.get("/").content.decode()
    client.force_login(colleague)  # a member sees her project past its alert, no alerts
    dashboard = client.get("/").content.decode()
    assert "reached 80 %" not in dashboard and "2.3 of 2 h · 115&nbsp;%" in dashboard
    assert client.post(f"/budget-alerts/{alert.pk}/dismiss/").status_code == 403


def test_a_task_shows_its_estimate_used(client, colleague, website, design_task, make_entry):
    design_task.estimate_hours = Decimal("4")
    design_task.save()
    make_entry(colleague, website, timezone.now() - timedelta(hours=4), 90, task=design_task)
    client.force_login(colleague)
    page = client.get(f"/tasks/{design_task.pk}/").content.decode()
    assert "Time recorded: 1:30 of an estimate of 4 h · 37&nbsp;%" in page


@pytest.mark.django_db(transaction=True)  # the mail thread reads the committed alert
def test_managers_are_mailed_through_a_real_smtp_server(
    owner, colleague, website, make_entry, smtp_server, django_capture_on_commit_callbacks
):
    owner.email = "owner@agency.test"
    owner.save()
    website.budget_hours = Decimal("1")
    website.save()
    with django_capture_on_commit_callbacks(execute=True):
        make_entry(colleague, website, timezone.now() - timedelta(hours=3), 50)
    assert smtp_server.arrived.wait(10)
    (recipients, message) = smtp_server.messages[0]
    assert recipients == ["owner@agency.test"]  # the Manager; not the member
    assert "Subject: Website: 80 % of its budget used" in message
    assert "Website (Acme) has used 0.83 of 1 h in total: 83 % of its budget." in message
    assert BudgetAlert.objects.get().mailed_at is not None


def test_a_mail_that_failed_is_sent_by_the_cron_command(
    owner, colleague, website, make_entry, smtp_server, settings
):
    owner.email = "owner@agency.test"
    owner.save()
    website.budget_hours = Decimal("1")
    website.save()
    make_entry(colleague, website, timezone.now() - timedelta(hours=3), 50)  # not committed
    out = StringIO()
    call_command("stop_forgotten_timers", stdout=out)
    assert "Mailed 1 budget alert." in out.getvalue()
    assert smtp_server.arrived.wait(10)
    call_command("stop_forgotten_timers", stdout=StringIO())
    assert len(smtp_server.messages) == 1  # once


def test_a_hard_limit_refuses_time_past_the_budget_at_every_door(
    client, colleague, website, api_as, make_entry
):
    website.budget_hours, website.budget_hard_limit = Decimal("2"), True
    website.save()
    api = api_as(colleague)
    today = timezone.localdate()
    hours_at(api, website, today, 8, "1.5")
    start = datetime(
        today.year, today.month, today.day, 11, tzinfo=timezone.get_default_timezone()
    )
    answer = api.post(
        "/api/v1/entries/",
        {
            "project": website.pk,
            "start": start.isoformat(),
            "end": (start + timedelta(hours=1)).isoformat(),
        },
    )
    assert answer.status_code == 400
    assert (
        "Website stops at its budget: 1.5 of 2 h in total is recorded, 30 minutes"
        in (answer.json()["project"][0])
    )
    hours_at(api, website, today, 13, "0.5")  # exactly the budget: fine
    client.force_login(colleague)
    response = client.post("/timer/start/", {"project": website.pk}, follow=True)
    assert "Website stops at its budget" in response.content.decode()
    assert not TimeEntry.objects.filter(end=None).exists()
    assert api.post("/api/v1/timer/start/", {"project": website.pk}).status_code == 400
    assert TimeEntry.objects.count() == 2  # nothing else was recorded


def test_a_timer_running_at_a_hard_limit_is_stopped_there(client, colleague, website):
    website.budget_hours, website.budget_hard_limit = Decimal("1"), True
    website.save()
    started = timezone.now().replace(microsecond=0) - timedelta(hours=3)
    TimeEntry.objects.start_timer(colleague, website, at=started)
    client.force_login(colleague)
    page = client.get("/entries/").content.decode()
    entry = TimeEntry.objects.get()
    assert entry.end == started + timedelta(hours=1) and entry.auto_stopped
    assert "was stopped automatically" in page
