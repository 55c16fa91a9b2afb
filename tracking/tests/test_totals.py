"""The running totals (tracking.models.totals) equal a recount of the entries after every
kind of write, and a report read from them equals the same report read from the entries."""

from dataclasses import astuple
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection

from tracking import totals_sql
from tracking.models import DayTotal, Invoice, Preferences, Project, Tag, TimeEntry, YearTotal
from tracking.queries import build_report
from tracking.tests.recount import assert_totals_match, recounted, stored

IMPORTS = Path(__file__).resolve().parents[2] / "imports" / "tests" / "files"


def moment(year, month, day, hour=9):
    return datetime(year, month, day, hour, tzinfo=UTC)


def test_the_totals_follow_every_kind_of_write(
    client, owner, colleague, website, internal, acme, make_entry
):
    running = TimeEntry.objects.start_timer(owner, website, at=moment(2026, 2, 2))
    assert stored() == (set(), set())  # not stopped yet
    running.stop(at=moment(2026, 2, 2, 10))  # February: not on January's invoice
    assert_totals_match()
    assert YearTotal.objects.count() == DayTotal.objects.count() == 1

    entry = make_entry(owner, website, moment(2025, 12, 31, 20), 90)
    entry.tags.set([Tag.objects.create(name="deep work")])
    make_entry(colleague, internal, moment(2026, 3, 2), 30)
    assert_totals_match()

    # Edits that move time between totals: another year, project, person, length, billable.
    entry.start, entry.end = moment(2024, 6, 1), moment(2024, 6, 1, 11)
    entry.project = internal
    entry.save()
    assert_totals_match()
    entry.user, entry.billable = colleague, False
    entry.save()
    assert_totals_match()
    kept = set(YearTotal.objects.values_list("pk", flat=True))
    entry.save()  # nothing changed: nothing moves (a total taken away and added is new)
    assert_totals_match()
    assert set(YearTotal.objects.values_list("pk", flat=True)) == kept

    TimeEntry.objects.bulk_create(
        [
            TimeEntry(
                user=owner,
                project=website,
                start=moment(2026, 1, day),
                end=moment(2026, 1, day, 12),
                duration_seconds=3 * 3600,
                day=date(2026, 1, day),
            )
            for day in range(1, 6)
        ]
    )
    assert_totals_match()
    TimeEntry.objects.filter(project=internal).update(billable=True)
    assert_totals_match()

    # Billing January: of 2026's time on the website only the timer's is left unbilled.
    invoice = Invoice.objects.create(client=acme, due_date=date(2026, 2, 28))
    invoice.add_items_from_entries(date(2026, 1, 1), date(2026, 1, 31))
    assert_totals_match()
    year = YearTotal.objects.get(year=2026, project=website, user=owner)
    assert (year.seconds, year.unbilled_seconds) == (
        5 * 3 * 3600 + running.duration_seconds,
        running.duration_seconds,
    )
    # Unbilled again: an entry made unbillable leaves the draft, then its lines are deleted.
    TimeEntry.objects.filter(day=date(2026, 1, 1)).update(billable=False)
    invoice.refresh_from_entries()
    assert_totals_match()
    invoice.items.all().delete()  # the entries' link to their line set to NULL
    assert_totals_match()
    assert YearTotal.objects.get(pk=year.pk).unbilled_seconds == year.seconds - 3 * 3600

    # One statement moving many entries between totals: another project, person and day.
    TimeEntry.objects.filter(project=website, day__year=2026).update(
        project=internal, user=colleague, day=date(2027, 3, 1)
    )
    assert_totals_match()
    assert not YearTotal.objects.filter(project=website, year=2026).exists()

    # The trash: out, back, and purged for good; a plain delete.
    trashed = TimeEntry.objects.filter(project=internal).first()
    trashed.trash()
    assert_totals_match()
    trashed.restore()
    assert_totals_match()
    trashed.trash()
    TimeEntry.everything.filter(pk=trashed.pk).update(deleted_at=moment(2000, 1, 1))
    assert TimeEntry.everything.purgeable(moment(2026, 12, 1)).purge() == 1
    assert_totals_match()
    TimeEntry.objects.filter(day__year=2024).delete()
    assert_totals_match()

    # An import through the web pages, and SQL below the ORM (seed_demo).
    Preferences.objects.create(user=owner, time_zone="Europe/Berlin")
    client.force_login(owner)
    upload = SimpleUploadedFile("toggl.csv", (IMPORTS / "toggl.csv").read_bytes())
    client.post("/import/", {"file": upload, "time_zone": "Europe/Berlin"})
    options = {"format": "toggl", "time_zone": "Europe/Berlin", "import": "1"}
    assert client.post("/import/confirm/", options).status_code == 302
    assert TimeEntry.objects.filter(source="import").count() == 3
    assert_totals_match()
    call_command("seed_demo", "--entries", "300", "--users", "3", "--projects", "4", stdout=None)
    assert_totals_match()

    # Lost triggers (a table rebuilt without them): the stale totals are replaced.
    totals_sql.drop_triggers(connection)
    TimeEntry.objects.filter(user=owner).delete()
    assert stored() != recounted()
    call_command("rebuild_totals", stdout=None)
    assert_totals_match()


def figures(report):
    """Everything a report shows, as plain values."""
    return {by: [astuple(group) for group in report.groups(by)] for by in report.GROUPINGS} | {
        "unbilled": report.unbilled,
        "amount": report.amount,
    }


def sql_of(function) -> list[str]:
    queries = []

    def remember(execute, sql, *args):
        queries.append(sql)
        return execute(sql, *args)

    with connection.execute_wrapper(remember):
        function()
    return queries


@pytest.mark.parametrize(
    ("start", "end", "whole_years"),
    [
        (None, None, True),
        (date(2000, 1, 1), date(2100, 12, 31), True),  # "all time" as the form sends it
        (date(2024, 3, 15), date(2026, 6, 30), True),  # 2025 whole, the days around it raw
        (date(2025, 1, 1), date(2025, 12, 31), True),
        (date(2025, 1, 2), date(2025, 12, 31), False),  # no whole year: from the entries
        (None, date(2025, 6, 30), True),
        (date(2025, 7, 1), None, True),
    ],
)
def test_a_report_from_the_totals_equals_one_from_the_entries(
    owner, colleague, website, internal, acme, make_entry, start, end, whole_years
):
    other = Project.objects.create(name="Shop", hourly_rate="55.00")  # internal, priced
    tag = Tag.objects.create(name="calls")
    day = moment(2024, 1, 1)
    for n in range(60):  # three years, a few people, projects, tags and a billed month
        entry = make_entry(
            (owner, colleague)[n % 2],
            (website, internal, other)[n % 3],
            day + timedelta(days=n * 19, hours=n % 5),
            20 + n * 7,
            billable=n % 4 != 0,
        )
        if n % 6 == 0:
            entry.tags.add(tag)
    Invoice.objects.create(client=acme, due_date=date(2025, 3, 1)).add_items_from_entries(
        date(2025, 1, 1), date(2025, 1, 31)
    )
    filters = {"start": start, "end": end, "billable": None, "overlaps": False, "tag": []}
    everyone = [owner.pk, colleague.pk]

    for viewer in (owner, colleague):
        from_totals = build_report(viewer, filters, "EUR")
        # Naming every person narrows nothing, but sends the report to the entries.
        from_entries = build_report(viewer, {**filters, "user": everyone}, "EUR")
        assert figures(from_totals) == figures(from_entries)
        assert from_totals.count > 0
        read = " ".join(sql_of(lambda: build_report(viewer, filters, "EUR")))
        assert ("tracking_yeartotal" in read) is whole_years
        assert "tracking_daytotal" in read


def test_a_report_of_several_years_adds_up_no_entries_by_project_and_person(
    owner, website, make_entry
):
    for year in (2023, 2024, 2025):
        make_entry(owner, website, moment(year, 5, 5), 60)
    report = []
    queries = sql_of(
        lambda: report.append(build_report(owner, {"start": None, "end": None}, "EUR"))
    )
    assert report[0].seconds == 3 * 3600
    grouped = [sql for sql in queries if 'GROUP BY "tracking_timeentry"."project_id"' in sql]
    assert grouped == []
