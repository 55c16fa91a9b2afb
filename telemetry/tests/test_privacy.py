"""Privacy is an invariant: personal data fed through every event path reaches no sink.

Names, emails, notes, titles, invoice numbers, addresses, tax ids, bank details and usernames
full of marker strings go
through the web UI, the ORM, logins (good and bad), reports, exports and the admin; then
every sink is read back: the JSONL log, what PostHog received, what TELE_URL received.
"""

import string
from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import transaction
from django.test import Client as HttpClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.models import ApiToken
from telemetry import emitter
from tracking.models import (
    BusinessProfile,
    Client,
    Comment,
    Invoice,
    Project,
    Tag,
    Task,
    TimeEntry,
)
from webhooks.sender import deliver_due

pytestmark = pytest.mark.django_db

MARK = "QQMARK"
marker_text = st.text(alphabet=string.ascii_letters + string.digits + " .-_'@", max_size=20).map(
    lambda tail: f"{MARK}{tail}"
)
marker_word = st.text(
    alphabet=string.ascii_lowercase + string.digits, min_size=3, max_size=12
).map(lambda tail: f"{MARK.lower()}{tail}")


def everything_sent(log_dir, *servers) -> str:
    emitter.flush()
    path = log_dir / "app.jsonl"
    parts = [path.read_text() if path.exists() else ""]
    for server in servers:
        parts.extend(body.decode("utf-8", "replace") for body in server.bodies())
    return "\n".join(parts)


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    username=marker_word,
    person=marker_text,
    email_user=marker_word,
    notes=marker_text,
    title=marker_text,
    company=marker_text,
    invoice_number=marker_word,
    tag_name=marker_word,
)
def test_no_personal_data_reaches_any_sink(
    telemetry_on,
    posthog_server,
    tele_url_server,
    webhook_receiver,
    superuser,
    django_capture_on_commit_callbacks,
    settings,
    username,
    person,
    email_user,
    notes,
    title,
    company,
    invoice_number,
    tag_name,
):
    password = f"{MARK}-pass-{username}"
    email = f"{email_user}@{MARK.lower()}.example"
    with transaction.atomic(), django_capture_on_commit_callbacks(execute=True):
        user = get_user_model().objects.create_user(
            username=username, email=email, password=password, first_name=person
        )
        user.last_name = person
        user.save()
        web = HttpClient()
        web.post("/accounts/login/", {"username": username, "password": "wrong " + notes})
        web.post("/accounts/login/", {"username": email, "password": password})
        web.post("/accounts/login/", {"username": username, "password": password})
        acme = Client.objects.create(name=company, email=email)
        acme.name = company + " Ltd"
        acme.save()
        project = Project.objects.create(name=title, client=acme, hourly_rate="99.00")
        task = Task.objects.create(project=project, title=title)
        tags = f"{tag_name[:40]}, {MARK}-tag"
        web.post(
            "/timer/start/",
            {"project": project.pk, "task": task.pk, "notes": notes, "tags": tags},
        )
        web.post("/timer/pause/")
        web.post("/timer/resume/")
        web.post("/timer/stop/")
        web.post(
            "/entries/new/",
            {
                "project": project.pk,
                "notes": notes,
                "start": "2026-11-02T09:00:00",
                "end": "2026-11-02T10:00:00",
            },
        )
        entry = TimeEntry.objects.filter(user=user).first()
        web.post(
            f"/entries/{entry.pk}/edit/",
            {
                "project": project.pk,
                "notes": notes + " edited",
                "start": "2026-11-02T09:00:00",
                "end": "2026-11-02T10:00:00",
                "tags": f"{tag_name[:40]} renamed",
            },
        )
        web.post("/timesheet/?week=2026-W45", {f"h-{project.pk}-2026-11-03": "2:15"})
        # Fast entry: suggestions for a marked text, duplicate, trash and restore, calendar.
        assert web.get("/entries/suggest/", {"q": notes[:20]}).json()
        web.post(f"/entries/{entry.pk}/duplicate/")
        web.post(f"/entries/{entry.pk}/delete/")
        web.post(f"/entries/{entry.pk}/restore/")
        web.get("/calendar/?week=2026-W45")
        # An import whose every cell, and the file's name, carry markers; then a bad one.
        # Cells are read stripped: the project imported into is named as a form would.
        imported = Project.objects.create(name=f"{title.strip()} imported", client=acme)
        rows = (
            "Date;From;To;Email;Customer;Project;Activity;Description;Tags\n"
            f"2026-11-05;09:00;10:00;{email};{acme.name};{imported.name};{title} b;{notes};"
            f"{tag_name}\n"
        )
        upload = SimpleUploadedFile(f"{MARK}-{username}.csv", rows.encode())
        web.post("/import/", {"file": upload, "time_zone": "UTC"})
        web.post("/import/confirm/", {"format": "kimai", "time_zone": "UTC", "import": "1"})
        assert TimeEntry.objects.filter(user=user, source="import", notes=notes.strip()).exists()
        bad = SimpleUploadedFile(f"{MARK}.csv", rows.replace("09:00", notes[:8]).encode())
        web.post("/import/", {"file": bad, "time_zone": "UTC"})
        web.get("/calendar/?day=2026-11-02")
        web.post(
            "/entries/new/?date=2026-11-04&start_time=09:00",
            {"project": project.pk, "notes": notes, "date": "2026-11-04", "duration": "45m"},
        )
        web.post(f"/projects/{project.pk}/comments/", {"text": notes})
        web.post(f"/tasks/{task.pk}/comments/", {"text": person})
        comment = Comment.objects.filter(author=user).first()
        web.post(f"/comments/{comment.pk}/edit/", {"text": notes + person})
        task.title = title + " renamed"
        task.status = Task.Status.DONE
        task.save()
        web.get(f"/reports/?start=2026-11-01&end=2026-11-30&project={project.pk}")
        tag = Tag.objects.get(name__iexact=f"{MARK}-tag")
        web.get(f"/reports/?start=2026-11-01&end=2026-11-30&tag={tag.pk}")
        tag.delete()
        b"".join(web.get("/reports/export.csv?start=2026-11-01&end=2026-11-30").streaming_content)
        b"".join(web.get("/entries/export.csv").streaming_content)
        admin = HttpClient()
        admin.force_login(superuser)
        admin.post(
            "/invoices/new/",
            {
                "number": invoice_number,
                "client": acme.pk,
                "project": project.pk,
                "issue_date": "2026-11-01",
                "due_date": "2026-11-30",
                "currency": "EUR",
                "items-TOTAL_FORMS": "1",
                "items-INITIAL_FORMS": "0",
                "items-0-description": notes,
                "items-0-quantity": "1",
                "items-0-unit_price": "10",
            },
        )
        invoice = Invoice.objects.get(number=invoice_number)
        acme.billing_address = f"{notes}\n{person}"
        acme.tax_id = f"{MARK}TAX"
        acme.save()
        profile = BusinessProfile.load()
        profile.legal_name = company
        profile.address = notes
        profile.email = email
        profile.tax_id = f"{MARK}VAT"
        profile.bank_details = f"IBAN {MARK}{person}"
        profile.payment_terms = notes
        profile.save()
        dates = {"start_date": "2026-11-01", "end_date": "2026-11-30"}
        admin.post(f"/invoices/{invoice.pk}/bill/", dates)
        admin.post(f"/invoices/{invoice.pk}/refresh/")
        admin.get(f"/invoices/{invoice.pk}/print/")
        assert admin.get(f"/invoices/{invoice.pk}/pdf/").status_code == 200
        admin.post(f"/invoices/{invoice.pk}/status/", {"status": "sent"})
        admin.get("/admin/telemetry/")
        admin.get(f"/admin/auth/user/?q={username}")
        # The REST API: a token named with a marker, notes, tags and a tag made by name.
        web.post("/preferences/api-tokens/", {"name": f"{MARK} {title}", "read_only": ""})
        _, secret = ApiToken.objects.create_token(user, f"{MARK}-{person}")
        api = HttpClient(headers={"Authorization": f"Bearer {secret}"})
        api.post(
            "/api/v1/timer/start/",
            {"project": project.pk, "notes": notes, "tags": [f"{MARK}-api", tag_name[:40]]},
            content_type="application/json",
        )
        api.post("/api/v1/timer/stop/")
        made = api.post(
            "/api/v1/entries/",
            {
                "project": project.pk,
                "notes": notes,
                "start": "2026-11-04T09:00:00+01:00",
                "end": "2026-11-04T10:00:00+01:00",
            },
            content_type="application/json",
        ).json()
        api.patch(
            f"/api/v1/entries/{made['id']}/",
            {"notes": person, "tags": [f"{MARK}-patched"]},
            content_type="application/json",
        )
        api.post(
            "/api/v1/tags/", {"name": f"{MARK}-{tag_name[:30]}"}, content_type="application/json"
        )
        api.get("/api/v1/reports/summary/", {"group_by": "tag"})
        api.delete(f"/api/v1/entries/{made['id']}/")
        # The Kimai-compatible API, with the legacy headers: marked notes and tag names,
        # a running timer stopped, and an unknown marked field refused.
        kimai = HttpClient(headers={"X-AUTH-USER": username, "X-AUTH-TOKEN": secret})
        sheet = kimai.post(
            "/api/timesheets",
            {"project": project.pk, "description": notes, "tags": f"{MARK}-kimai,{tag_name[:40]}"},
            content_type="application/json",
        ).json()
        kimai.patch(f"/api/timesheets/{sheet['id']}/stop")
        kimai.patch(
            f"/api/timesheets/{sheet['id']}",
            {"description": person, f"{MARK}field": notes},
            content_type="application/json",
        )
        kimai.get("/api/timesheets", {"term": notes})
        kimai.delete(f"/api/timesheets/{sheet['id']}")
        ApiToken.objects.get(name=f"{MARK}-{person}").revoke()
        # A webhook at a marked address with a marked secret, refused by its receiver, and a
        # budget crossed on the marked project: nothing of either may reach telemetry.
        call_command(
            "webhooks", "add", f"{webhook_receiver.url}/{MARK}-{username}",
            "--events", "timer.stopped,budget.threshold_reached",
            "--secret", f"{MARK}-secret", stdout=StringIO(),
        )  # fmt: skip
        project.budget_hours = Decimal("0.25")
        project.save()
        web.post("/timer/start/", {"project": project.pk, "notes": notes})
        web.post("/timer/stop/")
        deliver_due()
        web.post("/accounts/logout/")
        transaction.set_rollback(True)
    sent = everything_sent(settings.LOG_DIR, posthog_server, tele_url_server)
    assert "timer.stopped" in sent and "invoice.sent" in sent and "auth.login_failed" in sent
    assert "tag.created" in sent and "tag.deleted" in sent and "timer.resumed" in sent
    assert "timesheet.saved" in sent and "business_profile.updated" in sent
    assert "invoice.entries_billed" in sent and "invoice.pdf_downloaded" in sent
    assert posthog_server.requests and tele_url_server.requests  # every sink was exercised
    assert "api.token_created" in sent and "api.token_revoked" in sent
    assert "webhook.created" in sent and "webhook.delivery_failed" in sent
    assert webhook_receiver.requests  # the owner's own receiver gets names and notes
    assert '"source": "api"' in sent
    assert MARK not in sent
    assert secret not in sent
    assert MARK.lower() not in sent
    assert telemetry_on.telemetry_salt not in sent
    assert "example" not in sent
