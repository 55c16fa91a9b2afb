"""Who may do what is Django's model permissions, granted through groups: the web pages,
the admin and the API ask the same question (tracking/permissions.py)."""

from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission

from api.models import ApiToken
from api.tests.conftest import Api
from tracking.models import Client, Invoice
from tracking.tests.conftest import at

pytestmark = pytest.mark.django_db


def grant(user, *codenames):
    group = Group.objects.create(name=f"can {' '.join(codenames)}")
    group.permissions.add(*Permission.objects.filter(codename__in=codenames))
    user.groups.add(group)


def test_staff_without_the_delete_client_permission_cannot_delete_one_anywhere(client, acme):
    staff = get_user_model().objects.create_user("clerk", password="pw", is_staff=True)
    grant(staff, "change_client", "view_client")
    client.force_login(staff)
    assert client.post(f"/clients/{acme.pk}/delete/").status_code == 403
    page = client.get(f"/clients/{acme.pk}/").content.decode()
    assert "/edit/" in page and "/delete/" not in page
    admin = client.post(f"/admin/tracking/client/{acme.pk}/delete/", {"post": "yes"})
    assert admin.status_code == 403
    assert Client.objects.filter(pk=acme.pk).exists()


def test_a_member_granted_add_client_adds_one_on_the_web_and_through_the_api(client, colleague):
    assert client.get("/clients/new/").status_code == 302  # not logged in yet
    client.force_login(colleague)
    assert client.get("/clients/new/").status_code == 403
    grant(colleague, "add_client")
    page = client.get("/clients/").content.decode()
    assert 'href="/clients/new/"' in page
    response = client.post("/clients/new/", {"name": "Globex"})
    assert response.status_code == 302
    _, secret = ApiToken.objects.create_token(colleague, "cli")
    assert Api(secret).post("/api/v1/clients/", {"name": "Initech"}).status_code == 201
    assert set(Client.objects.values_list("name", flat=True)) == {"Globex", "Initech"}
    assert Api(secret).patch(f"/api/v1/clients/{Client.objects.get(name='Globex').pk}/", {
        "name": "Globex Corp"
    }).status_code == 403  # fmt: skip


def test_a_manager_sees_and_changes_everyones_entries_a_member_only_their_own(
    client, owner, colleague, stranger, website, make_entry
):
    theirs = make_entry(stranger, website, at(23, 9), 60)
    client.force_login(colleague)
    assert client.get(f"/entries/{theirs.pk}/").status_code == 404
    client.force_login(owner)  # a Manager
    assert client.get(f"/entries/{theirs.pk}/").status_code == 200
    assert client.get(f"/entries/{theirs.pk}/edit/").status_code == 200
    viewer = Group.objects.create(name="Auditor")
    viewer.permissions.add(Permission.objects.get(codename="view_timeentry"))
    colleague.groups.add(viewer)
    client.force_login(colleague)
    assert client.get(f"/entries/{theirs.pk}/").status_code == 200
    assert client.get(f"/entries/{theirs.pk}/edit/").status_code == 403
    assert client.post(f"/entries/{theirs.pk}/delete/").status_code == 403


def test_roles_are_groups_and_the_nav_shows_invoices_only_to_who_may_see_them(
    client, owner, colleague
):
    manager = Group.objects.get(name="Manager")
    assert manager.permissions.filter(codename="delete_client").exists()
    assert (
        Group.objects.get(name="Administrator").permissions.filter(codename="change_user").exists()
    )
    client.force_login(colleague)
    assert 'href="/invoices/"' not in client.get("/").content.decode()
    client.force_login(owner)
    assert 'href="/invoices/"' in client.get("/").content.decode()


def test_a_viewer_of_everyones_entries_and_invoices_sees_no_button_they_may_not_use(
    client, colleague, stranger, website, acme, make_entry
):
    auditor = Group.objects.create(name="Auditor")
    auditor.permissions.add(
        *Permission.objects.filter(codename__in=["view_timeentry", "view_invoice"])
    )
    colleague.groups.add(auditor)
    theirs = make_entry(stranger, website, at(23, 9), 60)
    invoice = Invoice.objects.create(client=acme, due_date=date(2026, 12, 31))
    client.force_login(colleague)
    entry_page = client.get(f"/entries/{theirs.pk}/").content.decode()
    assert f"/entries/{theirs.pk}/edit/" not in entry_page
    assert f"/entries/{theirs.pk}/delete/" not in entry_page
    assert client.post(f"/entries/{theirs.pk}/keep-end/").status_code == 403
    invoice_page = client.get(f"/invoices/{invoice.pk}/").content.decode()
    for action in ("edit/", "delete/", "bill/", "status/"):
        assert f"/invoices/{invoice.pk}/{action}" not in invoice_page
    assert 'href="/invoices/new/"' not in client.get("/invoices/").content.decode()


def test_a_persons_own_and_group_permissions_are_read_together_in_one_query(
    colleague, django_assert_num_queries
):
    grant(colleague, "view_invoice", "add_client")
    colleague.user_permissions.add(Permission.objects.get(codename="change_project"))
    expected = {"tracking.view_invoice", "tracking.add_client", "tracking.change_project"}
    person = get_user_model().objects.get(pk=colleague.pk)  # no permissions read yet
    with django_assert_num_queries(1):
        assert person.get_all_permissions() == expected
        assert person.has_perm("tracking.change_project")
        assert not person.has_perm("tracking.delete_client")
    # What Django's own backend reads, in two queries.
    django_backend = get_user_model().objects.get(pk=colleague.pk)
    with django_assert_num_queries(2):
        assert ModelBackend().get_all_permissions(django_backend) == expected


def test_the_one_query_backend_answers_as_djangos_for_administrators_and_inactive_people(
    colleague, superuser, django_assert_num_queries
):
    grant(colleague, "view_invoice")
    colleague.is_active = False
    colleague.save()
    for person in (colleague, superuser):
        ours = get_user_model().objects.get(pk=person.pk)
        with django_assert_num_queries(0 if not person.is_active else 1):
            found = ours.get_all_permissions()
        djangos = get_user_model().objects.get(pk=person.pk)
        assert found == ModelBackend().get_all_permissions(djangos)
    assert get_user_model().objects.get(pk=colleague.pk).get_all_permissions() == set()
    assert "tracking.delete_invoice" in found  # an administrator's: every permission
