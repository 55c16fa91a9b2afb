"""Logging in, being throttled, changing and resetting a password."""

import re
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.core import mail
from django.test import Client as HttpClient

pytestmark = pytest.mark.django_db

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


@pytest.fixture(autouse=True)
def _setup_complete(setup_done):
    """Account pages are reachable once first-run setup is complete."""


def attempt(client, password, username="colleague", address="10.0.0.1"):
    return client.post(
        "/accounts/login/",
        {"username": username, "password": password},
        REMOTE_ADDR=address,
    )


def test_logins_are_throttled_per_account_after_the_failure_limit(client, colleague):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert attempt(client, "wrong").status_code == 200
    locked = attempt(client, "wrong")
    assert locked.status_code == 429
    assert b"Too many failed logins" in locked.content
    # Even the right password, from another address, waits: the account is paused.
    right = attempt(HttpClient(), "pw-colleague", address="10.0.0.2")
    assert right.status_code == 429
    assert "_auth_user_id" not in right.client.session


def test_logins_are_throttled_per_address_across_accounts(client, colleague, stranger):
    for number in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, "wrong", username=f"someone-{number}")
    assert attempt(client, "pw-stranger", username="stranger").status_code == 429


def test_an_admin_unlocks_an_account_in_the_admin(client, colleague, superuser):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, "wrong")
    admin = HttpClient()
    admin.force_login(superuser)
    listing = admin.get("/admin/axes/accessattempt/")
    assert listing.status_code == 200
    pks = list(AccessAttempt.objects.values_list("pk", flat=True))
    admin.post(
        "/admin/axes/accessattempt/",
        {"action": "delete_selected", "_selected_action": pks, "post": "yes"},
    )
    assert not AccessAttempt.objects.exists()
    response = attempt(HttpClient(), "pw-colleague")
    assert response.status_code == 302


def test_a_success_before_the_limit_resets_the_count(client, colleague):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        attempt(client, "wrong")
    assert attempt(client, "pw-colleague").status_code == 302
    assert attempt(HttpClient(), "wrong").status_code == 200


def test_a_user_changes_their_own_password(client, colleague):
    client.force_login(colleague)
    response = client.post(
        "/accounts/password/change/",
        {
            "old_password": "pw-colleague",
            "new_password1": "a long and unusual passphrase 42",
            "new_password2": "a long and unusual passphrase 42",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/change/done/"
    colleague.refresh_from_db()
    assert colleague.check_password("a long and unusual passphrase 42")


def test_a_wrong_old_password_changes_nothing(client, colleague):
    client.force_login(colleague)
    response = client.post(
        "/accounts/password/change/",
        {"old_password": "nope", "new_password1": "x" * 20, "new_password2": "x" * 20},
    )
    assert response.status_code == 200
    assert "old_password" in response.context["form"].errors
    colleague.refresh_from_db()
    assert colleague.check_password("pw-colleague")


def test_password_reset_does_not_exist_without_a_mail_server(client):
    assert client.get("/accounts/password/reset/").status_code == 404
    login = client.get("/accounts/login/").content.decode()
    assert 'href="/accounts/password/reset/"' not in login
    assert "Ask your administrator to set a new one." in login


def test_a_reset_that_cannot_be_mailed_says_so_to_everyone_alike(
    client, colleague, smtp_server, settings
):
    settings.EMAIL_USE_TLS = True  # the default; this relay offers no STARTTLS
    answers = [
        client.post("/accounts/password/reset/", {"email": email})
        for email in (colleague.email, "nobody@example.test")
    ]
    for answer in answers:
        assert answer.status_code == 200
        page = answer.content.decode()
        assert "Ask your administrator to set a new password" in page
        assert '<div role="alert">' in page  # read out when the page comes back
    assert smtp_server.messages == []
    settings.EMAIL_USE_TLS = False
    sent = client.post("/accounts/password/reset/", {"email": colleague.email})
    assert sent.status_code == 302 and "/accounts/password/reset/" in smtp_server.messages[0][1]


def test_password_reset_mails_a_link_that_sets_a_new_password(client, colleague, settings):
    settings.EMAIL_CONFIGURED = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert b"Forgot your password?" in client.get("/accounts/login/").content
    response = client.post("/accounts/password/reset/", {"email": colleague.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = re.search(r"http://testserver(/accounts/password/reset/\S+/)", mail.outbox[0].body)
    form_page = client.get(link.group(1), follow=True)
    response = client.post(
        form_page.redirect_chain[-1][0],
        {
            "new_password1": "a long and unusual passphrase 42",
            "new_password2": "a long and unusual passphrase 42",
        },
    )
    assert response.status_code == 302
    colleague.refresh_from_db()
    assert colleague.check_password("a long and unusual passphrase 42")


def test_pages_send_a_content_security_policy(client, colleague):
    client.force_login(colleague)
    policy = client.get("/")["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy


def test_no_template_has_an_inline_script():
    for template in TEMPLATES.rglob("*.html"):
        for tag in re.findall(r"<script[^>]*>", template.read_text()):
            assert "src=" in tag, f"{template}: inline script {tag}"


def test_personal_pages_are_never_stored_by_caches(client, colleague):
    client.force_login(colleague)
    for path in ("/", "/entries/", "/reports/", "/entries/export.csv"):
        cache_control = client.get(path)["Cache-Control"]
        assert "no-store" in cache_control and "private" in cache_control, path


def test_a_response_with_its_own_cache_policy_keeps_it(client):
    login_page = client.get("/accounts/login/")
    assert login_page["Cache-Control"] == "max-age=0, no-cache, no-store, must-revalidate, private"
