"""What every page shows around its content: navigation, error pages, dates, first steps."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tracking.models import Client, Project, TimeEntry

pytestmark = pytest.mark.django_db


def test_the_navigation_marks_the_current_page(client, owner):
    client.force_login(owner)
    html = client.get("/entries/").content.decode()
    assert '<a href="/entries/" aria-current="page">Entries</a>' in html
    assert 'href="/projects/" aria-current' not in html


def test_members_are_not_shown_what_they_cannot_open(client, colleague, owner):
    client.force_login(colleague)
    html = client.get("/").content.decode()
    assert 'href="/invoices/"' not in html and 'href="/admin/"' not in html
    client.force_login(owner)
    html = client.get("/").content.decode()
    assert 'href="/invoices/"' in html and 'href="/admin/"' in html


def test_not_found_and_not_allowed_pages_keep_the_navigation(client, colleague):
    client.force_login(colleague)
    missing = client.get("/entries/999999/")
    assert missing.status_code == 404
    assert "Page not found" in missing.content.decode()
    assert 'aria-label="Main"' in missing.content.decode()
    refused = client.get("/clients/new/")
    assert refused.status_code == 403
    assert "You may not add clients" in refused.content.decode()
    assert 'aria-label="Main"' in refused.content.decode()


def test_a_date_not_in_this_year_shows_its_year(client, colleague, website):
    this_year = timezone.localdate().year
    for year in (2019, 2099):
        start = timezone.make_aware(timezone.datetime(year, 3, 4, 9, 0))
        TimeEntry.objects.create(
            user=colleague, project=website, start=start, end=start + timedelta(hours=1)
        )
    client.force_login(colleague)
    html = client.get("/entries/").content.decode()
    assert "4 Mar 2019" in html and "4 Mar 2099" in html
    today = timezone.now() - timedelta(minutes=5)
    TimeEntry.objects.create(
        user=colleague, project=website, start=today - timedelta(hours=1), end=today
    )
    html = client.get("/entries/").content.decode()
    assert f"{timezone.localtime(today):%-d %b} {this_year}" not in html


def test_the_first_run_dashboard_guides_to_a_client_then_a_project(client, owner):
    client.force_login(owner)
    html = client.get("/").content.decode()
    assert 'id="first-steps"' in html and 'href="/clients/new/"' in html
    Project.objects.create(name="Site", client=Client.objects.create(name="Acme"))
    assert 'id="first-steps"' not in client.get("/").content.decode()


def test_stopping_says_how_long_in_hours_and_minutes(client, colleague, website):
    client.force_login(colleague)
    TimeEntry.objects.start_timer(colleague, website, at=timezone.now() - timedelta(minutes=12))
    page = client.post("/timer/stop/", follow=True)
    assert "Timer stopped: 0:12 on Website." in page.content.decode()


def test_the_pickers_escape_what_people_typed(client, colleague, acme):
    payload = '<script>alert("x")</script>\' onmouseover="alert(1)'
    site = Project.objects.create(name=payload, client=acme)
    site.tasks.create(title=payload)
    client.force_login(colleague)
    html = client.get("/").content.decode()
    assert payload not in html
    escaped = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&#x27; onmouseover=&quot;alert(1)"
    assert f">{escaped}</option>" in html
    assert f">{escaped} · {escaped}</option>" in html


def test_the_server_error_page_is_styled_and_leads_back(rf):
    from django.views.defaults import server_error

    page = server_error(rf.get("/entries/"))
    assert page.status_code == 500
    html = page.content.decode()
    assert "Something went wrong" in html and 'href="/"' in html
    assert "/static/css/app.css" in html
