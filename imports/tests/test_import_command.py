"""manage.py import_entries: four trackers' exports and our own, exact, once, all or none."""

from datetime import UTC, date, datetime
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db.models import Sum

from tracking.models import Client, Preferences, Project, Tag, Task, TimeEntry

pytestmark = pytest.mark.django_db

FILES = Path(__file__).parent / "files"
# Each file's rows: (notes, seconds) as every row must arrive, from start and end.
EXPECTED = {
    "toggl": [
        ("Homepage hero, first draft", 5400),
        ("Release night", 6300),  # 23:30 to 01:15 the next day
        ('Said "hello" across the clock change', 10800),  # 01:30 CEST to 03:30 CET
    ],
    "clockify": [
        ("Copy review", 8100),  # 09:00:00 AM to 11:15:00 AM
        ("Call with Bob, about the launch", 2700),  # 01:15 PM to 02:00 PM
        ("Late fix", 5400),  # 11:00 PM to 12:30 AM the next day
    ],
    "harvest": [("Hero image, variants", 1800), ("Invoices for Müller", 4500)],
    "kimai": [("Night shift", 12600), ("Standup; notes", 2700)],
}


@pytest.fixture
def ada(db):
    person = get_user_model().objects.create_user("ada", email="ada@example.test")
    Preferences.objects.create(user=person, time_zone="Europe/Berlin")
    return person


def run(name, *options, format=None, user="ada") -> str:
    out = StringIO()
    path = FILES / name if "/" not in str(name) else name
    fmt = format or Path(name).stem.split("-")[0]
    call_command(
        "import_entries", str(path), "--format", fmt, "--user", user, *options, stdout=out
    )
    return out.getvalue()


def test_four_trackers_files_arrive_exactly_with_everything_created_once(ada):
    for name in ("toggl.csv", "clockify.csv", "harvest.csv", "kimai.csv"):
        run(name)
    for format, rows in EXPECTED.items():
        stored = TimeEntry.objects.filter(user=ada, import_key__startswith=f"{format}:")
        assert sorted(stored.values_list("notes", "duration_seconds")) == sorted(rows), format
    assert TimeEntry.objects.filter(source=TimeEntry.Source.IMPORT).count() == 10
    hero = TimeEntry.objects.get(notes="Homepage hero, first draft")
    assert hero.start == datetime(2026, 11, 2, 8, 0, tzinfo=UTC)  # 09:00 in Berlin
    assert hero.task.title == "Design" and hero.billable
    assert sorted(hero.tags.values_list("name", flat=True)) == ["Client-Call", "Design"]
    assert list(Client.objects.values_list("name", flat=True)) == ["Acme"]
    assert sorted(Project.objects.values_list("name", flat=True)) == [
        "Internal",
        "Mobile app",
        "Website",
    ]
    assert sorted(Tag.objects.values_list("name", flat=True)) == [
        "Client-Call",
        "Design",
        "urgent",
    ]
    # Rates from a file set a new project's rate: Kimai's Mobile app was made at 95.
    assert Project.objects.get(name="Mobile app").hourly_rate == 95
    # Harvest has no clock times: time on its day, exactly that long.
    hero_image = TimeEntry.objects.get(notes="Hero image, variants")
    assert hero_image.duration_only and hero_image.day == date(2026, 11, 5)
    assert TimeEntry.objects.get(notes="Late fix").day == date(2026, 11, 3)
    assert TimeEntry.objects.get(notes="Invoices for Müller").billable is False
    assert Task.objects.filter(title="Design").count() == 1


def test_a_second_import_adds_nothing_and_says_so(ada):
    first = run("toggl.csv")
    assert "Entries: 3 imported, 0 skipped as already imported" in first
    assert "Clients: 1 created, 0 reused" in first
    assert "Hours imported: 6:15 (6.25 h)" in first
    again = run("toggl.csv")
    assert "Entries: 0 imported, 3 skipped as already imported" in again
    assert "Clients: 0 created, 1 reused" in again
    assert TimeEntry.objects.count() == 3


def test_an_imported_entry_in_the_trash_is_not_imported_again(ada):
    run("kimai.csv")
    TimeEntry.objects.get(notes="Night shift").delete()
    assert "0 imported, 2 skipped" in run("kimai.csv")


def test_a_dry_run_counts_and_writes_nothing(ada):
    out = run("toggl.csv", "--dry-run")
    assert out.startswith("Dry run: nothing was written.")
    assert "Entries: 3 to import" in out
    assert not TimeEntry.objects.exists() and not Client.objects.exists()


def test_a_bad_row_names_its_line_and_column_and_nothing_is_written(ada):
    with pytest.raises(CommandError) as refused:
        run("clockify-bad-date.csv", format="clockify")
    message = str(refused.value)
    assert "line 3, Start Date: '13/15/2026' is not a MM/DD/YYYY date" in message
    assert "Clockify's date format" in message
    assert not TimeEntry.objects.exists() and not Project.objects.exists()


def test_a_file_not_in_utf8_is_read_as_windows_1252_and_says_so(ada):
    assert "read as Windows-1252" in run("harvest.csv")


def test_a_time_that_does_not_exist_is_refused(ada, tmp_path):
    skipped = tmp_path / "kimai-spring.csv"
    skipped.write_text(
        "Date;From;To;Duration;Rate;User;Email;Customer;Project;Activity;Description\n"
        "2026-03-29;02:30;04:00;3600;0;ada;ada@example.test;Acme;Website;;In the gap\n"
    )
    with pytest.raises(CommandError, match="line 2, From: 2026-03-29 02:30 does not exist"):
        run(skipped, format="kimai")


def test_rows_follow_the_models_rules(ada, tmp_path):
    Project.objects.create(
        name="Old site", client=Client.objects.create(name="Acme"), archived=True
    )
    archived = tmp_path / "kimai-archived.csv"
    archived.write_text(
        "Date;From;To;Project;Customer;Description\n"
        "2026-11-02;09:00;10:00;Website;Acme;fine\n"
        "2026-11-02;09:00;10:00;Old site;Acme;on an archived project\n"
    )
    with pytest.raises(CommandError, match="line 3: This project is archived"):
        run(archived, format="kimai")
    assert not TimeEntry.objects.exists()


def test_formula_like_cells_are_kept_as_plain_text(ada, tmp_path):
    formula = tmp_path / "kimai-formula.csv"
    formula.write_text(
        "Date;From;To;Project;Customer;Description\n"
        '2026-11-02;09:00;10:00;Website;Acme;"=HYPERLINK(""http://x"")"\n'
    )
    run(formula, format="kimai")
    assert TimeEntry.objects.get().notes == '=HYPERLINK("http://x")'


def test_managers_map_rows_to_people_by_email_and_unknown_emails_stop_everything(
    ada, tmp_path, manager_group
):
    ada.groups.add(manager_group)
    bob = get_user_model().objects.create_user("bob", email="Bob@Example.test")
    people = tmp_path / "kimai-people.csv"
    people.write_text(
        "Date;From;To;Email;Project;Customer;Description\n"
        "2026-11-02;09:00;10:00;ada@example.test;Website;Acme;mine\n"
        "2026-11-02;09:00;10:00;bob@example.test;Website;Acme;bob's\n"
    )
    run(people, "--map-users-by-email", format="kimai")
    assert TimeEntry.objects.get(notes="bob's").user == bob
    strangers = tmp_path / "kimai-strangers.csv"
    strangers.write_text(
        "Date;From;To;Email;Project;Customer;Description\n"
        "2026-11-03;09:00;10:00;eve@example.test;Website;Acme;x\n"
        "2026-11-03;11:00;12:00;mallory@example.test;Website;Acme;y\n"
        "2026-11-03;13:00;14:00;ada@example.test;Website;Acme;z\n"
    )
    with pytest.raises(CommandError, match=r"eve@example\.test, mallory@example\.test"):
        run(strangers, "--map-users-by-email", format="kimai")
    assert TimeEntry.objects.count() == 2
    with pytest.raises(CommandError, match="a Manager"):
        run(people, "--map-users-by-email", format="kimai", user="bob")


def test_unknown_users_zones_and_files_are_refused_clearly(ada, tmp_path):
    with pytest.raises(CommandError, match="No user is called 'nobody'"):
        run("toggl.csv", user="nobody")
    with pytest.raises(CommandError, match="Unknown time zone 'Mars/Base'"):
        run("toggl.csv", "--timezone", "Mars/Base")
    with pytest.raises(CommandError, match="Cannot read"):
        run(tmp_path / "missing.csv", format="toggl")
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(CommandError, match="The file is empty"):
        run(empty, format="toggl")


def test_the_timezone_option_reads_times_elsewhere(ada):
    run("toggl.csv", "--timezone", "America/New_York")
    hero = TimeEntry.objects.get(notes="Homepage hero, first draft")
    assert hero.start == datetime(2026, 11, 2, 14, 0, tzinfo=UTC)


def test_our_own_export_comes_back_with_the_same_days_projects_and_tags(ada, client, tmp_path):
    run("toggl.csv")
    run("harvest.csv")
    run("kimai.csv")
    client.force_login(ada)
    exported = b"".join(client.get("/entries/export.csv").streaming_content)

    def totals():
        entries = TimeEntry.objects.all()
        by_day = entries.values_list("day", "project__name").annotate(Sum("duration_seconds"))
        by_tag = entries.values_list("tags__name").annotate(Sum("duration_seconds"))
        return entries.count(), sorted(by_day), sorted(by_tag, key=str)

    before = totals()
    TimeEntry.everything.all().purge()
    Task.objects.all().delete()
    Project.objects.all().delete()
    Client.objects.all().delete()
    Tag.objects.all().delete()
    path = tmp_path / "export.csv"
    path.write_bytes(exported)
    out = run(path, format="timetracker")
    assert "Entries: 7 imported" in out
    assert totals() == before


def test_our_own_export_keeps_long_entries_and_leaves_out_a_running_timer(ada, tmp_path):
    rows = tmp_path / "ours.csv"
    rows.write_text(
        "date,start,end,duration_hours,duration_seconds,user,client,project,task,billable,"
        "hourly_rate,billable_amount,notes,tags\n"
        "2026-11-02,09:00:00,11:00:00,26.00,93600,ada,Acme,Website,,yes,80.00,,long,\n"
        "2026-10-24,23:00:00,02:00:00,4.00,14400,ada,Acme,Website,,yes,80.00,,dst,\n"
        "2026-11-03,09:00:00,,,,ada,Acme,Website,,yes,80.00,,running,\n"
    )
    out = run(rows, format="timetracker")
    assert "Timers still running when the file was made, left out: 1" in out
    stored = dict(TimeEntry.objects.values_list("notes", "duration_seconds"))
    # 26 h from 09:00; 23:00 to 02:00 across the night the clocks went back: 4 h.
    assert stored == {"long": 93600, "dst": 14400}


def test_every_bad_row_is_named_at_once(ada, tmp_path):
    bad = tmp_path / "kimai-bad.csv"
    bad.write_text(
        "Date;From;To;Project;Customer;Description\n"
        "2026-11-02;09:00;10:00;Website;Acme;fine\n"
        "2026-13-45;09:00;10:00;Website;Acme;bad date\n"
        "2026-11-03;25:61;10:00;Website;Acme;bad time\n"
    )
    with pytest.raises(CommandError) as refused:
        run(bad, format="kimai")
    message = str(refused.value)
    assert "line 3, Date: '2026-13-45' is not a YYYY-MM-DD date" in message
    assert "line 4, From: '25:61' is not a time like 14:15 or 02:15 PM" in message
    assert message.count("Nothing was imported") == 1
    assert not TimeEntry.objects.exists()
