"""Tags: typed in forms, filtered on, reported, exported, merged."""

import csv
import io

import pytest
from django.db import IntegrityError, transaction

from tracking.models import Tag, TimeEntry
from tracking.tests.conftest import at

pytestmark = pytest.mark.django_db


@pytest.fixture
def logged_in(client, colleague):
    client.force_login(colleague)
    return client


def test_a_timer_takes_comma_separated_tags_and_creates_new_ones(logged_in, colleague, website):
    Tag.objects.create(name="Meeting")
    logged_in.post("/timer/start/", {"project": website.pk, "tags": "meeting, urgent,, urgent "})
    entry = TimeEntry.objects.get(user=colleague)
    assert sorted(tag.name for tag in entry.tags.all()) == ["Meeting", "urgent"]
    assert Tag.objects.count() == 2


def test_the_entry_form_shows_and_saves_tags(logged_in, colleague, website, make_entry):
    entry = make_entry(colleague, website, at(2, 9), 60)
    entry.tags.set(Tag.objects.for_names(["design"]))
    page = logged_in.get(f"/entries/{entry.pk}/edit/").content.decode()
    assert 'name="tags" value="design"' in page
    logged_in.post(
        f"/entries/{entry.pk}/edit/",
        {"project": website.pk, "start": "2026-11-02T09:00", "end": "2026-11-02T10:00",
         "tags": "review"},
    )  # fmt: skip
    assert [tag.name for tag in entry.tags.all()] == ["review"]


def test_tag_names_are_unique_whatever_their_case():
    Tag.objects.create(name="Urgent")
    with pytest.raises(IntegrityError), transaction.atomic():
        Tag.objects.create(name="uRGENT")


def test_too_long_a_tag_is_refused_with_a_message(logged_in, colleague, website):
    response = logged_in.post(
        "/entries/new/",
        {"project": website.pk, "start": "2026-11-02T09:00", "end": "2026-11-02T10:00",
         "tags": "x" * 51},
    )  # fmt: skip
    assert "at most 50 characters" in response.context["form"].errors["tags"][0]
    assert not TimeEntry.objects.exists()


@pytest.fixture
def tagged(colleague, website, internal, make_entry):
    """Three entries: one tagged a, one tagged a and b, one untagged."""
    a, b = Tag.objects.for_names(["a", "b"])
    first = make_entry(colleague, website, at(2, 9), 60)
    first.tags.set([a])
    both = make_entry(colleague, internal, at(3, 9), 30)
    both.tags.set([a, b])
    make_entry(colleague, website, at(4, 9), 15)
    return a, b


def test_filters_take_any_of_several_tags_and_count_each_entry_once(logged_in, tagged):
    a, b = tagged
    response = logged_in.get(f"/entries/?tag={a.pk}&tag={b.pk}")
    assert len(response.context["page"].object_list) == 2
    page = response.content.decode()
    assert 'name="tag" aria-describedby="id_tag_helptext" id="id_tag" multiple>' in page
    assert f'<option value="{a.pk}" selected>a</option>' in page  # both shown as chosen
    assert f'<option value="{b.pk}" selected>b</option>' in page
    report = logged_in.get(
        f"/reports/?start=2026-11-01&end=2026-11-30&tag={a.pk}&tag={b.pk}"
    ).context
    assert str(report["total_hours"]) == "1.50"  # 60 + 30 minutes, not 60 + 30 + 30
    by_tag = {row.label: str(row.hours) for row in report["report"].tags}
    assert by_tag == {"a": "1.50", "b": "0.50"}


def test_both_csvs_have_a_tags_column_and_filter_by_tag(logged_in, tagged):
    a, _ = tagged
    for path in ("/entries/export.csv", "/reports/export.csv"):
        body = b"".join(
            logged_in.get(f"{path}?start=2026-11-01&end=2026-11-30&tag={a.pk}").streaming_content
        )
        rows = list(csv.reader(io.StringIO(body.decode())))
        assert rows[0][-1] == "tags"
        assert sorted(row[-1] for row in rows[1:]) == ["a", "a; b"], path


def test_tag_filters_keep_query_counts_constant(
    client, owner, website, make_entry, django_assert_max_num_queries
):
    tag = Tag.objects.create(name="t")
    for day in range(1, 26):
        make_entry(owner, website, at(day, 9), 30).tags.set([tag])
    client.force_login(owner)
    # The list's 13 (with the client filter's choices), and checking the tag id.
    with django_assert_max_num_queries(14):
        client.get(f"/entries/?tag={tag.pk}")
    with django_assert_max_num_queries(18):  # the report's 17, and checking the tag id
        client.get(f"/reports/?start=2026-11-01&end=2026-11-30&tag={tag.pk}")


def test_resume_and_continue_keep_the_tags(logged_in, colleague, website):
    logged_in.post("/timer/start/", {"project": website.pk, "tags": "deep work"})
    logged_in.post("/timer/pause/")
    logged_in.post("/timer/resume/")
    logged_in.post("/timer/stop/")
    first, second = TimeEntry.objects.filter(user=colleague).order_by("start", "pk")
    assert [t.name for t in second.tags.all()] == ["deep work"]
    logged_in.post(f"/entries/{first.pk}/continue/")
    assert [t.name for t in TimeEntry.objects.running().get().tags.all()] == ["deep work"]


def test_the_admin_merges_tags_into_the_oldest(client, superuser, colleague, website, make_entry):
    keep, dup = Tag.objects.for_names(["meeting", "meetings"])
    entry = make_entry(colleague, website, at(2, 9), 30)
    entry.tags.set([keep, dup])
    other = make_entry(colleague, website, at(3, 9), 30)
    other.tags.set([dup])
    client.force_login(superuser)
    client.post(
        "/admin/tracking/tag/",
        {"action": "merge", "_selected_action": [keep.pk, dup.pk]},
    )
    assert list(Tag.objects.values_list("name", flat=True)) == ["meeting"]
    assert [t.name for t in entry.tags.all()] == ["meeting"]
    assert [t.name for t in other.tags.all()] == ["meeting"]
