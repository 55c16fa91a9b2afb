import csv
import io
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from tracking.csv_export import HEADER, hours_text, neutralise
from tracking.models import Invoice, seconds_to_hours
from tracking.tests.conftest import at

pytestmark = pytest.mark.django_db


@pytest.fixture
def week(owner, colleague, website, internal, design_task, make_entry):
    """Hand-computed: owner 2h on Website (1h on Design), 30m Internal; colleague 45m Website."""
    make_entry(owner, website, at(2, 9), 60, task=design_task)
    make_entry(owner, website, at(3, 9), 60)
    make_entry(owner, internal, at(3, 14), 30)
    make_entry(colleague, website, at(4, 9), 45, notes='=HYPERLINK("http://evil")')
    make_entry(colleague, website, at(5, 9), None)  # running: not in totals


def report(client, query):
    return client.get("/reports/" + query)


def test_totals_by_project_user_and_day_match_hand_computed_values(client, owner, week):
    client.force_login(owner)
    response = report(client, "?start=2026-11-01&end=2026-11-30")
    context = response.context
    assert str(context["total_hours"]) == "3.25"
    figures = context["report"]
    assert figures.count == 4
    assert {row.label: str(row.hours) for row in figures.projects} == {
        "Website": "2.75",
        "Internal": "0.50",
    }
    assert {row.label: str(row.hours) for row in figures.users} == {
        "owner": "2.50",
        "colleague": "0.75",
    }
    assert context["bucket"] == "day"
    by_day = [(row["start"].day, str(row["hours"])) for row in context["over_time"]]
    assert by_day == [(2, "1.00"), (3, "1.50"), (4, "0.75")]
    assert len(context["chart"]["bars"]) == 30  # every day of November, empty ones too
    assert b"<svg" in response.content


def test_filters_narrow_the_report(client, owner, colleague, website, week):
    client.force_login(owner)
    context = report(client, f"?start=2026-11-03&end=2026-11-03&project={website.pk}").context
    assert str(context["total_hours"]) == "1.00"
    context = report(client, f"?start=2026-11-01&end=2026-11-30&user={colleague.pk}").context
    assert str(context["total_hours"]) == "0.75"


def test_members_report_only_their_own_time(client, colleague, week):
    client.force_login(colleague)
    context = report(client, "?start=2026-11-01&end=2026-11-30").context
    assert str(context["total_hours"]) == "0.75"
    assert "user" not in context["form"].fields


def test_a_bad_date_range_shows_an_error_and_no_numbers(client, owner, week):
    client.force_login(owner)
    response = report(client, "?start=2026-11-30&end=2026-11-01")
    assert response.status_code == 400
    assert "end" in response.context["form"].errors
    assert b'id="total-hours"' not in response.content


def test_report_queries_do_not_grow_with_rows(
    client, owner, website, make_entry, django_assert_max_num_queries
):
    for day in range(1, 29):
        make_entry(owner, website, at(day, 8), 15)
    client.force_login(owner)
    # + hours by tag, + the timer bar, + the business profile's currency, + billable amounts,
    # + the client filter's choices, + the idle timer bar's project picker and last project
    with django_assert_max_num_queries(17):
        report(client, "?start=2026-11-01&end=2026-11-30")


def read_csv(response):
    body = b"".join(response.streaming_content).decode("utf-8")
    return list(csv.reader(io.StringIO(body)))


def test_the_csv_export_streams_one_row_per_entry(client, owner, week):
    client.force_login(owner)
    response = client.get("/reports/export.csv?start=2026-11-01&end=2026-11-30")
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = read_csv(response)
    assert rows[0] == [
        "date",
        "start",
        "end",
        "duration_hours",
        "duration_seconds",
        "user",
        "client",
        "project",
        "task",
        "billable",
        "hourly_rate",
        "billable_amount",
        "notes",
        "tags",
    ]
    assert len(rows) == 5
    assert rows[1] == [
        "2026-11-02",
        "09:00:00",
        "10:00:00",
        "1.00",
        "3600",
        "owner",
        "Acme",
        "Website",
        "Design",
        "yes",
        "80.00",
        "80.00",
        "",
        "",
    ]


def test_the_csv_neutralises_formulas(client, owner, week):
    client.force_login(owner)
    rows = read_csv(client.get("/reports/export.csv?start=2026-11-01&end=2026-11-30"))
    notes = [row[HEADER.index("notes")] for row in rows[1:]]
    assert '\'=HYPERLINK("http://evil")' in notes


@pytest.mark.parametrize("dangerous", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_every_formula_prefix_is_neutralised(dangerous):
    assert neutralise(dangerous) == "'" + dangerous


def test_plain_text_is_left_alone():
    assert neutralise("Kick-off meeting") == "Kick-off meeting"


def test_members_export_only_their_own_entries(client, colleague, week):
    client.force_login(colleague)
    rows = read_csv(client.get("/entries/export.csv"))
    assert {row[5] for row in rows[1:]} == {"colleague"}


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "0.00"), (17, "0.00"), (18, "0.01"), (5400, "1.50"), (3599, "1.00"), (90000, "25.00")],
)
def test_csv_hours_are_exact_and_round_half_up(seconds, text):
    assert hours_text(seconds) == text
    assert text == str(seconds_to_hours(seconds))


def test_a_large_export_arrives_in_a_few_large_chunks(client, owner, website, make_entry):
    for day in range(1, 29):
        for hour in range(8, 18):
            make_entry(owner, website, at(day, hour), 30, notes="n" * 200)
    client.force_login(owner)
    chunks = list(client.get("/entries/export.csv").streaming_content)
    body = b"".join(chunks).decode()
    assert len(body.splitlines()) == 281
    assert len(chunks) < 10


def test_days_follow_the_configured_time_zone(client, owner, website, make_entry, settings):
    settings.TIME_ZONE = "Europe/Berlin"
    make_entry(owner, website, at(2, 23, 30), 20)  # 00:30 on the 3rd in Berlin
    make_entry(owner, website, at(2, 12), 10)
    client.force_login(owner)
    context = report(client, "?start=2026-11-01&end=2026-11-30").context
    assert [(row["start"].day, str(row["hours"])) for row in context["over_time"]] == [
        (2, "0.17"),
        (3, "0.33"),
    ]
    rows = read_csv(client.get("/reports/export.csv?start=2026-11-03&end=2026-11-03"))
    assert [row[:2] for row in rows[1:]] == [["2026-11-03", "00:30:00"]]


def test_a_long_range_is_shown_by_week_and_drops_nothing(client, owner, website, make_entry):
    make_entry(owner, website, at(2, 9), 60)  # Monday 2 November 2026
    make_entry(owner, website, at(4, 9), 60)  # the same ISO week
    make_entry(owner, website, at(2, 9) - timedelta(days=400), 30)
    client.force_login(owner)
    context = report(client, "?start=2025-01-01&end=2026-11-30").context
    assert str(context["total_hours"]) == "2.50"
    assert context["bucket"] == "week"
    rows = [(row["start"].isoformat(), str(row["hours"])) for row in context["over_time"]]
    assert rows == [("2025-09-22", "0.50"), ("2026-11-02", "2.00")]
    assert sum(row["seconds"] for row in context["over_time"]) == 9000
    assert len(context["chart"]["bars"]) == 101  # every ISO week from 30 Dec 2024


def test_a_range_of_years_is_shown_by_month(client, owner, website, make_entry):
    make_entry(owner, website, at(2, 9), 60)
    make_entry(owner, website, at(2, 9) - timedelta(days=1500), 30)
    client.force_login(owner)
    context = report(client, "?start=2020-01-01&end=2026-11-30").context
    assert context["bucket"] == "month"
    rows = [(row["start"].isoformat(), str(row["hours"])) for row in context["over_time"]]
    assert rows == [("2022-09-01", "0.50"), ("2026-11-01", "1.00")]


def test_reports_show_billable_amounts_by_project_client_and_user(client, owner, week):
    """Website bills 80/h, Internal has no rate; hand-computed from the week fixture."""
    client.force_login(owner)
    context = report(client, "?start=2026-11-01&end=2026-11-30").context
    figures = context["report"]
    by_project = {row.label: row.amount for row in figures.projects}
    assert by_project == {"Website": Decimal("220.00"), "Internal": None}  # 2.75 h
    assert [(row.label, row.amount) for row in figures.clients] == [("Acme", Decimal("220.00"))]
    by_user = {row.label: row.amount for row in figures.users}
    assert by_user == {"owner": Decimal("160.00"), "colleague": Decimal("60.00")}
    assert figures.amount == figures.unbilled == Decimal("220.00")


def test_the_unbilled_amount_is_what_is_not_on_an_invoice_yet(client, owner, acme, week):
    invoice = Invoice.objects.create(client=acme, due_date=date(2026, 12, 31))
    invoice.add_items_from_entries(date(2026, 11, 2), date(2026, 11, 2))  # owner's 1 h
    client.force_login(owner)
    page = report(client, "?start=2026-11-01&end=2026-11-30")
    assert page.context["report"].unbilled == Decimal("140.00")
    html = page.content.decode()
    assert 'id="billable-amount">€220.00' in html and 'id="unbilled-amount">€140.00' in html


def test_the_csv_prices_each_billable_entry(client, owner, week):
    client.force_login(owner)
    rows = read_csv(client.get("/reports/export.csv?start=2026-11-01&end=2026-11-30"))
    priced = [
        (row[HEADER.index("project")], row[HEADER.index("hourly_rate")], row[-3])
        for row in rows[1:]
    ]
    assert sorted(priced) == [
        ("Internal", "", ""),
        ("Website", "80.00", "60.00"),
        ("Website", "80.00", "80.00"),
        ("Website", "80.00", "80.00"),
    ]


def test_the_chart_has_a_bar_for_every_day_of_the_range_empty_ones_included(client, owner, week):
    client.force_login(owner)
    page = report(client, "?start=2026-11-01&end=2026-11-30")
    bars = re.findall(
        r'class="bar" data-day="([\d-]+)"[^>]*aria-label="([^"]+)"', page.content.decode()
    )
    assert [day for day, _ in bars] == [f"2026-11-{day:02d}" for day in range(1, 31)]
    labels = dict(bars)
    assert labels["2026-11-03"].endswith(": 1:30") and labels["2026-11-05"].endswith(": 0:00")
    assert 'tabindex="0"' in page.content.decode()


def test_a_range_without_time_says_so_instead_of_drawing_empty_bars(client, owner, week):
    client.force_login(owner)
    page = report(client, "?start=2025-03-15&end=2025-06-30").content.decode()
    assert "No time in this range." in page
    assert 'class="bar"' not in page


def test_the_hour_axis_is_wide_enough_for_its_longest_label(client, owner, website, make_entry):
    """A thousand hours and more ("1240:00") would run under the first bar at 40 px."""
    for day in range(31):  # January 2025: two 20-hour entries a day, 1240 hours
        start = datetime(2025, 1, 1, 2, tzinfo=UTC) + timedelta(days=day)
        make_entry(owner, website, start, 20 * 60)
        make_entry(owner, website, start + timedelta(minutes=30), 20 * 60)
    client.force_login(owner)
    page = report(client, "?start=2024-01-01&end=2026-12-31").content.decode()  # by month
    first_bar = int(re.search(r'class="bar"[^>]*><rect x="(\d+)"', page).group(1))
    assert '<text class="tick" x="0" y="4" aria-hidden="true">1240:00</text>' in page
    assert first_bar >= 7 * len("1240:00") + 8


def test_a_long_range_has_a_bar_for_every_week(client, owner, week):
    client.force_login(owner)
    page = report(client, "?start=2026-09-01&end=2026-11-30").content.decode()
    days = re.findall(r'class="bar" data-day="([\d-]+)"', page)
    assert days[0] == "2026-08-31" and days[-1] == "2026-11-30"  # Mondays
    assert len(days) == 14


def test_a_range_holding_every_day_reports_what_no_range_does(owner, week):
    from tracking.queries import build_report

    def figures(**filters):
        report = build_report(owner, filters, "EUR")
        return report.seconds, report.amount, [(g.label, g.seconds) for g in report.users]

    everything = figures()
    assert everything[0] == 3 * 3600 + 15 * 60  # the week fixture's stopped time
    assert figures(start=date(2000, 1, 1), end=date(2100, 12, 31)) == everything
    assert figures(start=date(2026, 11, 2), end=date(2026, 11, 4)) == everything
    assert figures(start=date(2026, 1, 1)) == figures(end=date(2027, 1, 1)) == everything
    # A range leaving out a day with time still leaves it out.
    assert figures(start=date(2026, 11, 3), end=date(2100, 12, 31))[0] == 2 * 3600 + 15 * 60
    assert figures(start=date(2000, 1, 1), end=date(2026, 11, 3))[0] == 2 * 3600 + 30 * 60
    kept = build_report(owner, {"start": date(2000, 1, 1), "end": date(2100, 12, 31)}, "EUR")
    assert (kept.start, kept.end) == (date(2000, 1, 1), date(2100, 12, 31))  # as asked
