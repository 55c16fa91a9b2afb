import threading
from datetime import date, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError

from tracking.models import Client, Project, Task, TimeEntry
from tracking.tests.conftest import at

pytestmark = pytest.mark.django_db


def test_it_refuses_a_second_running_timer_at_the_database(owner, website, make_entry):
    make_entry(owner, website, at(2, 9), None)
    with pytest.raises(IntegrityError), transaction.atomic():
        make_entry(owner, website, at(2, 10), None)


def test_two_users_can_each_run_a_timer(owner, colleague, website, make_entry):
    make_entry(owner, website, at(2, 9), None)
    make_entry(colleague, website, at(2, 9), None)
    assert TimeEntry.objects.running().count() == 2


def test_the_database_refuses_an_end_before_the_start(owner, website):
    with pytest.raises(IntegrityError), transaction.atomic():
        TimeEntry.objects.create(user=owner, project=website, start=at(2, 10), end=at(2, 9))


def test_starting_a_timer_stops_the_running_one_first(owner, website, internal):
    first = TimeEntry.objects.start_timer(owner, website, at=at(2, 9))
    second = TimeEntry.objects.start_timer(owner, internal, at=at(2, 10, 30))
    first.refresh_from_db()
    assert first.end == at(2, 10, 30)
    assert first.duration_seconds == 90 * 60
    assert second.is_running
    assert TimeEntry.objects.running().get() == second


def test_a_timer_takes_the_projects_billable_default(owner, internal):
    assert TimeEntry.objects.start_timer(owner, internal).billable is False


def test_stop_records_an_exact_duration(owner, website):
    entry = TimeEntry.objects.start_timer(owner, website, at=at(2, 9))
    entry.stop(at=at(2, 11, 15))
    entry.refresh_from_db()
    assert entry.duration_seconds == 2 * 3600 + 15 * 60
    assert str(entry.hours) == "2.25"


def test_stopping_a_stopped_entry_is_an_error(owner, website):
    entry = TimeEntry.objects.start_timer(owner, website, at=at(2, 9))
    entry.stop(at=at(2, 10))
    with pytest.raises(ValidationError, match="already stopped"):
        entry.stop(at=at(2, 11))


def test_a_timer_stopped_in_its_first_second_counts_one_second(owner, website):
    entry = TimeEntry.objects.start_timer(owner, website, at=at(2, 9))
    entry.stop(at=at(2, 9))
    assert entry.duration_seconds == 1


def test_a_task_from_another_project_is_refused(owner, website, internal):
    other_task = Task.objects.create(project=internal, title="Elsewhere")
    entry = TimeEntry(user=owner, project=website, task=other_task, start=at(2, 9))
    with pytest.raises(ValidationError, match="another project"):
        entry.full_clean()


def test_deleting_a_project_with_entries_is_refused(owner, website, make_entry):
    make_entry(owner, website, at(2, 9), 60)
    with pytest.raises(ProtectedError):
        website.delete()
    assert TimeEntry.objects.count() == 1


def test_deleting_a_client_with_projects_is_refused(acme, website):
    with pytest.raises(ProtectedError):
        acme.delete()
    assert Project.objects.filter(pk=website.pk).exists()


def test_deleting_a_user_with_entries_is_refused(colleague, website, make_entry):
    make_entry(colleague, website, at(2, 9), 60)
    with pytest.raises(ProtectedError):
        colleague.delete()


def test_an_empty_client_can_be_deleted(db):
    client = Client.objects.create(name="Gone")
    client.delete()
    assert not Client.objects.exists()


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_starts_never_leave_two_running_entries(owner, website):
    if connection.vendor != "postgresql":
        pytest.skip("row locks between connections are a PostgreSQL test (the CI runs it)")
    barrier = threading.Barrier(4)
    errors = []

    def start():
        try:
            barrier.wait()
            for _ in range(10):
                TimeEntry.objects.start_timer(owner, website)
        except Exception as exc:  # recorded and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=start) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert TimeEntry.objects.filter(user=owner).running().count() == 1
    assert TimeEntry.objects.filter(user=owner).count() == 40


def test_durations_of_stopped_entries_sum_exactly(owner, website, make_entry):
    for minutes in (7, 13, 40):
        make_entry(owner, website, at(3, 9) + timedelta(hours=minutes), minutes)
    assert TimeEntry.objects.total_seconds() == 60 * 60


def test_overlaps_are_found_whatever_the_longest_entry_and_only_between_shared_clock_time(
    owner, colleague, website, make_entry
):
    """``with_overlaps`` against every pair, worked out by hand: a 100-hour entry (a timer
    left running with TIMER_MAX_HOURS=0) still overlaps what lies deep inside it, touching
    entries do not overlap, nor do another person's, time without clock times, the trash or
    the running timer's future."""
    long = make_entry(owner, website, at(2, 0), 100 * 60)  # 2 Nov 00:00 to 6 Nov 04:00
    inside = make_entry(owner, website, at(5, 12), 30)  # 84 hours after the long one began
    touching = make_entry(owner, website, at(6, 4), 60)  # starts as the long one ends
    after = make_entry(owner, website, at(6, 5), 60)  # touches "touching" only
    make_entry(colleague, website, at(5, 12), 30)  # another person's
    typed = TimeEntry(user=owner, project=website)
    typed.place_on_day(date(2026, 11, 3), 3600)
    typed.save()
    trashed = make_entry(owner, website, at(4, 9), 60)
    trashed.trash()
    running = make_entry(owner, website, at(20, 9), None)

    flagged = dict(TimeEntry.objects.with_overlaps().values_list("pk", "overlaps"))
    clocked = [e for e in TimeEntry.objects.filter(duration_only=False) if e.end is not None]
    by_hand = {
        entry.pk: any(
            other.pk != entry.pk
            and other.user_id == entry.user_id
            and other.start < entry.end
            and other.end > entry.start
            for other in clocked
        )
        for entry in clocked
    }
    assert {pk: flagged[pk] for pk in by_hand} == by_hand
    assert (flagged[long.pk], flagged[inside.pk]) == (True, True)
    assert (flagged[touching.pk], flagged[after.pk]) == (False, False)
    assert (flagged[typed.pk], flagged[running.pk]) == (False, False)
    assert trashed.pk not in flagged
    ids = set(TimeEntry.objects.overlapping_only().values_list("pk", flat=True))
    assert ids == {long.pk, inside.pk}


def test_the_entrys_own_overlaps_and_the_lists_agree_around_now(
    owner, colleague, website, make_entry
):
    """``TimeEntry.overlapping`` (an entry's page, the warning on saving) and
    ``with_overlaps`` (lists, the filter, billing) against pairs worked out by hand, at a
    fixed now: a running timer's clock time runs from its start until now, so it shares
    time with what it was started back over, not with time typed for later; a timer set to
    start later shares none yet."""
    now = at(10, 12)
    with time_machine.travel(now, tick=False):
        running = make_entry(owner, website, at(10, 9), None)  # started back at 09:00
        covered = make_entry(owner, website, at(10, 10), 30)
        later = make_entry(owner, website, at(10, 14), 30)  # typed ahead: after now
        before = make_entry(owner, website, at(10, 8), 30)
        waiting = make_entry(colleague, website, at(10, 15), None)  # starts at 15:00
        across = make_entry(colleague, website, at(10, 11), 300)  # 11:00 to 16:00
        entries = list(TimeEntry.objects.all())

        def clock(entry):
            return entry.start, entry.end or max(now, entry.start)

        by_hand = {
            entry.pk: any(
                other.pk != entry.pk
                and other.user_id == entry.user_id
                and max(clock(other)[0], clock(entry)[0]) < min(clock(other)[1], clock(entry)[1])
                for other in entries
            )
            for entry in entries
        }
        listed = dict(TimeEntry.objects.with_overlaps().values_list("pk", "overlaps"))
        own = {entry.pk: entry.overlapping().exists() for entry in entries}
    assert listed == own == by_hand
    assert [by_hand[entry.pk] for entry in (running, covered, later, before)] == [
        True,
        True,
        False,
        False,
    ]
    assert (by_hand[waiting.pk], by_hand[across.pk]) == (False, False)


def test_an_overlap_of_less_than_a_second_is_found_beside_the_longest_entry(
    owner, website, make_entry
):
    """Times sent by the API may carry fractions of a second, which an entry's length in
    whole seconds leaves out: the longest entry, 09:00:00.0 to 10:00:00.9, still overlaps
    one starting at 10:00:00.5."""
    longest = TimeEntry.objects.create(
        user=owner,
        project=website,
        start=at(2, 9),
        end=at(2, 10) + timedelta(microseconds=900_000),
    )
    later = make_entry(owner, website, at(2, 10) + timedelta(microseconds=500_000), 30)
    assert longest.duration_seconds == 3600
    flagged = dict(TimeEntry.objects.with_overlaps().values_list("pk", "overlaps"))
    assert flagged == {longest.pk: True, later.pk: True}
