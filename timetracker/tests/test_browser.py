"""The main flows in a real browser (Chromium through Playwright) against gunicorn.

One test per flow. Each waits on what the page shows (Playwright's locators wait for
themselves) or on a file the server writes, never on a fixed time.
"""

import csv
import io
import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from telemetry.tests.helpers import wait_until
from timetracker.tests.helpers import ARTIFACTS, PASSWORD, findings, log_in, set_up_with_admin

pytestmark = pytest.mark.browser


def setup_link(server) -> str:
    match = re.search(r"(http://127\.0\.0\.1:\d+/setup/\?token=\S+)", server.log())
    assert match, server.log()
    return match.group(1)


def fill_setup(page, server, password=PASSWORD):
    page.goto(setup_link(server))
    page.fill("#id_username", "boss")
    page.fill("#id_email", "boss@example.test")
    page.fill("#id_password1", password)
    page.fill("#id_password2", password)


@pytest.fixture
def ready_server(server_process):
    """A server whose setup is done by the command, with a client and a project."""
    server = set_up_with_admin(server_process().start())
    server.manage(
        "shell",
        "-c",
        "from tracking.models import Client, Project; "
        "Project.objects.create(name='Website', client=Client.objects.create(name='Acme'))",
    )
    return server


@pytest.fixture
def logged_in(browser_page, ready_server):
    page = browser_page
    log_in(page, ready_server.url)
    expect(page.locator("h1")).to_have_text("Dashboard")
    return page


def test_first_run_leaves_telemetry_unchecked_and_lands_on_the_dashboard(
    browser_page, server_process
):
    page = browser_page
    server = server_process().start()
    fill_setup(page, server)
    expect(page.locator("#id_telemetry_enabled")).not_to_be_checked()
    page.click("text=Finish setup")
    page.wait_for_url(server.url + "/")
    expect(page.locator("h1")).to_have_text("Dashboard")
    store = json.loads((server.data_dir / "installation.json").read_text())
    assert store["setup_complete"] is True and store["telemetry_enabled"] is False


def test_setup_refuses_a_weak_password_in_the_browser(browser_page, server_process):
    page = browser_page
    server = server_process().start()
    fill_setup(page, server, password="boss")
    page.click("text=Finish setup")
    expect(page.locator(".errorlist").first).to_be_visible()
    assert "/setup/" in page.url
    store = json.loads((server.data_dir / "installation.json").read_text())
    assert store["setup_complete"] is False


def test_a_timer_starts_stops_and_continues(logged_in, ready_server):
    page = logged_in
    page.select_option("#id_project", label="Website")
    page.fill("#id_notes", "homepage")
    page.click("button:has-text('Start timer')")
    expect(page.locator("#running-timer")).to_contain_text("Website")
    page.click("button:has-text('Stop timer')")
    expect(page.locator("text=Timer stopped")).to_be_visible()
    expect(page.locator("#running-timer")).to_have_count(0)
    page.click("button:has-text('Continue') >> nth=0")
    expect(page.locator("#running-timer")).to_contain_text("Website")


def test_reports_show_the_chart_and_the_csv_downloads(logged_in, ready_server):
    page = logged_in
    page.select_option("#id_project", label="Website")
    page.click("button:has-text('Start timer')")
    page.click("button:has-text('Stop timer')")
    expect(page.locator("text=Timer stopped")).to_be_visible()
    page.goto(ready_server.url + "/reports/")
    expect(page.locator("#total-hours")).to_be_visible()
    bars = page.locator("svg.chart g.bar")
    expect(bars.first).to_be_visible()
    days = bars.evaluate_all("bars => bars.map(bar => bar.dataset.day)")
    # This month so far, a bar a day: the empty days too.
    assert days[0].endswith("-01") and len(days) == int(days[-1][-2:])
    bars.last.focus()
    expect(bars.last).to_be_focused()
    assert bars.last.get_attribute("aria-label").startswith(
        ("Mon ", "Tue ", "Wed ", "Thu ", "Fri ", "Sat ", "Sun ")
    )
    with page.expect_download() as download_info:
        page.click("text=Export CSV")
    rows = list(csv.reader(io.StringIO(Path(download_info.value.path()).read_text())))
    assert rows[0][:4] == ["date", "start", "end", "duration_hours"]
    assert len(rows) == 2 and rows[1][rows[0].index("project")] == "Website"


def test_the_admin_turns_telemetry_on_shows_the_events_and_turns_it_off(logged_in, ready_server):
    page = logged_in
    page.goto(ready_server.url + "/admin/telemetry/")
    expect(page.locator("#telemetry-state")).to_contain_text("Telemetry is OFF")
    page.click("#telemetry-toggle")
    expect(page.locator("#telemetry-state")).to_contain_text("Telemetry is ON")
    page.goto(ready_server.url + "/")
    page.select_option("#id_project", label="Website")
    page.fill("#id_notes", "homepage")
    page.click("button:has-text('Start timer')")
    log = ready_server.log_dir / "app.jsonl"
    assert wait_until(lambda: log.exists() and "timer.started" in log.read_text())
    page.goto(ready_server.url + "/admin/telemetry/")
    expect(page.locator("#recent-events")).to_contain_text("timer.started")
    assert "homepage" not in page.inner_text("#recent-events")
    page.click("#telemetry-toggle")
    expect(page.locator("#telemetry-state")).to_contain_text("Telemetry is OFF")


def test_a_week_is_filled_in_the_grid_on_a_phone(browser_page, ready_server):
    ready_server.manage(
        "shell",
        "-c",
        "from tracking.models import Client, Project; "
        "Project.objects.create(name='Quarterly maintenance retainer', "
        "client=Client.objects.get(name='Acme'))",
    )
    page = browser_page
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, ready_server.url)
    page.goto(ready_server.url + "/timesheet/?week=2026-W45")
    page.select_option("#add-row", label="Website")
    page.click("button:has-text('Add')")
    cells = page.locator("#timesheet tbody input")
    expect(cells).to_have_count(7)
    expect(cells.nth(6)).to_have_attribute("inputmode", "decimal")  # the phone's number keys
    cells.nth(0).fill("1.5")
    page.keyboard.press("Tab")  # Tab moves to the next day
    page.keyboard.type("1:30")
    page.keyboard.press("Tab")
    page.keyboard.type("1h30")
    page.keyboard.press("Tab")
    page.keyboard.type("90m")
    expect(page.locator("#week-sum")).to_have_text("6:00")  # totals follow the typing
    expect(page.locator("[data-day-total='3']")).to_have_text("1:30")
    # Adding a row keeps what was typed.
    page.select_option("#add-row", label="Quarterly maintenance retainer")
    page.click("button:has-text('Add')")
    expect(cells).to_have_count(14)
    assert "1h30" in [cells.nth(day).input_value() for day in range(14)]
    # Each project's name on a line of its own, whole; every day's cell on the screen.
    name = page.locator("#timesheet tbody th", has_text="Quarterly maintenance retainer")
    assert name.bounding_box()["width"] > 200  # five of the seven columns, beside its total
    for day in range(14):
        box = cells.nth(day).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    assert findings(page) == []
    page.click("button:has-text('Save the week')")
    expect(page.locator("text=Week saved: 4 cells changed.")).to_be_visible()
    expect(page.locator("#week-sum")).to_have_text("6:00")
    website = page.locator("#timesheet tbody tr", has_text="Website").locator("input")
    assert [website.nth(day).input_value() for day in range(4)] == ["1:30"] * 4
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    # Timer time with seconds: 54:30 on Saturday, 10:40 on Sunday (7:05:10 in the week).
    # Typing what a cell shows, another way, keeps its seconds, as saving does.
    ready_server.manage(
        "shell", "-c", "from datetime import UTC, datetime, timedelta; "
        "from tracking.models import Project, TimeEntry; "
        "from django.contrib.auth.models import User; "
        "[TimeEntry.objects.create(user=User.objects.get(username='boss'), "
        "project=Project.objects.get(name='Website'), start=datetime(2026, 11, day, 9, "
        "tzinfo=UTC), end=datetime(2026, 11, day, 9, tzinfo=UTC) + timedelta(seconds=seconds), "
        "source='timer') for day, seconds in ((7, 3270), (8, 640))]",
    )  # fmt: skip
    page.reload()
    expect(website.nth(5)).to_have_value("0:55")
    expect(page.locator("#week-sum")).to_have_text("7:05")
    website.nth(5).fill("55m")
    expect(page.locator("[data-day-total='5']")).to_have_text("0:55")
    expect(page.locator("#week-sum")).to_have_text("7:05")
    website.nth(5).fill("56m")  # a minute more is typed time: 6:00 + 0:56 + 0:10:40
    expect(page.locator("#week-sum")).to_have_text("7:07")


def test_a_first_login_from_tokyo_shows_times_in_tokyo(browser_page, ready_server):
    context = browser_page.context.browser.new_context(timezone_id="Asia/Tokyo")
    page = context.new_page()
    page.goto(ready_server.url + "/accounts/login/")
    page.fill("#id_username", "boss")
    page.fill("#id_password", PASSWORD)
    page.click("button:has-text('Log in')")
    expect(page.locator(".messages")).to_contain_text("Times are now shown in Asia/Tokyo")
    assert findings(page) == []
    page.click(".messages a:has-text('Change it in Preferences')")
    expect(page.locator("#zone-in-use")).to_contain_text("Times are shown in Asia/Tokyo")
    stored = ready_server.manage(
        "shell", "-c", "from tracking.models import Preferences; "
        "print(Preferences.objects.get(user__username='boss').time_zone)",
    ).stdout.split()[-1]  # fmt: skip
    assert stored == "Asia/Tokyo"
    context.close()


INVOICE_SETUP = """
from datetime import date
from tracking.models import BusinessProfile, Client, Invoice, Project
profile = BusinessProfile.load()
profile.legal_name = 'Lena Weber Design'
profile.address = 'Hauptstrasse 5\\n10115 Berlin'
profile.tax_id = 'DE123456789'
profile.bank_details = 'IBAN DE89 3704 0044 0532 0130 00 / BIC COBADEFFXXX'
profile.payment_terms = 'Payable within 30 days, without deduction.'
profile.default_tax_rate = 19
profile.save()
acme = Client.objects.get(name='Acme')
acme.billing_address = 'Acme GmbH\\nSchillerstrasse 12\\n80336 Munich'
acme.tax_id = 'DE987654321'
acme.save()
invoice = Invoice.objects.create(
    client=acme, issue_date=date(2026, 11, 30), due_date=date(2026, 12, 30),
    tax_rate=19, payment_terms=profile.payment_terms,
)
invoice.items.create(
    description='Website redesign: November 2026', quantity='12.50', unit_price='80.00'
)
invoice.items.create(description='Hosting, December 2026', quantity='1', unit_price='19.99')
"""


def test_an_invoice_is_sent_printed_and_downloaded_as_a_pdf(logged_in, ready_server):
    from pypdf import PdfReader

    page = logged_in
    ready_server.manage("shell", "-c", INVOICE_SETUP)
    page.goto(ready_server.url + "/invoices/")
    page.click("text=2026-0001")
    expect(page.locator("h1")).to_contain_text("Invoice 2026-0001")
    questions = []
    page.once("dialog", lambda dialog: questions.append(dialog.message) or dialog.dismiss())
    page.click("button:has-text('Mark as sent')")  # asked first, and declined: still a draft
    expect(page.locator("h1")).to_contain_text("Draft")
    assert "It becomes final" in questions[0]
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("button:has-text('Mark as sent')")
    expect(page.locator("text=Invoice 2026-0001 is now Sent.")).to_be_visible()
    expect(page.locator("a:has-text('Edit')")).to_have_count(0)
    page.goto(page.url + "print/")
    expect(page.locator(".gross")).to_contain_text("€1,213.79")  # 1,019.99 + 19 % tax
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "invoice-print.png", full_page=True)
    page.emulate_media(media="print")
    page.screenshot(path=ARTIFACTS / "invoice-print-media.png", full_page=True)
    page.emulate_media(media="screen")
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=ARTIFACTS / "invoice-print-phone.png", full_page=True)
    with page.expect_download() as download:
        page.click("text=Download PDF")
    assert download.value.suggested_filename == "invoice-2026-0001.pdf"
    reader = PdfReader(download.value.path())
    text = "\n".join(p.extract_text() for p in reader.pages)
    for expected in ("2026-0001", "Lena Weber Design", "Acme GmbH", "€1,019.99", "€193.80"):
        assert expected in text


def test_the_task_picker_follows_the_project_and_shortcuts_drive_the_timer(
    logged_in, ready_server
):
    ready_server.manage(
        "shell",
        "-c",
        "from tracking.models import Project, Task; "
        "site = Project.objects.get(name='Website'); "
        "app = Project.objects.create(name='App', client=site.client); "
        "Task.objects.create(project=site, title='Homepage'); "
        "Task.objects.create(project=app, title='Login screen')",
    )
    page = logged_in
    page.reload()
    page.select_option("#id_project", label="App")
    expect(page.locator("#id_task option:not([hidden])")).to_have_text(
        ["---------", "App · Login screen"]
    )
    page.select_option("#id_project", label="Website")
    page.select_option("#id_task", label="Website · Homepage")
    page.select_option("#id_task", index=0)
    page.locator("#id_project").select_option(label="App")
    page.select_option("#id_task", label="App · Login screen")
    expect(page.locator("#id_project")).to_have_value(
        page.locator("#id_project option", has_text="App").get_attribute("value")
    )
    page.click("button:has-text('Start timer')")
    expect(page.locator("#timer-bar")).to_contain_text("App · Login screen")
    expect(page).to_have_title(re.compile(r"^▶ 0:00:\d\d App · "))
    page.locator("body").press("?")
    expect(page.locator("#shortcuts")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.locator("#shortcuts")).to_be_hidden()
    page.locator("body").press("s")
    expect(page.locator("text=Timer stopped: 0:00 on App")).to_be_visible()
    expect(page.locator("#timer-bar")).to_have_count(0)
    page.locator("body").press("t")
    expect(page.locator("h1")).to_contain_text("Timesheet")
    expect(page.locator("nav a[aria-current=page]")).to_have_text("Timesheet")


def test_a_chosen_dark_theme_overrides_the_device(logged_in, ready_server):
    page = logged_in
    page.emulate_media(color_scheme="light")
    page.goto(ready_server.url + "/preferences/")
    page.select_option("#id_theme", "dark")
    page.click("button:has-text('Save')")
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(18, 22, 28)"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "preferences-dark.png")


def test_the_api_docs_render_in_the_browser_under_the_csp(logged_in, ready_server):
    page = logged_in
    blocked = []
    page.on(
        "console",
        lambda message: (
            blocked.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.goto(ready_server.url + "/api/v1/docs/")
    expect(page.locator("text=/api/v1/timer/start/")).to_be_visible()
    assert blocked == []


def test_the_setup_page_fits_a_phone_and_passes_axe(browser_page, server_process):
    page = browser_page
    server = server_process().start()
    problems = {}
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        for width in (390, 360):
            page.set_viewport_size({"width": width, "height": 844})
            page.goto(setup_link(server))
            expect(page.locator("#id_telemetry_enabled")).to_be_visible()
            found = findings(page)
            if found:
                problems[f"{scheme} {width}px"] = found
    assert problems == {}


def test_the_daily_flow_takes_three_clicks_from_any_page(logged_in, ready_server):
    page = logged_in
    page.goto(ready_server.url + "/reports/")
    page.select_option("#quick-project", label="Website")  # 1
    page.click("#timer-quick-start button:has-text('Start')")  # 2
    expect(page.locator("#timer-bar")).to_contain_text("Website")
    assert page.url.endswith("/reports/")
    page.click("#timer-bar button:has-text('Stop')")  # 3
    expect(page.locator(".messages")).to_contain_text(
        re.compile(r"Timer stopped: 0:00 on Website\. Today: \d+:\d\d\.")
    )


def test_earlier_work_is_offered_as_you_type_and_a_deletion_undone(logged_in, ready_server):
    page = logged_in
    ready_server.manage(
        "shell",
        "-c",
        "from datetime import timedelta; from django.utils import timezone; "
        "from django.contrib.auth.models import User; "
        "from tracking.models import Project, Task, Tag, TimeEntry; "
        "site = Project.objects.get(name='Website'); "
        "other = Project.objects.create(name='Intranet', client=site.client); "
        "task = Task.objects.create(project=site, title='Hero'); "
        "end = timezone.now() - timedelta(days=1); "
        "entry = TimeEntry.objects.create(user=User.objects.get(username='boss'), "
        "project=site, task=task, notes='Homepage hero section', billable=False, "
        "start=end - timedelta(hours=1), end=end); "
        "entry.tags.set(Tag.objects.for_names(['design']))",
    )
    page.goto(ready_server.url + "/reports/")
    page.select_option("#quick-project", label="Intranet")
    notes = page.locator("#quick-notes")
    notes.press_sequentially("homep")
    option = page.get_by_role("option", name=re.compile("Homepage hero section"))
    expect(option).to_be_visible()
    expect(notes).to_have_attribute("aria-expanded", "true")
    assert findings(page) == []
    notes.press("ArrowDown")
    expect(option).to_have_attribute("aria-selected", "true")
    notes.press("Enter")  # picks; the form is not sent yet
    expect(notes).to_have_value("Homepage hero section")
    expect(page.locator("#quick-project option:checked")).to_have_text("Website")
    page.click("#timer-quick-start button:has-text('Start')")
    expect(page.locator("#timer-bar")).to_contain_text("Website · Hero")
    page.click("#timer-bar button:has-text('Stop')")

    page.goto(ready_server.url + "/entries/new/")
    textarea = page.locator("#id_notes")
    textarea.press_sequentially("hero")
    page.get_by_role("option", name=re.compile("Homepage hero section")).first.click()
    expect(page.locator("#id_project option:checked")).to_have_text("Website")
    expect(page.locator("#id_tags")).to_have_value("design")
    expect(page.locator("#id_billable")).not_to_be_checked()

    page.goto(ready_server.url + "/entries/")
    page.locator("a", has_text="Website").first.click()
    page.click("text=Delete")
    page.click("button:has-text('Delete')")
    expect(page.locator(".messages")).to_contain_text("Moved")
    page.click(".messages button:has-text('Undo')")
    expect(page.locator(".messages")).to_contain_text("Restored")


def test_the_calendar_shows_the_week_and_an_empty_slot_opens_the_form(browser_page, ready_server):
    page = browser_page
    ready_server.manage(
        "shell",
        "-c",
        "from datetime import datetime, timedelta; from django.utils import timezone; "
        "from django.contrib.auth.models import User; "
        "from tracking.models import Project, TimeEntry; "
        "site = Project.objects.get(name='Website'); "
        "boss = User.objects.get(username='boss'); "
        "day = timezone.localdate() - timedelta(days=timezone.localdate().weekday()); "
        "nine = timezone.make_aware(datetime.combine(day, datetime.min.time())) "
        "+ timedelta(hours=9); "
        "TimeEntry.objects.create(user=boss, project=site, notes='Homepage hero section', "
        "start=nine, end=nine + timedelta(hours=2, minutes=30)); "
        "TimeEntry.objects.create(user=boss, project=site, notes='Client call', "
        "start=nine + timedelta(hours=4), end=nine + timedelta(hours=5)); "
        "typed = TimeEntry(user=boss, project=site); "
        "typed.place_on_day(day + timedelta(days=1), 3 * 3600); typed.save()",
    )
    log_in(page, ready_server.url)
    page.goto(ready_server.url + "/calendar/")
    expect(page.locator(".cal-head .cal-entry")).to_contain_text("3:00 no clock time")
    block = page.locator(".cal-entry", has_text="Homepage hero section")
    expect(block).to_be_visible()
    expect(page.locator(".cal-gap").first).to_contain_text("Gap 1:30")
    assert findings(page) == []
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "calendar-week-1280.png")
    slot = page.get_by_role("link", name=re.compile(r"Add time on .* at 15:00")).first
    slot.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#id_start_time")).to_have_value("15:00")

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(ready_server.url + "/calendar/")
    expect(page.locator(".cal-week-list")).to_be_visible()
    page.locator(".cal-week-list a").first.click()
    expect(page.locator(".cal-entry", has_text="Homepage hero section")).to_be_visible()
    assert findings(page) == []
    page.screenshot(path=ARTIFACTS / "calendar-day-390.png")


def test_a_toggl_export_is_previewed_then_imported(logged_in, ready_server):
    page = logged_in
    toggl = Path(__file__).resolve().parents[2] / "imports" / "tests" / "files" / "toggl.csv"
    page.goto(ready_server.url + "/entries/")
    page.click("text=Import")
    page.set_input_files("#id_file", str(toggl))
    page.select_option("#id_time_zone", "Europe/Berlin")
    page.click("button:has-text('Preview')")
    expect(page.locator("h1")).to_have_text("Import: preview")
    expect(page.locator("#import-summary")).to_contain_text("Entries: 3 to import")
    expect(page.locator("#id_format")).to_have_value("toggl")  # detected; the person confirms
    expect(page.locator("table")).to_contain_text("Homepage hero, first draft")
    assert findings(page) == []
    page.click("button:has-text('Import 3 entries')")
    expect(page.locator(".messages")).to_contain_text("Imported 3 entries")
    expect(page.locator("table")).to_contain_text("Release night")


def test_a_new_api_token_is_copied_with_one_click(logged_in, ready_server):
    page = logged_in
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.goto(ready_server.url + "/preferences/api-tokens/")
    page.fill("#id_name", "laptop")
    page.click("button:has-text('Create token')")
    secret = page.locator("#token-secret").input_value()
    assert secret.startswith("tt_")
    page.click("button[data-copy='token-secret']")
    expect(page.locator("[data-copied-for='token-secret']")).to_have_text("Copied.")
    assert page.evaluate("navigator.clipboard.readText()") == secret
    expect(page.locator("a", has_text="API docs")).to_have_attribute("href", "/api/v1/docs/")


def test_a_long_catalogue_is_searched_from_the_timer_bar(logged_in, ready_server):
    page = logged_in
    ready_server.manage(
        "shell",
        "-c",
        "from tracking.models import Client, Project; "
        "acme = Client.objects.get(name='Acme'); "
        "Project.objects.bulk_create(Project(name=f'Retainer {n}', client=acme) "
        "for n in range(30)); "
        "Project.objects.create(name='Zebra crossing', client=acme)",
    )
    page.goto(ready_server.url + "/reports/")
    picker = page.locator("#quick-project")
    expect(picker.locator("option", has_text="Zebra crossing")).to_have_count(0)
    picker.select_option(label="Find another project…")
    find = page.get_by_role("searchbox", name="Find a project")
    expect(find).to_be_focused()
    find.press_sequentially("zebra")
    expect(page.locator("#quick-project option:checked")).to_have_text("Zebra crossing (Acme)")
    assert findings(page) == []
    page.click("#timer-quick-start button:has-text('Start')")
    expect(page.locator("#timer-bar")).to_contain_text("Zebra crossing")
    # Tracked once, it is offered next time without a search.
    page.click("#timer-bar button:has-text('Stop')")
    expect(page.locator("#quick-project option", has_text="Zebra crossing")).to_have_count(1)


def test_the_page_check_names_aria_references_to_nothing(browser_page):
    browser_page.set_content(
        '<label id="name">Name</label><input aria-labelledby="name" aria-describedby="gone">'
    )
    assert findings(browser_page, accessibility=False) == [
        "ARIA references to no element: ['INPUT aria-describedby=gone']"
    ]
    assert findings(browser_page, accessibility=False, references=False) == []
