"""The API's representations. Writes validate through the models' own ``full_clean()``:
the same rules (and messages) as the web forms and the admin."""

from datetime import datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.exceptions import field_errors
from tracking.forms import OUT_OF_RANGE
from tracking.models import (
    BUDGET_FIELDS,
    FIRST_YEAR,
    LARGEST_ID,
    LAST_YEAR,
    LOCKED_INVOICE_STATUSES,
    NOTES_MAX_LENGTH,
    TAG_NAME_MAX_LENGTH,
    TAGS_PER_ENTRY,
    Client,
    Invoice,
    InvoiceItem,
    Project,
    Tag,
    Task,
    TimeEntry,
    budget_use,
    check_date_range,
    clean_tag_names,
)


def id_number(**kwargs) -> serializers.IntegerField:
    """An id as a number an id column can hold: ``1e400``, ``1.5`` or 20 digits are
    invalid before the database sees them, not an overflow (a 500)."""
    return serializers.IntegerField(min_value=1, max_value=LARGEST_ID, **kwargs)


class IdField(serializers.PrimaryKeyRelatedField):
    """A related object by id. The id must be an integer an id column can hold before the
    database sees it: ``1e400``, ``1.5`` or 20 digits are invalid, not an overflow (a 500)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("pk_field", id_number())
        super().__init__(**kwargs)


class MomentField(serializers.DateTimeField):
    """A moment within the years entries may lie in (a moment without an offset is in the
    person's zone): the ends of the calendar overflow on the way to UTC."""

    default_error_messages = {"out_of_range": OUT_OF_RANGE}

    def to_internal_value(self, value):
        if isinstance(value, str):
            try:
                year = datetime.fromisoformat(value.strip().replace("Z", "+00:00")).year
            except ValueError:
                year = None  # DRF's own parsing says what is wrong
            if year is not None and not FIRST_YEAR <= year <= LAST_YEAR:
                self.fail("out_of_range")
        return super().to_internal_value(value)


class DayField(serializers.DateField):
    """A day within the years entries may lie in."""

    default_error_messages = {"out_of_range": OUT_OF_RANGE}

    def to_internal_value(self, value):
        day = super().to_internal_value(value)
        if not FIRST_YEAR <= day.year <= LAST_YEAR:
            self.fail("out_of_range")
        return day


class AwareDateTimeField(MomentField):
    """An ISO 8601 moment with its UTC offset: a wall-clock time alone is ambiguous."""

    default_error_messages = {
        "naive": "Give the time with its UTC offset, e.g. 2026-03-29T09:30:00+02:00 or …Z.",
    }

    def enforce_timezone(self, value):
        if timezone.is_naive(value):
            self.fail("naive")
        return super().enforce_timezone(value)


@extend_schema_field({"type": "array", "items": {"type": "string"}, "maxItems": TAGS_PER_ENTRY})
class TagNamesField(serializers.ListField):
    """An entry's tags by name; names not seen before become tags."""

    child = serializers.CharField(max_length=TAG_NAME_MAX_LENGTH, allow_blank=True)

    def __init__(self, **kwargs):
        super().__init__(max_length=TAGS_PER_ENTRY, required=False, **kwargs)

    def to_internal_value(self, data):
        names = super().to_internal_value(data)
        try:
            return clean_tag_names(names)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages) from None

    def to_representation(self, value):
        return [tag.name for tag in value.all()]


class ModelCleanMixin:
    """Validate the instance-to-be with the model's ``full_clean()``; related objects by id
    (``IdField``).

    ``prepare(instance)`` sets what the request implies (the owner); ``clean_exclude`` names
    fields the API does not take.
    """

    clean_exclude: tuple = ()
    many_to_many: tuple = ()
    serializer_related_field = IdField

    def prepare(self, instance) -> None:
        pass

    def validate(self, attrs):
        attrs = super().validate(attrs)
        instance = self.instance or self.Meta.model()
        for name, value in attrs.items():
            if name not in self.many_to_many:
                setattr(instance, name, value)
        self.prepare(instance)
        try:
            instance.full_clean(exclude=self.clean_exclude)
        except DjangoValidationError as error:
            raise serializers.ValidationError(field_errors(error)) from None
        return attrs


def entry_locked(entry) -> bool:
    """On a sent or paid invoice, from the ``invoice_status`` annotation of
    ``api.views.entries_for`` (else one query for an entry on an invoice)."""
    status = getattr(entry, "invoice_status", None)
    if status is None and entry.invoice_item_id is not None:
        return entry.locking_invoice() is not None
    return status in LOCKED_INVOICE_STATUSES


class MeSerializer(serializers.ModelSerializer):
    time_zone = serializers.SerializerMethodField()

    class Meta:
        model = get_user_model()
        fields = ["id", "username", "time_zone", "is_staff"]

    def get_time_zone(self, user) -> str:
        """The zone the user's times are shown in (their own, or the server's)."""
        return timezone.get_current_timezone_name()


class EntrySerializer(ModelCleanMixin, serializers.ModelSerializer):
    project = IdField(queryset=Project.objects.all())
    task = IdField(queryset=Task.objects.all(), allow_null=True, required=False)
    notes = serializers.CharField(max_length=NOTES_MAX_LENGTH, allow_blank=True, required=False)
    start = AwareDateTimeField()
    end = AwareDateTimeField(allow_null=True, required=False)
    tags = TagNamesField()
    running = serializers.SerializerMethodField()
    paused = serializers.SerializerMethodField()
    invoiced = serializers.SerializerMethodField()
    locked = serializers.SerializerMethodField()

    many_to_many = ("tags",)

    class Meta:
        model = TimeEntry
        fields = [
            "id",
            "user",
            "project",
            "task",
            "notes",
            "start",
            "end",
            "day",
            "duration_only",
            "duration_seconds",
            "billable",
            "tags",
            "running",
            "paused",
            "auto_stopped",
            "invoiced",
            "locked",
            "source",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["user", "auto_stopped", "source", "day", "duration_only"]

    def get_running(self, entry) -> bool:
        return entry.end is None

    def get_paused(self, entry) -> bool:
        """The stretch ended with a pause and can be resumed (``POST timer/resume/``)."""
        return entry.is_paused

    def get_invoiced(self, entry) -> bool:
        return entry.invoice_item_id is not None

    def get_locked(self, entry) -> bool:
        """On a sent or paid invoice: it can no longer be changed or deleted."""
        return entry_locked(entry)

    def prepare(self, entry):
        if entry.user_id is None:
            entry.user = self.context["request"].user

    def create(self, validated_data):
        tags = validated_data.pop("tags", [])
        validated_data.setdefault("billable", validated_data["project"].billable)
        with transaction.atomic():  # the entry with its tags, as anything listening sees it
            entry = TimeEntry.objects.create(
                user=self.context["request"].user, source=TimeEntry.Source.MANUAL, **validated_data
            )
            entry.tags.set(Tag.objects.for_names(tags))
        return entry

    def update(self, entry, validated_data):
        tags = validated_data.pop("tags", None)
        if validated_data:
            entry.auto_stopped = False  # a person has now looked at the times
        with transaction.atomic():
            entry = super().update(entry, validated_data)
            if tags is not None:
                entry.tags.set(Tag.objects.for_names(tags))
        # The tags as saved, not a list prefetched before the change.
        getattr(entry, "_prefetched_objects_cache", {}).pop("tags", None)
        return entry


class TimerStartSerializer(ModelCleanMixin, serializers.ModelSerializer):
    project = IdField(queryset=Project.objects.all())
    task = IdField(queryset=Task.objects.all(), allow_null=True, required=False)
    notes = serializers.CharField(max_length=NOTES_MAX_LENGTH, allow_blank=True, required=False)
    billable = serializers.BooleanField(
        required=False, help_text="The project's default when left out."
    )
    tags = TagNamesField()

    many_to_many = ("tags",)
    # The running timer (if any) is stopped by the start itself; the start is now.
    clean_exclude = ("user", "start", "end")

    class Meta:
        model = TimeEntry
        fields = ["project", "task", "notes", "billable", "tags"]


class EntryFilterSerializer(serializers.Serializer):
    """Query parameters of ``GET entries/``. Times without an offset are in your zone."""

    start_after = MomentField(required=False, help_text="Started at or after.")
    start_before = MomentField(required=False, help_text="Started before.")
    project = IdField(queryset=Project.objects.all(), required=False)
    client = IdField(queryset=Client.objects.all(), required=False)
    task = IdField(queryset=Task.objects.all(), required=False)
    tag = serializers.ListField(
        child=id_number(),
        required=False,
        help_text="Tag ids, repeatable: entries with any of them.",
    )
    billable = serializers.BooleanField(required=False, allow_null=True, default=None)
    running = serializers.BooleanField(required=False, allow_null=True, default=None)
    user = IdField(
        queryset=get_user_model().objects.all(),
        required=False,
        help_text="With the permission to view everyone's entries.",
    )
    modified_after = MomentField(
        required=False,
        help_text="Changed after this moment, oldest change first: for syncing a copy.",
    )


class TaskFilterSerializer(serializers.Serializer):
    project = IdField(queryset=Project.objects.all(), required=False)


class ClientSerializer(ModelCleanMixin, serializers.ModelSerializer):
    class Meta:
        model = Client
        fields = ["id", "name", "email", "billing_address", "tax_id", "archived"]


class ProjectSerializer(ModelCleanMixin, serializers.ModelSerializer):
    budget_used_hours = serializers.SerializerMethodField()
    budget_used_amount = serializers.SerializerMethodField()
    budget_used_percent = serializers.SerializerMethodField()

    class Meta:
        model = Project
        fields = [
            "id",
            "name",
            "client",
            "billable",
            "hourly_rate",
            "archived",
            *BUDGET_FIELDS,
            "budget_used_hours",
            "budget_used_amount",
            "budget_used_percent",
        ]

    def _use(self, project):
        """This period's use of the budget: from the view's bulk lookup (``budget_uses`` in
        the context), else one for this project."""
        uses = self.context.get("budget_uses")
        return uses.get(project.pk) if uses is not None else budget_use(project)

    def get_budget_used_hours(self, project) -> str | None:
        """Hours recorded in the budget's period (this month, or in total); null without a
        budget."""
        use = self._use(project)
        return None if use is None else str(use.hours)

    def get_budget_used_amount(self, project) -> str | None:
        """Billable hours times the rate in the period, when the budget has an amount."""
        use = self._use(project)
        return None if use is None or use.amount is None else str(use.amount)

    def get_budget_used_percent(self, project) -> int | None:
        """The larger share used, of the hours or the amount."""
        use = self._use(project)
        return None if use is None else use.percent


class TaskSerializer(ModelCleanMixin, serializers.ModelSerializer):
    class Meta:
        model = Task
        fields = ["id", "project", "title", "status", "priority", "estimate_hours", "created_by"]
        read_only_fields = ["created_by"]


class TagSerializer(ModelCleanMixin, serializers.ModelSerializer):
    class Meta:
        model = Tag
        fields = ["id", "name", "color"]


class InvoiceItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = InvoiceItem
        fields = ["id", "project", "description", "quantity", "unit_price", "amount"]


class InvoiceSerializer(serializers.ModelSerializer):
    items = InvoiceItemSerializer(many=True, read_only=True)
    net = serializers.SerializerMethodField()
    tax = serializers.SerializerMethodField()
    total = serializers.SerializerMethodField()

    class Meta:
        model = Invoice
        fields = [
            "id",
            "number",
            "client",
            "project",
            "status",
            "issue_date",
            "due_date",
            "currency",
            "tax_rate",
            "net",
            "tax",
            "total",
            "items",
            "sent_at",
            "paid_at",
        ]

    # Amounts as decimal strings, like every other amount of the API.
    def get_net(self, invoice) -> str:
        return str(invoice.totals.net)

    def get_tax(self, invoice) -> str:
        return str(invoice.totals.tax)

    def get_total(self, invoice) -> str:
        """What the client pays: net plus tax."""
        return str(invoice.totals.gross)


class SummaryQuerySerializer(serializers.Serializer):
    GROUPS = ("project", "client", "user", "day", "tag")

    start = DayField(required=False, help_text="First day (your zone).")
    end = DayField(required=False, help_text="Last day, inclusive.")
    group_by = serializers.ChoiceField(choices=GROUPS, default="project")
    project = IdField(queryset=Project.objects.all(), required=False)
    client = IdField(queryset=Client.objects.all(), required=False)
    tag = serializers.ListField(child=id_number(), required=False)
    billable = serializers.BooleanField(required=False, allow_null=True, default=None)
    user = IdField(
        queryset=get_user_model().objects.all(),
        required=False,
        help_text="With the permission to view everyone's entries.",
    )

    def validate(self, attrs):
        try:
            check_date_range(attrs.get("start"), attrs.get("end"))
        except DjangoValidationError as error:
            raise serializers.ValidationError({"end": error.messages}) from None
        return attrs


@extend_schema_field({"type": "string", "format": "decimal", "pattern": r"^\d+(\.\d{1,4})?$"})
class MoneyField(serializers.Field):
    """An amount as a decimal string with its currency's own places: "1180" yen,
    "220.00" euros, "5321.786" dinars (already rounded by tracking.money)."""

    def to_representation(self, value):
        return str(value)


class SummaryGroupSerializer(serializers.Serializer):
    key = serializers.CharField(
        allow_blank=True,
        help_text="The id, or the ISO date for group_by=day; empty for the client group of "
        "projects without a client (internal work).",
    )
    label = serializers.CharField()
    seconds = serializers.IntegerField()
    billable_seconds = serializers.IntegerField()
    amount = MoneyField(
        allow_null=True,
        help_text="Billable amount (hours times rate); for project, client and user groups.",
    )


class SummarySerializer(serializers.Serializer):
    start = serializers.DateField(allow_null=True)
    end = serializers.DateField(allow_null=True)
    group_by = serializers.CharField()
    currency = serializers.CharField()
    seconds = serializers.IntegerField()
    billable_seconds = serializers.IntegerField()
    amount = MoneyField(help_text="The billable amount: every grouping adds up to it.")
    groups = SummaryGroupSerializer(many=True)
