"""The main flows in a real browser (Chromium through Playwright) against gunicorn."""

import csv
import io
import json
import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

PASSWORD = "a long and unusual passphrase 42"


def setup_link(server) -> str:
    match = re.search(r"(http://127\.0\.0\.1:\d+/setup/\?token=\S+)", server.log())
    assert match, server.log()
    return match.group(1)


def first_run(page, server):
    page.goto(setup_link(server))
    page.fill("#id_username", "boss")
    page.fill("#id_email", "boss@example.test")
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)


def test_first_run_timer_reports_export_and_telemetry_admin(browser_page, server_process):
    page = browser_page
    server = server_process().start()

    # First run: the link printed by the server, the box unchecked, then the dashboard.
    first_run(page, server)
    assert not page.is_checked("#id_telemetry_enabled")
    page.click("text=Finish setup")
    page.wait_for_url(server.url + "/")
    assert page.is_visible("h1:has-text('Dashboard')")
    store = json.loads((server.data_dir / "installation.json").read_text())
    assert store["setup_complete"] is True and store["telemetry_enabled"] is False

    # A client and a project to track against.
    page.goto(server.url + "/clients/new/")
    page.fill("#id_name", "Acme")
    page.click("text=Save")
    page.goto(server.url + "/projects/new/")
    page.fill("#id_name", "Website")
    page.select_option("#id_client", label="Acme")
    page.click("text=Save")

    # Start a timer, see it running, stop it, see the entry, continue it.
    page.goto(server.url + "/")
    page.select_option("#id_project", label="Website")
    page.fill("#id_notes", "homepage")
    page.click("button:has-text('Start timer')")
    running = page.locator("#running-timer")
    assert running.is_visible()
    assert "Website" in running.inner_text()
    page.wait_for_timeout(1200)
    page.click("button:has-text('Stop timer')")
    assert page.locator("#running-timer").count() == 0
    assert page.locator("text=Timer stopped").is_visible()
    page.click("button:has-text('Continue') >> nth=0")
    assert page.locator("#running-timer").is_visible()
    page.click("button:has-text('Stop timer')")

    # Reports: totals and the chart; the CSV downloads and parses.
    page.goto(server.url + "/reports/")
    assert page.locator("#total-hours").is_visible()
    assert page.locator("svg.chart rect").count() >= 1
    with page.expect_download() as download_info:
        page.click("text=Export CSV")
    rows = list(csv.reader(io.StringIO(Path(download_info.value.path()).read_text())))
    assert rows[0][:4] == ["date", "start", "end", "duration_hours"]
    assert len(rows) == 3 and rows[1][6] == "Website"

    # The admin telemetry page: turn on, see an event arrive, turn off.
    page.goto(server.url + "/admin/telemetry/")
    assert "Telemetry is OFF" in page.inner_text("#telemetry-state")
    page.click("#telemetry-toggle")
    assert "Telemetry is ON" in page.inner_text("#telemetry-state")
    page.goto(server.url + "/")
    page.select_option("#id_project", label="Website")
    page.click("button:has-text('Start timer')")
    page.goto(server.url + "/admin/telemetry/")
    page.wait_for_timeout(300)
    page.reload()
    assert "timer.started" in page.inner_text("#recent-events")
    assert "homepage" not in page.inner_text("#recent-events")
    page.click("#telemetry-toggle")
    assert "Telemetry is OFF" in page.inner_text("#telemetry-state")


def test_setup_refuses_a_weak_password_in_the_browser(browser_page, server_process):
    page = browser_page
    server = server_process().start()
    first_run(page, server)
    page.fill("#id_password1", "boss")
    page.fill("#id_password2", "boss")
    page.click("text=Finish setup")
    assert "/setup/" in page.url
    assert page.locator(".errorlist").count() >= 1
    store = json.loads((server.data_dir / "installation.json").read_text())
    assert store["setup_complete"] is False
