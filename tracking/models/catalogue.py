from decimal import Decimal
from zoneinfo import available_timezones

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import (
    MaxLengthValidator,
    MaxValueValidator,
    MinValueValidator,
    RegexValidator,
)
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.urls import reverse

from tracking.models.common import (
    COMMENT_MAX_LENGTH,
    LOCKED_INVOICE_STATUSES,
    NON_NEGATIVE,
    Locked,
)

POSITIVE = MinValueValidator(Decimal("0.01"))


class Client(models.Model):
    name = models.CharField(max_length=200)
    email = models.EmailField(blank=True)
    billing_address = models.TextField(blank=True, help_text="As it appears on invoices.")
    tax_id = models.CharField("Tax or VAT id", max_length=50, blank=True)
    archived = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("tracking:client_detail", args=[self.pk])


# A project's budget as the project form and the API edit it.
BUDGET_FIELDS = (
    "budget_hours",
    "budget_amount",
    "budget_period",
    "budget_alert_percent",
    "budget_hard_limit",
)


# What a project without a client (internal work) shows where a client's name would be.
INTERNAL = "Internal"


class ProjectQuerySet(models.QuerySet):
    def active(self):
        return self.filter(archived=False)

    def budgeted(self):
        """Open projects with a budget of hours or money."""
        return self.active().exclude(budget_hours=None, budget_amount=None)

    def matching(self, text: str, archived: bool = False):
        """Open projects (with ``archived``, all) whose name or client's name contains
        ``text`` (any case; "Internal" for those without a client), by name: a project
        picker's search."""
        internal = Q(client__isnull=True) if text.lower() in INTERNAL.lower() else Q(pk__in=[])
        return (
            (self.all() if archived else self.active())
            .filter(Q(name__icontains=text) | Q(client__name__icontains=text) | internal)
            .select_related("client")
            .order_by("name", "pk")
        )


class Project(models.Model):
    name = models.CharField(max_length=200)
    client = models.ForeignKey(
        Client,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="projects",
        help_text="Leave empty for internal work.",
    )
    billable = models.BooleanField(default=True)
    hourly_rate = models.DecimalField(
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[NON_NEGATIVE],
        help_text="Per hour, optional.",
    )
    archived = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class BudgetPeriod(models.TextChoices):
        TOTAL = "total", "In total"
        MONTH = "month", "Each calendar month"

    budget_hours = models.DecimalField(
        max_digits=9,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[POSITIVE],
        help_text="Hours the work may take, optional.",
    )
    budget_amount = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[POSITIVE],
        help_text="In the business's currency, optional: billable hours times the hourly rate.",
    )
    budget_period = models.CharField(
        max_length=5, choices=BudgetPeriod.choices, default=BudgetPeriod.TOTAL
    )
    budget_alert_percent = models.PositiveSmallIntegerField(
        "Alert at (%)",
        default=80,
        validators=[MinValueValidator(1), MaxValueValidator(99)],
        help_text="The project's managers are told when recorded time reaches this share of "
        "the budget, and again at 100 %.",
    )
    budget_hard_limit = models.BooleanField(
        "Stop at the budget",
        default=False,
        help_text="Refuse time past 100 % of the budget; a timer running at the limit is "
        "stopped there.",
    )

    objects = ProjectQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(hourly_rate__gte=0) | Q(hourly_rate__isnull=True),
                name="project_rate_not_negative",
                violation_error_message="The hourly rate cannot be negative.",
            ),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        with transaction.atomic():  # with what its saving sets off (webhooks' outbox rows)
            super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("tracking:project_detail", args=[self.pk])

    @property
    def client_name(self) -> str:
        return client_label(self.client.name if self.client_id else None)


def client_label(name: str | None) -> str:
    """How a project's client is named: its name, or "Internal" for a project without one."""
    return INTERNAL if name is None else name


class TaskQuerySet(models.QuerySet):
    def open(self):
        """Tasks time can be started on: not done, on an open project; by project, title."""
        return self.filter(OPEN_TASKS).order_by("project__name", "title")

    def listed(self, status: str = ""):
        """The task list: with their projects, by project and title (and id, so that pages
        of it neither repeat nor skip a task), of one ``Task.Status`` or of all ("")."""
        tasks = self.select_related("project").order_by("project__name", "title", "pk")
        return tasks.filter(status=status) if status else tasks


class Task(models.Model):
    class Status(models.TextChoices):
        TODO = "todo", "To do"
        IN_PROGRESS = "in_progress", "In progress"
        DONE = "done", "Done"

    class Priority(models.TextChoices):
        LOW = "low", "Low"
        MEDIUM = "medium", "Medium"
        HIGH = "high", "High"

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="tasks")
    title = models.CharField(max_length=200)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.TODO)
    priority = models.CharField(max_length=10, choices=Priority.choices, default=Priority.MEDIUM)
    estimate_hours = models.DecimalField(
        max_digits=7,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[POSITIVE],
        help_text="How long it should take, optional.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="created_tasks",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TaskQuerySet.as_manager()

    class Meta:
        ordering = ["project__name", "title"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("tracking:task_detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        """``OPEN_TASKS``, for a task at hand (its project loaded)."""
        return self.status != self.Status.DONE and not self.project.archived

    @property
    def estimate_seconds(self) -> int | None:
        return None if self.estimate_hours is None else int(self.estimate_hours * 3600)

    def estimate_used_percent(self, seconds: int) -> int | None:
        """The whole percent of the estimate that ``seconds`` make, cut as a budget's is
        (``BudgetUse.percent``)."""
        return None if self.estimate_hours is None else seconds * 100 // self.estimate_seconds


TAG_NAME_MAX_LENGTH = 50
TAGS_PER_ENTRY = 20


# Tasks time can be started on: not done, on an open project.
OPEN_TASKS = ~Q(status=Task.Status.DONE) & Q(project__archived=False)


def clean_tag_names(names) -> list[str]:
    """Tag names as a person gave them: stripped, without blanks or repeats (any case).

    The one rule for an entry's tags, whether typed in a form or sent to the API.
    """
    cleaned, seen = [], set()
    for name in (str(part).strip() for part in names):
        if name and name.casefold() not in seen:
            seen.add(name.casefold())
            cleaned.append(name)
    if any(len(name) > TAG_NAME_MAX_LENGTH for name in cleaned):
        raise ValidationError(f"A tag name has at most {TAG_NAME_MAX_LENGTH} characters.")
    if len(cleaned) > TAGS_PER_ENTRY:
        raise ValidationError(f"At most {TAGS_PER_ENTRY} tags per entry.")
    return cleaned


class TagQuerySet(models.QuerySet):
    def for_names(self, names: list[str]) -> list["Tag"]:
        """The tags with these names, matched case-insensitively; new names are created."""
        tags = []
        for name in names:
            tag = self.filter(name__iexact=name).first()
            if tag is None:
                try:
                    with transaction.atomic():
                        tag = self.create(name=name)
                except IntegrityError:  # created meanwhile by someone else
                    tag = self.get(name__iexact=name)
            tags.append(tag)
        return tags

    def delete(self):
        """Refused, like ``Tag.delete``, while any of them tags billed entries of a sent or
        paid invoice."""
        locked = (
            self.filter(entries__invoice_item__invoice__status__in=LOCKED_INVOICE_STATUSES)
            .values_list(
                "name", "entries__invoice_item__invoice__number",
                "entries__invoice_item__invoice__status",
            )
            .first()
        )  # fmt: skip
        if locked:
            raise Locked(f"The tag {locked[0]}", *locked[1:])
        return super().delete()


class Tag(models.Model):
    name = models.CharField(max_length=TAG_NAME_MAX_LENGTH)
    color = models.CharField(
        max_length=7,
        blank=True,
        validators=[RegexValidator(r"^#[0-9a-fA-F]{6}$", "Use a colour like #1f6feb.")],
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TagQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                name="tag_name_unique_case_insensitive",
                violation_error_message="A tag with this name already exists.",
            ),
        ]

    def __str__(self):
        return self.name

    def locking_invoice(self) -> tuple[str, str] | None:
        """(number, status) of a sent or paid invoice billing an entry with this tag: then
        the tag is part of final records and can no longer be deleted or merged away."""
        return (
            self.entries(manager="everything")  # the trash too: it may come back
            .filter(invoice_item__invoice__status__in=LOCKED_INVOICE_STATUSES)
            .values_list("invoice_item__invoice__number", "invoice_item__invoice__status")
            .first()
        )

    def delete(self, *args, **kwargs):
        locked = self.locking_invoice()
        if locked:
            raise Locked(f"The tag {self.name}", *locked)
        return super().delete(*args, **kwargs)

    def merge(self, others) -> int:
        """Give the entries of ``others`` this tag instead, then delete them. A tag on
        billed entries of a sent invoice cannot be merged away (``Locked``)."""
        through = self.entries.through
        moved = 0
        with transaction.atomic():
            for other in others:
                if other.pk == self.pk:
                    continue
                locked = other.locking_invoice()
                if locked:
                    raise Locked(f"The tag {other.name}", *locked)
                # Trashed entries too, so they come back with the merged tag.
                entry_ids = list(
                    through.objects.filter(tag=other).values_list("timeentry_id", flat=True)
                )
                already = set(
                    through.objects.filter(tag=self, timeentry_id__in=entry_ids).values_list(
                        "timeentry_id", flat=True
                    )
                )
                through.objects.bulk_create(
                    [through(tag=self, timeentry_id=pk) for pk in entry_ids if pk not in already]
                )
                moved += len(entry_ids)
                other.delete()
        return moved


class Comment(models.Model):
    # PROTECT: people's comments are never lost because something they hang on is deleted.
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="comments"
    )
    text = models.TextField(
        max_length=COMMENT_MAX_LENGTH, validators=[MaxLengthValidator(COMMENT_MAX_LENGTH)]
    )
    project = models.ForeignKey(
        Project, on_delete=models.PROTECT, null=True, blank=True, related_name="comments"
    )
    task = models.ForeignKey(
        Task, on_delete=models.PROTECT, null=True, blank=True, related_name="comments"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(project__isnull=False) & Q(task__isnull=True))
                | (Q(project__isnull=True) & Q(task__isnull=False)),
                name="comment_on_exactly_one_target",
                violation_error_message="A comment belongs to a project or a task, not both.",
            ),
        ]

    def __str__(self):
        return f"Comment by {self.author} on {self.target}"

    @property
    def target(self):
        return self.project or self.task


class Preferences(models.Model):
    """A user's own settings: the time zone their times are shown in, light or dark, and
    durations as H:MM or decimal hours."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="preferences"
    )

    class Theme(models.TextChoices):
        AUTO = "", "As my device is set (light or dark)"
        LIGHT = "light", "Light"
        DARK = "dark", "Dark"

    time_zone = models.CharField(
        max_length=64, blank=True, help_text="Empty: the server's time zone."
    )

    class Durations(models.TextChoices):
        CLOCK = "", "Hours and minutes (1:30)"
        DECIMAL = "decimal", "Decimal hours (1.50 h)"

    theme = models.CharField(
        max_length=5, choices=Theme.choices, blank=True, default=Theme.AUTO, db_default=""
    )
    durations = models.CharField(
        "show durations as",
        max_length=7,
        choices=Durations.choices,
        blank=True,
        default=Durations.CLOCK,
        db_default="",
        help_text="CSV files always have both: seconds and decimal hours.",
    )

    class Meta:
        verbose_name_plural = "preferences"

    def __str__(self):
        return f"Preferences of {self.user}"

    def clean(self):
        if self.time_zone and self.time_zone not in available_timezones():
            raise ValidationError({"time_zone": "Unknown time zone."})
