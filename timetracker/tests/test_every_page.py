"""Every page of the web UI, in Chromium at desktop and phone widths: no sideways scroll,
no serious or critical accessibility violation (axe-core, offline, through
axe-playwright-python), and the timer bar on each page while a timer runs."""

from datetime import date

import pytest
from playwright.sync_api import expect

from timetracker.tests.helpers import ARTIFACTS, findings, log_in, set_up_with_admin

pytestmark = pytest.mark.browser

WIDTHS = (1280, 390, 360)
LONG_WORD = "Unbroken" * 40  # a note or name with no place to wrap
SEED = f"""
from datetime import timedelta
from django.contrib.auth import get_user_model
from django.utils import timezone
from tracking.models import *
boss = get_user_model().objects.get(username="boss")
acme = Client.objects.create(name="Acme {LONG_WORD}", billing_address="1 Long Road")
site = Project.objects.create(name="Website {LONG_WORD}", client=acme, hourly_rate=80)
task = Task.objects.create(project=site, title="Design {LONG_WORD}", created_by=boss)
start = timezone.now() - timedelta(days=400)
old = TimeEntry.objects.create(user=boss, project=site, task=task, notes="{LONG_WORD}",
                               start=start, end=start + timedelta(hours=2))
old.tags.set(Tag.objects.for_names(["client work", "{LONG_WORD[:40]}"]))
today = timezone.now().replace(microsecond=0) - timedelta(hours=3)
TimeEntry.objects.create(user=boss, project=site, notes="today", start=today,
                         end=today + timedelta(hours=1))
TimeEntry.objects.create(user=boss, project=site, task=task, notes="gone {LONG_WORD}",
                         start=today - timedelta(days=1), end=today).delete()
Comment.objects.create(author=boss, project=site, text="{LONG_WORD}")
invoice = Invoice.objects.create(client=acme, project=site, number="2026-0001",
                                 due_date=timezone.localdate() + timedelta(days=30))
InvoiceItem.objects.create(invoice=invoice, description="Work {LONG_WORD}",
                           quantity=2, unit_price=80)
TimeEntry.objects.start_timer(boss, site, task=task, notes="running")
print(old.pk, site.pk, acme.pk, task.pk, invoice.pk)
"""


def page_paths(entry, project, client, task, invoice):
    return [
        "/",
        "/timesheet/",
        "/calendar/",
        f"/calendar/?day={date.today()}",
        "/entries/",
        f"/entries/{entry}/",
        f"/entries/{entry}/edit/",
        "/entries/new/",
        "/entries/trash/",
        "/import/",
        "/projects/",
        f"/projects/{project}/",
        "/projects/new/",
        "/clients/",
        f"/clients/{client}/",
        "/tasks/",
        f"/tasks/{task}/",
        "/invoices/",
        f"/invoices/{invoice}/",
        f"/invoices/{invoice}/edit/",
        "/invoices/new/",
        f"/invoices/{invoice}/print/",
        "/reports/",
        "/preferences/",
        "/preferences/api-tokens/",
        "/accounts/password/change/",
        "/docs/privacy.md",
        "/docs/all_tracked_events.md",
        "/api/v1/docs/",
        "/no-such-page/",
    ]


@pytest.fixture
def seeded_server(server_process):
    server = set_up_with_admin(server_process().start())
    ids = server.manage("shell", "-c", SEED).stdout.split()[-5:]
    return server, page_paths(*ids)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_page_fits_a_phone_and_passes_axe(browser_page, seeded_server, scheme):
    server, paths = seeded_server
    page = browser_page
    page.emulate_media(color_scheme=scheme)
    log_in(page, server.url)
    expect(page.locator("#timer-bar")).to_be_visible()
    problems = {}
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 844})
        for path in paths:
            page.goto(server.url + path)
            if path == "/api/v1/docs/":
                page.locator(".opblock").first.wait_for()  # Swagger UI draws after load
            # axe at a desktop and a phone width; 360 px differs from 390 in layout only.
            # Swagger UI's closed operations name the panels it draws when they open.
            ours = path != "/api/v1/docs/"
            found = findings(page, accessibility=width != 360, references=ours)
            if path == "/api/v1/docs/":
                page.locator(".opblock-summary-control").first.click()  # an operation, open
                page.locator(".opblock-body").first.wait_for()
                opened = findings(page, references=False)
                found += [f"{problem} (an operation open)" for problem in opened]
            bar = page.locator("#timer-bar")
            if not path.endswith(("/print/", "/api/v1/docs/")) and "Website" not in (
                bar.first.text_content() if bar.count() else ""
            ):
                found.append("no running timer bar")
            if found:
                problems[f"{width}px {path}"] = found
        page.goto(server.url + "/")
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=ARTIFACTS / f"dashboard-{width}-{scheme}.png", full_page=True)
    page.click("#timer-bar button:has-text('Stop')")
    expect(page.locator("text=Timer stopped")).to_be_visible()
    page.set_viewport_size({"width": 390, "height": 844})
    found = findings(page)  # a page with a flash message
    if found:
        problems["390px, a flash message"] = found
    page.goto(server.url + "/timesheet/")
    page.locator("#timesheet input").first.fill("not a time")
    page.click("button:has-text('Save the week')")
    expect(page.locator(".cell-errors")).to_be_visible()
    for width in WIDTHS:  # a refused week: its errors and marked cells
        page.set_viewport_size({"width": width, "height": 844})
        found = findings(page)
        if found:
            problems[f"{width}px /timesheet/, refused"] = found
    for width in WIDTHS:  # the idle bar: a project picker and Start on every other page
        page.set_viewport_size({"width": width, "height": 844})
        for path in ("/entries/", "/reports/"):
            page.goto(server.url + path)
            expect(page.locator("#timer-quick-start select")).to_be_visible()
            found = findings(page)
            if found:
                problems[f"{width}px {path}, no timer"] = found
    page.context.clear_cookies()
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 844})
        page.goto(server.url + "/accounts/login/")
        found = findings(page)
        if found:
            problems[f"{width}px /accounts/login/"] = found
    assert problems == {}, "\n".join(f"{k}: {v}" for k, v in problems.items())
