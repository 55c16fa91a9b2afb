"""Bad input gets a clear 400 (or is clamped), never a 5xx."""

import pytest

from tracking.models import Invoice

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client, owner, website, make_entry):
    from tracking.tests.conftest import at

    make_entry(owner, website, at(2, 9), 60)
    client.force_login(owner)
    return client


@pytest.mark.parametrize(
    "path",
    [
        "/reports/?start=abc",
        "/reports/?end=9999-12-31",
        "/reports/?start=0001-01-01&end=2026-01-01",
        "/reports/?project=abc",
        "/reports/?user=99999999999999999999",
        "/reports/export.csv?start=abc",
        "/reports/export.csv?end=9999-12-31",
        "/reports/export.csv?project=-1",
        "/entries/?end=9999-12-31",
        "/entries/?start=2026-13-45",
        "/entries/export.csv?end=9999-12-31",
        "/entries/export.csv?user=abc",
    ],
)
def test_an_invalid_filter_answers_400_with_the_forms_message(staff, path):
    response = staff.get(path)
    assert response.status_code == 400
    if path.split("?")[0].endswith(".csv"):
        assert response.content.startswith(b"The export was not made:")
    else:
        assert response.context["form"].errors


@pytest.mark.parametrize("page", ["99999999999999999999", "-3", "abc", "1e9"])
def test_any_page_number_is_clamped_to_a_page(staff, page):
    response = staff.get(f"/entries/?page={page}")
    assert response.status_code == 200


def test_billing_a_far_off_range_is_refused_with_the_forms_message(staff, acme):
    invoice = Invoice.objects.create(client=acme, number="B-1", due_date="2026-12-31")
    response = staff.post(
        f"/invoices/{invoice.pk}/bill/",
        {"start_date": "2026-01-01", "end_date": "9999-12-31"},
        follow=True,
    )
    assert response.status_code == 200
    assert b"Use a date between 2000 and 2100." in response.content
    assert not invoice.items.exists()


def test_a_number_taken_between_validation_and_save_is_a_form_error(staff, acme):
    """Four simultaneous posts of one number: the losers get the form error, not a 500.

    The other request's insert is made to land between this one's validation and its
    save, which is where the race happens.
    """
    from django.db.models.signals import pre_save

    def someone_else_saves_first(sender, instance, **kwargs):
        pre_save.disconnect(someone_else_saves_first, sender=Invoice)
        Invoice.objects.create(client=acme, number=instance.number, due_date="2026-12-31")

    pre_save.connect(someone_else_saves_first, sender=Invoice)
    try:
        response = staff.post(
            "/invoices/new/",
            {
                "number": "2026-007",
                "client": acme.pk,
                "issue_date": "2026-11-01",
                "due_date": "2026-11-30",
                "currency": "EUR",
                "items-TOTAL_FORMS": "0",
                "items-INITIAL_FORMS": "0",
            },
        )
    finally:
        pre_save.disconnect(someone_else_saves_first, sender=Invoice)
    assert response.status_code == 200
    assert response.context["form"].errors["number"] == [
        "An invoice with this number already exists."
    ]
    # The stand-in for the other request ran inside this request's transaction, so it was
    # rolled back with it: nothing half-saved remains.
    assert not Invoice.objects.filter(number="2026-007").exists()
