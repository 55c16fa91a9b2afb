"""Every product event TimeTracker can send, with the only properties each may carry.

The emitter refuses anything not declared here, so a payload can never carry more than
this file allows: numbers, yes/no flags, values from closed sets and lists of field names.
Never a name, an email, a note, a title, a number typed by a person, a URL or an IP.
``docs/all_tracked_events.md`` is generated from this module (``manage.py telemetry docs``).
"""

import re
from dataclasses import dataclass, field

import pycountry

from imports.names import FAILURE_KINDS, FORMAT_NAMES


class CatalogError(ValueError):
    """An event or property that the catalog does not allow."""


class Int:
    label = "integer"

    def accepts(self, value) -> bool:
        return isinstance(value, int) and not isinstance(value, bool)


class Bool:
    label = "boolean"

    def accepts(self, value) -> bool:
        return isinstance(value, bool)


class CurrencyCode:
    """An ISO 4217 currency code: a closed set of three-letter codes, never an amount."""

    label = "an ISO 4217 currency code"

    def accepts(self, value) -> bool:
        return isinstance(value, str) and pycountry.currencies.get(alpha_3=value) is not None


class Enum:
    """A short string from a closed set."""

    def __init__(self, *choices: str):
        self.choices = frozenset(choices)
        self.label = "one of " + ", ".join(f"`{choice}`" for choice in sorted(choices))

    def accepts(self, value) -> bool:
        return isinstance(value, str) and value in self.choices


class Version:
    """A dotted version number such as ``3.11.7``: digits and dots only."""

    label = "version number (digits and dots)"
    pattern = re.compile(r"^\d{1,4}(\.\d{1,4}){0,3}$")

    def accepts(self, value) -> bool:
        return isinstance(value, str) and bool(self.pattern.match(value))


class FieldList:
    """A list of field names (never their values), each from a closed set."""

    def __init__(self, *names: str):
        self.names = frozenset(names)
        self.label = "list of field names from " + ", ".join(f"`{n}`" for n in sorted(names))

    def accepts(self, value) -> bool:
        return isinstance(value, list) and all(
            isinstance(item, str) and item in self.names for item in value
        )


@dataclass(frozen=True)
class Event:
    name: str
    description: str
    properties: dict = field(default_factory=dict)

    def validate(self, properties: dict) -> None:
        for key, value in properties.items():
            kind = self.properties.get(key)
            if kind is None:
                raise CatalogError(f"{self.name}: property {key!r} is not in the catalog")
            if not kind.accepts(value):
                raise CatalogError(f"{self.name}: {key} must be a {kind.label}")


# Properties every event carries, added by the emitter (not by callers).
COMMON_PROPERTIES = {
    "installation_id": "the random installation id (16 hex characters)",
    "app_version": "the TimeTracker version",
    "$process_person_profile": "always false: PostHog builds no person profiles",
    "$geoip_disable": "always true: PostHog must not look up a location",
}

# Bucketed counts: an order of magnitude, never an exact size.
COUNT_BUCKETS = ("0", "1", "2-5", "6-20", "21-100", "101-1000", "1001-10000", "10001+")
_BUCKET_TOPS = ((0, "0"), (1, "1"), (5, "2-5"), (20, "6-20"), (100, "21-100"))
_BUCKET_TOPS += ((1000, "101-1000"), (10000, "1001-10000"))


def bucket(count: int) -> str:
    for top, label in _BUCKET_TOPS:
        if count <= top:
            return label
    return COUNT_BUCKETS[-1]


# How long a forgotten timer ran, bucketed: the limit is at most 72 hours.
AUTO_STOP_HOURS = ("1-4", "5-8", "9-12", "13-24", "25-72")


def hours_bucket(hours: int) -> str:
    for top, label in ((4, "1-4"), (8, "5-8"), (12, "9-12"), (24, "13-24")):
        if hours <= top:
            return label
    return AUTO_STOP_HOURS[-1]


TASK_STATUS = Enum("todo", "in_progress", "done")
INVOICE_STATUS = Enum("draft", "sent", "paid")
BUSINESS_PROFILE_FIELDS = FieldList(
    "legal_name",
    "address",
    "email",
    "tax_id",
    "bank_details",
    "logo",
    "invoice_number_pattern",
    "default_currency",
    "default_tax_rate",
    "payment_days",
    "payment_terms",
)
COMMENT_TARGET = Enum("project", "task")
# Where a timer or entry change came from: the web pages, the REST API, the admin, or a
# management command (anything outside a request).
SOURCE = Enum("web", "api", "admin", "command")
ENTRY_FIELDS = FieldList("project", "task", "notes", "start", "end", "billable")
USER_FIELDS = FieldList(
    "username",
    "email",
    "first_name",
    "last_name",
    "password",
    "is_active",
    "is_staff",
    "is_superuser",
)
ENVIRONMENT = {
    "python_version": Version(),
    "django_version": Version(),
    "db_vendor": Enum("sqlite", "postgresql", "mysql", "other"),
    "os_family": Enum("linux", "darwin", "windows", "other"),
}

_EVENTS = [
    Event("auth.login", "A user logged in.", {"is_staff": Bool()}),
    Event("auth.logout", "A user logged out."),
    Event(
        "auth.login_failed",
        "A login attempt failed (or was refused while logins are paused after too many "
        "failures). Only the reason is sent, never the username tried.",
        {"reason": Enum("invalid_credentials", "locked_out")},
    ),
    Event(
        "timer.started",
        "A timer started (a time entry was created without an end).",
        {"has_task": Bool(), "has_notes": Bool(), "billable": Bool(), "source": SOURCE},
    ),
    Event(
        "timer.stopped",
        "A running timer was stopped.",
        {"duration_seconds": Int(), "has_task": Bool(), "billable": Bool(), "source": SOURCE},
    ),
    Event(
        "timer.paused",
        "A running timer was paused (its stretch of work ended and can be resumed).",
        {"duration_seconds": Int(), "has_task": Bool(), "billable": Bool(), "source": SOURCE},
    ),
    Event(
        "timer.resumed",
        "A paused timer was resumed (a new stretch of the same work started).",
        {"has_task": Bool(), "billable": Bool(), "source": SOURCE},
    ),
    Event(
        "timer.auto_stopped",
        "A timer left running past TIMER_MAX_HOURS was stopped by the server.",
        {"hours_bucket": Enum(*AUTO_STOP_HOURS), "source": SOURCE},
    ),
    Event(
        "tag.created",
        "A tag was created (typed in a form, or in the admin). Never its name.",
        {"has_color": Bool()},
    ),
    Event(
        "timesheet.saved",
        "The week timesheet was saved: how many cells changed and what it did to its own "
        "entries. Never hours, days or projects.",
        {
            "cells_changed": Int(),
            "entries_created": Int(),
            "entries_updated": Int(),
            "entries_deleted": Int(),
        },
    ),
    Event("tag.deleted", "A tag was deleted or merged into another. Never its name."),
    Event(
        "entry.duplicated",
        "An entry was copied to today (its copy is also a time_entry.created). Never its "
        "notes, project or times.",
        {"duration_only": Bool(), "source": SOURCE},
    ),
    Event(
        "time_entry.created",
        "A finished time entry was added by hand.",
        {
            "duration_seconds": Int(),
            "has_task": Bool(),
            "has_notes": Bool(),
            "billable": Bool(),
            "source": SOURCE,
        },
    ),
    Event(
        "time_entry.updated",
        "A time entry was edited; lists which fields changed.",
        {"changed_fields": ENTRY_FIELDS, "source": SOURCE},
    ),
    Event(
        "time_entry.deleted",
        "A time entry was deleted: it went to the trash (a running timer stops first).",
        {"was_running": Bool(), "duration_seconds": Int(), "source": SOURCE},
    ),
    Event(
        "entry.trashed",
        "A time entry went to the trash, where it can be restored for 30 days (the same "
        "deletion is a time_entry.deleted).",
        {"source": SOURCE},
    ),
    Event(
        "calendar.viewed",
        "The calendar was shown: a week or a day, and how many entries it placed. Never "
        "which days, projects or times.",
        {"view": Enum("week", "day"), "entry_count": Int()},
    ),
    Event("entry.restored", "A time entry came back from the trash.", {"source": SOURCE}),
    Event(
        "trash.purged",
        "manage.py purge_trash removed entries that had been in the trash for 30 days.",
        {"entry_count": Int()},
    ),
    Event(
        "project.created",
        "A project was created.",
        {"billable": Bool(), "has_hourly_rate": Bool()},
    ),
    Event(
        "project.updated",
        "A project was edited; lists which fields changed.",
        {"changed_fields": FieldList("name", "client", "billable", "hourly_rate")},
    ),
    Event("project.archived", "A project was archived."),
    Event("project.unarchived", "An archived project was restored."),
    Event("project.deleted", "A project without time entries was deleted."),
    Event(
        "client.created",
        "A client was created.",
        {"has_email": Bool(), "has_billing_address": Bool(), "has_tax_id": Bool()},
    ),
    Event(
        "client.updated",
        "A client was edited; lists which fields changed.",
        {"changed_fields": FieldList("name", "email", "billing_address", "tax_id")},
    ),
    Event("client.archived", "A client was archived."),
    Event("client.unarchived", "An archived client was restored."),
    Event("client.deleted", "A client without projects was deleted."),
    Event(
        "task.created",
        "A task was created.",
        {"status": TASK_STATUS, "priority": Enum("low", "medium", "high")},
    ),
    Event(
        "task.updated",
        "A task was edited (other than its status); lists which fields changed.",
        {"changed_fields": FieldList("project", "title", "priority")},
    ),
    Event(
        "task.status_changed",
        "A task moved to another status.",
        {"from_status": TASK_STATUS, "to_status": TASK_STATUS},
    ),
    Event("task.deleted", "A task was deleted.", {"status": TASK_STATUS}),
    Event("comment.created", "A comment was posted.", {"target": COMMENT_TARGET}),
    Event("comment.updated", "A comment was edited.", {"target": COMMENT_TARGET}),
    Event("comment.deleted", "A comment was deleted.", {"target": COMMENT_TARGET}),
    Event(
        "invoice.created",
        "An invoice was created.",
        {"has_project": Bool(), "currency": CurrencyCode(), "has_tax": Bool()},
    ),
    Event(
        "invoice.updated",
        "A draft invoice was edited; lists which fields changed.",
        {
            "changed_fields": FieldList(
                "client",
                "project",
                "number",
                "issue_date",
                "due_date",
                "currency",
                "tax_rate",
                "payment_terms",
            )
        },
    ),
    Event(
        "invoice.sent",
        "An invoice was marked as sent (it is final from then on).",
        {"days_until_due": Int(), "line_count": Int(), "currency": CurrencyCode()},
    ),
    Event("invoice.paid", "An invoice was marked as paid.", {"days_since_issue": Int()}),
    Event("invoice.deleted", "A draft invoice was deleted.", {"status": INVOICE_STATUS}),
    Event(
        "invoice.entries_billed",
        "Unbilled time entries were added to a draft invoice. Counts only.",
        {"entry_count": Int(), "line_count": Int(), "overlapping_count": Int()},
    ),
    Event(
        "invoice.refreshed",
        "A draft invoice's time lines were updated from their entries.",
        {"lines_changed": Int()},
    ),
    Event(
        "invoice.pdf_downloaded",
        "An invoice was downloaded as a PDF. Never its number, names or amounts.",
        {"line_count": Int(), "currency": CurrencyCode(), "status": INVOICE_STATUS},
    ),
    Event(
        "business_profile.updated",
        "The business profile (the invoices' sender) was edited; lists which fields changed.",
        {"changed_fields": BUSINESS_PROFILE_FIELDS},
    ),
    Event(
        "api.token_created",
        "A personal API access token was created. Never the token or its name.",
        {"read_only": Bool(), "has_expiry": Bool(), "source": SOURCE},
    ),
    Event("api.token_revoked", "A personal API access token was revoked.", {"source": SOURCE}),
    Event(
        "report.viewed",
        "The reports page was viewed; lists which filters were used.",
        {
            "filters": FieldList("start", "end", "client", "project", "billable", "user", "tag"),
            "row_count": Int(),
        },
    ),
    Event(
        "export.csv",
        "Time entries were exported as CSV.",
        {"kind": Enum("entries", "report"), "row_count": Int()},
    ),
    Event(
        "import.completed",
        "A file of time entries was imported: its format and how many entries it added or "
        "skipped as already imported, bucketed. Never the file's name or anything in it.",
        {
            "format": Enum(*FORMAT_NAMES),
            "entries_bucket": Enum(*COUNT_BUCKETS),
            "skipped_bucket": Enum(*COUNT_BUCKETS),
            "source": SOURCE,
        },
    ),
    Event(
        "import.failed",
        "An import (or its preview) wrote nothing: the format and what kind of problem. "
        "Never the file's name, the row or the message.",
        {
            "format": Enum(*FORMAT_NAMES, "unknown"),
            "kind": Enum(*FAILURE_KINDS),
            "source": SOURCE,
        },
    ),
    Event(
        "webhook.created",
        "An administrator added a webhook (their own integration): how many kinds of event "
        "it receives. Never its address, its secret or anything it is sent.",
        {"event_count": Int(), "source": SOURCE},
    ),
    Event(
        "webhook.delivery_failed",
        "A webhook delivery was given up: what kind of answer the receiver gave last "
        "(no answer, a refusal, a server error). Never the address or the payload.",
        {"status_bucket": Enum("network", "3xx", "4xx", "429", "5xx")},
    ),
    Event(
        "admin.user_created",
        "A user account was created.",
        {"is_staff": Bool(), "is_superuser": Bool()},
    ),
    Event(
        "admin.user_updated",
        "A user account was edited; lists which fields changed.",
        {"changed_fields": USER_FIELDS},
    ),
    Event("admin.user_deleted", "A user account was deleted."),
    Event(
        "admin.invitations_sent",
        "An administrator emailed people a link to choose their password. Never to whom.",
        {"sent_count": Int()},
    ),
    Event("admin.telemetry_dashboard_viewed", "An admin opened the telemetry page."),
    Event(
        "admin.telemetry_toggled",
        "Telemetry was turned on (turning it off sends nothing).",
        {"enabled": Bool(), "source": Enum("setup", "admin", "command")},
    ),
    Event(
        "setup.completed",
        "First-run setup was completed.",
        {"source": Enum("setup", "command"), "created_admin": Bool()},
    ),
    Event(
        "install.first_seen",
        "Sent once per installation, when telemetry is first turned on.",
        ENVIRONMENT,
    ),
    Event(
        "install.heartbeat",
        "Sent at most once a day: versions, database and OS family, and bucketed counts.",
        {
            **ENVIRONMENT,
            "users_bucket": Enum(*COUNT_BUCKETS),
            "projects_bucket": Enum(*COUNT_BUCKETS),
            "entries_bucket": Enum(*COUNT_BUCKETS),
        },
    ),
]

EVENTS: dict[str, Event] = {event.name: event for event in _EVENTS}


def get_event(name: str) -> Event:
    try:
        return EVENTS[name]
    except KeyError:
        raise CatalogError(f"{name!r} is not in the event catalog") from None


def catalog_markdown() -> str:
    """``docs/all_tracked_events.md``, generated from this catalog."""
    lines = [
        "# All tracked events",
        "",
        "Generated from `telemetry/catalog.py` by `python manage.py telemetry docs`; "
        "do not edit by hand (a test fails when this file is stale).",
        "",
        "Nothing here is sent unless an administrator opted in (see [privacy.md](privacy.md)).",
        "Every event also carries:",
        "",
    ]
    lines += [f"- `{name}`: {description}" for name, description in COMMON_PROPERTIES.items()]
    lines += [
        "",
        '`distinct_id` is `sha256(salt + ":user:" + user id)` for the user who acted, or '
        '`sha256(salt + ":installation")` when nobody did. The salt never leaves the server.',
        "",
        f"{len(EVENTS)} events:",
        "",
        "| event | when | properties |",
        "| --- | --- | --- |",
    ]
    for event in sorted(EVENTS.values(), key=lambda item: item.name):
        properties = "<br>".join(
            f"`{name}`: {kind.label}" for name, kind in event.properties.items()
        )
        lines.append(f"| `{event.name}` | {event.description} | {properties or '—'} |")
    return "\n".join(lines) + "\n"
