"""Streaming CSV export of time entries, safe to open in a spreadsheet."""

import csv
from collections.abc import Iterable, Iterator

from django.http import StreamingHttpResponse
from django.utils import timezone

from tracking.models import seconds_to_hours
from tracking.signals import csv_exported

HEADER = [
    "date",
    "start",
    "end",
    "duration_hours",
    "user",
    "client",
    "project",
    "task",
    "billable",
    "notes",
]
COLUMNS = [
    "start",
    "end",
    "duration_seconds",
    "user__username",
    "project__client__name",
    "project__name",
    "task__title",
    "billable",
    "notes",
]
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
CHUNK_SIZE = 2000


def neutralise(value: str) -> str:
    """Defuse spreadsheet formula injection: a cell starting like a formula becomes text."""
    if value and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


class _Echo:
    """A file-like object whose write() returns the line, for csv.writer in a stream."""

    def write(self, value):
        return value


def _rows(queryset) -> Iterator[list]:
    for start, end, seconds, user, client, project, task, billable, notes in queryset.values_list(
        *COLUMNS
    ).iterator(chunk_size=CHUNK_SIZE):
        start = timezone.localtime(start)
        end = timezone.localtime(end) if end else None
        hours = str(seconds_to_hours(seconds)) if seconds is not None else ""
        yield [
            start.date().isoformat(),
            start.strftime("%H:%M:%S"),
            end.strftime("%H:%M:%S") if end else "",
            hours,
            neutralise(user),
            neutralise(client),
            neutralise(project),
            neutralise(task or ""),
            "yes" if billable else "no",
            neutralise(notes),
        ]


def _stream(queryset, *, user, kind: str) -> Iterable[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(HEADER)
    count = 0
    for row in _rows(queryset):
        count += 1
        yield writer.writerow(row)
    csv_exported.send(sender=_stream, user=user, kind=kind, row_count=count)


def csv_response(queryset, *, filename: str, user, kind: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(
        _stream(queryset.order_by("start", "pk"), user=user, kind=kind),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
