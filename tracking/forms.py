from collections.abc import Collection
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import cache
from html import escape as escape_html
from operator import itemgetter
from zoneinfo import available_timezones

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.forms.models import ModelChoiceIterator, ModelChoiceIteratorValue
from django.forms.utils import flatatt
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from tracking import permissions
from tracking.models import (
    BUDGET_FIELDS,
    FIRST_YEAR,
    INTERNAL,
    LARGEST_ID,
    LAST_YEAR,
    MAX_ENTRY_DURATION,
    NOTES_MAX_LENGTH,
    TAG_NAME_MAX_LENGTH,
    TAGS_PER_ENTRY,
    Client,
    Comment,
    Invoice,
    InvoiceItem,
    Preferences,
    Project,
    RecentProjects,
    Tag,
    Task,
    TimeEntry,
    check_date_range,
    clean_tag_names,
    clock_duration,
    currency_choices,
    elapsed_seconds,
    forgotten_before,
)
from tracking.typed_time import Unreadable, aware_from_wall_clock, parse_clock, parse_duration

OUT_OF_RANGE = f"Use a date between {FIRST_YEAR} and {LAST_YEAR}."


@cache
def zone_names() -> tuple[str, ...]:
    """Every time zone the system knows, sorted: read from its zone files once."""
    return tuple(sorted(available_timezones()))


class LocalDateTimeField(forms.DateTimeField):
    """A date and time typed in the user's zone, within the supported years."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        moment = value if isinstance(value, datetime) else self._parse(value)
        if not FIRST_YEAR <= moment.year <= LAST_YEAR:
            raise forms.ValidationError(OUT_OF_RANGE, code="out_of_range")
        if moment.tzinfo is not None:  # an explicit offset says which instant is meant
            return moment
        try:
            return aware_from_wall_clock(moment, timezone.get_current_timezone())
        except Unreadable as error:
            raise forms.ValidationError(str(error), code="imaginary") from None

    def _parse(self, value) -> datetime:
        try:
            return datetime.fromisoformat(str(value).strip())
        except ValueError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None


class BoundedDateField(forms.DateField):
    """A date within the supported years: later dates overflow date arithmetic."""

    def to_python(self, value):
        day = super().to_python(value)
        if day is not None and not date(FIRST_YEAR, 1, 1) <= day <= date(LAST_YEAR, 12, 31):
            raise forms.ValidationError(OUT_OF_RANGE, code="out_of_range")
        return day


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M:%S", attrs={"step": "1"}, **kwargs)

    def format_value(self, value):
        if hasattr(value, "tzinfo") and value.tzinfo is not None:
            value = timezone.localtime(value)
        return super().format_value(value)


class FastSelect(forms.Select):
    """A <select> whose options are rendered in Python, not one template each.

    Django renders every <option> through a template (and builds a dict of attributes for
    each); with a few hundred projects and tasks that was most of the dashboard's time.
    Options are escaped with the standard library's ``html.escape`` (C) instead of Django's
    lazy-aware ``format_html`` (docs/performance.md).
    """

    # What it shows with nothing to choose (read from the choices once: they are a query).
    no_options = ""

    def option_attributes(self, value) -> str:
        """Extra attributes of one option (already escaped); none by default."""
        return ""

    def render(self, name, value, attrs=None, renderer=None):
        chosen = set(self.format_value(value))
        options = "".join(
            f'<option value="{escape_html(str(choice))}"{self.option_attributes(choice)}'
            f"{' selected' if str(choice) in chosen else ''}>{escape_html(str(label))}</option>"
            for choice, label in self.choices
        )
        options = options or self.no_options
        final_attrs = self.build_attrs(self.attrs, attrs)
        if self.allow_multiple_selected:
            final_attrs["multiple"] = True
        return format_html(
            '<select name="{}"{}>{}</select>',
            name,
            flatatt(final_attrs),
            mark_safe(options),  # noqa: S308
        )


class FastSelectMultiple(FastSelect, forms.SelectMultiple):
    """FastSelect for a choice of several (reading a list back from the form's data). With
    nothing to choose it says so, not an empty box (a filter by tags before any tag)."""

    no_options = '<option value="" disabled>None yet</option>'


class TaskSelect(FastSelect):
    """Tasks with their project as ``data-project``: the page's script shows only the chosen
    project's tasks, and choosing a task sets its project (static/js/app.js). Its field is
    a RowChoiceField whose columns include ``project_id``."""

    def __init__(self, attrs=None, choices=()):
        super().__init__({"data-task-picker": "", **(attrs or {})}, choices)

    def option_attributes(self, value) -> str:
        task = getattr(value, "instance", None)  # the row; none for the empty choice
        return f' data-project="{task["project_id"]}"' if task else ""


class RowChoiceIterator(ModelChoiceIterator):
    """Choices read as rows of a few columns, not built as model instances."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for row in self.queryset.values("pk", *self.field.columns):
            yield ModelChoiceIteratorValue(row["pk"], row), self.field.row_label(row)


class ListedChoiceIterator(ModelChoiceIterator):
    """Choices from one plain query. Django's own iterator reads through
    ``QuerySet.iterator()``, which on PostgreSQL opens a server-side cursor: three round
    trips (declare, fetch, close) for a picker's few dozen rows, on every page with one."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.queryset.all():
            yield self.choice(obj)


def is_id(value) -> bool:
    """An integer that can be an id of ours (1 to LARGEST_ID), given as text or a number."""
    try:
        return 0 < int(str(value)) <= LARGEST_ID
    except ValueError:
        return False


class IdChoiceField(forms.ModelChoiceField):
    """A ModelChoiceField whose value must look like an id before the database sees it: a
    number beyond what a column holds is an invalid choice, not an overflow (a 500)."""

    iterator = ListedChoiceIterator

    def to_python(self, value):
        if value not in self.empty_values and not is_id(value):
            raise forms.ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice"
            )
        return super().to_python(value)


class IdMultipleChoiceField(forms.ModelMultipleChoiceField):
    """IdChoiceField's check for each of several ids."""

    iterator = ListedChoiceIterator

    def _check_values(self, value):
        for pk in value or ():
            if not is_id(pk):
                raise forms.ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": pk},
                )
        return super()._check_values(value)


class RowChoiceField(IdChoiceField):
    """A ModelChoiceField for long pickers: its options come from ``columns`` of the
    queryset and ``row_label(row)``, so showing 600 tasks builds no 600 model objects (and
    runs no signal for each). The chosen value is still checked against the queryset."""

    iterator = RowChoiceIterator

    def __init__(self, queryset, *, columns, row_label, **kwargs):
        self.columns = columns
        self.row_label = row_label
        super().__init__(queryset, **kwargs)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class TagsField(forms.CharField):
    """Tags typed as comma-separated names ("client work, urgent"); new names become tags."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", "Comma-separated, e.g. meeting, urgent.")
        super().__init__(max_length=TAGS_PER_ENTRY * (TAG_NAME_MAX_LENGTH + 2), **kwargs)

    def clean(self, value) -> list[str]:
        return clean_tag_names(super().clean(value).split(","))

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return ", ".join(str(tag) for tag in value)
        return value


def project_picker(**kwargs) -> "RowChoiceField":
    """The active projects, by name, read as rows. A timer bar's refusal is a message at the
    top of the page, away from the field: it names what is missing."""
    return RowChoiceField(
        queryset=Project.objects.active(),
        columns=["name"],
        row_label=itemgetter("name"),
        widget=FastSelect,
        error_messages={"required": "Choose a project (or find one) first."},
        **kwargs,
    )


# A picker over more open projects than this offers the person's recent ones and a search
# for the others (static/js/app.js reads ``data-find``): 200 options on every page were most
# of its weight (docs/performance.md).
PICKER_LIST_UP_TO = 25


def recent_projects_of(user) -> RecentProjects:
    """``TimeEntry.objects.recent_projects(user)``, asked once per request: a page's filter,
    its start form and the idle timer bar all offer them (kept on the user object, as Django
    keeps a user's permissions)."""
    if not hasattr(user, "_recent_projects"):
        user._recent_projects = TimeEntry.objects.recent_projects(user)
    return user._recent_projects


def offer_recent_projects(
    form,
    user,
    name="project",
    tasks: str | None = None,
    archived: bool = False,
    leaving_out: Collection[int] = (),
) -> None:
    """Let ``form``'s project picker ``name`` (and its task picker, named ``tasks``) offer
    ``user``'s recent projects and the chosen one instead of every project it accepts, once
    there are more than PICKER_LIST_UP_TO. What the form accepts does not change; its
    search finds archived projects too when ``archived``.

    The recent projects are open ones, which every picker accepts but for the ids it is
    ``leaving_out`` (the timesheet's rows of the week): their names come with them
    (``recent_projects_of``), and only a chosen project not among them is asked for."""
    field = form.fields[name]
    head = [] if field.empty_label is None else [("", field.empty_label)]
    rows = list(field.queryset.values_list("pk", "name")[: PICKER_LIST_UP_TO + 1])
    if len(rows) <= PICKER_LIST_UP_TO:
        field.widget.choices = head + rows
        return
    recent = recent_projects_of(user).names
    names = {pk: label for pk, label in recent.items() if pk not in leaving_out}
    chosen = form[name].value()
    if is_id(chosen) and int(chosen) not in names:
        names.update(field.queryset.filter(pk=int(chosen)).values_list("pk", "name"))
    field.widget.choices = head + list(names.items())
    # A filter can ask for an archived project too; a timer cannot start on one.
    find = reverse("tracking:project_find")
    field.widget.attrs["data-find"] = f"{find}?archived=1" if archived else find
    if tasks:
        task_field = form.fields[tasks]
        task_field.widget.choices = [("", task_field.empty_label)] + [
            (ModelChoiceIteratorValue(row["pk"], row), task_field.row_label(row))
            for row in task_field.queryset.filter(project__in=names).values(
                "pk", *task_field.columns
            )
        ]


def task_label(row) -> str:
    """Tasks are labelled with their project: titles alone repeat across projects."""
    return f"{row['project__name']} · {row['title']}"


def notes_with_suggestions(widget: forms.Widget) -> forms.Widget:
    """Notes that offer the person's earlier work as they type (static/js/app.js reads
    ``data-suggest``; picking one fills the form's project, task, tags and billable)."""
    widget.attrs.update({"data-suggest": reverse_lazy("tracking:entry_suggest")})
    widget.attrs.setdefault("autocomplete", "off")
    return widget


class TimerStartForm(forms.Form):
    project = project_picker()
    task = RowChoiceField(
        queryset=Task.objects.open(),
        columns=["project_id", "project__name", "title"],
        row_label=task_label,
        required=False,
        widget=TaskSelect,
    )
    notes = forms.CharField(
        required=False,
        max_length=NOTES_MAX_LENGTH,
        widget=notes_with_suggestions(forms.TextInput()),
    )
    tags = TagsField()
    # Set by picking a suggestion; otherwise the project decides (``start_timer``).
    billable = forms.NullBooleanField(required=False, widget=forms.HiddenInput)

    def clean(self):
        cleaned = super().clean()
        project, task = cleaned.get("project"), cleaned.get("task")
        if project and task and task.project_id != project.pk:
            self.add_error("task", "This task belongs to another project.")
        return cleaned


class QuickStartForm(TimerStartForm):
    """The timer bar's start form on every page: what you work on, a project and Start.
    Task, tags and billable are hidden, filled by picking a suggestion."""

    project = project_picker(empty_label="Choose a project…")
    notes = forms.CharField(
        required=False,
        max_length=NOTES_MAX_LENGTH,
        label="What are you working on?",
        widget=notes_with_suggestions(
            forms.TextInput(attrs={"placeholder": "What are you working on?"})
        ),
    )

    # Tells ``timer_start`` that the task came hidden, with the last project or a suggestion.
    quick = forms.CharField(required=False, initial="1", widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("task", "tags"):
            self.fields[name].widget = forms.HiddenInput()

    def clean_task(self):
        """The hidden task came with the last project or a suggestion: choosing another
        project in the picker means work without it, not an error about a field unseen."""
        task, project = self.cleaned_data.get("task"), self.cleaned_data.get("project")
        return task if task is None or project is None or task.project_id == project.pk else None


class TimesheetRowForm(forms.Form):
    """The timesheet's "Add a row": an open project not in the week yet."""

    row = project_picker(empty_label=None, label="Add a row")

    def __init__(self, *args, user, week_projects, **kwargs):
        super().__init__(*args, auto_id="add-%s", **kwargs)
        field = self.fields["row"]
        in_the_week = {project.pk for project in week_projects}
        field.queryset = field.queryset.exclude(pk__in=in_the_week)
        offer_recent_projects(self, user, name="row", leaving_out=in_the_week)

    @property
    def offers_any(self) -> bool:
        widget = self.fields["row"].widget
        return bool(widget.choices) or "data-find" in widget.attrs


class TimeTextInput(forms.TextInput):
    """A time or duration typed as text ("930", "2:15pm", "1h30"): a browser's own time
    picker wants seconds and a fixed format."""

    def __init__(self, example: str):
        super().__init__(attrs={"placeholder": example, "autocomplete": "off", "size": 8})


MAX_ENTRY_HOURS = int(MAX_ENTRY_DURATION.total_seconds() // 3600)


class TimeEntryForm(forms.ModelForm):
    """An entry as people type it: a day, and two of start, end and duration ("9" to
    "11:30", "14:00" for "45m", "22:00" to "1:30" the next day), or a duration alone for
    time without clock times. Read in the person's zone, DST-exact. ``start`` and ``end``
    as full local date-times still work instead, for scripts."""

    task = RowChoiceField(
        queryset=Task.objects.all(),
        columns=["project_id", "title"],
        row_label=itemgetter("title"),
        required=False,
        widget=TaskSelect,
    )
    date = BoundedDateField(required=False, widget=DateInput(), help_text="Today if empty.")
    start_time = forms.CharField(required=False, max_length=20, widget=TimeTextInput("9:30"))
    end_time = forms.CharField(
        required=False,
        max_length=20,
        widget=TimeTextInput("11:30"),
        help_text="Before the start means the next day.",
    )
    duration = forms.CharField(
        required=False,
        max_length=20,
        widget=TimeTextInput("1:30"),
        help_text="Any two of start, end and duration; a duration alone is time without "
        "clock times. Leave end and duration empty to keep a timer running.",
    )
    start = LocalDateTimeField(required=False, widget=forms.HiddenInput)
    end = LocalDateTimeField(required=False, widget=forms.HiddenInput)
    tags = TagsField()

    field_order = ["project", "task", "date", "start_time", "end_time", "duration", "notes"]
    field_order += ["tags", "billable"]

    class Meta:
        model = TimeEntry
        fields = ["project", "task", "notes", "billable"]
        widgets = {
            "project": FastSelect,
            "notes": notes_with_suggestions(forms.Textarea(attrs={"rows": 3})),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        entry = self.instance
        # The typed fields as the stored entry shows them, taken once, before clean() moves
        # anything: what comes back unchanged keeps the stored moments.
        self.shown = self._shown(entry) if entry.pk else {}
        if not entry.pk:
            entry.user = user  # the model's own rules ask whose entry this is
            self.fields["project"].queryset = Project.objects.active()
            self.initial.setdefault("date", timezone.localdate())
            return
        self.initial["tags"] = list(entry.tags.all())
        self.initial.update(self.shown)

    @staticmethod
    def _shown(entry) -> dict:
        """The typed fields as the entry is stored, in the viewer's zone."""
        if entry.duration_only:
            return {"date": entry.day, "duration": clock_duration(entry.duration_seconds)}
        start = timezone.localtime(entry.start)
        shown = {"date": start.date(), "start_time": f"{start:%H:%M}"}
        if entry.end is not None:
            shown["end_time"] = f"{timezone.localtime(entry.end):%H:%M}"
        return shown

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("start") or cleaned.get("end"):
            self._use_moments(cleaned.get("start"), cleaned.get("end"))
        else:
            self._use_typed(cleaned)
        return cleaned

    def _use_moments(self, start, end) -> None:
        """Full date-times (scripts): as given, an untouched one kept to the second."""
        if start is None:
            self.add_error("start", "Give a start as well.")
            return
        entry = self.instance
        entry.start = self._unchanged_or(entry.start, start)
        entry.end = self._unchanged_or(entry.end, end)

    @staticmethod
    def _unchanged_or(stored, value):
        """The stored instant when its wall-clock time was not edited: the second occurrence
        of a repeated hour shows as the first, and saving it untouched must not move it."""
        if (
            value is not None
            and stored is not None
            and timezone.localtime(stored).replace(tzinfo=None)
            == timezone.localtime(value).replace(tzinfo=None)
        ):
            return stored
        return value

    def _use_typed(self, cleaned) -> None:
        day = cleaned.get("date") or timezone.localdate()
        try:
            start_time = parse_clock(cleaned.get("start_time", ""))
        except Unreadable as error:
            self.add_error("start_time", str(error))
            return
        try:
            end_time = parse_clock(cleaned.get("end_time", ""))
        except Unreadable as error:
            self.add_error("end_time", str(error))
            return
        try:
            seconds = parse_duration(cleaned.get("duration", ""), MAX_ENTRY_HOURS)
        except Unreadable as error:
            self.add_error("duration", str(error))
            return
        if start_time is None and end_time is None and not seconds:
            self.add_error("start_time", "Give two of start, end and duration (or a duration).")
            return
        if start_time is None and end_time is not None and not seconds:
            self.add_error("end_time", "Give a start or a duration with the end.")
            return
        if self._untouched(cleaned, day):
            return  # as shown: the stored times stand, to the second
        entry = self.instance
        if start_time is None and end_time is None:  # a length of time on a day
            entry.place_on_day(day, seconds)
            return
        entry.duration_only = False
        zone = timezone.get_current_timezone()
        try:
            if start_time is None:
                end = aware_from_wall_clock(datetime.combine(day, end_time), zone)
                entry.start, entry.end = end.astimezone(UTC) - timedelta(seconds=seconds), end
                return
            start = aware_from_wall_clock(datetime.combine(day, start_time), zone)
            if end_time is not None:
                end_day = day if end_time > start_time else day + timedelta(days=1)
                end = aware_from_wall_clock(datetime.combine(end_day, end_time), zone)
            else:
                end = start.astimezone(UTC) + timedelta(seconds=seconds) if seconds else None
        except Unreadable as error:
            self.add_error("start_time" if start_time else "end_time", str(error))
            return
        span = clock_duration(elapsed_seconds(start, end)) if end is not None else ""
        if end_time is not None and seconds and span != clock_duration(seconds):
            self.add_error(
                "duration",
                f"{start_time:%H:%M} to {end_time:%H:%M} is {span}, not "
                f"{clock_duration(seconds)}: clear one of the three.",
            )
            return
        limit = settings.TIMER_MAX_HOURS
        if end is None and limit and start <= forgotten_before(timezone.now(), limit):
            self.add_error(
                "end_time",
                "Give an end or a duration: a timer started then would already have been "
                f"stopped (after {limit} hours).",
            )
            return
        begins = self._after_work_ending_then(start)
        if end_time is None and end is not None:  # a start and a duration: that long
            end = begins + timedelta(seconds=seconds)
        entry.start = self._kept(cleaned, day, "start_time", entry.start, begins)
        entry.end = self._kept(cleaned, day, "end_time", entry.end, end)

    def _after_work_ending_then(self, start):
        """A start typed as the minute another of the person's entries ends (what its row
        shows as its end) is that entry's end, to the second: a timer stopped at 05:22:10
        shows 05:22, and 05:22:00 would overlap it by seconds nobody sees. The entry is
        then up to 59 seconds shorter than a typed start and end say; a typed duration is
        kept. The minute is counted in UTC: on the night clocks go back, a minute after
        02:59 is not 03:00."""
        start = start.astimezone(UTC)
        ended = (
            TimeEntry.objects.filter(
                user_id=self.instance.user_id,
                duration_only=False,
                end__gt=start,
                end__lt=start + timedelta(minutes=1),
            )
            .exclude(pk=self.instance.pk)
            .order_by("-end")
            .values_list("end", flat=True)
            .first()
        )
        return ended or start

    def _kept(self, cleaned, day, name: str, stored, value):
        """The stored moment, to the second, where its field was left as shown."""
        shown = self.shown
        if stored is None or not shown:
            return value
        if day == shown["date"] and (cleaned.get(name) or "").strip() == shown.get(name):
            return stored
        return value

    def _untouched(self, cleaned, day) -> bool:
        """An existing entry saved with its times as shown keeps them exactly."""
        shown = self.shown
        if not shown:
            return False
        typed = {name: (cleaned.get(name) or "") for name in ("start_time", "end_time")}
        typed["duration"] = cleaned.get("duration") or ""
        return day == shown["date"] and all(
            typed[name].strip() == shown.get(name, "") for name in typed
        )

    def save(self, commit=True):
        self.instance.auto_stopped = False  # a person has now set the end
        if not commit:
            return super().save(commit)
        with transaction.atomic():  # the entry with its tags, as anything listening sees it
            entry = super().save(commit)
            entry.tags.set(Tag.objects.for_names(self.cleaned_data["tags"]))
        return entry


class ClientForm(forms.ModelForm):
    class Meta:
        model = Client
        fields = ["name", "email", "billing_address", "tax_id", "archived"]
        widgets = {"billing_address": forms.Textarea(attrs={"rows": 4})}


class ProjectForm(forms.ModelForm):
    class Meta:
        model = Project
        fields = ["name", "client", "billable", "hourly_rate", "archived", *BUDGET_FIELDS]
        widgets = {"client": FastSelect}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["client"].empty_label = f"{INTERNAL} (no client)"
        # A project without a budget needs neither: left out, they keep their defaults.
        for name in ("budget_period", "budget_alert_percent"):
            self.fields[name].required = False

    def clean_budget_period(self):
        return self.cleaned_data["budget_period"] or Project.BudgetPeriod.TOTAL

    def clean_budget_alert_percent(self):
        percent = self.cleaned_data["budget_alert_percent"]
        return (
            Project._meta.get_field("budget_alert_percent").default if percent is None else percent
        )


class TaskForm(forms.ModelForm):
    class Meta:
        model = Task
        fields = ["project", "title", "status", "priority", "estimate_hours"]
        widgets = {"project": FastSelect}


class CurrencyField(forms.ChoiceField):
    """An ISO 4217 code from the closed list; "eur" is read as EUR."""

    def __init__(self, **kwargs):
        super().__init__(choices=currency_choices, widget=FastSelect, **kwargs)

    def to_python(self, value):
        return super().to_python(value).strip().upper()


class InvoiceForm(forms.ModelForm):
    currency = CurrencyField(initial="EUR")

    class Meta:
        model = Invoice
        fields = [
            "number",
            "client",
            "project",
            "issue_date",
            "due_date",
            "currency",
            "tax_rate",
            "payment_terms",
        ]
        field_classes = {"issue_date": BoundedDateField, "due_date": BoundedDateField}
        widgets = {
            "client": FastSelect,
            "project": FastSelect,
            "issue_date": DateInput(),
            "due_date": DateInput(),
            "payment_terms": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, suggested_number="", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tax_rate"].required = False
        if suggested_number:
            number = self.fields["number"]
            number.widget.attrs["placeholder"] = suggested_number
            number.help_text = (
                f"Leave empty for the next number of the sequence: {suggested_number}."
            )

    def clean_tax_rate(self):
        """An empty tax rate is no tax."""
        rate = self.cleaned_data["tax_rate"]
        return Decimal("0") if rate is None else rate


InvoiceItemFormSet = forms.inlineformset_factory(
    Invoice,
    InvoiceItem,
    fields=["description", "quantity", "unit_price"],
    extra=2,
    can_delete=True,
)


class BillEntriesForm(forms.Form):
    start_date = BoundedDateField(widget=DateInput())
    end_date = BoundedDateField(widget=DateInput())

    def clean(self):
        cleaned = super().clean()
        try:
            check_date_range(cleaned.get("start_date"), cleaned.get("end_date"))
        except forms.ValidationError as error:
            self.add_error("end_date", error)
        return cleaned


class CommentForm(forms.ModelForm):
    class Meta:
        model = Comment
        fields = ["text"]
        widgets = {"text": forms.Textarea(attrs={"rows": 3})}
        error_messages = {"text": {"required": "A comment needs some text."}}


class ReportFilterForm(forms.Form):
    start = BoundedDateField(required=False, widget=DateInput())
    end = BoundedDateField(required=False, widget=DateInput())
    client = RowChoiceField(
        queryset=Client.objects.all(),
        columns=["name"],
        row_label=itemgetter("name"),
        required=False,
        widget=FastSelect,
    )
    project = IdChoiceField(queryset=Project.objects.all(), required=False, widget=FastSelect)
    billable = forms.TypedChoiceField(
        choices=[("", "Billable or not"), ("yes", "Billable only"), ("no", "Not billable")],
        required=False,
        coerce=lambda value: value == "yes",
        empty_value=None,
        widget=FastSelect,
    )
    user = RowChoiceField(
        queryset=get_user_model().objects.order_by("username"),
        columns=["username"],
        row_label=itemgetter("username"),
        required=False,
        widget=FastSelect,
    )
    tag = IdMultipleChoiceField(
        queryset=Tag.objects.all(),
        required=False,
        widget=FastSelectMultiple,
        label="Tags",
        help_text="Entries with any of these tags.",
    )
    overlaps = forms.BooleanField(required=False, label="Only entries that overlap another")

    def __init__(self, *args, viewer, **kwargs):
        super().__init__(*args, **kwargs)
        if not permissions.sees_everyones_entries(viewer):
            del self.fields["user"]
        offer_recent_projects(self, viewer, archived=True)

    def clean(self):
        cleaned = super().clean()
        try:
            check_date_range(cleaned.get("start"), cleaned.get("end"))
        except forms.ValidationError as error:
            self.add_error("end", error)
        return cleaned


class PreferencesForm(forms.ModelForm):
    time_zone = forms.ChoiceField(
        required=False,
        choices=[("", "The server's time zone")] + [(name, name) for name in zone_names()],
        widget=FastSelect,
        help_text="Choosing the server's zone stores it by name, so your browser's zone "
        "never replaces it.",
    )

    def clean_time_zone(self) -> str:
        # Empty means "never chosen" (the browser's zone is then offered): a choice is a name.
        return self.cleaned_data["time_zone"] or settings.TIME_ZONE

    class Meta:
        model = Preferences
        fields = ["time_zone", "theme", "durations"]
