from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q, Sum
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from tracking.models.catalogue import Client, Project
from tracking.models.common import CENT, NON_NEGATIVE, seconds_to_hours, validate_currency
from tracking.models.entries import TimeEntry


class InvoiceQuerySet(models.QuerySet):
    def with_totals(self):
        """Annotate ``total_amount``: the sum of the lines' rounded amounts, in the database."""
        return self.annotate(total_amount=Coalesce(Sum("items__amount"), Decimal("0.00")))


class Invoice(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SENT = "sent", "Sent"
        PAID = "paid", "Paid"

    NEXT_STATUS = {Status.DRAFT: Status.SENT, Status.SENT: Status.PAID}

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="invoices")
    project = models.ForeignKey(
        Project, on_delete=models.PROTECT, null=True, blank=True, related_name="invoices"
    )
    number = models.CharField(max_length=50, unique=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    issue_date = models.DateField(default=timezone.localdate)
    due_date = models.DateField()
    currency = models.CharField(max_length=3, default="EUR", validators=[validate_currency])
    created_at = models.DateTimeField(auto_now_add=True)

    objects = InvoiceQuerySet.as_manager()

    class Meta:
        ordering = ["-issue_date", "-number"]

    def __str__(self):
        return self.number

    def get_absolute_url(self):
        return reverse("tracking:invoice_detail", args=[self.pk])

    def clean(self):
        if self.issue_date and self.due_date and self.due_date < self.issue_date:
            raise ValidationError({"due_date": "The due date cannot be before the issue date."})
        if self.project_id and self.client_id and self.project.client_id != self.client_id:
            raise ValidationError({"project": "This project belongs to another client."})

    @property
    def total(self) -> Decimal:
        """The sum of the lines' amounts, each rounded to the cent (see InvoiceItem.amount).

        Read from ``with_totals()`` when the invoice came from it, so a list costs no
        query per row; the page, the list and the admin all show this one number.
        """
        total = getattr(self, "total_amount", None)
        if total is None:
            total = self.items.aggregate(total=Coalesce(Sum("amount"), Decimal("0.00")))["total"]
        return total.quantize(CENT)

    @property
    def next_status(self):
        return self.NEXT_STATUS.get(self.status)

    def advance_status(self, target: str) -> None:
        """Move draft → sent → paid one step at a time; anything else is refused."""
        if self.NEXT_STATUS.get(self.status) != target:
            raise ValidationError(
                f"An invoice that is {self.get_status_display().lower()} cannot become {target}."
            )
        self.status = target
        self.save(update_fields=["status"])

    def add_items_from_entries(self, start_date, end_date) -> int:
        """Bill the unbilled, billable, stopped entries of the invoice's projects in a range.

        One item per project (hours times the project's rate); the entries are linked to their
        item so they are never billed twice. Returns the number of entries billed.
        """
        projects = (
            Project.objects.filter(pk=self.project_id)
            if self.project_id
            else Project.objects.filter(client_id=self.client_id)
        )
        billed = 0
        with transaction.atomic():
            for project in projects:
                entries = (
                    TimeEntry.objects.select_for_update()
                    .filter(
                        project=project,
                        billable=True,
                        invoice_item__isnull=True,
                        end__isnull=False,
                    )
                    .started_between(start_date, end_date)
                )
                seconds = entries.total_seconds()
                if not seconds:
                    continue
                item = self.items.create(
                    description=f"{project.name}: {start_date:%Y-%m-%d} to {end_date:%Y-%m-%d}",
                    quantity=seconds_to_hours(seconds),
                    unit_price=project.hourly_rate or Decimal("0.00"),
                )
                billed += entries.update(invoice_item=item)
        return billed


class InvoiceItem(models.Model):
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="items")
    description = models.CharField(max_length=300)
    quantity = models.DecimalField(
        max_digits=10, decimal_places=2, default=Decimal("1.00"), validators=[NON_NEGATIVE]
    )
    unit_price = models.DecimalField(max_digits=12, decimal_places=2, validators=[NON_NEGATIVE])
    # quantity times unit_price rounded half up to the cent, kept by save(): the one line amount
    # every total adds up (page, list, admin, exports).
    amount = models.DecimalField(
        max_digits=22, decimal_places=2, default=Decimal("0.00"), editable=False
    )

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gte=0) & Q(unit_price__gte=0),
                name="invoice_item_not_negative",
                violation_error_message="Quantity and unit price cannot be negative.",
            ),
        ]

    def __str__(self):
        return self.description

    def save(self, *args, **kwargs):
        self.amount = line_amount(self.quantity, self.unit_price)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {"quantity", "unit_price"} & set(update_fields):
            kwargs["update_fields"] = {*update_fields, "amount"}
        super().save(*args, **kwargs)


def line_amount(quantity, unit_price) -> Decimal:
    return (Decimal(quantity) * Decimal(unit_price)).quantize(CENT, ROUND_HALF_UP)
