"""Money has one rule: a project's time is priced as an invoice line prices it, and every
other total (clients, people, the report, the API, the CSV's amount column) adds up to the
same amount, to the unit of the currency: whole yen, cents, thousandths of a dinar."""

import csv
import io
from datetime import date, timedelta
from decimal import Decimal

import pytest

from tracking.csv_export import HEADER
from tracking.models import BusinessProfile, Invoice, Project
from tracking.money import allocate
from tracking.tests.conftest import at

pytestmark = pytest.mark.django_db


@pytest.fixture
def in_currency():
    def choose(code):
        profile = BusinessProfile.load()
        profile.default_currency = code
        profile.save()

    return choose


@pytest.fixture
def short_entries(owner, colleague, acme, make_entry):
    """Four short entries over two projects and two people, at rates that do not divide."""
    design = Project.objects.create(name="Design", client=acme, hourly_rate="7777.00")
    build = Project.objects.create(name="Build", client=acme, hourly_rate="3333.33")
    for person, project, day, seconds in [
        (owner, design, 2, 1234),
        (colleague, design, 3, 777),
        (owner, build, 3, 999),
        (colleague, build, 4, 61),
    ]:
        entry = make_entry(person, project, at(day, 9), None)
        entry.end = entry.start + timedelta(seconds=seconds)
        entry.save()
    return design, build


def csv_amounts(client, url) -> list[Decimal]:
    body = b"".join(client.get(url).streaming_content).decode()
    rows = list(csv.reader(io.StringIO(body)))[1:]
    return [Decimal(row[HEADER.index("billable_amount")]) for row in rows]


@pytest.mark.parametrize(("currency", "unit"), [("JPY", "1"), ("EUR", "0.01"), ("BHD", "0.001")])
def test_every_total_adds_up_to_the_same_billable_amount(
    client, owner, short_entries, in_currency, currency, unit
):
    in_currency(currency)
    client.force_login(owner)
    query = "?start=2026-11-01&end=2026-11-30"
    report = client.get("/reports/" + query).context["report"]
    amounts = [row.amount for row in report.projects + report.clients + report.users]
    assert all(amount == amount.quantize(Decimal(unit)) for amount in amounts)
    for groups in (report.projects, report.clients, report.users):
        assert sum(group.amount for group in groups) == report.amount
    exported = csv_amounts(client, "/reports/export.csv" + query)
    assert all(amount == amount.quantize(Decimal(unit)) for amount in exported)
    assert sum(exported) == report.amount
    assert sum(csv_amounts(client, "/entries/export.csv" + query)) == report.amount
    for group_by in ("project", "client", "user"):
        summary = client.get(f"/api/v1/reports/summary/{query}&group_by={group_by}").json()
        assert Decimal(summary["amount"]) == report.amount
        assert sum(Decimal(group["amount"]) for group in summary["groups"]) == report.amount


def test_jpy_has_no_fraction_of_a_yen_and_the_invoice_agrees(
    client, owner, acme, short_entries, in_currency
):
    in_currency("JPY")
    client.force_login(owner)
    report = client.get("/reports/?start=2026-11-01&end=2026-11-30").context["report"]
    invoice = Invoice.objects.create(client=acme, currency="JPY", due_date=date(2026, 12, 31))
    invoice.add_items_from_entries(date(2026, 11, 1), date(2026, 11, 30))
    lines = {item.project.name: item.amount for item in invoice.items.all()}
    assert lines == {group.label: group.amount for group in report.projects}
    assert invoice.totals.net == report.amount == report.amount.quantize(Decimal(1))


def test_an_amount_is_shared_out_to_the_unit_and_adds_up_exactly():
    shares = allocate(Decimal("100.00"), [1, 1, 1], "EUR")
    assert shares == [Decimal("33.33"), Decimal("33.34"), Decimal("33.33")]
    assert sum(allocate(Decimal("1180"), [307, 195, 250, 15], "JPY")) == Decimal("1180")


def test_each_csv_row_shows_its_own_hours_times_the_rate(client, owner, acme, make_entry):
    redesign = Project.objects.create(name="Redesign", client=acme, hourly_rate="95.00")
    for day, minutes in [(2, 90), (3, 135), (4, 60)]:
        make_entry(owner, redesign, at(day, 9), minutes)
    blip = make_entry(owner, redesign, at(5, 9), None)
    blip.end = blip.start + timedelta(seconds=3)  # a timer started and stopped at once
    blip.save()
    client.force_login(owner)
    amounts = csv_amounts(client, "/reports/export.csv?start=2026-11-01&end=2026-11-30")
    assert amounts == [Decimal("142.50"), Decimal("213.75"), Decimal("95.00"), Decimal("0.00")]
