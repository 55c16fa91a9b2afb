import io
import re
from datetime import date

import pytest
from aiosmtpd.controller import Controller
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from conftest import free_port
from tracking.models import BusinessProfile, Comment, Invoice, Task
from tracking.models.common import validate_currency
from tracking.tests.conftest import at

pytestmark = pytest.mark.django_db


@pytest.fixture
def busy_world(owner, colleague, acme, website, internal, design_task, make_entry):
    for day in range(1, 21):
        make_entry(colleague, website, at(day, 9), 30, task=design_task)
        Task.objects.create(project=internal, title=f"Task {day}")
        Comment.objects.create(author=owner, project=website, text=f"note {day}")
        invoice = Invoice.objects.create(
            client=acme, project=website, number=f"A{day}", due_date=date(2026, 12, 1)
        )
        invoice.items.create(description="x", quantity=1, unit_price=1)


@pytest.mark.parametrize("model", ["client", "project", "task", "timeentry", "invoice", "comment"])
def test_changelists_make_a_constant_number_of_queries(
    client, superuser, busy_world, model, django_assert_max_num_queries
):
    client.force_login(superuser)
    with django_assert_max_num_queries(10):
        response = client.get(f"/admin/tracking/{model}/")
    assert response.status_code == 200


def test_the_admin_exports_selected_entries_as_csv(client, superuser, busy_world):
    from tracking.models import TimeEntry

    client.force_login(superuser)
    ids = list(TimeEntry.objects.values_list("pk", flat=True)[:3])
    response = client.post(
        "/admin/tracking/timeentry/",
        {"action": "export_entries_csv", "_selected_action": ids},
    )
    body = b"".join(response.streaming_content).decode()
    assert len(body.strip().splitlines()) == 4


def test_non_staff_cannot_open_the_admin(client, colleague):
    client.force_login(colleague)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_the_business_profile_is_one_and_offers_money_only(client, superuser):
    client.force_login(superuser)
    index = client.get("/admin/").content.decode()
    assert "Business profile<" in index and "Business profiles" not in index
    page = client.get("/admin/tracking/businessprofile/", follow=True).content.decode()
    assert 'value="EUR"' in page and 'value="XOF"' in page  # the CFA franc is money
    for code in ("XAU", "XTS", "XXX"):  # gold, the testing code, "no currency"
        assert f'value="{code}"' not in page
    with pytest.raises(ValidationError):
        validate_currency("XAU")


def test_adding_a_person_takes_their_email(client, superuser):
    client.force_login(superuser)
    form = {"username": "newbie", "usable_password": "false"}
    refused = client.post("/admin/auth/user/add/", form)
    assert refused.status_code == 200 and "email" in refused.context["adminform"].form.errors
    added = client.post("/admin/auth/user/add/", {**form, "email": "newbie@agency.test"})
    assert added.status_code == 302
    assert get_user_model().objects.get(username="newbie").email == "newbie@agency.test"


def test_the_control_panel_says_whether_mail_is_configured(client, superuser, settings):
    client.force_login(superuser)
    assert "Not configured" in client.get("/admin/").content.decode()
    settings.EMAIL_CONFIGURED, settings.EMAIL_HOST = True, "smtp.agency.test"
    assert "Sent through smtp.agency.test:587 (STARTTLS)" in client.get("/admin/").content.decode()


def test_the_logo_is_shown_in_the_admin_as_invoices_show_it(client, superuser):
    profile = BusinessProfile.load()
    profile.logo.save("logo.png", ContentFile(b"\x89PNG\r\n\x1a\n" + b"pixels" * 10))
    client.force_login(superuser)
    page = client.get("/admin/tracking/businessprofile/1/change/").content.decode()
    assert 'src="data:image/png;base64,' in page and 'alt="The invoice logo"' in page
    assert 'class="invoice-logo"' in page  # sized as invoices size it (admin.css)


def test_a_persons_email_stays_set_and_their_own(client, superuser, colleague):
    client.force_login(superuser)
    taken = client.post(
        "/admin/auth/user/add/",
        {"username": "twin", "usable_password": "false", "email": "COLLEAGUE@example.test"},
    )
    assert "Another account has this email." in taken.content.decode()
    page = client.get(f"/admin/auth/user/{colleague.pk}/change/")
    form = page.context["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data.update({"email": "", "groups": [], "user_permissions": []})
    for key in ("date_joined", "last_login"):
        data.pop(key, None)
    data.update({"date_joined_0": "2026-01-01", "date_joined_1": "09:00:00"})
    cleared = client.post(f"/admin/auth/user/{colleague.pk}/change/", data)
    assert cleared.status_code == 200 and "email" in cleared.context["adminform"].form.errors
    colleague.refresh_from_db()
    assert colleague.email == "colleague@example.test"


def image(kind: str) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (4, 2), "teal").save(out, kind)
    return out.getvalue()


def test_a_new_logo_replaces_the_old_file_and_only_png_or_jpeg_are_taken(
    client, superuser, settings, django_capture_on_commit_callbacks
):
    client.force_login(superuser)
    url = client.get("/admin/tracking/businessprofile/").url  # the one record, made on the way
    form = {
        "legal_name": "Studio",
        "payment_days": "30",
        "invoice_number_pattern": "{year}-{seq:04d}",
        "default_currency": "EUR",
        "default_tax_rate": "0",
    }

    def upload(name, data):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(url, {**form, "logo": SimpleUploadedFile(name, data)})

    assert upload("first.png", image("PNG")).status_code == 302
    first = BusinessProfile.load().logo.name
    assert (settings.MEDIA_ROOT / first).exists()
    page = client.get(url).content.decode()
    assert "Currently: first" in page and "/media/" not in page  # media files are not served
    # A GIF called .jpg is refused, and the logo stays.
    refused = upload("moving.jpg", image("GIF")).content.decode()
    assert "Use a PNG or JPEG image: invoices embed only those." in refused
    shown = BusinessProfile.load().logo_data_uri()
    assert f'src="{shown}"' in refused  # the preview is still the stored logo
    assert BusinessProfile.load().logo.name == first
    assert upload("second.jpg", image("JPEG")).status_code == 302
    second = BusinessProfile.load().logo.name
    assert (settings.MEDIA_ROOT / second).exists() and not (settings.MEDIA_ROOT / first).exists()
    assert BusinessProfile.load().logo_data_uri().startswith("data:image/jpeg;base64,")
    # Clearing it removes the file too.
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url, {**form, "logo-clear": "on"}).status_code == 302
    assert not BusinessProfile.load().logo and not (settings.MEDIA_ROOT / second).exists()


def test_staff_without_the_permission_are_told_whom_to_ask(client, db):
    staff = get_user_model().objects.create_user("clerk", is_staff=True)
    client.force_login(staff)
    page = client.get("/admin/tracking/businessprofile/", follow=True)
    assert page.status_code == 403
    assert "Ask your administrator for the permission" in page.content.decode()
    assert not BusinessProfile.objects.exists()  # asking wrote nothing


def test_a_person_added_without_a_password_is_invited_and_chooses_one(
    client, superuser, smtp_server, settings
):
    settings.SITE_URL = "https://time.agency.test"
    client.force_login(superuser)
    added = client.post(
        "/admin/auth/user/add/",
        {"username": "newbie", "email": "newbie@agency.test", "usable_password": "false"},
    )
    assert added.status_code == 302
    newbie = get_user_model().objects.get(username="newbie")
    assert not newbie.has_usable_password()
    mute = get_user_model().objects.create_user("mute")  # no address: skipped, and said so
    page = client.post(
        "/admin/auth/user/",
        {"action": "invite", "_selected_action": [newbie.pk, mute.pk]},
        follow=True,
    ).content.decode()
    assert "Invitations sent: 1. Not sent to 1: inactive, or without an email address." in page
    [(recipients, message)] = smtp_server.messages
    assert recipients == ["newbie@agency.test"]
    assert "Subject: Your TimeTracker account: choose a password" in message
    assert "Your username is: newbie" in message
    link = re.search(r"https://time\.agency\.test(/accounts/password/reset/\S+)", message).group(1)

    newcomer = Client()
    form = newcomer.get(link, follow=True)
    assert form.status_code == 200 and "new_password1" in form.content.decode()
    password = "a brand new passphrase 9"
    done = newcomer.post(
        form.request["PATH_INFO"], {"new_password1": password, "new_password2": password}
    )
    assert done.status_code == 302
    newbie.refresh_from_db()
    assert newbie.check_password(password)
    # The link worked once.
    assert "new_password1" not in Client().get(link, follow=True).content.decode()


def test_invitations_say_when_mail_cannot_go_out(client, superuser, colleague, settings):
    colleague.email = "colleague@agency.test"
    colleague.save()
    client.force_login(superuser)
    settings.EMAIL_CONFIGURED = False
    invite = {"action": "invite", "_selected_action": [colleague.pk]}
    page = client.post("/admin/auth/user/", invite, follow=True).content.decode()
    assert "Mail is not configured (EMAIL_HOST)" in page
    settings.EMAIL_CONFIGURED = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()  # nobody listens
    page = client.post("/admin/auth/user/", invite, follow=True).content.decode()
    assert "Invitations sent: 0. The mail server could not be reached" in page


def test_invitations_sent_before_a_refusal_are_counted(client, superuser, settings):
    """A mail server that refuses the second person: the first one's mail went out."""

    class RefusingSecond:
        def __init__(self):
            self.delivered = []

        async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
            if address.startswith("second@"):
                return "550 no such mailbox"
            envelope.rcpt_tos.append(address)
            return "250 OK"

        async def handle_DATA(self, server, session, envelope):
            self.delivered.extend(envelope.rcpt_tos)
            return "250 OK"

    handler = RefusingSecond()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
        settings.EMAIL_USE_TLS, settings.EMAIL_CONFIGURED = False, True
        people = [
            get_user_model().objects.create_user(name, email=f"{name}@agency.test")
            for name in ("first", "second", "third")
        ]
        client.force_login(superuser)
        invite = {"action": "invite", "_selected_action": [person.pk for person in people]}
        page = client.post("/admin/auth/user/", invite, follow=True).content.decode()
    finally:
        controller.stop()
    assert handler.delivered == ["first@agency.test"]
    assert "Invitations sent: 1. The mail server could not be reached" in page
