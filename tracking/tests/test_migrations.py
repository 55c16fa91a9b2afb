"""Upgrades keep every hour where it was, and everyone signed in."""

import importlib
from datetime import UTC, date, datetime, timedelta
from io import StringIO

import pytest
from django.contrib.auth import BACKEND_SESSION_KEY, get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("tracking", "0010_preferences_theme")]
AFTER = [("tracking", "0012_entry_day_required")]


@pytest.fixture
def old_apps(transactional_db):
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    yield executor.loader.project_state(BEFORE).apps
    call_command("migrate", verbosity=0)  # back to the latest for the tests that follow


def _migrate_forward():
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)
    return executor.loader.project_state(AFTER).apps


def test_entries_keep_their_owners_day_and_the_timesheets_own_become_duration_only(old_apps):
    User = old_apps.get_model("auth", "User")
    Client = old_apps.get_model("tracking", "Client")
    Project = old_apps.get_model("tracking", "Project")
    Preferences = old_apps.get_model("tracking", "Preferences")
    TimeEntry = old_apps.get_model("tracking", "TimeEntry")
    berliner = User.objects.create(username="berliner")
    Preferences.objects.create(user=berliner, time_zone="Europe/Berlin")
    elsewhere = User.objects.create(username="elsewhere")  # the server's zone (UTC)
    project = Project.objects.create(name="Site", client=Client.objects.create(name="Acme"))

    def entry(user, start, minutes, source):
        end = start + timedelta(minutes=minutes)
        return TimeEntry.objects.create(
            user=user, project=project, start=start, end=end, source=source,
            duration_seconds=minutes * 60,
        ).pk  # fmt: skip

    # Local midnight of Monday 23 November in Berlin is 23:00 UTC on Sunday.
    sheet = entry(berliner, datetime(2026, 11, 22, 23, tzinfo=UTC), 210, "timesheet")
    late_timer = entry(berliner, datetime(2026, 11, 23, 23, 30, tzinfo=UTC), 20, "timer")
    utc_timer = entry(elsewhere, datetime(2026, 11, 23, 23, 30, tzinfo=UTC), 20, "timer")

    new_apps = _migrate_forward()
    migrated = {e.pk: e for e in new_apps.get_model("tracking", "TimeEntry").objects.all()}
    assert (migrated[sheet].day, migrated[sheet].duration_only) == (date(2026, 11, 23), True)
    assert migrated[sheet].duration_seconds == 210 * 60
    assert (migrated[late_timer].day, migrated[late_timer].duration_only) == (
        date(2026, 11, 24),
        False,
    )
    assert migrated[utc_timer].day == date(2026, 11, 23)


def test_staff_accounts_become_managers_and_keep_what_they_could_do(transactional_db):
    executor = MigrationExecutor(connection)
    executor.migrate([("tracking", "0012_entry_day_required")])
    old = executor.loader.project_state([("tracking", "0012_entry_day_required")]).apps
    User = old.get_model("auth", "User")
    User.objects.create(username="staff", is_staff=True)
    User.objects.create(username="member")
    User.objects.create(username="root", is_staff=True, is_superuser=True)
    call_command("migrate", verbosity=0)
    managers = Group.objects.get(name="Manager").user_set.values_list("username", flat=True)
    assert list(managers) == ["staff"]
    staff = get_user_model().objects.get(username="staff")
    assert staff.has_perm("tracking.delete_client") and staff.has_perm("tracking.view_invoice")
    assert not get_user_model().objects.get(username="member").has_perm("tracking.add_client")


def test_every_model_change_has_its_migration(db):
    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)  # exits 1 if not
    assert "No changes detected" in out.getvalue()


def test_people_signed_in_before_the_permissions_backend_moved_stay_signed_in(
    client, colleague, settings
):
    from django.apps import apps

    backends = importlib.import_module("tracking.migrations.0023_sessions_keep_their_sign_in")
    client.force_login(colleague, backend=backends.OUR_BACKEND)
    session = client.session
    session[BACKEND_SESSION_KEY] = backends.DJANGO_BACKEND  # as signed in before the upgrade
    session.save()
    settings.AUTHENTICATION_BACKENDS = [backends.DJANGO_BACKEND]
    assert client.get("/").status_code == 200  # signed in, with Django's backend
    settings.AUTHENTICATION_BACKENDS = [backends.OUR_BACKEND]
    assert client.get("/").status_code == 302  # this is what the upgrade would do: signed out
    backends.to_our_backend(apps, None)
    assert client.get("/").status_code == 200  # the migration keeps them signed in
    assert client.session[BACKEND_SESSION_KEY] == backends.OUR_BACKEND
