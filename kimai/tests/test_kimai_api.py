"""The Kimai-compatible API at /api/: Kimai's paths, names, formats and errors, over the
same rules, permissions and queries as /api/v1/."""

from datetime import UTC, datetime

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext

from kimai.serializers import NO_CLIENT, NO_TASK
from tracking.models import Invoice, Preferences, Project, Tag, Task, TimeEntry
from tracking.tests.conftest import at

pytestmark = pytest.mark.django_db


def berlin_entry(make_entry, user, project, start, minutes, **extra):
    """An entry starting at ``start`` (a naive Berlin wall-clock time in winter)."""
    moment = datetime.fromisoformat(start).replace(tzinfo=UTC)
    return make_entry(user, project, moment.replace(hour=moment.hour - 1), minutes, **extra)


# Status, configuration and the person ---------------------------------------------------


def test_ping_version_config_and_plugins_answer_a_token(colleague, kimai_as):
    kimai = kimai_as(colleague)
    assert kimai.get("/api/ping").json() == {"message": "pong"}
    version = kimai.get("/api/version").json()
    assert version["version"] == "2.14.0" and version["versionId"] == 21400
    assert "TimeTracker" in version["copyright"]
    config = kimai.get("/api/config/timesheet").json()
    assert config["trackingMode"] == "default" and config["activeEntriesHardLimit"] == 1
    assert kimai.get("/api/plugins").json() == []


def test_users_me_gives_the_zone_times_are_written_in(berlin, kimai_as):
    me = kimai_as(berlin).get("/api/users/me").json()
    assert me["id"] == berlin.pk and me["username"] == "colleague"
    assert me["timezone"] == "Europe/Berlin" and me["enabled"] is True
    assert me["memberships"] == [] and me["language"] == "en"
    assert "alias" in me


# Authentication -------------------------------------------------------------------------


def test_the_same_token_works_as_bearer_and_as_x_auth_headers(colleague, kimai_as, bearer_as):
    kimai = kimai_as(colleague)
    assert kimai.get("/api/users/me").json()["username"] == "colleague"
    secret = kimai.headers["X-AUTH-TOKEN"]
    bearer = bearer_as(colleague)
    bearer.headers = {"Authorization": f"Bearer {secret}"}
    assert bearer.get("/api/users/me").json()["username"] == "colleague"
    # Kimai clients may name the person by email, and send the token alone.
    kimai.headers["X-AUTH-USER"] = "COLLEAGUE@example.test"
    assert kimai.get("/api/ping").status_code == 200
    del kimai.headers["X-AUTH-USER"]
    assert kimai.get("/api/ping").status_code == 200


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-AUTH-USER": "colleague", "X-AUTH-TOKEN": "tt_wrong"},
        {"Authorization": "Bearer tt_wrong"},
    ],
    ids=["none", "wrong x-auth token", "wrong bearer"],
)
def test_a_missing_or_wrong_token_is_401_in_kimais_shape(client, colleague, headers):
    response = client.get("/api/timesheets", headers=headers)
    assert response.status_code == 401
    body = response.json()
    assert body["code"] == 401 and body["message"]
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_token_sent_for_someone_else_is_refused(colleague, stranger, kimai_as):
    kimai = kimai_as(colleague)
    kimai.headers["X-AUTH-USER"] = "stranger"
    response = kimai.get("/api/ping")
    assert response.status_code == 401
    assert "X-AUTH-USER" in response.json()["message"]


@pytest.mark.parametrize(
    "method, path",
    [
        ("post", "/api/timesheets"),
        ("patch", "/api/timesheets/{id}"),
        ("delete", "/api/timesheets/{id}"),
        ("patch", "/api/timesheets/{id}/stop"),
        ("get", "/api/timesheets/{id}/stop"),  # old clients stop with GET: still a write
        ("patch", "/api/timesheets/{id}/restart"),
        ("patch", "/api/timesheets/{id}/duplicate"),
    ],
)
def test_a_read_only_token_reads_but_never_writes(
    colleague, website, make_entry, kimai_as, method, path
):
    running = make_entry(colleague, website, datetime(2026, 3, 2, 8, tzinfo=UTC), None)
    kimai = kimai_as(colleague, read_only=True)
    assert kimai.get("/api/timesheets").status_code == 200
    path = path.format(id=running.pk)
    if method == "get":
        refused = kimai.get(path)
    elif method == "delete":
        refused = kimai.delete(path)
    else:
        refused = getattr(kimai, method)(path, {"project": website.pk, "description": "x"})
    assert refused.status_code == 403 and refused.json()["code"] == 403
    running.refresh_from_db()
    assert running.end is None and running.notes == "" and TimeEntry.objects.count() == 1


def test_a_browser_session_cannot_stop_a_timer_by_following_a_link(colleague, website, make_entry):
    """CSRF protects writes, not GET or HEAD: only a token's client may stop with GET."""
    running = make_entry(colleague, website, datetime(2026, 3, 2, 8, tzinfo=UTC), None)
    browser = HttpClient(enforce_csrf_checks=True)
    browser.force_login(colleague)
    for method in (browser.get, browser.head):
        assert method(f"/api/timesheets/{running.pk}/stop").status_code == 405
    running.refresh_from_db()
    assert running.end is None


def test_requests_are_throttled_as_on_api_v1(settings, colleague, kimai_as):
    settings.API_RATE_LIMIT = "2/minute"
    cache.clear()
    kimai = kimai_as(colleague)
    assert [kimai.get("/api/ping").status_code for _ in range(2)] == [200, 200]
    throttled = kimai.get("/api/ping")
    assert throttled.status_code == 429 and throttled.json()["code"] == 429


# Customers, projects, activities, tags ------------------------------------------------


def test_customers_and_projects_in_kimais_names(
    colleague, acme, website, archived, kimai_as, settings
):
    kimai = kimai_as(colleague)
    customers = kimai.get("/api/customers").json()
    assert [(c["id"], c["name"], c["visible"]) for c in customers] == [(acme.pk, "Acme", True)]
    customer = kimai.get(f"/api/customers/{acme.pk}").json()
    assert customer["currency"] == "EUR" and customer["email"] == "billing@acme.test"
    assert customer["budget"] == 0.0 and customer["timeBudget"] == 0
    # Archived projects are hidden by default (visible=1), as Kimai hides invisible ones.
    projects = kimai.get("/api/projects", {"customer": acme.pk}).json()
    assert [p["name"] for p in projects] == ["Website"]
    assert projects[0]["customer"] == acme.pk and projects[0]["parentTitle"] == "Acme"
    both = kimai.get("/api/projects", {"visible": 3}).json()
    assert {p["name"] for p in both} == {"Website", "Old site"}
    assert kimai.get("/api/projects", {"customer": acme.pk + 1}).json() == []
    website.budget_hours, website.budget_amount = 10, 500
    website.save()
    project = kimai.get(f"/api/projects/{website.pk}").json()
    assert project["timeBudget"] == 36000 and project["budget"] == 500.0
    missing = kimai.get(f"/api/projects/{website.pk + 100}")
    assert missing.status_code == 404 and missing.json()["code"] == 404


def test_activities_are_a_projects_tasks_and_the_global_no_task(
    colleague, website, internal, design_task, kimai_as
):
    Task.objects.create(project=internal, title="Admin")
    Task.objects.create(project=website, title="Launched", status=Task.Status.DONE)
    kimai = kimai_as(colleague)
    activities = kimai.get("/api/activities", {"project": website.pk}).json()
    assert [(a["id"], a["name"], a["project"]) for a in activities] == [
        (NO_TASK, "(no task)", None),
        (design_task.pk, "Design", website.pk),
    ]
    assert activities[1]["parentTitle"] == "Website"
    every = kimai.get("/api/activities").json()
    assert [a["name"] for a in every] == ["(no task)", "Admin", "Design"]
    assert [a["id"] for a in kimai.get("/api/activities", {"globals": "true"}).json()] == [NO_TASK]


def test_tags_by_name_and_found(colleague, kimai_as):
    Tag.objects.create(name="cli")
    Tag.objects.create(name="meeting")
    kimai = kimai_as(colleague)
    assert kimai.get("/api/tags").json() == ["cli", "meeting"]
    assert kimai.get("/api/tags", {"name": "mee"}).json() == ["meeting"]
    found = kimai.get("/api/tags/find", {"name": "cl"}).json()
    assert [tag["name"] for tag in found] == ["cli"] and found[0]["id"]


# Timesheets: writing --------------------------------------------------------------------


def test_a_timesheet_is_written_in_the_persons_zone_with_tags_and_task(
    berlin, website, design_task, kimai_as
):
    kimai = kimai_as(berlin)
    response = kimai.post(
        "/api/timesheets",
        {
            "begin": "2026-03-02T09:00:00",
            "end": "2026-03-02T10:30:00",
            "project": website.pk,
            "activity": design_task.pk,
            "description": "Review",
            "tags": "kimai,cli",
        },
    )
    assert response.status_code == 200, response.content
    sheet = response.json()
    entry = TimeEntry.objects.get()
    assert entry.start == datetime(2026, 3, 2, 8, tzinfo=UTC)
    assert entry.duration_seconds == 5400 and entry.task == design_task
    assert sorted(entry.tags.values_list("name", flat=True)) == ["cli", "kimai"]
    assert sheet["begin"] == "2026-03-02T09:00:00+0100"
    assert sheet["end"] == "2026-03-02T10:30:00+0100"
    assert sheet["duration"] == 5400 and sheet["tags"] == ["cli", "kimai"]
    assert sheet["activity"] == design_task.pk and sheet["project"] == website.pk
    assert sheet["user"] == berlin.pk and sheet["description"] == "Review"
    # 1.5 h at the project's 80.00 an hour.
    assert sheet["rate"] == 120.0 and sheet["hourlyRate"] == 80.0
    assert sheet["exported"] is False and sheet["billable"] is True


def test_an_offset_is_honoured_and_a_list_of_tags_is_accepted(berlin, website, kimai_as):
    sheet = kimai_as(berlin).post(
        "/api/timesheets",
        {
            "begin": "2026-03-02T08:00:00+00:00",
            "end": "2026-03-02T09:00:00+00:00",
            "project": website.pk,
            "tags": ["Deep work"],
        },
    )
    assert sheet.json()["begin"] == "2026-03-02T09:00:00+0100"
    entry = TimeEntry.objects.get()
    assert entry.start == datetime(2026, 3, 2, 8, tzinfo=UTC) and entry.task is None
    assert sheet.json()["activity"] == NO_TASK


def test_durations_are_exact_across_the_spring_clock_change(berlin, website, kimai_as):
    """01:30 to 03:30 in Berlin on 29 March 2026 is one hour: 02:00 never happens."""
    sheet = (
        kimai_as(berlin)
        .post(
            "/api/timesheets",
            {"begin": "2026-03-29T01:30:00", "end": "2026-03-29T03:30:00", "project": website.pk},
        )
        .json()
    )
    assert sheet["duration"] == 3600
    assert sheet["end"] == "2026-03-29T03:30:00+0200"


def test_kimais_error_shape_names_the_field(colleague, website, archived, kimai_as):
    kimai = kimai_as(colleague)
    unknown = kimai.post("/api/timesheets", {"project": website.pk, "colour": "red"})
    assert unknown.status_code == 400
    body = unknown.json()
    assert body["code"] == 400 and body["message"] == "Validation Failed"
    assert body["errors"]["children"]["colour"]["errors"]
    backwards = kimai.post(
        "/api/timesheets",
        {"begin": "2026-03-02T10:00:00", "end": "2026-03-02T09:00:00", "project": website.pk},
    ).json()
    assert backwards["errors"]["children"]["end"]["errors"] == ["The end must be after the start."]
    bad_begin = kimai.post("/api/timesheets", {"begin": "yesterday", "project": website.pk})
    assert bad_begin.json()["errors"]["children"]["begin"]["errors"]
    no_project = kimai.post("/api/timesheets", {"project": 10**6}).json()
    assert no_project["errors"]["children"]["project"]["errors"]
    rates = kimai.post("/api/timesheets", {"project": website.pk, "hourlyRate": 99}).json()
    assert rates["errors"]["children"]["hourlyRate"]["errors"] == ["Rates are set on the project."]
    assert TimeEntry.objects.count() == 0


def test_one_rule_for_both_apis_archived_projects_refuse_time(
    colleague, archived, kimai_as, bearer_as
):
    times = {"begin": "2026-03-02T09:00:00+00:00", "end": "2026-03-02T10:00:00+00:00"}
    kimai = kimai_as(colleague).post("/api/timesheets", {**times, "project": archived.pk})
    v1 = bearer_as(colleague).post(
        "/api/v1/entries/",
        {"start": times["begin"], "end": times["end"], "project": archived.pk},
    )
    assert kimai.status_code == v1.status_code == 400
    v1_message = v1.json()["project"]
    assert kimai.json()["errors"]["children"]["project"]["errors"] == v1_message
    assert TimeEntry.objects.count() == 0


def test_a_timesheet_without_end_starts_a_timer_and_stops_the_running_one(
    berlin, website, design_task, make_entry, kimai_as
):
    earlier = make_entry(berlin, website, datetime(2026, 3, 2, 7, tzinfo=UTC), None)
    kimai = kimai_as(berlin)
    started = kimai.post(
        "/api/timesheets",
        {"project": website.pk, "activity": design_task.pk, "description": "", "tags": ""},
    ).json()
    assert started["end"] is None and started["duration"] == 0
    earlier.refresh_from_db()
    assert earlier.end is not None
    active = kimai.get("/api/timesheets/active").json()
    assert [sheet["id"] for sheet in active] == [started["id"]]
    assert active[0]["activity"]["name"] == "Design"
    assert active[0]["project"]["customer"]["name"] == "Acme"
    stopped = kimai.patch(f"/api/timesheets/{started['id']}/stop", {})
    assert stopped.status_code == 200 and stopped.json()["end"] is not None
    assert kimai.get("/api/timesheets/active").json() == []
    # Stopping again changes nothing, as in Kimai.
    again = kimai.patch(f"/api/timesheets/{started['id']}/stop", {})
    assert again.status_code == 200 and again.json()["end"] == stopped.json()["end"]


def test_old_clients_stop_with_get(colleague, website, make_entry, kimai_as):
    running = make_entry(colleague, website, datetime(2026, 3, 2, 7, tzinfo=UTC), None)
    assert kimai_as(colleague).get(f"/api/timesheets/{running.pk}/stop").status_code == 200
    running.refresh_from_db()
    assert running.end is not None


def test_patch_changes_only_what_is_sent_and_delete_goes_to_the_trash(
    berlin, website, design_task, make_entry, kimai_as
):
    entry = berlin_entry(make_entry, berlin, website, "2026-03-02T09:00:00", 60, notes="Draft")
    entry.tags.set([Tag.objects.create(name="keep")])
    kimai = kimai_as(berlin)
    changed = kimai.patch(
        f"/api/timesheets/{entry.pk}",
        {"end": "2026-03-02T11:00:00", "activity": design_task.pk},
    )
    assert changed.status_code == 200, changed.content
    sheet = changed.json()
    assert sheet["duration"] == 7200 and sheet["description"] == "Draft"
    assert sheet["tags"] == ["keep"] and sheet["activity"] == design_task.pk
    assert kimai.get(f"/api/timesheets/{entry.pk}").json()["duration"] == 7200
    deleted = kimai.delete(f"/api/timesheets/{entry.pk}")
    assert deleted.status_code == 204 and deleted.content == b""
    assert TimeEntry.everything.get(pk=entry.pk).deleted_at is not None
    assert kimai.get(f"/api/timesheets/{entry.pk}").status_code == 404


def test_another_person_sees_none_of_your_timesheets(
    colleague, stranger, website, make_entry, kimai_as
):
    mine = make_entry(colleague, website, datetime(2026, 3, 2, 8, tzinfo=UTC), 60)
    theirs = kimai_as(stranger)
    assert theirs.get("/api/timesheets").json() == []
    assert theirs.get("/api/timesheets", {"user": "all"}).json() == []
    assert theirs.get("/api/timesheets", {"user": colleague.pk}).json() == []
    for response in (
        theirs.get(f"/api/timesheets/{mine.pk}"),
        theirs.patch(f"/api/timesheets/{mine.pk}", {"description": "mine now"}),
        theirs.delete(f"/api/timesheets/{mine.pk}"),
        theirs.patch(f"/api/timesheets/{mine.pk}/stop", {}),
        theirs.patch(f"/api/timesheets/{mine.pk}/duplicate", {}),
    ):
        assert response.status_code == 404 and response.json()["code"] == 404
    assert TimeEntry.objects.get().notes == "" and TimeEntry.objects.count() == 1


def test_a_manager_reads_everyones_with_user_all(owner, colleague, website, make_entry, kimai_as):
    make_entry(colleague, website, datetime(2026, 3, 2, 8, tzinfo=UTC), 60)
    kimai = kimai_as(owner)
    assert kimai.get("/api/timesheets").json() == []  # their own, by default
    assert len(kimai.get("/api/timesheets", {"user": "all"}).json()) == 1
    assert len(kimai.get("/api/timesheets", {"user": colleague.pk}).json()) == 1


# Timesheets: reading --------------------------------------------------------------------


def test_the_list_filters_orders_and_pages_as_kimai_does(
    berlin, website, internal, design_task, make_entry, kimai_as
):
    first = berlin_entry(make_entry, berlin, website, "2026-03-02T09:00:00", 60, task=design_task)
    second = berlin_entry(make_entry, berlin, internal, "2026-03-03T09:00:00", 30, billable=False)
    third = berlin_entry(make_entry, berlin, website, "2026-03-04T09:00:00", 90, notes="Launch")
    kimai = kimai_as(berlin)

    def listed(**params):
        return [sheet["id"] for sheet in kimai.get("/api/timesheets", params).json()]

    assert listed() == [third.pk, second.pk, first.pk]  # newest first
    assert listed(order="ASC") == [first.pk, second.pk, third.pk]
    assert listed(begin="2026-03-03T00:00:00") == [third.pk, second.pk]
    assert listed(end="2026-03-03T09:00:00") == [second.pk, first.pk]  # begin <= end
    assert listed(project=internal.pk) == [second.pk]
    assert listed(**{"projects[]": [website.pk, internal.pk]}) == [third.pk, second.pk, first.pk]
    assert listed(activity=design_task.pk) == [first.pk]
    assert listed(activity=NO_TASK) == [third.pk, second.pk]
    assert listed(billable=0) == [second.pk]
    assert listed(term="launch") == [third.pk]
    assert listed(orderBy="rate", order="DESC") == [third.pk, first.pk, second.pk]
    paged = kimai.get("/api/timesheets", {"size": 2, "page": 2})
    assert [sheet["id"] for sheet in paged.json()] == [first.pk]
    assert paged["X-Page"] == "2" and paged["X-Per-Page"] == "2"
    assert paged["X-Total-Count"] == "3" and paged["X-Total-Pages"] == "2"
    assert kimai.get("/api/timesheets", {"size": 2, "page": 3}).status_code == 404
    full = kimai.get("/api/timesheets", {"full": "true", "size": 1}).json()[0]
    assert full["project"]["name"] == "Website" and full["activity"]["id"] == NO_TASK
    bad = kimai.get("/api/timesheets", {"begin": "soon"})
    assert bad.status_code == 400 and bad.json()["errors"]["children"]["begin"]["errors"]


def test_billed_time_is_exported_and_locked(berlin, website, make_entry, kimai_as):
    entry = berlin_entry(make_entry, berlin, website, "2026-03-02T09:00:00", 60)
    invoice = Invoice.objects.create(client=website.client, number="2026-001", due_date=entry.day)
    invoice.add_items_from_entries(entry.day, entry.day)
    invoice.advance_status(Invoice.Status.SENT)
    kimai = kimai_as(berlin)
    assert kimai.get("/api/timesheets", {"exported": 1}).json()[0]["exported"] is True
    assert kimai.get("/api/timesheets", {"exported": 0}).json() == []
    refused = kimai.patch(f"/api/timesheets/{entry.pk}", {"description": "changed"})
    assert refused.status_code == 409 and "2026-001" in refused.json()["message"]


def test_recent_restart_and_duplicate(berlin, website, design_task, make_entry, kimai_as):
    old = berlin_entry(
        make_entry, berlin, website, "2026-03-02T09:00:00", 60, task=design_task, notes="A"
    )
    old.tags.set([Tag.objects.create(name="focus")])
    middle = berlin_entry(make_entry, berlin, website, "2026-03-03T09:00:00", 60, task=design_task)
    latest = berlin_entry(make_entry, berlin, website, "2026-03-04T09:00:00", 30)
    kimai = kimai_as(berlin)
    recent = kimai.get("/api/timesheets/recent", {"size": 5}).json()
    assert [sheet["id"] for sheet in recent] == [latest.pk, middle.pk]
    assert recent[1]["activity"]["name"] == "Design"

    copy = kimai.patch(f"/api/timesheets/{old.pk}/duplicate", {}).json()
    assert copy["id"] != old.pk and copy["begin"] == "2026-03-02T09:00:00+0100"
    assert copy["duration"] == 3600 and copy["tags"] == ["focus"]

    plain = kimai.patch(f"/api/timesheets/{old.pk}/restart", {}).json()
    assert plain["end"] is None and plain["activity"] == design_task.pk
    assert plain["description"] is None and plain["tags"] == []
    everything = kimai.patch(f"/api/timesheets/{old.pk}/restart", {"copy": "all"}).json()
    assert everything["description"] == "A" and everything["tags"] == ["focus"]
    # Restarting stopped the first restart: one timer runs.
    assert list(TimeEntry.objects.running().values_list("pk", flat=True)) == [everything["id"]]


def test_what_is_not_offered_is_refused_in_kimais_shape(colleague, kimai_as):
    kimai = kimai_as(colleague)
    refused = kimai.post("/api/customers", {"name": "New client"})
    assert refused.status_code == 405 and refused.json()["code"] == 405
    assert kimai.get("/api/customers").json() == []


def test_an_unknown_path_is_kimais_404_in_json(colleague, kimai_as):
    for path in ("/api/nothing", "/api/timesheets/abc", "/api/timesheets/1/export"):
        response = kimai_as(colleague).get(path)
        assert response.status_code == 404 and response.json()["code"] == 404, path


@pytest.mark.parametrize("name", ["customer", "projects", "activities", "user"])
@pytest.mark.parametrize("value", ["abc", "-1", "²", str(2**63)])
def test_ids_that_are_not_ids_are_400_not_a_500(colleague, kimai_as, name, value):
    path = "/api/projects" if name == "customer" else "/api/timesheets"
    response = kimai_as(colleague).get(path, {name: value})
    assert response.status_code == 400
    assert response.json()["errors"]["children"]


def test_visible_is_kimais_one_two_or_three(colleague, website, archived, kimai_as):
    done = Task.objects.create(project=website, title="Launched", status=Task.Status.DONE)
    shelved = Task.objects.create(project=archived, title="Old design")
    kimai = kimai_as(colleague)
    hidden = kimai.get("/api/activities", {"visible": 2}).json()
    assert {a["id"] for a in hidden} == {done.pk, shelved.pk}
    assert all(a["visible"] is False for a in hidden)
    refused = kimai.get("/api/activities", {"visible": "abc"})
    assert refused.status_code == 400 and refused.json()["errors"]["children"]["visible"]


def test_modified_after_is_read_in_utc_as_kimai_reads_it(berlin, website, make_entry, kimai_as):
    changed = berlin_entry(make_entry, berlin, website, "2026-03-02T09:00:00", 60)
    earlier = berlin_entry(make_entry, berlin, website, "2026-03-03T09:00:00", 60)
    TimeEntry.objects.filter(pk=changed.pk).update(updated_at=datetime(2026, 3, 5, 12, tzinfo=UTC))
    TimeEntry.objects.filter(pk=earlier.pk).update(updated_at=datetime(2026, 3, 5, 11, tzinfo=UTC))
    # 11:30 in UTC; read in Berlin it would be 10:30 UTC and let both through.
    listed = kimai_as(berlin).get("/api/timesheets", {"modified_after": "2026-03-05T11:30:00"})
    assert [sheet["id"] for sheet in listed.json()] == [changed.pk]


def test_restart_begins_when_asked_and_ends_the_running_timer_now(
    colleague, website, make_entry, kimai_as
):
    """A begin in the past or the future is the new timer's; the running one keeps its own
    time and ends now (as in Kimai), never at that begin."""
    with time_machine.travel(datetime(2026, 3, 2, 12, tzinfo=UTC), tick=False):
        running = make_entry(colleague, website, datetime(2026, 3, 2, 9, tzinfo=UTC), None)
        kimai = kimai_as(colleague)
        for begin in ("2026-03-02T06:00:00+00:00", "2030-01-01T09:00:00+00:00"):
            restarted = kimai.patch(f"/api/timesheets/{running.pk}/restart", {"begin": begin})
            assert restarted.status_code == 200
        running.refresh_from_db()
        assert running.duration_seconds == 3 * 3600
        assert TimeEntry.objects.running().get().start == datetime(2030, 1, 1, 9, tzinfo=UTC)
        assert TimeEntry.objects.count() == 3
        refused = kimai.patch(f"/api/timesheets/{running.pk}/restart", {"copy": "tags"})
        assert refused.json()["errors"]["children"]["copy"]["errors"]


def test_duplicate_copies_the_very_same_moments_whatever_the_zone_since(
    colleague, website, make_entry, kimai_as
):
    late = make_entry(colleague, website, datetime(2026, 3, 2, 23, 30, tzinfo=UTC), 20)
    Preferences.objects.create(user=colleague, time_zone="Europe/Berlin")  # moved since
    copy = kimai_as(colleague).patch(f"/api/timesheets/{late.pk}/duplicate", {}).json()
    made = TimeEntry.objects.get(pk=copy["id"])
    assert (made.start, made.end) == (late.start, late.end)


@pytest.mark.parametrize(
    "path",
    [
        "/api/timesheets?full=true",
        "/api/timesheets",
        "/api/timesheets/recent?size=50",
        "/api/projects",
        "/api/activities",
    ],
)
def test_lists_make_the_same_queries_for_two_rows_or_twenty(
    colleague, acme, kimai_as, make_entry, path
):
    kimai = kimai_as(colleague)
    kimai.get("/api/ping")  # the token's first use is recorded once

    def queries_with(rows):
        for n in range(len(Task.objects.all()), rows):
            project = Project.objects.create(name=f"P{n}", client=acme)
            task = Task.objects.create(project=project, title=f"T{n}")
            entry = make_entry(colleague, project, datetime(2026, 3, 2, n, tzinfo=UTC), 30)
            entry.task = task
            entry.save()
            entry.tags.set([Tag.objects.create(name=f"tag{n}")])
        with CaptureQueriesContext(connection) as queries:
            assert kimai.get(path).status_code == 200
        return len(queries)

    assert queries_with(2) == queries_with(20)


def test_projects_without_a_client_belong_to_the_internal_customer(
    colleague, acme, website, kimai_as, make_entry
):
    training = Project.objects.create(name="Training", client=None)
    make_entry(colleague, training, at(2, 9), 30)
    make_entry(colleague, website, at(2, 10), 60)
    kimai = kimai_as(colleague)
    customers = kimai.get("/api/customers").json()
    assert [(c["id"], c["name"]) for c in customers] == [
        (acme.pk, "Acme"),
        (NO_CLIENT, "Internal"),
    ]
    assert kimai.get(f"/api/customers/{NO_CLIENT}").json()["name"] == "Internal"
    assert kimai.get("/api/customers", {"term": "acm"}).json()[0]["name"] == "Acme"
    assert len(kimai.get("/api/customers", {"term": "acm"}).json()) == 1
    projects = kimai.get("/api/projects", {"customer": NO_CLIENT}).json()
    assert [(p["name"], p["customer"], p["parentTitle"]) for p in projects] == [
        ("Training", NO_CLIENT, "Internal")
    ]
    both = kimai.get("/api/projects", {"customers": f"{NO_CLIENT},{acme.pk}"}).json()
    assert {p["name"] for p in both} == {"Training", "Website"}
    internal = kimai.get("/api/timesheets", {"customer": NO_CLIENT, "full": "true"}).json()
    assert [t["duration"] for t in internal] == [1800]
    assert internal[0]["project"]["customer"]["name"] == "Internal"
