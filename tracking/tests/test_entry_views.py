import html
import re
from datetime import date, timedelta

import pytest
import time_machine
from django.urls import resolve

from tracking.models import Invoice, Tag, TimeEntry
from tracking.tests.conftest import at

pytestmark = pytest.mark.django_db


@pytest.fixture
def mine(colleague, website, make_entry):
    return make_entry(colleague, website, at(2, 9), 60, notes="mine")


@pytest.fixture
def theirs(stranger, website, make_entry):
    return make_entry(stranger, website, at(2, 9), 60, notes="theirs")


@pytest.fixture
def logged_in(client, colleague):
    client.force_login(colleague)
    return client


def test_the_list_shows_only_my_entries(logged_in, mine, theirs):
    response = logged_in.get("/entries/")
    assert list(response.context["page"].object_list) == [mine]


def test_staff_see_everyones_entries_and_filter_by_user(client, owner, mine, theirs, stranger):
    client.force_login(owner)
    assert set(client.get("/entries/").context["page"].object_list) == {mine, theirs}
    filtered = client.get(f"/entries/?user={stranger.pk}").context["page"].object_list
    assert list(filtered) == [theirs]


def test_each_row_links_to_its_entry_and_continues_it_through_one_form(
    logged_in, colleague, mine, make_entry, website
):
    tokens = logged_in.get("/entries/").content.decode().count('name="csrfmiddlewaretoken"')
    make_entry(colleague, website, at(3, 9), 30, notes="second")
    page = logged_in.get("/entries/").content.decode()
    assert page.count('name="csrfmiddlewaretoken"') == tokens  # not one more per row
    link = re.search(r'href="([^"]*)">Website</a>', page).group(1)
    assert resolve(link).url_name == "entry_detail"
    action = re.findall(r'formaction="([^"]*)"', page)[-1]
    assert resolve(action).url_name == "entry_continue" and str(mine.pk) in action
    response = logged_in.post(action)
    assert response.status_code == 302
    assert TimeEntry.objects.get(end=None).notes == "mine"


@pytest.mark.parametrize("action", ["", "edit/", "delete/"])
def test_someone_elses_entry_answers_404(logged_in, theirs, action):
    assert logged_in.get(f"/entries/{theirs.pk}/{action}").status_code == 404
    assert logged_in.post(f"/entries/{theirs.pk}/{action}").status_code == 404
    assert TimeEntry.objects.filter(pk=theirs.pk, notes="theirs").exists()


def test_the_tag_filter_says_there_are_no_tags_yet_instead_of_an_empty_box(logged_in):
    empty = re.search(r'<select name="tag"[^>]*>(.*?)</select>', logged_in.get("/entries/").text)
    assert empty.group(1) == '<option value="" disabled>None yet</option>'
    Tag.objects.create(name="urgent")
    listed = re.search(r'<select name="tag"[^>]*>(.*?)</select>', logged_in.get("/entries/").text)
    assert ">urgent</option>" in listed.group(1) and "None yet" not in listed.group(1)


def test_a_manual_entry_is_created_for_me(logged_in, colleague, website):
    response = logged_in.post(
        "/entries/new/",
        {
            "project": website.pk,
            "notes": "by hand",
            "start": "2026-11-02T09:00:00",
            "end": "2026-11-02T10:30:00",
            "billable": "on",
        },
    )
    assert response.status_code == 302
    entry = TimeEntry.objects.get(notes="by hand")
    assert entry.user == colleague
    assert entry.duration_seconds == 5400


def test_an_end_before_the_start_is_refused_and_nothing_is_saved(logged_in, website):
    response = logged_in.post(
        "/entries/new/",
        {"project": website.pk, "start": "2026-11-02T10:00:00", "end": "2026-11-02T09:00:00"},
    )
    assert response.status_code == 200
    assert "The end must be after the start." in str(response.context["form"].errors)
    assert not TimeEntry.objects.exists()


def test_a_second_running_entry_by_hand_is_refused(logged_in, colleague, website, make_entry):
    make_entry(colleague, website, at(2, 9), None)
    response = logged_in.post(
        "/entries/new/", {"project": website.pk, "start": "2026-11-02T11:00:00"}
    )
    assert "A timer is already running" in str(response.context["form"].errors)
    assert TimeEntry.objects.count() == 1


def test_editing_keeps_the_owner(logged_in, colleague, mine, website):
    logged_in.post(
        f"/entries/{mine.pk}/edit/",
        {
            "project": website.pk,
            "notes": "edited",
            "start": "2026-11-02T09:00:00",
            "end": "2026-11-02T09:45:00",
        },
    )
    mine.refresh_from_db()
    assert (mine.notes, mine.user, mine.duration_seconds) == ("edited", colleague, 2700)


def test_deleting_asks_then_deletes(logged_in, mine):
    assert logged_in.get(f"/entries/{mine.pk}/delete/").status_code == 200
    assert TimeEntry.objects.filter(pk=mine.pk).exists()
    logged_in.post(f"/entries/{mine.pk}/delete/")
    assert not TimeEntry.objects.filter(pk=mine.pk).exists()


def test_the_list_makes_a_constant_number_of_queries(
    client, owner, colleague, website, design_task, make_entry, django_assert_num_queries
):
    for day in range(1, 26):
        make_entry(colleague, website, at(day, 9), 30, task=design_task)
    client.force_login(owner)
    # Constant in the rows: session, person, their permissions (one query), the filter's
    # projects, the page, its tags and its overlaps, the timer's ids, the idle bar's recent
    # projects and its picker, the filter's clients, people and tags.
    with django_assert_num_queries(13) as queries:
        response = client.get("/entries/")
    # Pickers read in one plain query each: no server-side cursor (PostgreSQL's DECLARE).
    assert not [query for query in queries.captured_queries if "DECLARE" in query["sql"]]
    assert len(response.context["page"].object_list) == 25


def test_overlaps_are_marked_across_a_page_boundary(logged_in, colleague, website, make_entry):
    """A page's overlap badges are worked out against every entry, not only the page's
    rows: the 50th and the 51st entry overlap, one on each page."""
    for index in range(49):
        make_entry(colleague, website, at(3, 0) + timedelta(hours=index), 30)
    make_entry(colleague, website, at(2, 9, 30), 60, notes="fiftieth")
    make_entry(colleague, website, at(2, 9), 60, notes="fifty-first")  # overlaps the 50th
    for index in range(10):
        make_entry(colleague, website, at(1, index), 30)
    first = logged_in.get("/entries/")
    second = logged_in.get("/entries/?page=2")
    first_rows, second_rows = first.context["page"].object_list, second.context["page"].object_list
    assert [entry.notes for entry in (first_rows[-1], second_rows[0])] == [
        "fiftieth",
        "fifty-first",
    ]
    assert [entry.overlaps for entry in first_rows] == [False] * 49 + [True]
    assert [entry.overlaps for entry in second_rows] == [True] + [False] * 10
    assert first.content.decode().count("badge overlap") == 1
    assert second.content.decode().count("badge overlap") == 1


def test_pages_go_back_in_time_fifty_entries_at_a_time(logged_in, colleague, website, make_entry):
    for index in range(120):
        make_entry(colleague, website, at(1, 0) + timedelta(hours=index), 30)
    first = logged_in.get("/entries/").context["page"]
    third = logged_in.get("/entries/?page=3").context["page"]
    assert (len(first.object_list), first.has_previous, first.has_next) == (50, False, True)
    assert (len(third.object_list), third.has_previous, third.has_next) == (20, True, False)
    assert first.object_list[0].start > third.object_list[0].start
    assert logged_in.get("/entries/?page=junk").context["page"].number == 1
    # The links keep the list's filters, and are plain without any.
    assert 'href="?page=2">Older →</a>' in logged_in.get("/entries/").content.decode()
    filtered = logged_in.get(f"/entries/?project={website.pk}&page=2").content.decode()
    assert f'href="?project={website.pk}&amp;page=1">← Newer</a>' in filtered
    assert f'href="?project={website.pk}&amp;page=3">Older →</a>' in filtered


def _save_overlapping(client, path, project, start, end, now, notes=""):
    """Save the entry form at ``now``: the page it leads to, the overlap warning it shows,
    and the entries the warning's link lists."""
    form = {"project": project.pk, "notes": notes, "start": start, "end": end, "billable": "on"}
    with time_machine.travel(now, tick=False):
        response = client.post(path, form, follow=True)
        [warning] = [str(m) for m in response.context["messages"] if m.level_tag == "warning"]
        link = re.search(r'<a href="([^"]*)">see the overlaps on those days</a>', warning)
        listed = list(client.get(html.unescape(link.group(1))).context["page"].object_list)
    return response, warning, listed


def _overlapping_pair(user, project, start, make_entry) -> list:
    """An hour from ``start``, and its first half hour."""
    return [make_entry(user, project, start, 60), make_entry(user, project, start, 30)]


def test_the_overlap_warning_names_the_first_entry_counts_the_rest_and_lists_their_days(
    logged_in, colleague, website, make_entry
):
    """A long entry typed over a day's work: the warning names the first entry it overlaps
    as the lists write it, counts the rest, and links to the overlapping entries of those
    days alone (not an entry of that day overlapping nothing, nor a pair two days later)."""
    late = make_entry(colleague, website, at(22, 23), 120)  # until 01:00 on the 23rd
    morning = {make_entry(colleague, website, at(23, h), 30) for h in (9, 11)}
    _overlapping_pair(colleague, website, at(25, 9), make_entry)
    make_entry(colleague, website, at(23, 14), 30)  # that day, overlapping nothing
    _, warning, listed = _save_overlapping(
        logged_in,
        "/entries/new/",
        website,
        "2026-11-23T00:00",
        "2026-11-23T12:00",
        at(26, 12),
        notes="the whole morning",
    )
    assert warning.startswith(
        "This entry overlaps your entry on Website, Sun 22 Nov 23:00\u2013Mon 23 Nov 01:00"
        " and 2 more. Overlapping entries are not billed until one of them is corrected"
    )
    typed = TimeEntry.objects.get(notes="the whole morning")
    assert set(listed) == {late, typed, *morning}


def test_a_manager_reads_whose_entry_it_overlaps_and_the_link_keeps_to_that_person(
    client, owner, colleague, stranger, website, make_entry
):
    """Saving someone's entry, or their own: the link lists the owner's overlaps alone,
    not the other people's of the same day."""
    theirs = _overlapping_pair(colleague, website, at(23, 9), make_entry)
    mine = _overlapping_pair(owner, website, at(23, 9), make_entry)
    _overlapping_pair(stranger, website, at(23, 9), make_entry)
    client.force_login(owner)
    for pair, whose, on_the_page in [
        (theirs, "colleague&#x27;s", "colleague's"),
        (mine, "your", "your"),
    ]:
        response, warning, listed = _save_overlapping(
            client,
            f"/entries/{pair[0].pk}/edit/",
            website,
            "2026-11-23T09:00",
            "2026-11-23T10:00",
            at(24, 12),
        )
        assert warning.startswith(
            f"This entry overlaps {whose} entry on Website, Mon 23 Nov 09:00\u201309:30. "
        )
        assert set(listed) == set(pair)
        assert f"This entry overlaps another of {on_the_page} entries" in (
            response.content.decode()
        )


def test_an_entry_typed_over_a_running_timer_says_it_runs_until_now(
    logged_in, colleague, website, make_entry
):
    running = make_entry(colleague, website, at(23, 9), None)
    _, warning, listed = _save_overlapping(
        logged_in, "/entries/new/", website, "2026-11-23T10:00", "2026-11-23T11:00", at(23, 12)
    )
    assert warning.startswith(
        "This entry overlaps your entry on Website, Mon 23 Nov 09:00\u2013now. "
    )
    assert running in listed and len(listed) == 2


def test_a_timer_started_back_over_tracked_time_is_warned_and_marked(
    logged_in, colleague, website, make_entry
):
    """A running entry's clock time runs until now: one begun at 09:00 at noon overlaps
    10:00-10:30, and not 14:00-14:30, which is still to come."""
    with time_machine.travel(at(23, 12), tick=False):
        tracked = make_entry(colleague, website, at(23, 10), 30)
        later = make_entry(colleague, website, at(23, 14), 30)
        response = logged_in.post(
            "/entries/new/",
            {"project": website.pk, "date": "2026-11-23", "start_time": "9", "billable": "on"},
            follow=True,
        )
        running = TimeEntry.objects.get(end=None)
        assert running.start == at(23, 9)
        assert (
            f"This entry overlaps your entry on {website.name}, Mon 23 Nov 10:00\u201310:30."
            in response.content.decode()
        )
        rows = logged_in.get("/entries/").context["page"].object_list
        assert {entry.pk: entry.overlaps for entry in rows} == {
            later.pk: False,
            running.pk: True,
            tracked.pk: True,
        }
        only = logged_in.get("/entries/?overlaps=on").context["page"].object_list
        assert {entry.pk for entry in only} == {running.pk, tracked.pk}
        assert b"This entry overlaps another" in logged_in.get(f"/entries/{running.pk}/").content


def test_a_page_past_the_end_shows_the_last_one(logged_in, colleague, website, make_entry):
    for index in range(60):
        make_entry(colleague, website, at(1, 0) + timedelta(hours=index), 30)
    response = logged_in.get(f"/entries/?project={website.pk}&page=99")
    page = response.context["page"]
    assert (page.number, len(page.object_list), page.has_next) == (2, 10, False)
    assert f'href="?project={website.pk}&amp;page=1">← Newer</a>' in response.content.decode()
    TimeEntry.objects.all().delete()  # to the trash: nothing is left to list
    empty = logged_in.get("/entries/?page=2").context["page"]
    assert (empty.number, empty.object_list, empty.has_previous) == (1, [], False)


def test_the_entry_page_shows_its_tags_where_it_came_from_and_its_invoice(
    client, owner, website, acme
):
    entry = TimeEntry.objects.start_timer(owner, website, tags=Tag.objects.for_names(["calls"]))
    TimeEntry.objects.stop_timer(owner)
    invoice = Invoice.objects.create(client=acme, due_date=date(2030, 1, 1))
    invoice.add_items_from_entries(date(2000, 1, 1), date(2100, 1, 1))
    client.force_login(owner)
    page = client.get(f"/entries/{entry.pk}/").content.decode()
    assert '<span class="tag">calls</span>' in page
    assert "<dt>Made</dt><dd>Timer" in page
    assert f'href="/invoices/{invoice.pk}/">{invoice.number}</a> (draft)' in page


def test_duplicate_copies_an_entry_to_today_at_the_same_clock_time(client, colleague, website):
    entry = TimeEntry.objects.create(
        user=colleague, project=website, start=at(2, 9, 15), end=at(2, 11, 0), notes="review"
    )
    entry.tags.set(Tag.objects.for_names(["calls"]))
    client.force_login(colleague)
    with time_machine.travel(at(29, 12), tick=False):
        response = client.post(f"/entries/{entry.pk}/duplicate/")
    copy = TimeEntry.objects.exclude(pk=entry.pk).get()
    assert response.status_code == 302 and response["Location"] == f"/entries/{copy.pk}/edit/"
    assert copy.start == at(29, 9, 15) and copy.duration_seconds == entry.duration_seconds
    assert (copy.notes, [t.name for t in copy.tags.all()], copy.day) == (
        "review",
        ["calls"],
        date(2026, 11, 29),
    )


def test_a_running_timer_or_someone_elses_entry_is_not_duplicated(
    client, colleague, stranger, website
):
    running = TimeEntry.objects.start_timer(colleague, website)
    theirs = TimeEntry.objects.create(
        user=stranger, project=website, start=at(2, 9), end=at(2, 10)
    )
    client.force_login(colleague)
    response = client.post(f"/entries/{running.pk}/duplicate/", follow=True)
    assert "Stop the timer first" in response.content.decode()
    assert client.post(f"/entries/{theirs.pk}/duplicate/").status_code == 404
    assert TimeEntry.objects.count() == 2


def test_rows_written_in_python_escape_every_text(client, owner, acme, make_entry):
    """The entry rows and the report's tables are written by template tags: every name
    and note a person typed comes out as text."""
    evil = '<b id="x">"Q" & \'Z\'</b>'
    acme.name = f"Client {evil}"
    acme.save()
    project = acme.projects.create(name=f"Project {evil}", hourly_rate="10.00")
    entry = make_entry(owner, project, at(2, 9), 60, notes=f"Notes {evil}")
    entry.tags.add(Tag.objects.create(name=f"Tag {evil}"[:50]))
    client.force_login(owner)
    escaped = "&lt;b id=&quot;x&quot;&gt;&quot;Q&quot; &amp; &#x27;Z&#x27;&lt;/b&gt;"
    for path in ("/entries/", "/reports/?start=2026-11-01&end=2026-11-30"):
        page = client.get(path).content.decode()
        assert '<b id="x">' not in page, path
        assert f"Project {escaped}" in page, path
    rows = client.get("/entries/").content.decode()
    assert f"Notes {escaped}" in rows and f"Tag {escaped}" in rows
    assert f'aria-label="Continue Project {escaped}"' in rows
    report = client.get("/reports/?start=2026-11-01&end=2026-11-30").content.decode()
    assert f"<td>Client {escaped}</td>" in report
