"""The PyPI client kimai-python 0.2.9 (swagger-generated, unchanged) against a running
server: with Kimai's X-AUTH headers and with a bearer token."""

import json
from datetime import UTC, datetime

import kimai_python
import pytest
from kimai_python.models import TimesheetEditForm
from kimai_python.rest import ApiException

from api.models import ApiToken
from tracking.models import TimeEntry

pytestmark = pytest.mark.django_db(transaction=True)


def kimai_client(url, user, secret=None, bearer=False):
    """kimai-python's ApiClient for ``user``: X-AUTH headers, or ``Authorization: Bearer``
    as a default header (the client's own way to add one)."""
    if secret is None:
        _, secret = ApiToken.objects.create_token(user, "kimai-python")
    config = kimai_python.Configuration()
    config.host = url
    if bearer:
        return kimai_python.ApiClient(config, "Authorization", f"Bearer {secret}")
    config.api_key["X-AUTH-USER"] = user.username
    config.api_key["X-AUTH-TOKEN"] = secret
    return kimai_python.ApiClient(config)


def raw(call, *args, **kwargs):
    """A call's JSON as sent. kimai-python 0.2.9's generated models read ``active`` and
    ``recent``'s nested activity and project as lists, which no Kimai server sends (Kimai
    nests one object, as we do): those answers are read without its models."""
    return json.loads(call(*args, _preload_content=False, **kwargs).data)


@pytest.mark.parametrize("bearer", [False, True], ids=["x-auth headers", "bearer token"])
def test_kimai_python_tracks_time_against_a_running_server(
    live_server, berlin, stranger, acme, website, design_task, bearer
):
    colleague, design = berlin, design_task
    client = kimai_client(live_server.url, colleague, bearer=bearer)
    default = kimai_python.DefaultApi(client)
    _, status, _ = default.api_ping_get_with_http_info()
    assert status == 200
    assert default.api_version_get().version == "2.14.0"
    assert default.api_config_timesheet_get().tracking_mode == "default"
    me = kimai_python.UserApi(client).api_users_me_get()
    assert (me.id, me.username, me.timezone) == (colleague.pk, "colleague", "Europe/Berlin")

    customers = kimai_python.CustomerApi(client)
    assert [c.name for c in customers.api_customers_get()] == ["Acme"]
    assert customers.api_customers_id_get(acme.pk).currency == "EUR"
    projects = kimai_python.ProjectApi(client)
    listed = projects.api_projects_get(customer=str(acme.pk))
    assert [(p.id, p.name, p.customer) for p in listed] == [(website.pk, "Website", acme.pk)]
    assert projects.api_projects_id_get(website.pk).time_budget == 0
    activities = kimai_python.ActivityApi(client).api_activities_get(project=str(website.pk))
    assert design.pk in [a.id for a in activities]

    # 09:00-10:30 in Berlin, written as Kimai clients write it: no offset.
    timesheets = kimai_python.TimesheetApi(client)
    created = timesheets.api_timesheets_post(
        TimesheetEditForm(
            begin=datetime(2026, 3, 2, 9, 0),
            end=datetime(2026, 3, 2, 10, 30),
            project=website.pk,
            activity=design.pk,
            description="Review",
            tags="kimai,cli",
        )
    )
    assert created.duration == 5400 and sorted(created.tags) == ["cli", "kimai"]
    assert created.begin == datetime(2026, 3, 2, 8, tzinfo=UTC)
    entry = TimeEntry.objects.get(pk=created.id)
    assert entry.start == datetime(2026, 3, 2, 8, tzinfo=UTC)
    assert entry.duration_seconds == 5400 and entry.task == design
    assert sorted(entry.tags.values_list("name", flat=True)) == ["cli", "kimai"]

    # A running one: in `active`, stopped through PATCH …/stop.
    started = timesheets.api_timesheets_post(
        TimesheetEditForm(begin=datetime.now(UTC), project=website.pk, activity=design.pk)
    )
    assert started.end is None
    active = raw(timesheets.api_timesheets_active_get)
    assert [sheet["id"] for sheet in active] == [started.id]
    assert active[0]["project"]["name"] == "Website"
    assert [s.id for s in timesheets.api_timesheets_get(active="1")] == [started.id]
    stopped = timesheets.api_timesheets_id_stop_patch(started.id)
    assert stopped.end is not None and stopped.exported is False
    assert raw(timesheets.api_timesheets_active_get) == []

    listed = timesheets.api_timesheets_get()
    assert {sheet.id for sheet in listed} == {created.id, started.id}
    assert timesheets.api_timesheets_id_get(created.id).description == "Review"
    recent = raw(timesheets.api_timesheets_recent_get)
    assert [sheet["activity"]["name"] for sheet in recent] == ["Design"]

    # Another person sees none of them.
    theirs = kimai_python.TimesheetApi(kimai_client(live_server.url, stranger, bearer=bearer))
    assert theirs.api_timesheets_get() == []
    with pytest.raises(ApiException) as hidden:
        theirs.api_timesheets_id_get(created.id)
    assert hidden.value.status == 404

    # A wrong token is 401, in Kimai's shape.
    wrong = kimai_client(live_server.url, colleague, secret="tt_not-a-token", bearer=bearer)
    with pytest.raises(ApiException) as refused:
        kimai_python.DefaultApi(wrong).api_version_get()
    assert refused.value.status == 401
    assert json.loads(refused.value.body)["code"] == 401
