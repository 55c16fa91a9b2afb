"""Invoices: the business profile they come from, their numbers, lines, totals and lock.

A sent or paid invoice is final. The rule lives here, in ``save`` and ``delete`` of the
invoice, its lines and the entries it bills (see ``TimeEntry.save``), so the web UI, the
admin and the API all meet the same refusal.
"""

import base64
import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models, transaction
from django.db.models import F, Max, Min, Q, Sum
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from tracking.models.catalogue import Client, Project
from tracking.models.common import (
    LOCKED_INVOICE_STATUSES,
    NON_NEGATIVE,
    Locked,
    seconds_to_hours,
    validate_currency,
)
from tracking.models.entries import TimeEntry
from tracking.money import Totals, line_amount
from tracking.signals import entries_billed, invoice_refreshed

DEFAULT_NUMBER_PATTERN = "{year}-{seq:04d}"
NUMBER_MAX_LENGTH = 50
LOGO_MAX_BYTES = 512 * 1024
PNG_SIGNATURE, JPEG_SIGNATURE = b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff"
AT_MOST_100 = MaxValueValidator(Decimal("100"), "Use a rate of at most 100 %.")


def format_number(pattern: str, issue_date: date, seq: int) -> str:
    return pattern.format(year=issue_date.year, month=f"{issue_date.month:02d}", seq=seq)


def validate_number_pattern(pattern: str) -> None:
    if "{seq" not in pattern:
        raise ValidationError("The pattern needs {seq}, the running number.")
    try:
        sample = format_number(pattern, date(2026, 12, 31), 9999)
    except (KeyError, IndexError, ValueError) as exc:
        raise ValidationError(
            "Use {year}, {month} and {seq} (for example {seq:04d}); "
            "%(problem)s is not understood.",
            params={"problem": exc},
        ) from exc
    if len(sample) > NUMBER_MAX_LENGTH:
        raise ValidationError(
            f"Numbers from this pattern would exceed {NUMBER_MAX_LENGTH} characters."
        )


def validate_logo_size(logo) -> None:
    if logo and logo.size > LOGO_MAX_BYTES:
        raise ValidationError(f"Use a logo of at most {LOGO_MAX_BYTES // 1024} KB.")


def validate_logo_format(logo) -> None:
    """PNG or JPEG, by its content (what invoices embed), whatever the file is called. A
    stored logo is not read again."""
    if not logo or getattr(logo, "_committed", True):
        return
    logo.seek(0)
    head = logo.read(len(PNG_SIGNATURE))
    logo.seek(0)
    if not head.startswith((PNG_SIGNATURE, JPEG_SIGNATURE)):
        raise ValidationError("Use a PNG or JPEG image: invoices embed only those.")


class BusinessProfile(models.Model):
    """Who sends the invoices: one record, edited in the admin."""

    legal_name = models.CharField(max_length=200, blank=True)
    address = models.TextField(blank=True)
    email = models.EmailField(blank=True)
    tax_id = models.CharField("Tax or VAT id", max_length=50, blank=True)
    bank_details = models.TextField(
        blank=True, help_text="IBAN and BIC, or however your clients should pay you."
    )
    logo = models.ImageField(
        upload_to="logo/",
        blank=True,
        validators=[validate_logo_size, validate_logo_format],
        help_text="PNG or JPEG.",
    )
    invoice_number_pattern = models.CharField(
        max_length=NUMBER_MAX_LENGTH,
        default=DEFAULT_NUMBER_PATTERN,
        validators=[validate_number_pattern],
        help_text="{year}, {month} and {seq} (the running number, restarting each year when "
        "the pattern has {year}); {seq:04d} pads it to four digits.",
    )
    default_currency = models.CharField(
        max_length=3, default="EUR", validators=[validate_currency]
    )
    default_tax_rate = models.DecimalField(
        "Default tax rate (%)",
        max_digits=5,
        decimal_places=2,
        default=Decimal("0.00"),
        validators=[NON_NEGATIVE, AT_MOST_100],
    )
    payment_days = models.PositiveSmallIntegerField(
        default=30, help_text="Days from the issue date to the due date."
    )
    payment_terms = models.TextField(
        blank=True, help_text="Printed on every invoice, e.g. “Payable within 30 days.”"
    )

    class Meta:
        verbose_name = verbose_name_plural = "business profile"  # there is one

    def __str__(self):
        return self.legal_name or "Business profile"

    def save(self, *args, **kwargs):
        self.pk = 1  # there is one
        replaced = BusinessProfile.objects.filter(pk=1).values_list("logo", flat=True).first()
        super().save(*args, **kwargs)
        if replaced and replaced != self.logo.name:  # a new logo, or none: the old file goes
            storage = self.logo.storage
            transaction.on_commit(lambda: storage.delete(replaced))

    @classmethod
    def load(cls) -> "BusinessProfile":
        """The profile, or its defaults until someone saves it (reading never writes)."""
        return cls.objects.filter(pk=1).first() or cls(pk=1)

    def logo_data_uri(self) -> str:
        """The logo inline, so the print view and the PDF need no media server."""
        if not self.logo:
            return ""
        try:
            with self.logo.open("rb") as logo:
                data = logo.read()
        except OSError:
            return ""  # a logo file lost from disk leaves the invoice without it
        kind = "png" if data.startswith(PNG_SIGNATURE) else "jpeg"
        return f"data:image/{kind};base64,{base64.b64encode(data).decode()}"

    def as_issuer(self) -> dict:
        return {
            "legal_name": self.legal_name,
            "address": self.address,
            "email": self.email,
            "tax_id": self.tax_id,
            "bank_details": self.bank_details,
        }

    def invoice_defaults(self, today: date) -> dict:
        return {
            "issue_date": today,
            "due_date": today + timedelta(days=self.payment_days),
            "currency": self.default_currency,
            "tax_rate": self.default_tax_rate,
            "payment_terms": self.payment_terms,
        }


class InvoiceCounter(models.Model):
    """The last running number used per period ("2026", or "all" without {year})."""

    period = models.CharField(max_length=10, unique=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.period}: {self.last}"


def _number_period(pattern: str, issue_date: date) -> str:
    return str(issue_date.year) if "{year" in pattern else "all"


def suggest_invoice_number(issue_date: date) -> str:
    """The number the next invoice would get (nothing is reserved)."""
    return _next_number(issue_date, reserve=False)


def reserve_invoice_number(issue_date: date) -> str:
    """The next free number, taken: concurrent callers wait on the counter's row lock."""
    with transaction.atomic():
        return _next_number(issue_date, reserve=True)


def _next_number(issue_date: date, *, reserve: bool) -> str:
    pattern = BusinessProfile.load().invoice_number_pattern
    period = _number_period(pattern, issue_date)
    counters = InvoiceCounter.objects.select_for_update() if reserve else InvoiceCounter.objects
    counter = counters.filter(period=period).first()
    if counter is None and reserve:
        counter, _ = InvoiceCounter.objects.get_or_create(period=period)
        counter = InvoiceCounter.objects.select_for_update().get(pk=counter.pk)
    seq = (counter.last if counter else 0) + 1
    # Skip numbers typed by hand that the sequence would reach.
    while Invoice.objects.filter(number=format_number(pattern, issue_date, seq)).exists():
        seq += 1
    if reserve:
        counter.last = seq
        counter.save(update_fields=["last"])
    return format_number(pattern, issue_date, seq)


class InvoiceQuerySet(models.QuerySet):
    def with_totals(self):
        """Annotate ``net_amount``: the sum of the lines' rounded amounts, in the database."""
        return self.annotate(net_amount=Coalesce(Sum("items__amount"), Decimal("0")))

    def delete(self):
        locked = self.filter(status__in=LOCKED_INVOICE_STATUSES).first()
        if locked is not None:
            raise Locked("This invoice", locked.number, locked.status)
        return super().delete()


@dataclass(frozen=True)
class BillingResult:
    billed: int  # entries now on the invoice
    overlapping: int  # entries left out because they overlap another entry of their person


class Invoice(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SENT = "sent", "Sent"
        PAID = "paid", "Paid"

    NEXT_STATUS = {Status.DRAFT: Status.SENT, Status.SENT: Status.PAID}
    # What moving one status forward may write on a final invoice.
    STATUS_FIELDS = frozenset({"status", "sent_at", "paid_at", "parties"})

    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="invoices")
    project = models.ForeignKey(
        Project, on_delete=models.PROTECT, null=True, blank=True, related_name="invoices"
    )
    number = models.CharField(
        max_length=NUMBER_MAX_LENGTH,
        unique=True,
        blank=True,
        help_text="Leave empty for the next number of the sequence.",
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    issue_date = models.DateField(default=timezone.localdate)
    due_date = models.DateField()
    currency = models.CharField(max_length=3, default="EUR", validators=[validate_currency])
    tax_rate = models.DecimalField(
        "Tax rate (%)",
        max_digits=5,
        decimal_places=2,
        default=Decimal("0.00"),
        validators=[NON_NEGATIVE, AT_MOST_100],
    )
    payment_terms = models.TextField(blank=True)
    # The sender's and the client's details as they were when the invoice was sent: a later
    # change of address does not rewrite a document the client already has.
    parties = models.JSONField(default=dict, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    paid_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = InvoiceQuerySet.as_manager()

    class Meta:
        ordering = ["-issue_date", "-number"]
        constraints = [
            models.CheckConstraint(
                condition=Q(tax_rate__gte=0) & Q(tax_rate__lte=100),
                name="invoice_tax_rate_percent",
                violation_error_message="The tax rate is a percentage between 0 and 100.",
            ),
        ]

    def __str__(self):
        return self.number

    def save(self, *args, **kwargs):
        update_fields = kwargs.get("update_fields")
        old_currency = None
        if not self._state.adding:
            stored = Invoice.objects.filter(pk=self.pk).values("status", "currency").first()
            if stored and stored["status"] in LOCKED_INVOICE_STATUSES:
                moving_on = self.status == self.NEXT_STATUS.get(stored["status"])
                if not (moving_on and update_fields and set(update_fields) <= self.STATUS_FIELDS):
                    raise Locked("This invoice", self.number, stored["status"])
            old_currency = stored and stored["currency"]
        with transaction.atomic():
            if not self.number:
                self.number = reserve_invoice_number(self.issue_date)
            super().save(*args, **kwargs)
            if old_currency and old_currency != self.currency:
                for item in self.items.all():  # amounts round to the new currency's unit
                    item.save()

    def get_absolute_url(self):
        return reverse("tracking:invoice_detail", args=[self.pk])

    def delete(self, *args, **kwargs):
        stored = Invoice.objects.filter(pk=self.pk).values_list("status", flat=True).first()
        if stored in LOCKED_INVOICE_STATUSES:
            raise Locked("This invoice", self.number, stored)
        return super().delete(*args, **kwargs)

    def clean(self):
        if self.issue_date and self.due_date and self.due_date < self.issue_date:
            raise ValidationError({"due_date": "The due date cannot be before the issue date."})
        if self.project_id and self.client_id and self.project.client_id != self.client_id:
            if self.project.client_id is None:
                raise ValidationError({"project": "This project is internal: it has no client."})
            raise ValidationError({"project": "This project belongs to another client."})

    @property
    def is_locked(self) -> bool:
        return self.status in LOCKED_INVOICE_STATUSES

    @property
    def totals(self) -> Totals:
        """Net, tax and gross: the one computation every page, the PDF and the admin show.

        The net comes from ``with_totals()`` when the invoice came from it, so a list costs
        no query per row.
        """
        net = getattr(self, "net_amount", None)
        if net is None:
            net = self.items.aggregate(net=Coalesce(Sum("amount"), Decimal("0")))["net"]
        return Totals.of(net, self.tax_rate, self.currency)

    @property
    def total(self) -> Decimal:
        """What the client pays: the gross."""
        return self.totals.gross

    @property
    def next_status(self):
        return self.NEXT_STATUS.get(self.status)

    @property
    def issuer(self) -> dict:
        return self.parties.get("issuer") or BusinessProfile.load().as_issuer()

    @property
    def recipient(self) -> dict:
        return self.parties.get("client") or {
            "name": self.client.name,
            "billing_address": self.client.billing_address,
            "tax_id": self.client.tax_id,
        }

    def advance_status(self, target: str) -> None:
        """Move draft → sent → paid one step at a time, recording when; nothing else."""
        if self.NEXT_STATUS.get(self.status) != target:
            raise ValidationError(
                f"An invoice that is {self.get_status_display().lower()} cannot become {target}."
            )
        fields = ["status"]
        if target == self.Status.SENT:
            if not self.items.exists():
                raise ValidationError("Add at least one line before sending the invoice.")
            trashed = TimeEntry.everything.trashed().filter(invoice_item__invoice=self).count()
            if trashed:
                raise ValidationError(
                    f"{trashed} entr{'y' if trashed == 1 else 'ies'} billed on this invoice "
                    "went to the trash: refresh the invoice (or restore them) before sending it."
                )
            self.parties = {"issuer": self.issuer, "client": self.recipient}
            self.sent_at = timezone.now()
            fields += ["parties", "sent_at"]
        else:
            self.paid_at = timezone.now()
            fields += ["paid_at"]
        self.status = target
        with transaction.atomic():
            self.save(update_fields=fields)
            # Sent time is final: a paused stretch on it can no longer be resumed, so the
            # timer never has to touch a locked entry again.
            TimeEntry.objects.filter(
                invoice_item__invoice=self, pause=TimeEntry.Pause.PAUSED
            ).update(pause=TimeEntry.Pause.NONE)

    def _require_draft(self) -> None:
        if self.is_locked:
            raise Locked("This invoice", self.number, self.status)

    def _scope(self):
        if self.project_id:
            return Project.objects.filter(pk=self.project_id)
        return Project.objects.filter(client_id=self.client_id)

    def suggested_billing_range(self, today: date) -> tuple[date, date]:
        """Where "Bill unbilled time" starts: the day after the latest billed entry of the
        invoice's projects, or their first unbilled one; to ``today``."""
        billable = TimeEntry.objects.filter(
            project__in=self._scope(), billable=True, end__isnull=False
        )
        last_billed = billable.filter(invoice_item__isnull=False).aggregate(day=Max("day"))["day"]
        if last_billed is not None:
            return min(last_billed + timedelta(days=1), today), today
        first = billable.filter(invoice_item__isnull=True).aggregate(day=Min("day"))["day"]
        return min(first or today, today), today

    def add_items_from_entries(self, start_date, end_date) -> BillingResult:
        """Bill the unbilled, billable, stopped entries of the invoice's projects in a range.

        One line per project (hours times the project's rate); billing a project again adds
        to its line (its hours, its entries, the range it covers) instead of a second one.
        Each entry is linked to its line, so it is never billed twice. An entry overlapping
        another entry of the same person is left out: the same hour would otherwise be
        billed twice.
        """
        self._require_draft()
        billed = overlapping = lines = 0
        with transaction.atomic():
            Invoice.objects.select_for_update().filter(pk=self.pk).exists()
            for project in self._scope():
                entries = (
                    TimeEntry.objects.select_for_update()
                    .filter(
                        project=project,
                        billable=True,
                        invoice_item__isnull=True,
                        end__isnull=False,
                    )
                    .on_days(start_date, end_date)
                    .with_overlaps()
                )
                overlapping += entries.filter(overlaps=True).count()
                entries = entries.filter(overlaps=False)
                seconds = entries.total_seconds()
                if not seconds:
                    continue
                item = self.items.filter(project=project).order_by("pk").first()
                if item is None:
                    item = self.items.create(
                        project=project,
                        description="",
                        quantity=0,
                        unit_price=project.hourly_rate or Decimal("0.00"),
                    )
                    lines += 1
                billed += TimeEntry.objects.filter(
                    pk__in=list(entries.values_list("pk", flat=True))
                ).update(invoice_item=item)
                item.bill_linked_time(start_date, end_date)
            if billed or overlapping:
                entries_billed.send(
                    sender=Invoice,
                    entry_count=billed,
                    line_count=lines,
                    overlapping_count=overlapping,
                )
        return BillingResult(billed=billed, overlapping=overlapping)

    def refresh_from_entries(self) -> int:
        """Bring a draft's time lines in step with their entries; returns lines changed.

        Entries made unbillable, moved to another project or trashed go back to unbilled;
        each line's hours become its entries' hours again; a line left without entries is
        removed.
        """
        self._require_draft()
        changed = 0
        with transaction.atomic():
            # One refresh (or billing) of this invoice at a time: the invoice row is the lock.
            Invoice.objects.select_for_update().filter(pk=self.pk).exists()
            TimeEntry.everything.filter(invoice_item__invoice=self).filter(
                Q(billable=False)
                | ~Q(project_id=F("invoice_item__project_id"))
                | Q(deleted_at__isnull=False)
            ).update(invoice_item=None)
            for item in self.items.with_entry_seconds().filter(project__isnull=False):
                if not item.entry_seconds:
                    item.delete()
                    changed += 1
                elif item.drifted:
                    item.quantity = item.entry_hours
                    item.save(update_fields=["quantity"])
                    changed += 1
            invoice_refreshed.send(sender=Invoice, lines_changed=changed)
        return changed


# The end of a time line's description as billing writes it: "Website: 2026-11-01 to …".
TIME_LINE_RANGE = re.compile(r": (\d{4}-\d{2}-\d{2}) to (\d{4}-\d{2}-\d{2})$")


class InvoiceItemQuerySet(models.QuerySet):
    def with_entry_seconds(self):
        """Annotate ``entry_seconds``: the time of the entries this line bills."""
        live = Q(time_entries__deleted_at__isnull=True)
        return self.annotate(entry_seconds=Sum("time_entries__duration_seconds", filter=live))


class InvoiceItem(models.Model):
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="items")
    # Set on lines made from time entries: the project whose time they bill.
    project = models.ForeignKey(
        Project,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="invoice_items",
    )
    description = models.CharField(max_length=300)
    quantity = models.DecimalField(
        max_digits=10, decimal_places=2, default=Decimal("1.00"), validators=[NON_NEGATIVE]
    )
    unit_price = models.DecimalField(max_digits=12, decimal_places=2, validators=[NON_NEGATIVE])
    # quantity times unit_price rounded half up to the currency's unit, kept by save(): the
    # one line amount every total adds up (page, list, PDF, admin).
    amount = models.DecimalField(
        max_digits=22, decimal_places=3, default=Decimal("0"), editable=False
    )

    objects = InvoiceItemQuerySet.as_manager()

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
        self._check_invoice_open()
        self.amount = line_amount(self.quantity, self.unit_price, self.invoice.currency)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {"quantity", "unit_price"} & set(update_fields):
            kwargs["update_fields"] = {*update_fields, "amount"}
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        self._check_invoice_open()
        return super().delete(*args, **kwargs)

    def bill_linked_time(self, first_day: date, last_day: date) -> None:
        """The line's hours from all the time entries linked to it, and its description
        covering ``first_day`` to ``last_day`` as well as the range it covered already
        (a description a person wrote is kept)."""
        seconds = self.time_entries.aggregate(total=Sum("duration_seconds"))["total"] or 0
        self.quantity = seconds_to_hours(seconds)
        covered = TIME_LINE_RANGE.search(self.description)
        if covered:
            first_day = min(first_day, date.fromisoformat(covered.group(1)))
            last_day = max(last_day, date.fromisoformat(covered.group(2)))
        if covered or not self.description:
            self.description = f"{self.project.name}: {first_day:%Y-%m-%d} to {last_day:%Y-%m-%d}"
        self.save(update_fields=["quantity", "description"])

    @property
    def entry_hours(self):
        """Hours of the billed entries (after ``with_entry_seconds()``), as a line counts them."""
        return seconds_to_hours(self.entry_seconds)

    @property
    def drifted(self) -> bool:
        """A time line whose entries no longer add up to its hours."""
        return self.project_id is not None and self.entry_hours != self.quantity

    def _check_invoice_open(self) -> None:
        stored = (
            Invoice.objects.filter(pk=self.invoice_id, status__in=LOCKED_INVOICE_STATUSES)
            .values_list("number", "status")
            .first()
        )
        if stored:
            raise Locked("This line", *stored)
