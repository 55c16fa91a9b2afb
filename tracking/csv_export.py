"""Streaming CSV export of time entries, safe to open in a spreadsheet."""

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import UTC
from decimal import Decimal

from babel.numbers import get_currency_precision
from django.db import connections
from django.db.models import CharField, F, Sum
from django.db.models.functions import Cast
from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone

from tracking.models import BusinessProfile, TimeEntry, hundredths_of_hours
from tracking.money import Allocation, time_amount, units_text
from tracking.signals import csv_exported

HEADER = [
    "date",
    "start",
    "end",
    "duration_hours",
    "duration_seconds",
    "user",
    "client",
    "project",
    "task",
    "billable",
    "hourly_rate",
    "billable_amount",
    "notes",
    "tags",
]
COLUMNS = [
    "start",
    "end",
    "day",
    "duration_only",
    "duration_seconds",
    "user__username",
    "project__client__name",
    "project__name",
    "task__title",
    "billable",
    "project__hourly_rate",
    "project_id",
    "notes",
    "pk",
]
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
CHUNK_SIZE = 2000
TAGS_READ_AT_ONCE = 200_000
CHUNK_BYTES = 64 * 1024


def neutralise(value: str) -> str:
    """Defuse spreadsheet formula injection: a cell starting like a formula becomes text."""
    if value and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def hours_text(seconds: int) -> str:
    """Decimal hours as text, like seconds_to_hours but without a Decimal per row: "1.50"."""
    hundredths = hundredths_of_hours(seconds)
    return f"{hundredths // 100}.{hundredths % 100:02d}"


def _cents(rate) -> int:
    # Raw cursors give SQLite's decimals as numbers, PostgreSQL's as Decimal: via text, exact.
    return int((Decimal(str(rate)) * 100).to_integral_value())


def _database_rows(queryset) -> Iterator[tuple]:
    """The query's rows straight from a database cursor, in chunks, each with its tags.

    Below the ORM on purpose: Django's per-value converters cost more than everything else
    in a large export (docs/performance.md). ``chunked_cursor`` is a server-side cursor on
    PostgreSQL, so memory stays flat however many rows there are. The last column is the
    entry's id; the tag names of a chunk's entries come from one query per chunk.
    """
    sql, params = queryset.query.get_compiler(queryset.db).as_sql()
    through = TimeEntry.tags.through.objects.using(queryset.db)
    # Few tag assignments (the usual case) are read once; many, a chunk's worth at a time.
    all_tags = _tag_names(through) if through.count() <= TAGS_READ_AT_ONCE else None
    with connections[queryset.db].chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(CHUNK_SIZE):
            tags = all_tags
            if tags is None:
                tags = _tag_names(through.filter(timeentry_id__in=[row[-1] for row in rows]))
            for row in rows:
                yield (*row[:-1], tags.get(row[-1], ""))


def _tag_names(assignments) -> dict:
    """``{entry id: "tag; tag"}`` for the entries among ``assignments``."""
    names: dict = {}
    pairs = assignments.values_list("timeentry_id", "tag__name")
    for entry_id, name in pairs.order_by("timeentry_id", "tag__name"):
        names[entry_id] = f"{names[entry_id]}; {name}" if entry_id in names else name
    return names


def _in_zone(moment, zone):
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(zone)


def _allocations(queryset, currency: str) -> dict[int, tuple[Allocation, bool]]:
    """Each priced project's amount in this export, as a report prices it, to be shared out
    over its rows in proportion to each row's own hours to the hundredth, so that a row
    shows its hours times the rate (to within the unit where the project's rounding differs)
    and the column adds up to the report's billable amount, in any currency
    (queries.Report). Rows too short to make a hundredth of an hour share by seconds when
    they are all there is. Returns {project: (allocation, by seconds?)}."""
    priced = queryset.filter(billable=True, end__isnull=False, project__hourly_rate__isnull=False)
    rows = priced.values("project_id", "project__hourly_rate").annotate(
        seconds=Sum("duration_seconds"),
        hundredths=Sum((F("duration_seconds") * 100 + 1800) / 3600),  # hundredths_of_hours
    )
    allocations = {}
    for row in rows.order_by():
        amount = time_amount(row["seconds"], row["project__hourly_rate"], currency)
        by_seconds = not row["hundredths"]
        weight = row["seconds"] if by_seconds else row["hundredths"]
        allocations[row["project_id"]] = (Allocation(amount, weight, currency), by_seconds)
    return allocations


def _share(allocation: tuple[Allocation, bool], seconds: int, precision: int) -> str:
    shares, by_seconds = allocation
    weight = seconds if by_seconds else hundredths_of_hours(seconds)
    return units_text(shares.take_units(weight), precision)


def _rows(queryset, zone, currency: str) -> Iterator[tuple]:
    in_utc = str(zone) == "UTC"
    if in_utc:
        # Both databases print a UTC timestamp as "YYYY-MM-DD HH:MM:SS…": take the text as
        # it is instead of parsing a datetime only to format it again.
        queryset = queryset.annotate(
            start_text=Cast("start", CharField()), end_text=Cast("end", CharField())
        )
        columns = ["start_text", "end_text", *COLUMNS[2:]]
    else:
        columns = COLUMNS
    allocations = _allocations(queryset, currency)
    precision = get_currency_precision(currency)
    rows = _database_rows(queryset.values_list(*columns))
    rate_cents: dict = {}  # a handful of distinct rates: each converted once
    for row in rows:
        start, end, day, duration_only, seconds, user, client, project, task = row[:9]
        billable, rate, project_id, notes, tags = row[9:]
        if rate is not None and rate not in rate_cents:
            rate_cents[rate] = _cents(rate)
        priced = billable and rate is not None and seconds is not None
        if duration_only:
            start = end = ""  # a length of time on its day, with no clock time
        elif not in_utc:
            start = _in_zone(start, zone).isoformat()
            end = _in_zone(end, zone).isoformat() if end is not None else None
        yield (
            str(day),  # its own day, whatever zone is chosen later (a date or SQLite's text)
            start[11:19],
            end[11:19] if end is not None else "",
            hours_text(seconds) if seconds is not None else "",
            seconds if seconds is not None else "",
            neutralise(user),
            neutralise(client),
            neutralise(project),
            neutralise(task or ""),
            "yes" if billable else "no",
            f"{rate_cents[rate] // 100}.{rate_cents[rate] % 100:02d}" if rate is not None else "",
            _share(allocations[project_id], seconds, precision) if priced else "",
            neutralise(notes),
            neutralise(tags),
        )


def _stream(queryset, *, zone, currency: str, user, kind: str) -> Iterable[str]:
    """Yield the CSV in chunks of about 64 KB: one chunk per row would cost more than the row."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    count = 0
    for row in _rows(queryset, zone, currency):
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
        # By start alone: the covering index yields that order without sorting a million rows.
        # The zone is taken now: the body is produced after the middleware has returned.
        _stream(
            queryset.order_by("start"),
            zone=timezone.get_current_timezone(),
            currency=BusinessProfile.load().default_currency,
            user=user,
            kind=kind,
        ),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def invalid_filters(form) -> HttpResponse:
    """A CSV request with bad filters: 400 and the form's messages as plain text."""
    lines = [
        f"{form.fields[name].label or name if name in form.fields else 'filters'}: {error}"
        for name, errors in form.errors.items()
        for error in errors
    ]
    return HttpResponse(
        "The export was not made:\n" + "\n".join(lines) + "\n",
        status=400,
        content_type="text/plain; charset=utf-8",
    )
