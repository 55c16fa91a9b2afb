import json

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model

from setupwizard import installation

pytestmark = pytest.mark.django_db

GOOD_ADMIN = {
    "username": "boss",
    "email": "boss@example.test",
    "password1": "a long and unusual passphrase 42",
    "password2": "a long and unusual passphrase 42",
}


def token():
    return installation.get().setup_token


def store():
    return json.loads((settings.TIMETRACKER_DATA_DIR / "installation.json").read_text())


@pytest.mark.parametrize("path", ["/", "/entries/", "/admin/", "/reports/export.csv"])
def test_every_page_redirects_to_setup_until_it_is_complete(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"] == "/setup/"


@pytest.mark.parametrize("path", ["/healthz", "/static/css/app.css", "/docs/privacy.md"])
def test_health_static_and_privacy_docs_are_not_redirected(client, path):
    response = client.get(path)
    assert response.status_code == 200


def test_setup_without_the_token_is_forbidden_and_says_where_the_link_is(client):
    response = client.get("/setup/")
    assert response.status_code == 403
    assert b"manage.py setup --status" in response.content
    assert b"printed in the server console" in response.content


def test_a_wrong_token_is_forbidden(client):
    token()
    assert client.get("/setup/?token=wrong").status_code == 403
    assert client.post("/setup/", {**GOOD_ADMIN, "token": "wrong"}).status_code == 403
    assert not get_user_model().objects.exists()


def test_the_wizard_shows_the_telemetry_box_unchecked(client):
    response = client.get(f"/setup/?token={token()}")
    assert response.status_code == 200
    box = response.context["telemetry_form"]["telemetry_enabled"]
    assert 'type="checkbox"' in str(box)
    assert "checked" not in str(box)
    assert b"/docs/privacy.md" in response.content
    assert b"/docs/all_tracked_events.md" in response.content


def test_completing_setup_creates_the_admin_logs_in_and_records_the_choice(client):
    response = client.post("/setup/", {**GOOD_ADMIN, "token": token()})
    assert response.status_code == 302
    assert response["Location"] == "/"
    admin = get_user_model().objects.get(username="boss")
    assert admin.is_superuser and admin.is_staff
    data = store()
    assert data["setup_complete"] is True
    assert data["telemetry_enabled"] is False
    assert "setup_token" not in data
    assert client.get("/").status_code == 200


def test_ticking_the_box_opts_in(client):
    client.post("/setup/", {**GOOD_ADMIN, "token": token(), "telemetry_enabled": "on"})
    assert store()["telemetry_enabled"] is True


def test_a_weak_password_is_refused_and_nothing_is_written(client):
    data = {**GOOD_ADMIN, "password1": "boss", "password2": "boss", "token": token()}
    response = client.post("/setup/", data)
    assert response.status_code == 200
    assert response.context["account_form"].errors["password2"]
    assert not get_user_model().objects.exists()
    assert store()["setup_complete"] is False


def test_mismatched_passwords_are_refused(client):
    data = {**GOOD_ADMIN, "password2": "something else entirely 99", "token": token()}
    response = client.post("/setup/", data)
    assert "password2" in response.context["account_form"].errors
    assert store()["setup_complete"] is False


def test_after_completion_setup_redirects_home_and_the_token_is_useless(client):
    old_token = token()
    client.post("/setup/", {**GOOD_ADMIN, "token": old_token})
    client.logout()
    response = client.get(f"/setup/?token={old_token}")
    assert response.status_code == 302
    assert response["Location"] == "/"
    response = client.post("/setup/", {**GOOD_ADMIN, "username": "intruder", "token": old_token})
    assert response.status_code == 302
    assert not get_user_model().objects.filter(username="intruder").exists()


def test_with_an_existing_superuser_only_the_telemetry_question_is_asked(client, superuser):
    response = client.get(f"/setup/?token={token()}")
    assert response.context["account_form"] is None
    client.post("/setup/", {"token": token()})
    assert store()["setup_complete"] is True


def test_a_corrupt_store_with_an_admin_never_reopens_the_wizard(client, superuser):
    installation.complete_setup(telemetry_enabled=True)
    (settings.TIMETRACKER_DATA_DIR / "installation.json").write_text("{broken")
    installation.reset_cache()
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert client.get("/setup/").status_code == 302


def test_the_setup_link_is_printed_when_the_server_starts(server_process):
    server = server_process().start()
    data = json.loads((server.data_dir / "installation.json").read_text())
    assert f"{server.url}/setup/?token={data['setup_token']}" in server.log()
