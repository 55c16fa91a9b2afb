"""Long project pickers: the person's recent projects and a search, not every project on
every page; what a form accepts does not change."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from tracking.forms import PICKER_LIST_UP_TO
from tracking.models import Client, Project, Task, TimeEntry


@pytest.fixture
def logged_in(client, colleague):
    client.force_login(colleague)
    return client


@pytest.fixture
def catalogue(acme):
    """More open projects than a picker lists, one archived, a task or two."""
    projects = Project.objects.bulk_create(
        Project(name=f"Project {n:02d}", client=acme) for n in range(PICKER_LIST_UP_TO + 5)
    )
    Task.objects.create(project=projects[7], title="Design")
    Task.objects.create(project=projects[7], title="Shipped", status=Task.Status.DONE)
    return projects


def options(page: str, select_id: str) -> list[str]:
    select = re.search(rf'<select[^>]*id="{select_id}".*?</select>', page, re.S).group(0)
    return re.findall(r"<option[^>]*>([^<]*)</option>", select)


def worked_on(user, *projects, before=None):
    """An entry on each project, the last one the latest, the days before ``before``
    (now)."""
    start = (before or timezone.now()) - timedelta(days=len(projects) + 1)
    for index, project in enumerate(projects):
        begin = start + timedelta(days=index)
        TimeEntry.objects.create(
            user=user, project=project, start=begin, end=begin + timedelta(hours=1)
        )


def test_a_short_catalogue_is_listed_whole(logged_in, website, internal):
    page = logged_in.get("/entries/").content.decode()
    assert options(page, "quick-project") == ["Choose a project…", "Internal", "Website"]
    assert "data-find" not in page


def test_a_long_catalogue_offers_recent_projects_and_a_search(
    logged_in, colleague, stranger, catalogue, django_assert_num_queries
):
    worked_on(colleague, catalogue[3], catalogue[9], catalogue[3])
    worked_on(stranger, catalogue[20])  # someone else's work is not "recent" for her
    # The filter's picker and the timer bar's offer the same recent projects: their names
    # come with them, asked once (12 queries; 14 when each picker asked for the names).
    with django_assert_num_queries(12):
        page = logged_in.get("/entries/").content.decode()
    assert options(page, "quick-project") == ["Choose a project…", "Project 03", "Project 09"]
    assert 'data-find="/projects/find/"' in page
    with django_assert_num_queries(12):  # 13 when the start form asked for the names
        dashboard = logged_in.get("/").content.decode()
    assert options(dashboard, "id_project") == ["---------", "Project 03", "Project 09"]
    # The task picker offers the open tasks of the projects offered, no others.
    worked_on(colleague, catalogue[7])
    dashboard = logged_in.get("/").content.decode()
    assert options(dashboard, "id_task") == ["---------", "Project 07 · Design"]


def test_a_project_not_offered_is_still_accepted(logged_in, colleague, catalogue):
    response = logged_in.post("/timer/start/", {"project": catalogue[25].pk})
    assert response.status_code == 302
    assert TimeEntry.objects.get(user=colleague, end=None).project == catalogue[25]


def test_the_chosen_project_is_offered_even_when_not_recent(logged_in, catalogue):
    page = logged_in.get(f"/entries/?project={catalogue[12].pk}").content.decode()
    assert options(page, "id_project") == ["---------", "Project 12"]


def test_the_timesheet_offers_recent_projects_not_in_the_week(
    logged_in, colleague, catalogue, django_assert_num_queries
):
    monday = timezone.localdate() - timedelta(days=timezone.localdate().weekday())
    start = timezone.make_aware(timezone.datetime.combine(monday, timezone.datetime.min.time()))
    worked_on(colleague, catalogue[1], catalogue[2], before=start)  # last week, any day
    TimeEntry.objects.create(
        user=colleague, project=catalogue[1], start=start, end=start + timedelta(hours=2)
    )
    with django_assert_num_queries(9):  # 11 when "Add a row" and the timer bar asked
        page = logged_in.get("/timesheet/").content.decode()
    assert options(page, "add-row") == ["Project 02"]
    assert 'data-find="/projects/find/"' in page


def test_find_answers_open_projects_by_name_or_client_with_their_open_tasks(logged_in, catalogue):
    Project.objects.create(
        name="Brochure", client=Client.objects.create(name="Zeta Print"), archived=True
    )
    found = logged_in.get("/projects/find/", {"q": "project 07"}).json()
    assert found == [
        {
            "id": catalogue[7].pk,
            "name": "Project 07",
            "client": "Acme",
            "tasks": [{"id": Task.objects.get(title="Design").pk, "title": "Design"}],
        }
    ]
    assert len(logged_in.get("/projects/find/", {"q": "acme"}).json()) == 20
    assert logged_in.get("/projects/find/", {"q": "zeta"}).json() == []
    # A report's filter may name an archived project.
    archived = logged_in.get("/projects/find/", {"q": "zeta", "archived": "1"}).json()
    assert [project["name"] for project in archived] == ["Brochure"]
    assert logged_in.get("/projects/find/", {"q": "  "}).json() == []
    assert logged_in.get("/projects/find/", {"q": "\x00"}).status_code == 200


def test_find_needs_a_login(client, catalogue):
    response = client.get("/projects/find/", {"q": "project"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
