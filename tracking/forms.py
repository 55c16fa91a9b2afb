from zoneinfo import available_timezones

from django import forms
from django.contrib.auth import get_user_model
from django.forms.utils import flatatt
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from tracking.models import (
    Client,
    Comment,
    Invoice,
    InvoiceItem,
    Preferences,
    Project,
    Task,
    TimeEntry,
)


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

    Django renders every <option> through a template; with a few hundred projects and
    tasks that was most of the dashboard's time (see docs/performance.md).
    """

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (option["value"], " selected" if option["selected"] else "", option["label"])
                for _, group, _ in widget["optgroups"]
                for option in group
            ),
        )
        return format_html(
            '<select name="{}"{}>{}</select>', widget["name"], flatatt(widget["attrs"]), options
        )


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class TaskChoiceField(forms.ModelChoiceField):
    """Tasks labelled with their project: titles alone repeat across projects."""

    def label_from_instance(self, task):
        return f"{task.project.name} · {task.title}"


class TimerStartForm(forms.Form):
    project = forms.ModelChoiceField(queryset=Project.objects.active(), widget=FastSelect)
    task = TaskChoiceField(
        queryset=Task.objects.exclude(status=Task.Status.DONE)
        .filter(project__archived=False)
        .select_related("project")
        .order_by("project__name", "title"),
        required=False,
        widget=FastSelect,
    )
    notes = forms.CharField(required=False, max_length=2000)

    def clean(self):
        cleaned = super().clean()
        project, task = cleaned.get("project"), cleaned.get("task")
        if project and task and task.project_id != project.pk:
            self.add_error("task", "This task belongs to another project.")
        return cleaned


class TimeEntryForm(forms.ModelForm):
    class Meta:
        model = TimeEntry
        fields = ["project", "task", "notes", "start", "end", "billable"]
        widgets = {
            "project": FastSelect,
            "task": FastSelect,
            "start": DateTimeLocalInput(),
            "end": DateTimeLocalInput(),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if not self.instance.pk:
            self.fields["project"].queryset = Project.objects.active()
        self.fields["end"].help_text = "Leave empty to keep the timer running."

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("start") and cleaned.get("end") is None and "end" not in self.errors:
            owner = self.instance.user if self.instance.pk else self.user
            others = TimeEntry.objects.running().filter(user=owner).exclude(pk=self.instance.pk)
            if others.exists():
                self.add_error("end", "A timer is already running: give this entry an end.")
        return cleaned

    def save(self, commit=True):
        if not self.instance.pk:
            self.instance.user = self.user
        return super().save(commit)


class ClientForm(forms.ModelForm):
    class Meta:
        model = Client
        fields = ["name", "email", "archived"]


class ProjectForm(forms.ModelForm):
    class Meta:
        model = Project
        fields = ["name", "client", "billable", "hourly_rate", "archived"]
        widgets = {"client": FastSelect}


class TaskForm(forms.ModelForm):
    class Meta:
        model = Task
        fields = ["project", "title", "status", "priority"]
        widgets = {"project": FastSelect}


class InvoiceForm(forms.ModelForm):
    class Meta:
        model = Invoice
        fields = ["number", "client", "project", "issue_date", "due_date", "currency"]
        widgets = {
            "client": FastSelect,
            "project": FastSelect,
            "issue_date": DateInput(),
            "due_date": DateInput(),
        }

    def clean_currency(self):
        currency = self.cleaned_data["currency"].upper()
        if len(currency) != 3 or not currency.isalpha():
            raise forms.ValidationError("Use a three-letter currency code such as EUR.")
        return currency


InvoiceItemFormSet = forms.inlineformset_factory(
    Invoice,
    InvoiceItem,
    fields=["description", "quantity", "unit_price"],
    extra=2,
    can_delete=True,
)


class BillEntriesForm(forms.Form):
    start_date = forms.DateField(widget=DateInput())
    end_date = forms.DateField(widget=DateInput())

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start_date"), cleaned.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", "The end date cannot be before the start date.")
        return cleaned


class CommentForm(forms.ModelForm):
    class Meta:
        model = Comment
        fields = ["text"]
        widgets = {"text": forms.Textarea(attrs={"rows": 3})}


class ReportFilterForm(forms.Form):
    start = forms.DateField(required=False, widget=DateInput())
    end = forms.DateField(required=False, widget=DateInput())
    project = forms.ModelChoiceField(
        queryset=Project.objects.all(), required=False, widget=FastSelect
    )
    user = forms.ModelChoiceField(
        queryset=get_user_model().objects.order_by("username"), required=False, widget=FastSelect
    )

    def __init__(self, *args, viewer, **kwargs):
        super().__init__(*args, **kwargs)
        if not viewer.is_staff:
            del self.fields["user"]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("start") and cleaned.get("end") and cleaned["end"] < cleaned["start"]:
            self.add_error("end", "The end date cannot be before the start date.")
        return cleaned


class PreferencesForm(forms.ModelForm):
    time_zone = forms.ChoiceField(
        required=False,
        choices=[("", "The server's time zone")]
        + [(name, name) for name in sorted(available_timezones())],
        widget=FastSelect,
    )

    class Meta:
        model = Preferences
        fields = ["time_zone"]
