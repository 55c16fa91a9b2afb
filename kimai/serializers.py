"""Kimai 2's shapes of our records, and its timesheet fields translated to ours.

Reading: customer = client, project = project, activity = task, timesheet = time entry,
tag = tag. Entries without a task show the one global activity ``NO_TASK`` (Kimai clients
need an activity on every timesheet), and projects without a client the one customer
``NO_CLIENT``, "Internal" (they need a customer on every project). Writing: a Kimai
timesheet's fields become the fields of ``/api/v1/``'s ``EntrySerializer``, which validates
and saves them: one rule for both APIs.
"""

from decimal import Decimal

from django.utils import timezone
from rest_framework import serializers

from api.serializers import MomentField, entry_locked, id_number
from tracking.models import INTERNAL, Client
from tracking.money import time_amount

# The global activity standing for "no task": the largest id a 32-bit client reads (Kemai
# reads ids as Qt ints), far beyond any task's.
NO_TASK = 2**31 - 1
NO_TASK_NAME = "(no task)"
# The customer standing for "no client" (internal work), the same way and the same id (a
# different list); never saved.
NO_CLIENT = NO_TASK
INTERNAL_CUSTOMER = Client(pk=NO_CLIENT, name=INTERNAL)
# Kimai writes moments in the person's zone with the offset: 2026-03-02T09:00:00+0100.
MOMENT_FORMAT = "%Y-%m-%dT%H:%M:%S%z"


def moment(value) -> str | None:
    return None if value is None else timezone.localtime(value).strftime(MOMENT_FORMAT)


def customer(client, currency: str, entity: bool = False) -> dict:
    """A client; ``None`` (a project's missing client) is ``INTERNAL_CUSTOMER``."""
    client = client or INTERNAL_CUSTOMER
    data = {
        "id": client.pk,
        "name": client.name,
        "number": None,
        "comment": None,
        "visible": not client.archived,
        "billable": True,
        "currency": currency,
        "color": None,
        "metaFields": [],
        "teams": [],
    }
    if entity:
        data |= {
            "company": client.name,
            "vatId": client.tax_id or None,
            "contact": None,
            "address": client.billing_address or None,
            "country": "",
            "phone": None,
            "fax": None,
            "mobile": None,
            "email": client.email or None,
            "homepage": None,
            "timezone": timezone.get_current_timezone_name(),
            "budget": 0.0,
            "timeBudget": 0,
            "budgetType": None,
        }
    return data


def project(project, entity: bool = False) -> dict:
    """A project; with its client's name as ``parentTitle`` (the project's client must be
    loaded)."""
    data = {
        "parentTitle": project.client_name,
        "customer": project.client_id or NO_CLIENT,
        "id": project.pk,
        "name": project.name,
        "start": None,
        "end": None,
        "comment": None,
        "visible": not project.archived,
        "billable": project.billable,
        "globalActivities": True,
        "number": None,
        "color": None,
        "metaFields": [],
        "teams": [],
    }
    if entity:
        data |= {
            "orderNumber": None,
            "orderDate": None,
            "budget": float(project.budget_amount or 0),
            "timeBudget": int((project.budget_hours or 0) * 3600),
            "budgetType": "month" if project.budget_period == "month" else None,
        }
    return data


def activity(task) -> dict:
    """A task as an activity of its project (its project must be loaded), or ``None`` as
    the global ``NO_TASK`` activity."""
    if task is None:
        return {
            "parentTitle": None,
            "project": None,
            "id": NO_TASK,
            "name": NO_TASK_NAME,
            "comment": None,
            "visible": True,
            "billable": True,
            "number": None,
            "color": None,
            "metaFields": [],
            "teams": [],
        }
    return {
        "parentTitle": task.project.name,
        "project": task.project_id,
        "id": task.pk,
        "name": task.title,
        "comment": None,
        "visible": task.is_open,
        "billable": task.project.billable,
        "number": None,
        "color": None,
        "metaFields": [],
        "teams": [],
    }


def timesheet(entry, currency: str, expanded: bool = False, entity: bool = False) -> dict:
    """An entry as a Kimai timesheet: ids for its activity, project and user, or (expanded)
    the activity and the project with its customer nested. Its project and task (with the
    task's project) must be loaded, and its tags."""
    rate = entry.project.hourly_rate or Decimal(0)
    seconds = entry.duration_seconds or 0
    amount = float(time_amount(seconds, rate, currency)) if entry.billable else 0.0
    data = {
        "activity": entry.task_id or NO_TASK,
        "project": entry.project_id,
        "user": entry.user_id,
        "tags": sorted(tag.name for tag in entry.tags.all()),
        "id": entry.pk,
        "begin": moment(entry.start),
        "end": moment(entry.end),
        "duration": seconds,
        "description": entry.notes or None,
        "rate": amount,
        "internalRate": amount,
        "exported": entry_locked(entry),
        "billable": entry.billable,
        "metaFields": [],
    }
    if entity:
        data |= {"fixedRate": None, "hourlyRate": float(rate)}
    if expanded:
        data["activity"] = activity(entry.task)
        data["project"] = project(entry.project) | {
            "customer": customer(entry.project.client, currency)
        }
    return data


class TagsField(serializers.Field):
    """Tag names as Kimai sends them: one comma-separated string, or a list."""

    default_error_messages = {"invalid": "Give the tags as a comma-separated text or a list."}

    def to_internal_value(self, value):
        if isinstance(value, str):
            value = value.split(",")
        if not isinstance(value, list) or not all(isinstance(name, str) for name in value):
            self.fail("invalid")
        return [name.strip() for name in value if name.strip()]


def activity_to_task(activity: int | None) -> int | None:
    """An activity's id as a task's: ``NO_TASK`` (or null) is none."""
    return None if activity == NO_TASK else activity


class NotOffered(serializers.Field):
    """A Kimai field TimeTracker keeps elsewhere: accepted when it says what is already so
    (``allowed``), refused with ``message`` otherwise."""

    def __init__(self, message: str, allowed=(None,), **kwargs):
        self.message, self.allowed = message, allowed
        super().__init__(required=False, allow_null=True, **kwargs)

    def to_internal_value(self, data):
        if data not in self.allowed:
            raise serializers.ValidationError(self.message)
        return data

    def validate_empty_values(self, data):
        if data is None:
            return True, None
        return super().validate_empty_values(data)


class TimesheetSerializer(serializers.Serializer):
    """A timesheet as Kimai clients write it. Moments without an offset are in the person's
    zone; no ``end`` is a running timer. Fields Kimai does not know are refused."""

    begin = MomentField(required=False)
    end = MomentField(required=False, allow_null=True)
    project = id_number()
    activity = id_number(required=False, allow_null=True)
    description = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    tags = TagsField(required=False)
    billable = serializers.BooleanField(required=False)
    user = serializers.IntegerField(required=False, allow_null=True)
    exported = NotOffered("Time is exported by sending its invoice.", allowed=(None, False))
    fixedRate = NotOffered("Rates are set on the project.")
    hourlyRate = NotOffered("Rates are set on the project.")
    internalRate = NotOffered("Rates are set on the project.")
    duration = NotOffered("Give the end instead of the duration.")

    # Our entry's field for each of Kimai's, both ways.
    OURS = {
        "begin": "start",
        "end": "end",
        "project": "project",
        "activity": "task",
        "description": "notes",
        "tags": "tags",
        "billable": "billable",
    }
    THEIRS = {ours: theirs for theirs, ours in OURS.items()}

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError(
                    {name: ["This field is not expected."] for name in unknown}
                )
        return super().to_internal_value(data)

    def validate_user(self, user):
        if user is not None and user != self.context["request"].user.pk:
            raise serializers.ValidationError("Timesheets are recorded for yourself.")
        return user

    def entry_data(self) -> dict:
        """The validated fields as ``EntrySerializer`` takes them."""
        data = {
            self.OURS[theirs]: value
            for theirs, value in self.validated_data.items()
            if theirs in self.OURS
        }
        if "task" in data:
            data["task"] = activity_to_task(data["task"])
        if "notes" in data:
            data["notes"] = data["notes"] or ""
        return data

    @classmethod
    def kimai_errors(cls, errors: dict) -> dict:
        """``EntrySerializer``'s errors under Kimai's field names."""
        return {cls.THEIRS.get(name, name): messages for name, messages in errors.items()}
