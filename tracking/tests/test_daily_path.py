"""The daily path as a freelancer walks it: type the week, bill it, send it, read the PDF;
then move to another time zone and find every day where it was."""

import io
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from pypdf import PdfReader

from tracking.models import Invoice, Preferences, Project, TimeEntry
from tracking.tests.conftest import at

pytestmark = pytest.mark.django_db

WEEK = "2026-W48"  # Monday 23 to Sunday 29 November 2026


@pytest.fixture
def freelancer(client, owner):
    client.force_login(owner)
    return client


@pytest.fixture
def redesign(acme):
    return Project.objects.create(name="Website redesign", client=acme, hourly_rate="95.00")


def cell(project, day, month=11):
    return f"h-{project.pk}-2026-{month:02d}-{day:02d}"


def shown_cells(page: str) -> dict[str, str]:
    return dict(re.findall(r'name="(h-[^"]+)"[^>]*?value="([^"]*)"', page, re.S))


def totals(page: str) -> list[str]:
    return re.findall(r'data-day-total="\d">([^<]*)<', page) + re.findall(
        r'id="week-sum">([^<]*)<', page
    )


def test_a_typed_week_next_to_a_timer_is_billed_in_full_sent_and_printed(
    freelancer, owner, website, redesign, acme, make_entry
):
    make_entry(owner, website, at(24, 9), 45, source=TimeEntry.Source.TIMER)
    typed = {
        cell(website, 23): "3:30",
        cell(redesign, 23): "4",
        cell(website, 24): "2:45",  # 2:00 on top of the timer's 0:45
        cell(redesign, 24): "1.5",
        cell(redesign, 27): "6h",
    }
    response = freelancer.post(f"/timesheet/?week={WEEK}", typed, follow=True)
    assert "Week saved: 5 cells changed." in response.content.decode()
    assert not TimeEntry.objects.with_overlaps().filter(overlaps=True).exists()

    invoice = Invoice.objects.create(client=acme, due_date=date(2026, 12, 31))
    response = freelancer.post(
        f"/invoices/{invoice.pk}/bill/",
        {"start_date": "2026-11-01", "end_date": "2026-11-30"},
        follow=True,
    )
    page = response.content.decode()
    assert "Billed 6 time entries." in page
    assert "overlap" not in page
    assert not TimeEntry.objects.filter(invoice_item=None).exists()
    lines = {item.project: item for item in invoice.items.all()}
    assert lines[website].quantity == Decimal("6.25")  # 3:30 + 2:45
    assert lines[redesign].quantity == Decimal("11.50")  # 4 + 1:30 + 6
    assert lines[website].amount == Decimal("500.00")
    assert lines[redesign].amount == Decimal("1092.50")

    freelancer.post(f"/invoices/{invoice.pk}/status/", {"status": "sent"})
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.SENT
    pdf = freelancer.get(f"/invoices/{invoice.pk}/pdf/")
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert any(invoice.number in line for line in text.splitlines())  # on one line, whole
    assert "2026-11-01 to 2026-11-30" in text
    assert "31 December 2026" in text
    assert "€1,592.50" in text


@pytest.mark.parametrize(
    ("week", "first_day", "month", "zone_then", "zone_now"),
    [
        (WEEK, 23, 11, "", "America/New_York"),  # the server's UTC, then New York
        ("2026-W43", 19, 10, "Europe/Berlin", "America/New_York"),  # clocks go back on the 25th
        ("2026-W13", 23, 3, "Europe/Berlin", "Asia/Tokyo"),  # clocks go forward on the 29th
    ],
)
def test_choosing_another_zone_moves_no_time_to_another_day(
    client, colleague, website, redesign, make_entry, week, first_day, month, zone_then, zone_now
):
    Preferences.objects.create(user=colleague, time_zone=zone_then)
    client.force_login(colleague)
    zone = zone_then or "UTC"
    with timezone.override(zone):
        # A timer late in the evening and one early in the morning, local time.
        monday = datetime(2026, month, first_day, tzinfo=timezone.get_current_timezone())
        make_entry(colleague, website, (monday + timedelta(hours=23)).astimezone(UTC), 50)
        make_entry(colleague, website, (monday + timedelta(days=6, hours=1)).astimezone(UTC), 20)
    typed = {cell(website, first_day, month): "3:30", cell(redesign, first_day + 6, month): "8"}
    assert client.post(f"/timesheet/?week={week}", typed).status_code == 302
    before = client.get(f"/timesheet/?week={week}").content.decode()
    assert shown_cells(before)[cell(website, first_day, month)] == "3:30"

    assert client.post("/preferences/", {"time_zone": zone_now}).status_code == 302
    after = client.get(f"/timesheet/?week={week}").content.decode()
    assert shown_cells(after) == shown_cells(before)
    assert totals(after) == totals(before)
    # The report's days and the CSV's dates agree with the timesheet.
    csv = b"".join(
        client.get(
            f"/reports/export.csv?start=2026-{month:02d}-{first_day:02d}"
            f"&end=2026-{month:02d}-{first_day:02d}"
        ).streaming_content
    ).decode()
    assert csv.count("\n") == 1 + 2  # the header, the timer, the typed time


def test_saving_an_unchanged_week_after_a_zone_change_changes_nothing(client, colleague, website):
    client.force_login(colleague)
    client.post(f"/timesheet/?week={WEEK}", {cell(website, 23): "3:30"})
    stored = TimeEntry.objects.get()
    client.post("/preferences/", {"time_zone": "America/New_York"})
    page = client.get(f"/timesheet/?week={WEEK}").content.decode()
    response = client.post(f"/timesheet/?week={WEEK}", shown_cells(page), follow=True)
    assert "Week saved: 0 cells changed." in response.content.decode()
    assert TimeEntry.objects.get().day == stored.day == date(2026, 11, 23)


def test_duration_only_time_is_listed_by_its_day_without_clock_times(
    client, colleague, website, make_entry
):
    client.force_login(colleague)
    make_entry(colleague, website, at(23, 0, 15), 60)  # a timer just after midnight
    client.post(f"/timesheet/?week={WEEK}", {cell(website, 23): "3"})
    page = client.get("/entries/?start=2026-11-23&end=2026-11-23").content.decode()
    assert "no clock time" in page
    assert "badge overlap" not in page
    entry = TimeEntry.objects.get(duration_only=True)
    api = client.get(f"/api/v1/entries/{entry.pk}/").json()
    assert api["day"] == "2026-11-23" and api["duration_only"] is True
    assert api["duration_seconds"] == 2 * 3600


def test_a_manager_elsewhere_moving_an_entry_counts_its_day_in_the_owners_zone(
    client, owner, colleague, website, make_entry
):
    Preferences.objects.create(user=colleague, time_zone="Asia/Tokyo")
    Preferences.objects.create(user=owner, time_zone="America/New_York")
    with timezone.override("Asia/Tokyo"):
        entry = make_entry(colleague, website, at(23, 1), 60)  # 10:00 on Monday in Tokyo
    client.force_login(owner)  # a Manager, in New York, where it is still Sunday evening
    response = client.post(
        f"/entries/{entry.pk}/edit/",
        {"project": website.pk, "start": "2026-11-22T19:30", "end": "2026-11-22T20:30"},
    )
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.start == datetime(2026, 11, 23, 0, 30, tzinfo=UTC)  # 09:30 in Tokyo
    assert entry.day == date(2026, 11, 23)  # Monday, the owner's day, not New York's Sunday
