"""Every catalog event can be produced through the app, and each path emits what it says."""

from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import transaction
from django.test import Client as HttpClient
from django.test import override_settings
from django.utils import timezone

from api.models import ApiToken
from setupwizard import installation
from telemetry import emitter, lifecycle
from telemetry.catalog import EVENTS
from tracking.models import (
    TRASH_DAYS,
    BusinessProfile,
    Client,
    Comment,
    Invoice,
    Project,
    Tag,
    Task,
    TimeEntry,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def web(client, owner):
    client.force_login(owner)
    return client


INVOICE_FORM = {
    "issue_date": "2026-11-01",
    "due_date": "2026-11-30",
    "currency": "EUR",
    "items-TOTAL_FORMS": "0",
    "items-INITIAL_FORMS": "0",
}


def clients_path(web):
    web.post("/clients/new/", {"name": "Acme", "email": "a@acme.test"})
    acme = Client.objects.get()
    web.post(f"/clients/{acme.pk}/edit/", {"name": "Acme Ltd", "email": "a@acme.test"})
    web.post(f"/clients/{acme.pk}/edit/", {"name": "Acme Ltd", "email": "", "archived": "on"})
    web.post(f"/clients/{acme.pk}/edit/", {"name": "Acme Ltd", "email": ""})
    web.post(f"/clients/{acme.pk}/delete/")


def projects_path(web):
    acme = Client.objects.create(name="Acme")
    web.post("/projects/new/", {"name": "Site", "client": acme.pk, "billable": "on"})
    site = Project.objects.get()
    web.post(f"/projects/{site.pk}/edit/", {"name": "Site 2", "client": acme.pk})
    web.post(f"/projects/{site.pk}/edit/", {"name": "Site 2", "client": acme.pk, "archived": "on"})
    web.post(f"/projects/{site.pk}/edit/", {"name": "Site 2", "client": acme.pk})
    web.post(f"/projects/{site.pk}/delete/")


def tasks_path(web):
    site = Project.objects.create(name="Site", client=Client.objects.create(name="Acme"))
    web.post(
        "/tasks/new/", {"project": site.pk, "title": "T", "status": "todo", "priority": "low"}
    )
    task = Task.objects.get()
    form = {"project": site.pk, "title": "T2", "priority": "low"}
    web.post(f"/tasks/{task.pk}/edit/", {**form, "status": "todo"})
    web.post(f"/tasks/{task.pk}/edit/", {**form, "status": "done"})
    web.post(f"/tasks/{task.pk}/delete/")


def time_path(web):
    site = Project.objects.create(name="Site", client=Client.objects.create(name="Acme"))
    web.post("/timer/start/", {"project": site.pk})
    web.post("/timer/stop/")
    hours = {"start": "2026-11-02T09:00:00", "end": "2026-11-02T10:00:00"}
    web.post("/entries/new/", {"project": site.pk, **hours})
    manual = TimeEntry.objects.get(start__day=2, start__month=11, start__year=2026)
    web.post(f"/entries/{manual.pk}/edit/", {"project": site.pk, "notes": "x", **hours})
    web.post(f"/entries/{manual.pk}/delete/")
    web.get("/reports/?start=2026-11-01&end=2026-11-30")
    b"".join(web.get("/reports/export.csv").streaming_content)
    web.get("/calendar/?week=2026-W45")


def duplicate_path(web):
    site = Project.objects.create(name="Site", client=Client.objects.create(name="Acme"))
    hours = {"start": "2026-11-02T09:00:00", "end": "2026-11-02T10:00:00"}
    web.post("/entries/new/", {"project": site.pk, **hours})
    web.post(f"/entries/{TimeEntry.objects.get().pk}/duplicate/")


def trash_path(web):
    site = Project.objects.create(name="Site", client=Client.objects.create(name="Acme"))
    hours = {"start": "2026-11-02T09:00:00", "end": "2026-11-02T10:00:00"}
    web.post("/entries/new/", {"project": site.pk, **hours})
    entry = TimeEntry.objects.get()
    web.post(f"/entries/{entry.pk}/delete/")
    web.post(f"/entries/{entry.pk}/restore/")
    web.post(f"/entries/{entry.pk}/delete/")
    TimeEntry.everything.update(deleted_at=timezone.now() - timedelta(days=TRASH_DAYS + 1))
    call_command("purge_trash", stdout=StringIO())


def import_path(web):
    rows = "Date;From;To;Customer;Project;Description\n2026-11-05;09:00;10:00;Acme;Site;x\n"
    web.post("/import/", {"file": SimpleUploadedFile("a.csv", rows.encode()), "time_zone": "UTC"})
    web.post("/import/confirm/", {"format": "kimai", "time_zone": "UTC", "import": "1"})
    bad = SimpleUploadedFile("b.csv", rows.replace("09:00", "nine").encode())
    web.post("/import/", {"file": bad, "time_zone": "UTC"})


def pause_path(web):
    site = Project.objects.create(name="Site", client=Client.objects.create(name="Acme"))
    web.post("/timer/start/", {"project": site.pk})
    web.post("/timer/pause/")
    web.post("/timer/resume/")
    running = TimeEntry.objects.running().get()
    TimeEntry.objects.filter(pk=running.pk).update(start=running.start - timedelta(hours=11))
    web.get("/entries/")  # the owner's next page stops the forgotten timer


def timesheet_path(web):
    site = Project.objects.create(name="Site", client=Client.objects.create(name="Acme"))
    web.post("/timesheet/?week=2026-W45", {f"h-{site.pk}-2026-11-02": "1:30"})


def tags_path(web):
    site = Project.objects.create(name="Site", client=Client.objects.create(name="Acme"))
    web.post("/timer/start/", {"project": site.pk, "tags": "meeting, urgent"})
    Tag.objects.get(name="urgent").delete()


def comments_path(web):
    site = Project.objects.create(name="Site", client=Client.objects.create(name="Acme"))
    web.post(f"/projects/{site.pk}/comments/", {"text": "hello"})
    comment = Comment.objects.get()
    web.post(f"/comments/{comment.pk}/edit/", {"text": "hello again"})
    web.post(f"/comments/{comment.pk}/delete/")


def invoices_path(web):
    acme = Client.objects.create(name="Acme")
    site = Project.objects.create(name="Site", client=acme, hourly_rate=80)
    web.post("/invoices/new/", {"number": "I-1", "client": acme.pk, **INVOICE_FORM})
    invoice = Invoice.objects.get()
    form = {**INVOICE_FORM, "due_date": "2026-12-15"}
    web.post(f"/invoices/{invoice.pk}/edit/", {"number": "I-1", "client": acme.pk, **form})
    start = datetime(2026, 11, 2, 9, tzinfo=UTC)
    entry = TimeEntry.objects.create(
        user=get_user_model().objects.get(username="owner"),
        project=site,
        start=start,
        end=start + timedelta(hours=2),
    )
    dates = {"start_date": "2026-11-01", "end_date": "2026-11-30"}
    web.post(f"/invoices/{invoice.pk}/bill/", dates)
    entry.end = start + timedelta(hours=3)
    entry.save()
    web.post(f"/invoices/{invoice.pk}/refresh/")
    web.get(f"/invoices/{invoice.pk}/pdf/")
    web.post(f"/invoices/{invoice.pk}/status/", {"status": "sent"})
    web.post(f"/invoices/{invoice.pk}/status/", {"status": "paid"})
    web.post("/invoices/new/", {"number": "I-2", "client": acme.pk, **INVOICE_FORM})
    web.post(f"/invoices/{Invoice.objects.get(number='I-2').pk}/delete/")


def business_profile_path(web):
    profile = BusinessProfile.load()
    profile.legal_name = "Studio"
    profile.default_tax_rate = 19
    profile.save()


def admin_path(web):
    member = get_user_model().objects.create_user("member", password="pw-member")
    member.first_name = "M"
    member.save()
    invited = get_user_model().objects.create_user("invited", email="invited@agency.test")
    boss = HttpClient()
    boss.force_login(get_user_model().objects.create_superuser("boss"))
    with override_settings(EMAIL_CONFIGURED=True):  # the test settings' mail: kept in memory
        boss.post(
            "/admin/auth/user/",
            {"action": "invite", "_selected_action": [invited.pk]},
        )
    member.delete()
    web.get("/admin/telemetry/")


def auth_path(web):
    login = HttpClient()
    login.post("/accounts/login/", {"username": "owner", "password": "wrong"})
    login.post("/accounts/login/", {"username": "owner", "password": "pw-owner"})
    login.post("/accounts/logout/")


def api_path(web):
    web.post("/preferences/api-tokens/", {"name": "cli"})
    token = ApiToken.objects.get()
    web.post(f"/preferences/api-tokens/{token.pk}/revoke/")


def webhooks_path(web):
    """A webhook added with the command, then given up by a receiver that refuses it."""
    from conftest import RecordingServer
    from webhooks.sender import deliver_due

    receiver = RecordingServer()
    receiver.status = 404
    try:
        with override_settings(WEBHOOK_ALLOW_PRIVATE=True, WEBHOOK_BACKGROUND=False):
            call_command(
                "webhooks", "add", receiver.url, "--events", "project.created", stdout=StringIO()
            )
            Project.objects.create(name="Hooked", client=Client.objects.create(name="Acme"))
            deliver_due()
    finally:
        receiver.close()


def lifecycle_path(web):
    lifecycle.turn_off()
    lifecycle.turn_on("command")
    with timezone.override("UTC"):
        lifecycle.send_heartbeat_if_due()


PATHS = {
    clients_path: {
        "client.created",
        "client.updated",
        "client.archived",
        "client.unarchived",
        "client.deleted",
    },
    projects_path: {
        "project.created",
        "project.updated",
        "project.archived",
        "project.unarchived",
        "project.deleted",
    },
    tasks_path: {"task.created", "task.updated", "task.status_changed", "task.deleted"},
    time_path: {
        "timer.started",
        "timer.stopped",
        "time_entry.created",
        "time_entry.updated",
        "time_entry.deleted",
        "report.viewed",
        "export.csv",
        "calendar.viewed",
    },
    pause_path: {"timer.paused", "timer.resumed", "timer.auto_stopped"},
    duplicate_path: {"entry.duplicated", "time_entry.created"},
    import_path: {"import.completed", "import.failed"},
    trash_path: {"time_entry.deleted", "entry.trashed", "entry.restored", "trash.purged"},
    tags_path: {"tag.created", "tag.deleted"},
    timesheet_path: {"timesheet.saved", "time_entry.created"},
    comments_path: {"comment.created", "comment.updated", "comment.deleted"},
    invoices_path: {
        "invoice.created",
        "invoice.updated",
        "invoice.sent",
        "invoice.paid",
        "invoice.deleted",
        "invoice.entries_billed",
        "invoice.refreshed",
        "invoice.pdf_downloaded",
    },
    business_profile_path: {"business_profile.updated"},
    admin_path: {
        "admin.user_created",
        "admin.user_updated",
        "admin.user_deleted",
        "admin.invitations_sent",
        "admin.telemetry_dashboard_viewed",
    },
    auth_path: {"auth.login_failed", "auth.login", "auth.logout"},
    api_path: {"api.token_created", "api.token_revoked"},
    lifecycle_path: {"admin.telemetry_toggled", "install.first_seen", "install.heartbeat"},
    webhooks_path: {"webhook.created", "webhook.delivery_failed"},
}


@pytest.mark.parametrize("path", PATHS, ids=lambda path: path.__name__)
def test_each_path_emits_its_events(
    telemetry_on, web, path, event_names, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        path(web)
    assert PATHS[path] <= set(event_names())


def test_the_paths_cover_every_catalog_event():
    covered = set().union(*PATHS.values())
    # setup.completed comes from the setup paths, tested below.
    assert sorted(set(EVENTS) - covered) == ["setup.completed"]


def complete_setup_in_the_wizard(client, **extra):
    client.post(
        "/setup/",
        {
            "token": installation.get().setup_token,
            "username": "boss",
            "email": "boss@example.test",
            "password1": "a long and unusual passphrase 42",
            "password2": "a long and unusual passphrase 42",
            **extra,
        },
    )


def test_setup_with_telemetry_on_emits_completed_then_first_seen_then_toggled(client, event_names):
    complete_setup_in_the_wizard(client, telemetry_enabled="on")
    names = event_names()
    assert names.index("setup.completed") < names.index("install.first_seen")
    assert "admin.telemetry_toggled" in names
    assert names.count("install.first_seen") == 1


def test_setup_with_telemetry_off_emits_nothing(client, sent_events):
    complete_setup_in_the_wizard(client)
    assert sent_events() == []


def test_setup_command_with_telemetry_emits_its_events(monkeypatch, event_names):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a long and unusual passphrase 42")
    call_command(
        "setup",
        "--admin-username",
        "ops",
        "--admin-email",
        "ops@example.test",
        "--telemetry",
        stdout=StringIO(),
    )
    names = event_names()
    assert names == ["setup.completed", "install.first_seen", "admin.telemetry_toggled"]
    assert "admin.user_created" not in names  # the admin was created before consent existed


def test_first_seen_is_sent_once_per_installation(telemetry_on, event_names):
    lifecycle.turn_off()
    lifecycle.turn_on("admin")
    emitter.flush()  # a switch-off drops whatever is still queued, by design
    lifecycle.turn_off()
    lifecycle.turn_on("admin")
    assert event_names().count("install.first_seen") == 1
    assert event_names().count("admin.telemetry_toggled") == 2


def test_turning_off_sends_no_farewell(telemetry_on, sent_events):
    lifecycle.turn_off()
    assert sent_events() == []


def test_the_heartbeat_goes_out_at_most_once_a_day(telemetry_on, event_names):
    assert lifecycle.send_heartbeat_if_due() == "Heartbeat sent."
    assert "already sent" in lifecycle.send_heartbeat_if_due()
    assert event_names().count("install.heartbeat") == 1


def test_a_rolled_back_change_emits_nothing(
    telemetry_on, owner, sent_events, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        Client.objects.create(name="Never")
        raise RuntimeError("roll back")
    assert sent_events() == []


def test_task_status_change_reports_old_and_new_without_a_query(
    telemetry_on,
    owner,
    sent_events,
    django_capture_on_commit_callbacks,
    django_assert_num_queries,
):
    acme = Client.objects.create(name="A")
    task = Task.objects.create(project=Project.objects.create(name="P", client=acme), title="t")
    task.status = Task.Status.IN_PROGRESS
    with django_capture_on_commit_callbacks(execute=True), django_assert_num_queries(1):
        task.save()  # the UPDATE only: the old status comes from the post_init snapshot
    [event] = sent_events()
    assert event["event"] == "task.status_changed"
    assert event["properties"]["from_status"] == "todo"
    assert event["properties"]["to_status"] == "in_progress"


def test_a_timer_is_attributed_to_its_user_outside_a_request(
    telemetry_on, colleague, sent_events, django_capture_on_commit_callbacks
):
    acme = Client.objects.create(name="A")
    project = Project.objects.create(name="P", client=acme)
    with django_capture_on_commit_callbacks(execute=True):
        entry = TimeEntry.objects.start_timer(colleague, project)
        entry.stop(at=entry.start + timedelta(minutes=5))
    started, stopped = [e for e in sent_events() if e["event"].startswith("timer.")]
    from telemetry.identity import user_fingerprint

    expected = user_fingerprint(telemetry_on.telemetry_salt, colleague.pk)
    assert started["distinct_id"] == stopped["distinct_id"] == expected
    assert stopped["properties"]["duration_seconds"] == 300


def test_a_failed_login_never_carries_the_username(telemetry_on, client, sent_events):
    client.post("/accounts/login/", {"username": "alice.secret", "password": "nope"})
    [event] = sent_events()
    assert event["event"] == "auth.login_failed"
    assert event["properties"]["reason"] == "invalid_credentials"
    assert "alice.secret" not in str(event)


def test_a_login_refused_while_paused_says_locked_out_and_nothing_more(
    telemetry_on, client, sent_events, settings
):
    for _ in range(settings.AXES_FAILURE_LIMIT + 1):
        client.post("/accounts/login/", {"username": "alice.secret", "password": "nope"})
    events = sent_events()
    reasons = [event["properties"]["reason"] for event in events]
    # The attempt that reaches the limit starts the pause, and so does every one after it.
    limit = settings.AXES_FAILURE_LIMIT
    assert reasons == ["invalid_credentials"] * (limit - 1) + ["locked_out"] * 2
    assert "alice.secret" not in str(events)


def sources(sent_events, name) -> list[str]:
    return [event["properties"]["source"] for event in sent_events() if event["event"] == name]


def test_timer_and_entry_events_say_where_the_change_came_from(
    telemetry_on, web, owner, superuser, sent_events, django_capture_on_commit_callbacks
):
    admin = HttpClient()
    admin.force_login(superuser)
    site = Project.objects.create(name="Site", client=Client.objects.create(name="Acme"))
    with django_capture_on_commit_callbacks(execute=True):
        _, secret = ApiToken.objects.create_token(owner, "cli")
        api = HttpClient(headers={"Authorization": f"Bearer {secret}"})
        web.post("/timer/start/", {"project": site.pk})
        api.post("/api/v1/timer/stop/")
        api.post("/api/v1/timer/start/", {"project": site.pk}, content_type="application/json")
        TimeEntry.objects.stop_timer(owner)  # outside any request: a command or script
        entry = TimeEntry.objects.filter(user=owner).first()
        admin.post(f"/admin/tracking/timeentry/{entry.pk}/delete/", {"post": "yes"})
    assert sources(sent_events, "timer.started") == ["web", "api"]
    assert sources(sent_events, "timer.stopped") == ["api", "command"]
    assert sources(sent_events, "time_entry.deleted") == ["admin"]
    assert sources(sent_events, "entry.trashed") == ["admin"]
    assert sources(sent_events, "api.token_created") == ["command"]
