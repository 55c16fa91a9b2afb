"""The REST API: every endpoint's happy path, the permission matrix, validation, lists."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from api.models import ApiToken, hash_token
from api.tests.conftest import Api
from tracking.models import Client, Invoice, InvoiceItem, Preferences, Project, Tag, TimeEntry
from tracking.tests.conftest import at

pytestmark = pytest.mark.django_db


# Tokens ---------------------------------------------------------------------------------


def test_a_token_is_stored_only_as_its_hash(colleague):
    token, secret = ApiToken.objects.create_token(colleague, "laptop")
    stored = ApiToken.objects.values().get(pk=token.pk)
    assert secret not in str(stored)
    assert stored["token_hash"] == hash_token(secret)
    assert token.display == secret[:9] + "…"


def test_the_command_prints_a_working_token_as_its_last_line(colleague):
    out = StringIO()
    call_command(
        "create_api_token", "colleague", "--name", "ci", "--read-only", "--expires-days", "7",
        stdout=out, stderr=StringIO(),
    )  # fmt: skip
    secret = out.getvalue().strip().splitlines()[-1]
    assert Api(secret).get("/api/v1/me/").json()["username"] == "colleague"
    token = ApiToken.objects.get()
    assert token.read_only and token.name == "ci"
    assert timedelta(days=6, hours=23) < token.expires_at - timezone.now() <= timedelta(days=7)


def test_the_command_refuses_an_unknown_user_and_a_bad_expiry(colleague):
    with pytest.raises(CommandError, match="No active user"):
        call_command("create_api_token", "nobody", "--name", "x")
    with pytest.raises(CommandError, match="between 1 and"):
        call_command("create_api_token", "colleague", "--name", "x", "--expires-days", "0")
    assert not ApiToken.objects.exists()


def test_no_missing_wrong_expired_or_revoked_token_gets_in(colleague):
    assert Api().get("/api/v1/me/").status_code == 401
    assert Api().get("/api/v1/me/")["WWW-Authenticate"] == 'Bearer realm="api"'
    assert Api("tt_wrong").get("/api/v1/me/").status_code == 401
    expired, secret = ApiToken.objects.create_token(colleague, "old", expires_days=1)
    ApiToken.objects.filter(pk=expired.pk).update(expires_at=timezone.now())
    assert Api(secret).get("/api/v1/me/").status_code == 401
    revoked, secret = ApiToken.objects.create_token(colleague, "gone")
    revoked.revoke()
    assert Api(secret).get("/api/v1/me/").status_code == 401


def test_a_deactivated_persons_token_stops_working(colleague, api_as):
    api = api_as(colleague)
    colleague.is_active = False
    colleague.save()
    assert api.get("/api/v1/me/").status_code == 401


def test_a_read_only_token_reads_but_never_writes(colleague, api_as, website):
    api = api_as(colleague, read_only=True)
    assert api.get("/api/v1/entries/").status_code == 200
    answer = api.post("/api/v1/timer/start/", {"project": website.pk})
    assert answer.status_code == 403
    assert answer.json() == {"detail": "This token is read-only."}
    assert not TimeEntry.objects.exists()


def test_last_use_is_recorded_at_most_once_a_minute(colleague):
    token, secret = ApiToken.objects.create_token(colleague, "cli")
    api = Api(secret)
    api.get("/api/v1/me/")
    token.refresh_from_db()
    first = token.last_used_at
    assert first is not None
    with CaptureQueriesContext(connection) as queries:
        api.get("/api/v1/me/")
    assert not any(q["sql"].startswith("UPDATE") for q in queries.captured_queries)
    token.refresh_from_db()
    assert token.last_used_at == first


def test_the_browser_session_works_with_csrf_enforced(client, colleague):
    client.force_login(colleague)
    assert client.get("/api/v1/me/").json()["username"] == "colleague"
    strict = type(client)(enforce_csrf_checks=True)
    strict.force_login(colleague)
    answer = strict.post("/api/v1/timer/stop/")
    assert answer.status_code == 403
    assert "CSRF" in answer.json()["detail"]


def test_people_manage_their_own_tokens_in_preferences(client, colleague, stranger):
    client.force_login(colleague)
    page = client.post("/preferences/api-tokens/", {"name": "phone", "expires_days": "30"})
    secret = page.context["secret"]
    assert secret.startswith("tt_") and secret in page.content.decode()
    assert Api(secret).get("/api/v1/me/").status_code == 200
    listed = client.get("/preferences/api-tokens/").content.decode()
    assert "phone" in listed and secret not in listed
    theirs, _ = ApiToken.objects.create_token(stranger, "theirs")
    assert client.post(f"/preferences/api-tokens/{theirs.pk}/revoke/").status_code == 404
    mine = ApiToken.objects.get(user=colleague)
    client.post(f"/preferences/api-tokens/{mine.pk}/revoke/")
    assert Api(secret).get("/api/v1/me/").status_code == 401
    assert mine.display not in client.get("/preferences/api-tokens/").content.decode()


def test_a_token_without_a_name_is_refused_with_a_message(client, colleague):
    client.force_login(colleague)
    page = client.post("/preferences/api-tokens/", {"name": "", "expires_days": "0"})
    assert page.status_code == 400
    assert "This field is required." in page.content.decode()
    assert not ApiToken.objects.exists()


def test_staff_revoke_anyones_token_in_the_admin(client, superuser, colleague):
    token, secret = ApiToken.objects.create_token(colleague, "laptop")
    client.force_login(superuser)
    assert "laptop" in client.get("/admin/api/apitoken/").content.decode()
    client.post("/admin/api/apitoken/", {"action": "revoke", "_selected_action": [token.pk]})
    assert Api(secret).get("/api/v1/me/").status_code == 401


# Me, timer ------------------------------------------------------------------------------


def test_me_says_who_and_in_which_zone(colleague, api_as):
    Preferences.objects.create(user=colleague, time_zone="Europe/Berlin")
    me = api_as(colleague).get("/api/v1/me/").json()
    assert me == {
        "id": colleague.pk,
        "username": "colleague",
        "time_zone": "Europe/Berlin",
        "is_staff": False,
    }


def test_times_come_in_the_persons_zone_with_their_offset(colleague, api_as, website, make_entry):
    Preferences.objects.create(user=colleague, time_zone="Europe/Berlin")
    entry = make_entry(colleague, website, at(2, 8), 90)
    shown = api_as(colleague).get(f"/api/v1/entries/{entry.pk}/").json()
    assert shown["start"] == "2026-11-02T09:00:00+01:00"
    assert shown["duration_seconds"] == 5400


def test_the_timer_starts_stops_pauses_and_resumes(colleague, api_as, website, design_task):
    api = api_as(colleague)
    assert api.get("/api/v1/timer/").json() is None
    started = api.post(
        "/api/v1/timer/start/",
        {"project": website.pk, "task": design_task.pk, "notes": "mockups", "tags": ["design"]},
    )
    assert started.status_code == 201
    assert started.json()["running"] is True and started.json()["tags"] == ["design"]
    assert api.get("/api/v1/timer/").json()["id"] == started.json()["id"]
    paused = api.post("/api/v1/timer/pause/")
    assert paused.status_code == 200 and paused.json()["paused"] is True
    resumed = api.post("/api/v1/timer/resume/")
    assert resumed.status_code == 201
    assert resumed.json()["notes"] == "mockups" and resumed.json()["task"] == design_task.pk
    stopped = api.post("/api/v1/timer/stop/")
    assert stopped.status_code == 200 and stopped.json()["running"] is False
    assert api.post("/api/v1/timer/stop/").json() == {"detail": "No timer is running."}
    assert api.post("/api/v1/timer/stop/").status_code == 409
    assert api.post("/api/v1/timer/resume/").status_code == 409
    assert TimeEntry.objects.filter(user=colleague).count() == 2


def test_starting_a_timer_stops_the_running_one(colleague, api_as, website):
    api = api_as(colleague)
    first = api.post("/api/v1/timer/start/", {"project": website.pk}).json()
    second = api.post("/api/v1/timer/start/", {"project": website.pk}).json()
    assert TimeEntry.objects.running().get().pk == second["id"]
    assert TimeEntry.objects.get(pk=first["id"]).end is not None


def test_a_timer_refuses_an_archived_project_and_a_foreign_task(colleague, api_as, acme, website):
    other = Project.objects.create(name="Other", client=acme)
    foreign = other.tasks.create(title="Elsewhere")
    archived = Project.objects.create(name="Old", client=acme, archived=True)
    api = api_as(colleague)
    answer = api.post("/api/v1/timer/start/", {"project": archived.pk})
    assert answer.status_code == 400
    assert answer.json() == {"project": ["This project is archived: unarchive it to track time."]}
    answer = api.post("/api/v1/timer/start/", {"project": website.pk, "task": foreign.pk})
    assert answer.json() == {"task": ["This task belongs to another project."]}
    assert not TimeEntry.objects.exists()


# Entries --------------------------------------------------------------------------------


def test_an_entry_is_created_read_changed_and_deleted(colleague, api_as, website):
    api = api_as(colleague)
    made = api.post(
        "/api/v1/entries/",
        {
            "project": website.pk,
            "start": "2026-03-29T01:30:00+01:00",  # across the spring change in Berlin
            "end": "2026-03-29T03:30:00+02:00",
            "notes": "release",
            "tags": ["Ops", "ops", " deploy "],
        },
    )
    assert made.status_code == 201
    entry = made.json()
    assert entry["duration_seconds"] == 3600
    assert entry["tags"] == ["Ops", "deploy"]
    assert entry["billable"] is True and entry["source"] == "manual"
    changed = api.patch(f"/api/v1/entries/{entry['id']}/", {"billable": False, "tags": []})
    assert changed.json()["billable"] is False and changed.json()["tags"] == []
    assert api.get(f"/api/v1/entries/{entry['id']}/").json()["notes"] == "release"
    assert api.delete(f"/api/v1/entries/{entry['id']}/").status_code == 204
    assert not TimeEntry.objects.exists()


def test_bad_entries_get_field_errors_and_change_nothing(colleague, api_as, website):
    api = api_as(colleague)
    start = {"project": website.pk, "start": "2026-11-02T09:00:00Z"}
    cases = [
        ({"project": website.pk, "start": "2026-11-02T09:00:00"}, "start"),  # no offset
        ({**start, "end": "2026-11-02T08:00:00Z"}, "end"),
        ({**start, "end": "2026-11-06T09:00:00Z"}, "end"),  # longer than 72 hours
        ({"project": website.pk, "start": "9999-11-02T09:00:00Z"}, "start"),
        ({**start, "project": 99999}, "project"),
        ({**start, "notes": "x" * 2001}, "notes"),
        ({**start, "tags": [f"t{n}" for n in range(21)]}, "tags"),
    ]
    for body, field in cases:
        answer = api.post("/api/v1/entries/", body)
        assert answer.status_code == 400, body
        assert field in answer.json(), (body, answer.json())
    assert not TimeEntry.objects.exists()


def test_a_second_running_entry_is_refused_with_a_message(colleague, api_as, website):
    api = api_as(colleague)
    api.post("/api/v1/timer/start/", {"project": website.pk})
    answer = api.post("/api/v1/entries/", {"project": website.pk, "start": "2026-11-02T09:00:00Z"})
    assert answer.status_code == 400
    assert answer.json() == {"end": ["A timer is already running: give this entry an end."]}


def test_someone_elses_entry_is_not_found_but_staff_see_it(
    colleague, stranger, owner, api_as, website, make_entry
):
    entry = make_entry(colleague, website, at(2, 9), 60)
    path = f"/api/v1/entries/{entry.pk}/"
    outsider = api_as(stranger)
    assert outsider.get(path).status_code == 404
    assert outsider.patch(path, {"notes": "mine now"}).status_code == 404
    assert outsider.delete(path).status_code == 404
    assert outsider.get("/api/v1/entries/").json()["count"] == 0
    assert api_as(owner).get(path).json()["user"] == colleague.pk
    assert api_as(owner).patch(path, {"notes": "checked"}).status_code == 200
    entry.refresh_from_db()
    assert entry.notes == "checked" and entry.user == colleague


def test_an_invoiced_entry_cannot_be_changed_or_deleted(
    colleague, api_as, acme, website, make_entry
):
    entry = make_entry(colleague, website, at(2, 9), 60)
    invoice = Invoice.objects.create(client=acme, number="2026-0001", due_date=at(30, 0).date())
    item = InvoiceItem.objects.create(invoice=invoice, description="Work", unit_price="80")
    TimeEntry.objects.filter(pk=entry.pk).update(invoice_item=item)
    invoice.advance_status(Invoice.Status.SENT)
    api = api_as(colleague)
    path = f"/api/v1/entries/{entry.pk}/"
    shown = api.get(path).json()
    assert shown["invoiced"] is True and shown["locked"] is True
    answer = api.patch(path, {"notes": "rewritten"})
    assert answer.status_code == 409
    assert "2026-0001" in answer.json()["detail"]
    assert api.delete(path).status_code == 409
    entry.refresh_from_db()
    assert entry.notes == ""


# Lists ----------------------------------------------------------------------------------


def test_entries_are_paged_with_limit_and_offset(colleague, api_as, website, make_entry):
    for hour in range(6):
        make_entry(colleague, website, at(2, hour), 30)
    api = api_as(colleague)
    page = api.get("/api/v1/entries/", {"limit": 4}).json()
    assert page["count"] == 6 and len(page["results"]) == 4
    assert page["previous"] is None and "offset=4" in page["next"]
    rest = api.get("/api/v1/entries/", {"limit": 4, "offset": 4}).json()
    assert len(rest["results"]) == 2 and rest["next"] is None
    starts = [e["start"] for e in page["results"] + rest["results"]]
    assert starts == sorted(starts, reverse=True)
    assert len(api.get("/api/v1/entries/").json()["results"]) == 6  # default 50


def test_the_page_size_is_capped_at_500(colleague, api_as, website):
    TimeEntry.objects.bulk_create(
        TimeEntry(user=colleague, project=website, start=at(1, 0) + timedelta(minutes=m),
                  end=at(1, 0) + timedelta(minutes=m, seconds=30), duration_seconds=30)
        for m in range(501)
    )  # fmt: skip
    page = api_as(colleague).get("/api/v1/entries/", {"limit": 10000}).json()
    assert page["count"] == 501 and len(page["results"]) == 500


def test_the_list_costs_the_same_queries_for_5_and_50_entries(colleague, api_as, website):
    api = api_as(colleague)
    api.get("/api/v1/me/")  # the token's first use is recorded once

    def queries_for(count):
        TimeEntry.objects.all().delete()
        for minute in range(count):
            start = at(3, 9, minute)
            entry = TimeEntry.objects.create(
                user=colleague, project=website, start=start, end=start + timedelta(seconds=40)
            )
            entry.tags.set(Tag.objects.for_names(["a", "b"]))
        tags = list(Tag.objects.values_list("pk", flat=True))
        with CaptureQueriesContext(connection) as queries:
            assert len(api.get("/api/v1/entries/", {"tag": tags}).json()["results"]) == count
        return len(queries)

    # The token, the count, the page, its tags, and the person's permissions (2).
    assert queries_for(5) == queries_for(50) <= 6


def test_entries_filter_by_every_documented_field(
    colleague, owner, api_as, acme, website, design_task, make_entry
):
    other_client = Client.objects.create(name="Globex")
    other = Project.objects.create(name="Other", client=other_client, billable=False)
    tag = Tag.objects.create(name="urgent")
    a = make_entry(colleague, website, at(2, 9), 60, task=design_task)
    a.tags.add(tag)
    b = make_entry(colleague, other, at(3, 9), 60, billable=False)
    c = make_entry(colleague, website, at(4, 9), None)
    d = make_entry(owner, website, at(5, 9), 30)
    api = api_as(colleague)

    def ids(**params):
        return {e["id"] for e in api.get("/api/v1/entries/", params).json()["results"]}

    assert ids() == {a.pk, b.pk, c.pk}
    assert ids(project=other.pk) == {b.pk}
    assert ids(client=acme.pk) == {a.pk, c.pk}
    assert ids(task=design_task.pk) == {a.pk}
    assert ids(tag=tag.pk) == {a.pk}
    assert ids(billable="false") == {b.pk}
    assert ids(running="true") == {c.pk}
    assert ids(start_after="2026-11-03T00:00:00Z") == {b.pk, c.pk}
    assert ids(start_before="2026-11-03T00:00:00Z") == {a.pk}
    assert ids(user=owner.pk) == set()  # a member sees only their own
    staff = api_as(owner)
    assert {
        e["id"] for e in staff.get("/api/v1/entries/", {"user": owner.pk}).json()["results"]
    } == {d.pk}


def test_invalid_filters_get_field_errors(colleague, api_as):
    api = api_as(colleague)
    answer = api.get("/api/v1/entries/", {"start_after": "yesterday", "project": "x"})
    assert answer.status_code == 400
    assert set(answer.json()) == {"start_after", "project"}


def test_modified_after_returns_changes_oldest_first_for_sync(
    colleague, api_as, website, make_entry
):
    first = make_entry(colleague, website, at(2, 9), 60)
    second = make_entry(colleague, website, at(3, 9), 60)
    api = api_as(colleague)
    synced = api.get("/api/v1/entries/").json()["results"]
    mark = max(e["updated_at"] for e in synced)
    assert api.get("/api/v1/entries/", {"modified_after": mark}).json()["results"] == []
    api.patch(f"/api/v1/entries/{first.pk}/", {"notes": "later"})
    api.patch(f"/api/v1/entries/{second.pk}/", {"notes": "even later"})
    changed = api.get("/api/v1/entries/", {"modified_after": mark}).json()["results"]
    assert [e["id"] for e in changed] == [first.pk, second.pk]


# Catalogue, reports, invoices --------------------------------------------------------------


def test_everyone_reads_the_catalogue_and_only_staff_change_it(
    colleague, owner, api_as, acme, website
):
    member, staff = api_as(colleague), api_as(owner)
    assert [c["name"] for c in member.get("/api/v1/clients/").json()["results"]] == ["Acme"]
    assert member.get("/api/v1/projects/").json()["results"][0]["hourly_rate"] == "80.00"
    assert member.post("/api/v1/clients/", {"name": "Globex"}).status_code == 403
    assert member.patch(f"/api/v1/projects/{website.pk}/", {"name": "x"}).status_code == 403
    made = staff.post("/api/v1/clients/", {"name": "Globex", "email": "a@globex.test"})
    assert made.status_code == 201
    project = staff.post("/api/v1/projects/", {"name": "Portal", "client": made.json()["id"]})
    assert project.status_code == 201
    renamed = staff.patch(f"/api/v1/projects/{website.pk}/", {"hourly_rate": "-1"})
    assert renamed.status_code == 400 and "hourly_rate" in renamed.json()


def test_members_create_tasks_and_change_only_their_own(
    colleague, stranger, api_as, website, design_task
):
    api = api_as(colleague)
    made = api.post("/api/v1/tasks/", {"project": website.pk, "title": "Copy"})
    assert made.status_code == 201 and made.json()["created_by"] == colleague.pk
    task_path = f"/api/v1/tasks/{made.json()['id']}/"
    assert api.patch(task_path, {"status": "done"}).json()["status"] == "done"
    assert api_as(stranger).patch(task_path, {"status": "todo"}).status_code == 403
    assert api.patch(f"/api/v1/tasks/{design_task.pk}/", {"title": "x"}).status_code == 403
    listed = api.get("/api/v1/tasks/", {"project": website.pk}).json()["results"]
    assert {t["title"] for t in listed} == {"Copy", "Design"}


def test_tags_are_listed_and_created_once_whatever_the_case(colleague, api_as):
    api = api_as(colleague)
    assert api.post("/api/v1/tags/", {"name": "Meeting", "color": "#aabbcc"}).status_code == 201
    again = api.post("/api/v1/tags/", {"name": "meeting"})
    assert again.status_code == 400
    assert again.json() == {"non_field_errors": ["A tag with this name already exists."]}
    assert [t["name"] for t in api.get("/api/v1/tags/").json()["results"]] == ["Meeting"]


def test_the_summary_groups_in_the_database(colleague, owner, api_as, acme, website, make_entry):
    internal = Project.objects.create(name="Internal", client=acme, billable=False)
    make_entry(colleague, website, at(2, 9), 90)
    make_entry(colleague, internal, at(2, 14), 30, billable=False)
    make_entry(owner, website, at(3, 9), 60)
    make_entry(colleague, website, at(20, 9), 600)  # outside the range
    api = api_as(colleague)
    params = {"start": "2026-11-01", "end": "2026-11-15"}
    summary = api.get("/api/v1/reports/summary/", params).json()
    assert summary["seconds"] == 7200 and summary["billable_seconds"] == 5400
    assert summary["amount"] == "120.00" and summary["currency"] == "EUR"
    assert [(g["label"], g["seconds"], g["amount"]) for g in summary["groups"]] == [
        ("Website", 5400, "120.00"),
        ("Internal", 1800, "0.00"),
    ]
    by_day = api.get("/api/v1/reports/summary/", {**params, "group_by": "day"}).json()
    assert [(g["key"], g["seconds"], g["amount"]) for g in by_day["groups"]] == [
        ("2026-11-02", 7200, None)
    ]
    everyone = api_as(owner).get("/api/v1/reports/summary/", {**params, "group_by": "user"})
    assert {g["label"]: g["seconds"] for g in everyone.json()["groups"]} == {
        "colleague": 7200,
        "owner": 3600,
    }
    bad = api.get("/api/v1/reports/summary/", {"start": "2026-11-15", "end": "2026-11-01"})
    assert bad.status_code == 400 and "end" in bad.json()
    assert api.get("/api/v1/reports/summary/", {"group_by": "mood"}).status_code == 400


def test_invoices_are_for_staff_only_and_read_only(colleague, owner, api_as, acme):
    invoice = Invoice.objects.create(
        client=acme, number="2026-0007", due_date=at(30, 0).date(), tax_rate="19"
    )
    InvoiceItem.objects.create(
        invoice=invoice, description="Work", quantity="2", unit_price="50.005"
    )
    assert api_as(colleague).get("/api/v1/invoices/").status_code == 403
    staff = api_as(owner)
    shown = staff.get(f"/api/v1/invoices/{invoice.pk}/").json()
    assert (shown["number"], shown["net"], shown["tax"], shown["total"]) == (
        "2026-0007", str(invoice.totals.net), str(invoice.totals.tax), str(invoice.totals.gross)
    )  # fmt: skip
    assert shown["items"][0]["description"] == "Work"
    assert staff.patch(f"/api/v1/invoices/{invoice.pk}/", {"number": "x"}).status_code == 405
    assert staff.delete(f"/api/v1/invoices/{invoice.pk}/").status_code == 405


# Throttling and docs --------------------------------------------------------------------


def test_too_many_requests_get_429_with_retry_after(colleague, api_as, settings):
    settings.API_RATE_LIMIT = "3/minute"
    api = api_as(colleague)
    assert [api.get("/api/v1/me/").status_code for _ in range(3)] == [200, 200, 200]
    refused = api.get("/api/v1/me/")
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 60
    assert api_as(colleague).get("/api/v1/me/").status_code == 200  # per token


def test_the_schema_and_the_docs_are_served_locally(client):
    schema = client.get("/api/v1/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/timer/start/" in schema.content
    docs = client.get("/api/v1/docs/").content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in docs
    assert "cdn" not in docs.lower() and "<script>" not in docs


def test_a_format_query_parameter_changes_nothing(colleague, api_as):
    api = api_as(colleague)
    assert api.get("/api/v1/tags/", {"format": "-1.5e-119"}).status_code == 200
    assert api.get("/api/v1/me/", {"format": "xml"}).json()["username"] == "colleague"
