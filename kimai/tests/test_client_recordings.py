"""The exact requests Kemai 0.11.1 and the Raycast Kimai extension send (read from their
source: Kemai's src/client/kimaiClient.cpp and parser.cpp, Raycast's extensions/kimai/src/
libs/api.ts), replayed with their headers and bodies, and each answer checked the way the
client parses it: a field a client needs that is missing, null or of another type would
break it (Kemai fails the whole list; Raycast's zod schemas turn the list into [])."""

import json
from datetime import UTC, datetime

import pytest
import time_machine

from api.models import ApiToken
from tracking.models import Project, TimeEntry

# The recordings are of 2 March 2026; the replay happens at noon that day in Berlin, so
# their timers are running, not forgotten.
pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("noon_on_the_day"),
]


@pytest.fixture
def noon_on_the_day():
    with time_machine.travel(datetime(2026, 3, 2, 11, tzinfo=UTC), tick=False):
        yield


# Kemai: Qt's headers, no Accept at all; a body is compact JSON with sorted keys.
KEMAI = {
    "User-Agent": "Kemai/0.11.1",
    "Accept-Encoding": "gzip, deflate",
    "Accept-Language": "en,*",
}
# Raycast: node-fetch, Content-Type on every request, Accept: */*.
RAYCAST = {"User-Agent": "node-fetch", "Accept": "*/*", "Content-Type": "application/json"}


@pytest.fixture
def work(berlin, acme, website, design_task):
    """The colleague, in Berlin, with a token; Acme's Website and its Design task."""
    _, secret = ApiToken.objects.create_token(berlin, "desktop")
    return {
        "project": website.pk,
        "activity": design_task.pk,
        "secret": secret,
        "customer": acme.pk,
    }


def send(client, method, path, headers, body=None):
    """One recorded request: ``body`` is the raw bytes the client sent (None: no body)."""
    extra = {"content_type": headers.get("Content-Type", "application/octet-stream")}
    headers = {name: value for name, value in headers.items() if name != "Content-Type"}
    return client.generic(method, path, body or b"", headers=headers, **extra)


def kemai_json(**fields) -> bytes:
    """Qt's compact JSON: no spaces, keys sorted."""
    return json.dumps(fields, separators=(",", ":"), sort_keys=True).encode()


def raycast_json(**fields) -> bytes:
    """JSON.stringify: no spaces, keys in the order written."""
    return json.dumps(fields, separators=(",", ":")).encode()


def is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


# Kemai ---------------------------------------------------------------------------------


def kemai_timesheet(sheet, expanded=False):
    """parser.cpp's TimeSheet: id and begin; project and activity an int or an object,
    never null (an object with names where the history shows them); tags strings."""
    assert is_int(sheet["id"]) and isinstance(sheet["begin"], str)
    for key in ("project", "activity"):
        assert is_int(sheet[key]) or isinstance(sheet[key], dict), key
    assert all(isinstance(tag, str) for tag in sheet["tags"])
    if expanded:
        assert isinstance(sheet["activity"]["name"], str)
        assert isinstance(sheet["project"]["name"], str)
        assert is_int(sheet["project"]["customer"]["id"])


@pytest.mark.parametrize("auth", ["x-auth", "bearer"])
def test_kemai_starts_and_stops_a_timer(client, colleague, work, auth):
    if auth == "bearer":
        headers = KEMAI | {"Authorization": f"Bearer {work['secret']}"}
    else:
        headers = KEMAI | {"X-AUTH-USER": "colleague", "X-AUTH-TOKEN": work["secret"]}

    # Start-up: these go out together (KimaiCache::synchronize, KemaiSession).
    lists = {name: send(client, "GET", f"/api/{name}", headers).json() for name in (
        "customers", "projects", "activities")}  # fmt: skip
    assert [(c["id"], c["name"]) for c in lists["customers"]] == [(work["customer"], "Acme")]
    for project in lists["projects"]:
        assert is_int(project["id"]) and isinstance(project["name"], str)
        assert is_int(project["customer"])  # present and never null
    ours = [a for a in lists["activities"] if a["project"] in (None, work["project"])]
    assert {a["id"] for a in ours} >= {work["activity"]}
    assert all(is_int(a["id"]) and isinstance(a["name"], str) for a in lists["activities"])
    recent = send(client, "GET", "/api/timesheets/recent?size=5", headers)
    assert recent.json() == []
    me = send(client, "GET", "/api/users/me", headers).json()
    assert is_int(me["id"]) and me["username"] == "colleague" and me["memberships"] == []
    assert me["timezone"] == "Europe/Berlin"  # every begin and end Kemai sends is in it
    version = send(client, "GET", "/api/version", headers).json()
    assert isinstance(version["version"], str)  # >= 1.14.1: Kemai asks for plugins
    assert send(client, "GET", "/api/plugins", headers).json() == []
    assert send(client, "GET", "/api/config/timesheet", headers).json()["trackingMode"] == (
        "default"  # not "punch", which would leave begin and end out of the stop
    )
    assert send(client, "GET", "/api/timesheets/active", headers).json() == []

    # Start: activity, begin with its offset, description, project, tags as one string.
    body = kemai_json(
        activity=work["activity"],
        begin="2026-03-02T10:15:42+01:00",
        description="",
        project=work["project"],
        tags="dev,urgent",
    )
    with_body = headers | {"Content-Type": "application/json"}
    started = send(client, "POST", "/api/timesheets", with_body, body)
    assert started.status_code == 200
    kemai_timesheet(started.json())
    active = send(client, "GET", "/api/timesheets/active", headers).json()
    assert len(active) == 1
    kemai_timesheet(active[0], expanded=True)
    sheet = active[0]
    assert sheet["begin"] == "2026-03-02T10:15:42+0100" and sheet["end"] is None

    # Stop: every field sent back, with the end.
    body = kemai_json(
        activity=sheet["activity"]["id"],
        begin="2026-03-02T10:15:42+01:00",
        description="Fix bug",
        end="2026-03-02T11:02:07+01:00",
        project=sheet["project"]["id"],
        tags="dev,urgent",
    )
    stopped = send(client, "PATCH", f"/api/timesheets/{sheet['id']}", with_body, body)
    assert stopped.status_code == 200
    kemai_timesheet(stopped.json())
    assert send(client, "GET", "/api/timesheets/active", headers).json() == []
    history = send(client, "GET", "/api/timesheets/recent?size=5", headers).json()
    assert [entry["description"] for entry in history] == ["Fix bug"]
    kemai_timesheet(history[0], expanded=True)

    entry = TimeEntry.objects.get()
    assert entry.start == datetime(2026, 3, 2, 9, 15, 42, tzinfo=UTC)
    assert entry.duration_seconds == 46 * 60 + 25 and entry.notes == "Fix bug"
    assert sorted(entry.tags.values_list("name", flat=True)) == ["dev", "urgent"]


def test_kemai_before_0_9_stops_with_an_empty_patch(client, colleague, work, make_entry):
    running = make_entry(
        colleague, Project.objects.get(), datetime(2026, 3, 2, 9, tzinfo=UTC), None
    )
    headers = KEMAI | {"X-AUTH-USER": "colleague", "X-AUTH-TOKEN": work["secret"]}
    stopped = send(client, "PATCH", f"/api/timesheets/{running.pk}/stop", headers)
    assert stopped.status_code == 200
    kemai_timesheet(stopped.json())
    running.refresh_from_db()
    assert running.end is not None


# Raycast ------------------------------------------------------------------------------


def raycast_timesheet(sheet):
    """api.ts's timesheet schema: every key present, ids as numbers (not objects), end
    null only while running, duration, rate and internalRate always numbers."""
    for key in ("id", "activity", "project", "user"):
        assert is_int(sheet[key]), key
    assert isinstance(sheet["begin"], str)
    assert sheet["end"] is None or isinstance(sheet["end"], str)
    for key in ("duration", "rate", "internalRate"):
        assert is_number(sheet[key]), key
    assert sheet["description"] is None or isinstance(sheet["description"], str)
    assert isinstance(sheet["exported"], bool) and isinstance(sheet["billable"], bool)


@pytest.mark.parametrize("auth", ["token", "email and password"])
def test_raycast_logs_lists_edits_stops_and_deletes_time(client, colleague, work, auth):
    if auth == "token":
        headers = RAYCAST | {"Authorization": f"Bearer {work['secret']}"}
    else:  # the "Email" preference, sent as X-AUTH-USER
        headers = RAYCAST | {"X-AUTH-USER": colleague.email, "X-AUTH-TOKEN": work["secret"]}

    projects = send(client, "GET", "/api/projects?visible=1", headers).json()
    for project in projects:
        assert is_int(project["id"]) and isinstance(project["name"], str)
        assert isinstance(project["parentTitle"], str) and is_int(project["customer"])
        for key in ("visible", "billable", "globalActivities"):
            assert isinstance(project[key], bool)
    activities = send(client, "GET", "/api/activities?visible=1", headers).json()
    for activity in activities:
        assert is_int(activity["id"]) and isinstance(activity["name"], str)
        assert isinstance(activity["visible"], bool) and isinstance(activity["billable"], bool)
        assert activity["project"] is None or is_int(activity["project"])
    assert work["activity"] in [activity["id"] for activity in activities]

    # Log Time: naive local times, seconds 00; then a running one (no minutes: end null).
    ids = {"project": work["project"], "activity": work["activity"]}
    logged = send(client, "POST", "/api/timesheets", headers, raycast_json(
        begin="2026-03-02T09:00:00", end="2026-03-02T10:30:00", **ids,
        description="Code review",
    ))  # fmt: skip
    raycast_timesheet(logged.json())
    running = send(client, "POST", "/api/timesheets", headers, raycast_json(
        begin="2026-03-02T11:00:00", end=None, **ids
    )).json()  # fmt: skip
    raycast_timesheet(running)
    assert running["end"] is None and running["description"] is None

    # The menu bar's totals: today, this week (from Sunday), this month.
    for begin in ("2026-03-02", "2026-03-01", "2026-03-01"):
        listed = send(client, "GET", f"/api/timesheets?begin={begin}T00:00:00", headers)
        assert listed.status_code == 200
        for sheet in listed.json():
            raycast_timesheet(sheet)
        assert sum(s["duration"] for s in listed.json() if s["end"] is not None) == 5400

    # Manage Timesheets: the last 14 days, newest first; edit with all five keys.
    fortnight = "/api/timesheets?begin=2026-02-16T00:00:00&order=DESC&orderBy=begin"
    managed = send(client, "GET", fortnight, headers).json()
    assert [sheet["id"] for sheet in managed] == [running["id"], logged.json()["id"]]
    edited = send(client, "PATCH", f"/api/timesheets/{logged.json()['id']}", headers, raycast_json(
        begin="2026-03-02T09:00:00", end="2026-03-02T11:00:00", **ids,
        description="Code review + fixes",
    ))  # fmt: skip
    raycast_timesheet(edited.json())
    assert edited.json()["duration"] == 7200

    # Stop Active Timer: the first of active=1, stopped with an empty PATCH.
    active = send(client, "GET", "/api/timesheets?active=1", headers).json()
    assert [sheet["id"] for sheet in active] == [running["id"]]
    stopped = send(client, "PATCH", f"/api/timesheets/{running['id']}/stop", headers)
    raycast_timesheet(stopped.json())
    assert stopped.json()["end"] is not None

    # Delete: Kimai's 204 without a body (the extension calls json() on it and shows
    # "Failed to delete" against Kimai too; the entry is in the trash all the same).
    deleted = send(client, "DELETE", f"/api/timesheets/{logged.json()['id']}", headers)
    assert deleted.status_code == 204 and deleted.content == b""
    assert TimeEntry.objects.count() == 1
