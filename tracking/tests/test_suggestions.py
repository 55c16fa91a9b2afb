"""Suggestions from earlier work: /entries/suggest/?q= answers a person's own notes."""

from datetime import timedelta

import pytest

from tracking.models import Tag, Task
from tracking.tests.conftest import at

pytestmark = pytest.mark.django_db


@pytest.fixture
def member(client, colleague):
    client.force_login(colleague)
    return client


def suggest(client, text):
    response = client.get("/entries/suggest/", {"q": text})
    assert response.status_code == 200
    return response.json()


def test_earlier_work_is_offered_whole_and_only_ones_own(
    member, colleague, stranger, website, design_task, make_entry
):
    hero = make_entry(colleague, website, at(2, 9), 60, notes="Homepage hero section")
    hero.task, hero.billable = design_task, False
    hero.save()
    hero.tags.set(Tag.objects.for_names(["Design"]))
    make_entry(stranger, website, at(3, 9), 60, notes="Homepage secret of someone else")

    assert suggest(member, "homep") == [
        {
            "notes": "Homepage hero section",
            "project": website.pk,
            "project_name": website.name,
            "task": design_task.pk,
            "task_name": design_task.title,
            "tags": ["Design"],
            "billable": False,
        }
    ]


def test_each_work_once_newest_first_at_most_ten_never_archived(
    member, colleague, website, internal, make_entry
):
    for day in range(1, 4):  # the same work three times: offered once, as last done
        make_entry(colleague, website, at(day, 9), 30, notes="Weekly call")
    make_entry(colleague, internal, at(5, 9), 30, notes="Weekly call")  # another project
    make_entry(colleague, website, at(6, 9), 30, notes="Weekly call on an old project")
    internal.archived = True
    internal.save()
    assert [item["notes"] for item in suggest(member, "CALL")] == [
        "Weekly call on an old project",
        "Weekly call",
    ]
    internal.archived = False
    internal.save()
    website.archived = True
    website.save()
    assert [item["project"] for item in suggest(member, "CALL")] == [internal.pk]
    website.archived = False
    website.save()
    assert [(item["project"], item["notes"]) for item in suggest(member, "CALL")] == [
        (website.pk, "Weekly call on an old project"),
        (internal.pk, "Weekly call"),
        (website.pk, "Weekly call"),
    ]
    start = at(10, 0)
    for n in range(12):
        make_entry(colleague, website, start + timedelta(hours=n), 30, notes=f"Ticket {n}")
    found = suggest(member, "ticket")
    assert len(found) == 10 and found[0]["notes"] == "Ticket 11"


def test_nothing_typed_or_nothing_matching_offers_nothing(member, colleague, website, make_entry):
    make_entry(colleague, website, at(2, 9), 30, notes="Homepage")
    assert suggest(member, "") == []
    assert suggest(member, "   ") == []
    assert suggest(member, "100%_") == []  # LIKE wildcards are plain text
    assert suggest(member, "x" * 5000) == []
    assert suggest(member, "\x00") == []  # a NUL is dropped, not a 500


def test_suggestions_come_from_the_latest_entries(
    member, colleague, website, make_entry, monkeypatch
):
    monkeypatch.setattr("tracking.models.entries.SUGGEST_FROM", 2)
    make_entry(colleague, website, at(1, 9), 30, notes="Old retainer")
    make_entry(colleague, website, at(2, 9), 30, notes="Newer work")
    make_entry(colleague, website, at(3, 9), 30, notes="Newest work")
    assert [item["notes"] for item in suggest(member, "work")] == ["Newest work", "Newer work"]
    assert suggest(member, "retainer") == []


def test_a_trashed_entry_is_not_suggested(member, colleague, website, make_entry):
    make_entry(colleague, website, at(2, 9), 30, notes="Deleted idea").delete()
    assert suggest(member, "idea") == []


def test_logged_out_people_get_nothing(client):
    assert client.get("/entries/suggest/?q=a").status_code == 302


def test_a_task_of_the_work_is_named(member, colleague, website, make_entry):
    task = Task.objects.create(project=website, title="Hero")
    make_entry(colleague, website, at(2, 9), 30, notes="Hero image", task=task)
    assert suggest(member, "hero")[0]["task_name"] == "Hero"
