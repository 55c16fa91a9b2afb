import pytest

from setupwizard import installation

pytestmark = pytest.mark.django_db


def test_the_privacy_docs_are_pages_of_the_app(client, setup_done):
    page = client.get("/docs/all_tracked_events.md")
    assert page.status_code == 200
    assert page["Content-Type"].startswith("text/html")
    html = page.content.decode()
    assert "<table>" in html and "<code>timer.started</code>" in html
    assert 'href="/"' in html  # the app's navigation around it


def test_only_the_published_docs_are_served(client, setup_done):
    assert client.get("/docs/security.md").status_code == 404
    assert client.get("/docs/..%2Fsettings.py").status_code == 404


def test_setup_opens_the_docs_in_a_new_tab_so_the_form_survives(client):
    setup_token = installation.get().setup_token
    html = client.get(f"/setup/?token={setup_token}").content.decode()
    assert 'href="/docs/privacy.md" target="_blank" rel="noopener"' in html
