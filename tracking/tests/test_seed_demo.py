import itertools
from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from tracking.models import Project, TimeEntry

pytestmark = pytest.mark.django_db


def test_it_creates_finished_entries_with_exact_durations():
    out = StringIO()
    call_command("seed_demo", "--entries", "500", "--users", "3", "--projects", "4", stdout=out)
    assert "500 entries" in out.getvalue()
    assert TimeEntry.objects.count() == 500
    assert Project.objects.count() == 4
    assert not TimeEntry.objects.running().exists()
    for start, end, seconds in TimeEntry.objects.values_list("start", "end", "duration_seconds")[
        :50
    ]:
        assert end > start
        assert seconds == (end - start).total_seconds()
    assert get_user_model().objects.get(username="demo0").check_password("demo-password")


def test_entries_of_one_user_never_overlap():
    call_command(
        "seed_demo", "--entries", "300", "--users", "2", "--projects", "2", stdout=StringIO()
    )
    for user_id in TimeEntry.objects.values_list("user", flat=True).distinct():
        spans = list(
            TimeEntry.objects.filter(user_id=user_id).order_by("start").values_list("start", "end")
        )
        assert all(earlier[1] <= later[0] for earlier, later in itertools.pairwise(spans))


def test_seeded_moments_compare_as_the_apps_own_do():
    """Stored as the ORM stores them: on SQLite an aware datetime written as it is keeps
    "+00:00", and an entry the app saves starting as a seeded one ends then looked later
    than that end (an overlap of no time, from the browser try)."""
    call_command(
        "seed_demo", "--entries", "20", "--users", "1", "--projects", "1", stdout=StringIO()
    )
    seeded = TimeEntry.objects.order_by("-end").first()
    assert TimeEntry.objects.filter(pk=seeded.pk, end=seeded.end, start=seeded.start).exists()
    after = TimeEntry.objects.create(
        user=seeded.user,
        project=seeded.project,
        start=seeded.end,
        end=seeded.end + timedelta(minutes=5),
    )
    assert not after.overlapping().exists()
    assert not TimeEntry.objects.overlapping_only().exists()


def test_bad_arguments_are_refused():
    with pytest.raises(CommandError):
        call_command("seed_demo", "--users", "0", stdout=StringIO())
