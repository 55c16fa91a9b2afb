"""Webhooks: what is queued for which change, signed deliveries to a real receiver on
loopback, retries and giving up, refused addresses, the command and the admin."""

import hashlib
import hmac
import json
import multiprocessing
from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.utils import timezone

from tracking.models import Invoice, Project, TimeEntry
from webhooks.models import Delivery, Webhook
from webhooks.sender import deliver_due
from webhooks.tests.helpers import deliver_in_a_process

pytestmark = pytest.mark.django_db


def verified(request: dict, secret: str) -> bool:
    """What a receiver does (README, "Webhooks"): recompute the signature and compare."""
    headers = {name.lower(): value for name, value in request["headers"].items()}
    message = headers["x-timetracker-timestamp"].encode() + b"." + request["body"]
    expected = "sha256=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, headers["x-timetracker-signature"])


def events(server) -> list[str]:
    return [body["event"] for body in server.json_bodies()]


def test_the_daily_path_is_told_signed_and_in_order(
    client, colleague, website, hook, recording_server
):
    client.force_login(colleague)
    client.post("/timer/start/", {"project": website.pk})
    client.post("/timer/stop/")
    entry = TimeEntry.objects.get()
    client.post(f"/entries/{entry.pk}/delete/")
    assert deliver_due() == 3
    assert events(recording_server) == ["timer.started", "timer.stopped", "entry.deleted"]
    for request, body in zip(recording_server.requests, recording_server.json_bodies()):
        assert verified(request, hook.secret)
        headers = {name.lower(): value for name, value in request["headers"].items()}
        assert headers["x-timetracker-delivery"] == body["id"]
        assert headers["x-timetracker-event"] == body["event"]
        assert body["data"]["id"] == entry.pk and body["data"]["project"] == website.pk
        assert set(body) == {"id", "event", "created_at", "data"}
    assert Delivery.objects.filter(status=Delivery.Status.DELIVERED).count() == 3


def test_an_entry_typed_with_tags_is_sent_with_its_tags(
    client, colleague, website, hook, recording_server
):
    client.force_login(colleague)
    form = {
        "project": website.pk,
        "date": "2026-11-02",
        "start_time": "09:00",
        "end_time": "10:30",
        "notes": "Kick-off with Acme",
        "tags": "meeting, client",
        "billable": "on",
    }
    assert client.post("/entries/new/", form).status_code == 302
    deliver_due()
    (body,) = recording_server.json_bodies()
    assert body["event"] == "entry.created"
    assert body["data"]["notes"] == "Kick-off with Acme"
    assert sorted(body["data"]["tags"]) == ["client", "meeting"]
    assert body["data"]["duration_seconds"] == 5400


def test_a_rolled_back_change_sends_nothing(colleague, website, hook, recording_server):
    with pytest.raises(RuntimeError), transaction.atomic():
        TimeEntry.objects.start_timer(colleague, website)
        raise RuntimeError("the request failed after the write")
    assert not Delivery.objects.exists()
    assert deliver_due() == 0 and recording_server.requests == []


def test_projects_and_invoices_are_told(owner, acme, website, hook, recording_server, make_entry):
    project = Project.objects.create(name="Brochure", client=acme)
    make_entry(owner, website, timezone.now() - timedelta(days=2), 60)
    invoice = Invoice.objects.create(client=acme, due_date=timezone.localdate())
    invoice.add_items_from_entries(timezone.localdate() - timedelta(days=7), timezone.localdate())
    invoice.advance_status(Invoice.Status.SENT)
    invoice.advance_status(Invoice.Status.PAID)
    deliver_due()
    found = {body["event"]: body["data"] for body in recording_server.json_bodies()}
    assert found["project.created"]["id"] == project.pk
    assert found["invoice.sent"]["status"] == "sent"
    assert found["invoice.paid"]["number"] == invoice.number


def test_only_the_events_subscribed_are_sent(colleague, website, recording_server):
    Webhook.objects.create(url=recording_server.url, events=["timer.stopped"])
    TimeEntry.objects.start_timer(colleague, website)
    TimeEntry.objects.stop_timer(colleague)
    deliver_due()
    assert events(recording_server) == ["timer.stopped"]


def test_failures_are_retried_with_the_same_id_then_given_up(
    colleague, website, hook, recording_server
):
    recording_server.statuses = [500, 429]
    TimeEntry.objects.start_timer(colleague, website)
    deliver_due()
    delivery = Delivery.objects.get()
    assert delivery.status == Delivery.Status.RETRYING and delivery.response_code == 500
    first_wait = delivery.next_attempt_at - timezone.now()
    assert timedelta(seconds=10) < first_wait <= timedelta(seconds=15)
    assert deliver_due() == 0  # not due yet
    with time_machine.travel(delivery.next_attempt_at + timedelta(seconds=1)):
        deliver_due()
    delivery.refresh_from_db()
    assert delivery.attempts == 2 and delivery.response_code == 429
    assert delivery.next_attempt_at - (timezone.now()) > first_wait  # the wait doubles
    with time_machine.travel(delivery.next_attempt_at + timedelta(seconds=1)):
        deliver_due()  # the receiver answers 200 now
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.DELIVERED and delivery.attempts == 3
    ids = {request["headers"]["X-TimeTracker-Delivery"] for request in recording_server.requests}
    assert ids == {str(delivery.pk)}

    recording_server.status = 503
    TimeEntry.objects.stop_timer(colleague)
    with time_machine.travel(timezone.now() + timedelta(hours=25)):
        deliver_due()
    stopped = Delivery.objects.get(event="timer.stopped")
    assert stopped.status == Delivery.Status.FAILED and stopped.last_error == "HTTP 503"
    assert list(Webhook.objects.failing()) == [hook]


def test_a_refusal_is_not_retried_and_only_a_kilobyte_of_the_answer_is_kept(
    colleague, website, hook, recording_server
):
    recording_server.status = 410
    TimeEntry.objects.start_timer(colleague, website)
    deliver_due()
    delivery = Delivery.objects.get()
    assert delivery.status == Delivery.Status.FAILED and delivery.attempts == 1
    assert delivery.response_excerpt == '{"status": 1}'


def test_a_dead_receiver_is_retried(colleague, website):
    Webhook.objects.create(url="http://127.0.0.1:9/closed", events=["timer.started"])
    TimeEntry.objects.start_timer(colleague, website)
    deliver_due()
    delivery = Delivery.objects.get()
    assert delivery.status == Delivery.Status.RETRYING and delivery.response_code is None
    assert delivery.last_error == "Could not connect (refused, unreachable, or no such host)."


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/in",
        "http://10.1.2.3/in",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/in",
        "http://localhost/in",
        "ftp://example.com/in",
    ],
)
def test_private_loopback_and_other_schemes_are_refused(settings, url):
    settings.WEBHOOK_ALLOW_PRIVATE = False
    with pytest.raises(CommandError):
        call_command("webhooks", "add", url, "--events", "entry.created", stdout=StringIO())
    assert not Webhook.objects.exists()


def test_an_address_is_checked_again_when_sending(settings, colleague, website, recording_server):
    """A name that resolves to this machine by the time of sending (DNS rebinding) is
    refused then, before any connection."""
    Webhook.objects.create(
        url=recording_server.url.replace("127.0.0.1", "localhost"), events=["timer.started"]
    )
    settings.WEBHOOK_ALLOW_PRIVATE = False
    TimeEntry.objects.start_timer(colleague, website)
    deliver_due()
    delivery = Delivery.objects.get()
    assert "private, loopback or link-local" in delivery.last_error
    assert recording_server.requests == []


def test_the_command_adds_lists_tests_delivers_and_removes(colleague, website, recording_server):
    out = StringIO()
    call_command(
        "webhooks", "add", recording_server.url, "--events", "timer.started,entry.created",
        stdout=out,
    )  # fmt: skip
    hook = Webhook.objects.get()
    assert f"Its secret (shown once; keep it with the receiver): {hook.secret}" in out.getvalue()
    out = StringIO()
    call_command("webhooks", "list", stdout=out)
    assert f"{hook.pk}  {recording_server.url}  [active]  timer.started, entry.created" in (
        out.getvalue()
    )
    out = StringIO()
    call_command("webhooks", "test", str(hook.pk), stdout=out)
    assert f"Test event to {recording_server.url}: delivered (HTTP 200)." in out.getvalue()
    assert verified(recording_server.requests[0], hook.secret)
    TimeEntry.objects.start_timer(colleague, website)
    out = StringIO()
    call_command("webhooks", "deliver", stdout=out)
    assert "1 delivery attempted; 0 finished more than 30 days ago removed" in out.getvalue()
    Delivery.objects.update(created_at=timezone.now() - timedelta(days=31))
    call_command("webhooks", "deliver", stdout=out)
    assert "0 deliveries attempted; 2 finished more than 30 days ago removed" in out.getvalue()
    assert events(recording_server) == ["webhook.test", "timer.started"]
    call_command("webhooks", "remove", str(hook.pk), stdout=StringIO())
    assert not Webhook.objects.exists() and not Delivery.objects.exists()
    with pytest.raises(CommandError, match="No webhook"):
        call_command("webhooks", "test", str(hook.pk), stdout=StringIO())


def test_a_given_secret_is_used_and_unknown_events_are_refused(recording_server):
    call_command(
        "webhooks", "add", recording_server.url, "--events", "entry.created",
        "--secret", "shared-secret", stdout=StringIO(),
    )  # fmt: skip
    assert Webhook.objects.get().secret == "shared-secret"
    with pytest.raises(CommandError, match=r"Unknown: entry\.exploded"):
        call_command(
            "webhooks", "add", recording_server.url, "--events", "entry.exploded",
            stdout=StringIO(),
        )  # fmt: skip


def test_the_admin_shows_the_log_sends_a_test_and_warns_of_a_failing_webhook(
    client, superuser, colleague, website, hook, recording_server
):
    client.force_login(superuser)
    recording_server.status = 404
    TimeEntry.objects.start_timer(colleague, website)
    deliver_due()
    index = client.get("/admin/").content.decode()
    assert f"Webhook {hook.url} is failing" in index
    page = client.get(f"/admin/webhooks/webhook/{hook.pk}/change/").content.decode()
    assert "timer.started" in page and "HTTP 404" in page
    recording_server.status = 200
    response = client.post(
        "/admin/webhooks/webhook/",
        {"action": "send_test_event", "_selected_action": [hook.pk]},
        follow=True,
    )
    assert f"Test event to {hook.url}: delivered (HTTP 200)." in response.content.decode()
    client.post(
        "/admin/webhooks/webhook/", {"action": "retry_failed", "_selected_action": [hook.pk]}
    )
    assert deliver_due() == 1
    assert not Webhook.objects.failing().exists()
    assert json.loads(recording_server.bodies()[-1])["event"] == "timer.started"


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_servers_send_each_delivery_once(colleague, website, recording_server):
    if connection.vendor != "postgresql":
        pytest.skip("two processes claiming rows: a PostgreSQL test (CI runs it)")
    Webhook.objects.create(url=recording_server.url, events=["entry.created"])
    start = timezone.now() - timedelta(days=3)
    for minutes in range(0, 40 * 60, 60):
        begin = start + timedelta(minutes=minutes)
        TimeEntry.objects.create(
            user=colleague, project=website, start=begin, end=begin + timedelta(minutes=30)
        )
    recording_server.delay = 0.05  # each delivery takes a while: the senders interleave
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"
    context = multiprocessing.get_context("spawn")
    results, ready = context.Queue(), context.Barrier(2)
    senders = [
        context.Process(target=deliver_in_a_process, args=(url, results, ready)) for _ in "ab"
    ]
    for sender in senders:
        sender.start()
    for sender in senders:
        sender.join(timeout=120)
        assert sender.exitcode == 0
    attempted = [results.get(timeout=5) for _ in senders]
    assert sum(attempted) == 40 and all(attempted)  # both sent some, together all
    ids = [request["headers"]["X-TimeTracker-Delivery"] for request in recording_server.requests]
    assert len(ids) == len(set(ids)) == 40
    assert Delivery.objects.filter(status=Delivery.Status.DELIVERED).count() == 40


def test_a_receiver_answering_503_twice_still_gets_every_event_once_by_id(
    colleague, website, hook, recording_server
):
    recording_server.statuses = [503, 503]
    TimeEntry.objects.start_timer(colleague, website)
    TimeEntry.objects.stop_timer(colleague)
    moment = timezone.now()
    while Delivery.objects.exclude(status=Delivery.Status.DELIVERED).exists():
        moment += timedelta(minutes=1)
        with time_machine.travel(moment):
            deliver_due()
    attempts = [
        (request["headers"]["X-TimeTracker-Delivery"], json.loads(request["body"])["event"])
        for request in recording_server.requests
    ]
    assert len(attempts) == 4  # two refused, then both delivered
    assert {event: delivery for delivery, event in attempts} == {
        event: str(pk) for pk, event in Delivery.objects.values_list("pk", "event")
    }
