from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import available_timezones

import pycountry
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MinValueValidator, RegexValidator
from django.db import IntegrityError, models, transaction
from django.db.models import Exists, F, OuterRef, Q, Sum
from django.db.models.functions import Coalesce, Lower
from django.urls import reverse
from django.utils import timezone

CENT = Decimal("0.01")
# The one limit on free text people type into entries, timers and comments.
NOTES_MAX_LENGTH = 2000
COMMENT_MAX_LENGTH = 10_000
# Time entries live in this window of years (UTC and local alike) and last at most this long:
# anything outside is a typo, and far-off dates overflow in other time zones and databases.
FIRST_YEAR = 2000
LAST_YEAR = 2100
EARLIEST_MOMENT = datetime(FIRST_YEAR, 1, 1, tzinfo=UTC)
END_OF_TIME = datetime(LAST_YEAR + 1, 1, 1, tzinfo=UTC)  # exclusive
MAX_ENTRY_DURATION = timedelta(hours=72)
NON_NEGATIVE = MinValueValidator(Decimal("0"), "Must be zero or more.")


def elapsed_seconds(start: datetime, end: datetime) -> int:
    """Whole seconds that really passed from ``start`` to ``end``, across any DST change.

    Python subtracts two datetimes that share a tzinfo by their wall clocks (01:30 → 03:30
    is 2 h even on the night the clocks jump), so both are taken to UTC first.
    """
    return int((end.astimezone(UTC) - start.astimezone(UTC)).total_seconds())


def validate_currency(code: str) -> None:
    if pycountry.currencies.get(alpha_3=code) is None:
        raise ValidationError(
            "%(code)s is not an ISO 4217 currency code (such as EUR, USD or GBP).",
            params={"code": code},
        )


def currency_choices() -> list[tuple[str, str]]:
    return sorted((c.alpha_3, f"{c.alpha_3} · {c.name}") for c in pycountry.currencies)


def validate_entry_moment(moment: datetime) -> None:
    """An entry's start or end lies within the supported years."""
    if not EARLIEST_MOMENT <= moment < END_OF_TIME:
        raise ValidationError(
            "Use a date between %(first)s and %(last)s.",
            params={"first": FIRST_YEAR, "last": LAST_YEAR},
            code="out_of_range",
        )


def hundredths_of_hours(seconds: int) -> int:
    """Whole hundredths of an hour, rounded half up, in integers: 5400 → 150."""
    return (seconds * 100 + 1800) // 3600


def seconds_to_hours(seconds: int | None) -> Decimal:
    """Seconds as decimal hours rounded to two places: 5400 → Decimal("1.50")."""
    return Decimal(hundredths_of_hours(seconds or 0)).scaleb(-2)


class Client(models.Model):
    name = models.CharField(max_length=200)
    email = models.EmailField(blank=True)
    archived = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("tracking:client_detail", args=[self.pk])


class ProjectQuerySet(models.QuerySet):
    def active(self):
        return self.filter(archived=False)


class Project(models.Model):
    name = models.CharField(max_length=200)
    client = models.ForeignKey(Client, on_delete=models.PROTECT, related_name="projects")
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

    def get_absolute_url(self):
        return reverse("tracking:project_detail", args=[self.pk])


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
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="created_tasks",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["project__name", "title"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("tracking:task_detail", args=[self.pk])


TAG_NAME_MAX_LENGTH = 50
TAGS_PER_ENTRY = 20


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

    def merge(self, others) -> int:
        """Give the entries of ``others`` this tag instead, then delete them."""
        through = TimeEntry.tags.through
        moved = 0
        with transaction.atomic():
            for other in others:
                if other.pk == self.pk:
                    continue
                entry_ids = list(other.entries.values_list("pk", flat=True))
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


class TimeEntryQuerySet(models.QuerySet):
    def running(self):
        return self.filter(end__isnull=True)

    def for_user(self, user):
        return self if user.is_staff else self.filter(user=user)

    def with_any_tag(self, tags):
        """Entries carrying any of ``tags``: ``Exists``, so no row is counted twice."""
        through = TimeEntry.tags.through
        return self.filter(
            Exists(through.objects.filter(timeentry_id=OuterRef("pk"), tag__in=tags))
        )

    def started_between(self, first_day: date | None, last_day: date | None):
        """Entries that started on the local dates first_day to last_day, inclusive.

        Bounds are local midnights compared with ``start`` itself (not ``start__date``), so
        the query uses the indexes instead of converting every row's timestamp.
        """
        entries = self
        if first_day:
            entries = entries.filter(start__gte=local_midnight(first_day))
        if last_day:
            entries = entries.filter(start__lt=local_midnight(last_day + timedelta(days=1)))
        return entries

    def total_seconds(self) -> int:
        return self.aggregate(total=Coalesce(Sum("duration_seconds"), 0))["total"]

    def started_in(self, since: datetime, until: datetime):
        return self.filter(start__gte=since, start__lt=until)

    def period_totals(self, periods: dict[str, tuple[datetime, datetime]], now: datetime):
        """Seconds tracked in each named period [since, until), by when entries started.

        A running timer counts up to ``now``. Two queries whatever the number of periods.
        """
        totals = self.aggregate(
            **{
                name: Coalesce(Sum("duration_seconds", filter=Q(start__gte=a, start__lt=b)), 0)
                for name, (a, b) in periods.items()
            }
        )
        for start in self.running().filter(start__lt=now).values_list("start", flat=True):
            for name, (since, until) in periods.items():
                if since <= start < until:
                    totals[name] += elapsed_seconds(start, now)
        return totals

    def start_timer(self, user, project, task=None, notes="", billable=None, at=None, tags=()):
        """Start a timer for ``user``, stopping the one already running, in one transaction.

        The user's row is locked first so that two concurrent starts are serialised; the
        partial unique index stays the last line of defence.
        """
        at = _whole_seconds(at or timezone.now())
        with transaction.atomic():
            get_user_model().objects.select_for_update().filter(pk=user.pk).first()
            running = self._locked_running(user)
            if running is not None:
                running.stop(at=at)
            self._forget_pause(user)  # starting other work ends the paused one
            entry = self.create(
                user=user,
                project=project,
                task=task,
                notes=notes,
                start=at,
                billable=project.billable if billable is None else billable,
                source=TimeEntry.Source.TIMER,
            )
            if tags:
                entry.tags.set(tags)
            return entry

    def stop_timer(self, user, at=None):
        """Stop ``user``'s running entry and return it, or None when nothing runs.

        Stopping while paused ends the paused work item: it can no longer be resumed.
        """
        with transaction.atomic():
            running = self._locked_running(user)
            if running is not None:
                running.stop(at=at)
            return running or self._forget_pause(user)

    def pause_timer(self, user, at=None):
        """Pause ``user``'s running timer: its stretch of work ends and can be resumed.

        Returns the paused entry, or None when nothing runs.
        """
        with transaction.atomic():
            running = self._locked_running(user)
            if running is None:
                return None
            running.pause = TimeEntry.Pause.PAUSED
            running.stop(at=at, extra_fields=["pause"])
            return running

    def resume_timer(self, user, at=None):
        """Start a new stretch of the paused work item (project, task, notes, billable, tags).

        Returns the new running entry, or None when nothing is paused. Paused time lies
        between two entries, so nothing ever counts it.
        """
        at = _whole_seconds(at or timezone.now())
        with transaction.atomic():
            # The user's row first, as start_timer does: one lock order, no deadlock.
            get_user_model().objects.select_for_update().filter(pk=user.pk).first()
            paused = self.select_for_update().filter(user=user, pause=TimeEntry.Pause.PAUSED)
            paused = paused.first()
            if paused is None:
                return None
            paused.pause = TimeEntry.Pause.RESUMED
            paused.save(update_fields=["pause", "updated_at"])
            return self.start_timer(
                user,
                paused.project,
                task=paused.task,
                notes=paused.notes,
                billable=paused.billable,
                at=max(at, paused.end),
                tags=list(paused.tags.all()),
            )

    def forgotten(self, now: datetime, max_hours: int):
        """Running entries older than ``max_hours`` (none when the limit is 0)."""
        if not max_hours:
            return self.none()
        return self.running().filter(start__lte=forgotten_before(now, max_hours))

    def stop_forgotten(self, now: datetime, max_hours: int) -> list:
        """Stop every forgotten timer at its start + ``max_hours``; never deletes time.

        Idempotent: a stopped timer is no longer running. Returns the entries stopped.
        """
        stopped = []
        for entry in self.forgotten(now, max_hours).select_related("project", "user"):
            with transaction.atomic():
                locked = TimeEntry.objects.select_for_update().filter(pk=entry.pk, end=None)
                if locked.first() is None:
                    continue  # stopped meanwhile
                entry.auto_stopped = True
                entry.stop(
                    at=entry.start + timedelta(hours=max_hours), extra_fields=["auto_stopped"]
                )
            stopped.append(entry)
        return stopped

    def _locked_running(self, user):
        """Inside a transaction: ``user``'s running entry, row-locked, or None."""
        return self.select_for_update().filter(user=user, end__isnull=True).first()

    def _forget_pause(self, user):
        """The paused work item is over: it stays as it is, without the way back."""
        paused = self.filter(user=user, pause=TimeEntry.Pause.PAUSED).first()
        if paused is not None:
            paused.pause = TimeEntry.Pause.NONE
            paused.save(update_fields=["pause", "updated_at"])
        return None


def forgotten_before(now: datetime, max_hours: int) -> datetime:
    """A timer started at or before this moment has run past the limit."""
    return now - timedelta(hours=max_hours)


def _whole_seconds(moment):
    return moment.replace(microsecond=0)


def local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


class TimeEntry(models.Model):
    class Pause(models.TextChoices):
        NONE = "", "—"
        PAUSED = "paused", "Paused"  # this stretch ended with a pause, resumable
        RESUMED = "resumed", "Resumed"  # it was paused and the work went on in a new entry

    class Source(models.TextChoices):
        TIMER = "timer", "Timer"
        MANUAL = "manual", "By hand"
        TIMESHEET = "timesheet", "Timesheet"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="time_entries"
    )
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="time_entries")
    task = models.ForeignKey(
        Task, on_delete=models.PROTECT, null=True, blank=True, related_name="time_entries"
    )
    notes = models.TextField(
        blank=True, max_length=NOTES_MAX_LENGTH, validators=[MaxLengthValidator(NOTES_MAX_LENGTH)]
    )
    start = models.DateTimeField(validators=[validate_entry_moment])
    end = models.DateTimeField(null=True, blank=True, validators=[validate_entry_moment])
    # Kept in step with start/end by save() so reports aggregate an integer column.
    duration_seconds = models.PositiveIntegerField(null=True, editable=False)
    billable = models.BooleanField(default=True)
    tags = models.ManyToManyField(Tag, blank=True, related_name="entries")
    # Database defaults too: bulk inserts (seed_demo) and older code need not know them.
    pause = models.CharField(
        max_length=8,
        choices=Pause.choices,
        blank=True,
        default=Pause.NONE,
        db_default=Pause.NONE,
        editable=False,
    )
    # Who made it: the week timesheet only ever changes the entries it made itself.
    source = models.CharField(
        max_length=10,
        choices=Source.choices,
        default=Source.MANUAL,
        db_default=Source.MANUAL,
        editable=False,
    )
    # Stopped by the server at start + TIMER_MAX_HOURS, until its owner sets the real end.
    auto_stopped = models.BooleanField(default=False, db_default=False, editable=False)
    reminder_sent = models.BooleanField(default=False, db_default=False, editable=False)
    invoice_item = models.ForeignKey(
        "InvoiceItem",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="time_entries",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TimeEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-start"]
        verbose_name_plural = "time entries"
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(end__isnull=True),
                name="one_running_timer_per_user",
            ),
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gt=F("start")),
                name="entry_ends_after_start",
                violation_error_message="The end must be after the start.",
            ),
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(pause="paused"),
                name="one_paused_timer_per_user",
            ),
            models.CheckConstraint(
                condition=~Q(pause="paused") | Q(end__isnull=False),
                name="paused_entry_has_ended",
            ),
            # Far-off dates overflow on the way to other time zones and break every page
            # that shows the entry: the database itself keeps them out.
            models.CheckConstraint(
                condition=Q(start__gte=EARLIEST_MOMENT, start__lt=END_OF_TIME)
                & (Q(end__isnull=True) | Q(end__lt=END_OF_TIME)),
                name="entry_within_supported_years",
                violation_error_message=(f"Use dates between {FIRST_YEAR} and {LAST_YEAR}."),
            ),
        ]
        # Each index leads with what reports filter on and carries the columns they add up,
        # so a report is answered from the index alone (docs/performance.md).
        indexes = [
            models.Index(
                fields=["user", "start", "end", "project", "duration_seconds"],
                name="entry_user_start",
            ),
            models.Index(
                fields=["project", "start", "end", "user", "duration_seconds"],
                name="entry_project_start",
            ),
            models.Index(
                fields=["start", "end", "user", "project", "duration_seconds"],
                name="entry_start",
            ),
            # The timer bar's lookup of a person's unreviewed auto-stopped entries.
            models.Index(
                fields=["user"], condition=Q(auto_stopped=True), name="entry_auto_stopped"
            ),
        ]

    def __str__(self):
        return f"{self.project} · {self.start:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if self.end is None:
            self.duration_seconds = None
        else:
            self.duration_seconds = elapsed_seconds(self.start, self.end)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "end" in update_fields:
            kwargs["update_fields"] = {*update_fields, "duration_seconds"}
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("tracking:entry_detail", args=[self.pk])

    @property
    def is_running(self) -> bool:
        return self.end is None

    @property
    def duration(self) -> timedelta:
        return timedelta(seconds=elapsed_seconds(self.start, self.end or timezone.now()))

    @property
    def hours(self) -> Decimal:
        seconds = self.duration_seconds
        if seconds is None:
            seconds = int(self.duration.total_seconds())
        return seconds_to_hours(seconds)

    def clean(self):
        if self.task_id is not None and self.task.project_id != self.project_id:
            raise ValidationError({"task": "This task belongs to another project."})
        too_long = MAX_ENTRY_DURATION.total_seconds()
        if self.start and self.end and elapsed_seconds(self.start, self.end) > too_long:
            hours = int(too_long // 3600)
            raise ValidationError(
                {"end": f"An entry lasts at most {hours} hours: split longer work."}
            )

    def stop(self, at=None, extra_fields=()):
        """Stop a running entry; stopping a stopped one is an error, not a no-op."""
        if self.end is not None:
            raise ValidationError("This timer is already stopped.")
        at = _whole_seconds(at or timezone.now())
        # A timer stopped within its first second still counts one second.
        self.end = max(at, self.start + timedelta(seconds=1))
        self.save(update_fields=["end", "updated_at", *extra_fields])

    def confirm_end(self) -> None:
        """A person has looked at the end the server gave a forgotten timer."""
        if self.auto_stopped:
            self.auto_stopped = False
            self.save(update_fields=["auto_stopped", "updated_at"])

    @property
    def is_paused(self) -> bool:
        return self.pause == self.Pause.PAUSED


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
    """A user's own settings; today, the time zone their times are shown in."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="preferences"
    )
    time_zone = models.CharField(
        max_length=64, blank=True, help_text="Empty: the server's time zone."
    )

    class Meta:
        verbose_name_plural = "preferences"

    def __str__(self):
        return f"Preferences of {self.user}"

    def clean(self):
        if self.time_zone and self.time_zone not in available_timezones():
            raise ValidationError({"time_zone": "Unknown time zone."})
