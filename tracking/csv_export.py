"""Streaming CSV export of time entries, safe to open in a spreadsheet."""

import csv
import io
from collections.abc import Iterable, Iterator

from django.http import StreamingHttpResponse
from django.utils import timezone

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
CHUNK_BYTES = 64 * 1024


def neutralise(value: str) -> str:
    """Defuse spreadsheet formula injection: a cell starting like a formula becomes text."""
    if value and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def hours_text(seconds: int) -> str:
    """Exact decimal hours, two places, rounded half up: 5400 → "1.50" (integers only)."""
    hundredths = (seconds * 100 + 1800) // 3600
    return f"{hundredths // 100}.{hundredths % 100:02d}"


def _rows(queryset) -> Iterator[tuple]:
    zone = timezone.get_current_timezone()
    for start, end, seconds, user, client, project, task, billable, notes in queryset.values_list(
        *COLUMNS
    ).iterator(chunk_size=CHUNK_SIZE):
        start = start.astimezone(zone)
        yield (
            start.date().isoformat(),
            start.strftime("%H:%M:%S"),
            end.astimezone(zone).strftime("%H:%M:%S") if end else "",
            hours_text(seconds) if seconds is not None else "",
            neutralise(user),
            neutralise(client),
            neutralise(project),
            neutralise(task or ""),
            "yes" if billable else "no",
            neutralise(notes),
        )


def _stream(queryset, *, user, kind: str) -> Iterable[str]:
    """Yield the CSV in chunks of about 64 KB: one chunk per row would cost more than the row."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    count = 0
    for row in _rows(queryset):
        writer.writerow(row)
        count += 1
        if buffer.tell() > CHUNK_BYTES:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
    csv_exported.send(sender=_stream, user=user, kind=kind, row_count=count)


def csv_response(queryset, *, filename: str, user, kind: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(
        _stream(queryset.order_by("start", "pk"), user=user, kind=kind),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
