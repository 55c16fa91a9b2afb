import re
from datetime import date, timedelta

import pytest
import time_machine

from tracking.models import Client, Comment, Invoice, Project, Task
from tracking.tests.conftest import at

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client, owner):
    client.force_login(owner)
    return client


@pytest.fixture
def member(client, colleague):
    client.force_login(colleague)
    return client


def test_staff_create_a_client_and_a_project(staff):
    assert staff.post("/clients/new/", {"name": "Globex", "email": ""}).status_code == 302
    globex = Client.objects.get(name="Globex")
    response = staff.post(
        "/projects/new/", {"name": "Portal", "client": globex.pk, "billable": "on"}
    )
    assert response.status_code == 302
    assert Project.objects.get(name="Portal").client == globex


def test_a_client_needs_a_name_and_a_valid_email(staff):
    response = staff.post("/clients/new/", {"name": "", "email": "nope"})
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"name", "email"}
    assert not Client.objects.exists()


@pytest.mark.parametrize(
    "path", ["/clients/new/", "/projects/new/", "/invoices/", "/invoices/new/"]
)
def test_members_cannot_manage_clients_projects_or_invoices(member, path):
    assert member.get(path).status_code == 403


def test_members_can_read_projects_and_clients(member, website):
    assert member.get("/projects/").status_code == 200
    assert member.get(f"/projects/{website.pk}/").status_code == 200
    assert member.get(f"/clients/{website.client.pk}/").status_code == 200


def test_deleting_a_project_with_time_is_refused_with_a_message(staff, owner, website, make_entry):
    make_entry(owner, website, at(2, 9), 60)
    response = staff.post(f"/projects/{website.pk}/delete/", follow=True)
    assert b"archive it instead" in response.content
    assert Project.objects.filter(pk=website.pk).exists()


def test_archived_projects_leave_the_timer_list_but_keep_history(
    staff, owner, website, internal, make_entry
):
    make_entry(owner, website, at(2, 9), 60)
    staff.post(
        f"/projects/{website.pk}/edit/",
        {"name": "Website", "client": website.client.pk, "billable": "on", "archived": "on"},
    )
    choices = staff.get("/").context["form"].fields["project"].queryset
    assert website not in choices and internal in choices
    assert len(staff.get("/entries/").context["page"].object_list) == 1


def task_data(task, **changes):
    return {
        "project": task.project.pk,
        "title": task.title,
        "status": task.status,
        "priority": task.priority,
        **changes,
    }


def test_a_member_creates_a_task_and_changes_it(member, colleague, website):
    response = member.post(
        "/tasks/new/",
        {"project": website.pk, "title": "Mine", "status": "todo", "priority": "low"},
    )
    assert response.status_code == 302
    task = Task.objects.get(title="Mine")
    assert task.created_by == colleague
    response = member.post(f"/tasks/{task.pk}/edit/", task_data(task, status="done"))
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.status == "done"


def test_the_task_list_comes_a_page_at_a_time_by_project_and_title(member, website):
    Task.objects.bulk_create(
        Task(project=website, title=f"Task {number:03}", status=Task.Status.DONE)
        for number in range(1, 53)
    )
    Task.objects.create(project=website, title="Task 000")  # to do: not among the done
    first = member.get("/tasks/?status=done").content.decode()
    titles = re.findall(r">(Task \d+)</a>", first)
    assert titles == [f"Task {number:03}" for number in range(1, 51)]
    assert 'href="?status=done&amp;page=2">Next →</a>' in first
    second = member.get("/tasks/?status=done&page=2").content.decode()
    assert re.findall(r">(Task \d+)</a>", second) == ["Task 051", "Task 052"]
    assert "Next →" not in second and 'href="?status=done&amp;page=1"' in second
    # Without a known status: every task, and links without one.
    everything = member.get("/tasks/?status=nonsense").content.decode()
    assert re.findall(r">(Task \d+)</a>", everything)[0] == "Task 000"
    assert 'href="?page=2"' in everything


@pytest.mark.parametrize("action", ["edit", "delete"])
def test_a_member_cannot_change_or_delete_someone_elses_task(
    client, stranger, owner, design_task, action
):
    design_task.created_by = owner
    design_task.save()
    client.force_login(stranger)
    assert client.get(f"/tasks/{design_task.pk}/{action}/").status_code == 403
    response = client.post(f"/tasks/{design_task.pk}/{action}/", task_data(design_task, title="x"))
    assert response.status_code == 403
    design_task.refresh_from_db()
    assert design_task.title == "Design"
    assert b"/edit/" not in client.get(f"/tasks/{design_task.pk}/").content


def test_staff_change_any_task(staff, design_task):
    response = staff.post(f"/tasks/{design_task.pk}/edit/", task_data(design_task, status="done"))
    assert response.status_code == 302


def test_a_task_with_time_cannot_be_deleted(staff, colleague, design_task, make_entry):
    make_entry(colleague, design_task.project, at(2, 9), 30, task=design_task)
    response = staff.post(f"/tasks/{design_task.pk}/delete/", follow=True)
    assert b"It still has time entries." in response.content
    assert Task.objects.filter(pk=design_task.pk).exists()


def test_deleting_a_task_never_deletes_comments(staff, colleague, design_task):
    Comment.objects.create(author=colleague, text="keep me", task=design_task)
    response = staff.post(f"/tasks/{design_task.pk}/delete/", follow=True)
    assert b"It still has comments." in response.content
    assert Comment.objects.filter(text="keep me", task=design_task).exists()


def test_deleting_a_project_never_deletes_comments(staff, colleague, website):
    Comment.objects.create(author=colleague, text="keep me", project=website)
    staff.post(f"/projects/{website.pk}/delete/")
    assert Comment.objects.filter(text="keep me", project=website).exists()


def test_comments_on_projects_and_tasks(member, colleague, website, design_task):
    member.post(f"/projects/{website.pk}/comments/", {"text": "On the project"})
    member.post(f"/tasks/{design_task.pk}/comments/", {"text": "On the task"})
    assert Comment.objects.get(text="On the project").project == website
    assert Comment.objects.get(text="On the task").task == design_task
    assert Comment.objects.filter(author=colleague).count() == 2


def test_an_empty_comment_is_refused(member, website):
    response = member.post(f"/projects/{website.pk}/comments/", {"text": ""}, follow=True)
    assert b"A comment needs some text." in response.content
    assert not Comment.objects.exists()


@pytest.mark.parametrize("action", ["edit", "delete"])
def test_only_the_author_or_staff_change_a_comment(
    client, colleague, stranger, owner, website, action
):
    comment = Comment.objects.create(author=colleague, text="mine", project=website)
    client.force_login(stranger)
    assert client.get(f"/comments/{comment.pk}/{action}/").status_code == 404
    assert client.post(f"/comments/{comment.pk}/{action}/", {"text": "x"}).status_code == 404
    client.force_login(owner)
    assert client.get(f"/comments/{comment.pk}/{action}/").status_code == 200


def test_an_invoice_with_items_and_its_status_flow(staff, acme, website):
    response = staff.post(
        "/invoices/new/",
        {
            "number": "INV-7",
            "client": acme.pk,
            "project": website.pk,
            "issue_date": "2026-11-01",
            "due_date": "2026-11-30",
            "currency": "eur",
            "items-TOTAL_FORMS": "1",
            "items-INITIAL_FORMS": "0",
            "items-0-description": "Work",
            "items-0-quantity": "2",
            "items-0-unit_price": "50.00",
        },
    )
    assert response.status_code == 302
    invoice = Invoice.objects.get(number="INV-7")
    assert invoice.currency == "EUR"
    assert str(invoice.total) == "100.00"
    staff.post(f"/invoices/{invoice.pk}/status/", {"status": "paid"})
    invoice.refresh_from_db()
    assert invoice.status == "draft"
    staff.post(f"/invoices/{invoice.pk}/status/", {"status": "sent"})
    staff.post(f"/invoices/{invoice.pk}/status/", {"status": "paid"})
    invoice.refresh_from_db()
    assert invoice.status == "paid"


def test_the_invoice_list_totals_in_one_query(staff, acme, django_assert_max_num_queries):
    for number in range(10):
        invoice = Invoice.objects.create(
            client=acme, number=f"N{number}", due_date=date(2026, 12, 1)
        )
        invoice.items.create(description="x", quantity=1, unit_price=10)
    # 5, the person's permissions (2), the idle timer bar's last project
    with django_assert_max_num_queries(8):
        response = staff.get("/invoices/")
    assert len(response.context["invoices"]) == 10


def test_billing_time_from_the_invoice_page(staff, owner, acme, website, make_entry):
    invoice = Invoice.objects.create(
        client=acme, project=website, number="B-1", due_date=date(2026, 12, 31)
    )
    make_entry(owner, website, at(2, 9), 90)
    staff.post(
        f"/invoices/{invoice.pk}/bill/", {"start_date": "2026-11-01", "end_date": "2026-11-30"}
    )
    assert str(invoice.total) == "120.00"


def test_the_client_page_shows_billing_details_and_this_months_time_per_project(
    staff, acme, website, owner, make_entry
):
    acme.billing_address = "1 Long Road\nSpringfield"
    acme.tax_id = "DE123"
    acme.save()
    make_entry(owner, website, at(2, 9), 90)
    make_entry(owner, website, at(2, 9) - timedelta(days=40), 60)  # another month
    with time_machine.travel(at(29, 12), tick=False):
        page = staff.get(f"/clients/{acme.pk}/").content.decode()
    assert "1 Long Road<br>Springfield" in page and "DE123" in page
    assert "billing@acme.test" in page
    assert f'href="/projects/new/?client={acme.pk}">New project for this client' in page
    assert re.search(r"Website</a></td><td class=\"num\">1:30<", page)
    form = staff.get(f"/projects/new/?client={acme.pk}").content.decode()
    assert f'<option value="{acme.pk}" selected>' in form
