from html import escape as escape_html

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.text import Truncator

from tracking import permissions
from tracking.models import TimeEntry, clock_duration, shown_duration
from tracking.moments import EN_DASH, clock, day, day_time
from tracking.money import format_money

register = template.Library()
register.filter("day", day)
register.filter("day_time", day_time)


@register.filter
def hm(seconds) -> str:
    """Seconds as every page shows a duration: H:MM (5400 → "1:30"), or decimal hours
    ("1.50 h") for people who prefer them."""
    return shown_duration(seconds)


@register.filter
def duration(delta) -> str:
    """A timedelta as H:MM:SS."""
    return clock_duration(delta.total_seconds(), exact=True)


@register.filter
def may_change(user, comment) -> bool:
    """``{% if user|may_change:comment %}``: the permission policy, asked from a template."""
    return permissions.can_change_comment(user, comment)


@register.filter
def money(amount, currency: str) -> str:
    """``{{ amount|money:invoice.currency }}``: written as that currency is written."""
    return format_money(amount, currency)


@register.filter
def time_or_day_time(moment) -> str:
    """A moment as "14:05" when it is today in the viewer's zone, else as ``day_time``: a
    timer started last night says on which day."""
    if not moment:
        return ""
    if timezone.localtime(moment).date() == timezone.localdate():
        return clock(moment)
    return day_time(moment)


@register.simple_tag(takes_context=True)
def nav_link(context, url_name, label, shortcut=""):
    """A navigation link, marked ``aria-current="page"`` on its own section's pages;
    ``shortcut`` names it for the keyboard shortcuts (static/js/app.js)."""
    url = reverse(url_name)
    path = context["request"].path
    current = path == url or (url != "/" and path.startswith(url))
    return format_html(
        '<a href="{}"{}{}>{}</a>',
        url,
        format_html(' data-shortcut="{}"', shortcut) if shortcut else "",
        mark_safe(' aria-current="page"') if current else "",
        label,
    )


@register.simple_tag
def entry_rows(entries, entries_url: str, form_id: str, show_user: bool = False) -> str:
    """The rows of an entry table (tracking/_entry_rows.html) of ``entries`` fetched
    ``for_rows``, written here rather than by the template language: a page of 50 rows took
    15 ms of template work, most of a list's time (docs/performance.md). Every text is
    escaped with ``html.escape``."""
    return mark_safe("".join(_entry_row(e, entries_url, form_id, show_user) for e in entries))  # noqa: S308


def _entry_row(entry, entries_url: str, form_id: str, show_user: bool) -> str:
    # Reads the entry's ROW_COLUMNS only (tracking/models/entries.py): a column read here
    # and not listed there costs a query per row.
    project = escape_html(entry.project.name)
    if entry.duration_only:
        when = '<span class="muted">no clock time</span>'
    else:
        end = clock(entry.end) if entry.end else "<em>running</em>"
        when = f'<span class="nowrap">{clock(entry.start)}{EN_DASH}{end}</span>'
    marks = [f' <span class="tag">{escape_html(tag.name)}</span>' for tag in entry.tag_list]
    overlaps = getattr(entry, "overlaps", False)  # where the list marks it
    for shown, text in [
        (entry.pause == TimeEntry.Pause.PAUSED, '<span class="tag">paused</span>'),
        (entry.auto_stopped, '<span class="tag">stopped automatically</span>'),
        (entry.source == TimeEntry.Source.TIMESHEET, '<span class="tag">timesheet</span>'),
        (entry.source == TimeEntry.Source.IMPORT, '<span class="tag">imported</span>'),
        (overlaps, '<span class="badge overlap">overlaps</span>'),
        (entry.invoice_item_id, '<span class="badge">invoiced</span>'),
    ]:
        if shown:
            marks.append(f" {text}")
    user = (
        f'<td data-label="User">{escape_html(entry.user.get_username())}</td>' if show_user else ""
    )
    if entry.is_running:
        duration, action = "<em>running</em>", ""
    else:
        duration = shown_duration(entry.duration_seconds)
        action = (
            f'<button type="submit" form="{form_id}" formaction="{entries_url}{entry.pk}/'
            'continue/" title="Start a new timer like this entry" '
            f'aria-label="Continue {project}">Continue</button>'
        )
    running = ' class="running"' if entry.is_running else ""
    return (
        f"<tr{running}>"
        f'<td data-label="Date">{day(entry.day)}</td>'
        f'<td data-label="Time">{when}</td>'
        f'<td data-label="Project"><a href="{entries_url}{entry.pk}/">{project}</a></td>'
        f'<td data-label="Task">{escape_html(entry.task.title) if entry.task else ""}</td>'
        f'<td data-label="Notes">{escape_html(_shortened(entry.notes))}{"".join(marks)}'
        f"</td>{user}"
        f'<td class="num" data-label="Duration">{duration}</td><td>{action}</td></tr>'
    )


@register.simple_tag
def timesheet_rows(rows) -> str:
    """The timesheet's rows (tracking/timesheet.html, ``views.timesheet._context``), written
    here for the reason ``entry_rows`` is: a busy week has hundreds of cells, which took most
    of the page's time in the template language. A cell is named by its project's row header
    and its day's column header (ids ``p<project>`` and ``d<0-6>``). Kept small, as a week
    of 57 projects is 400 cells: static/js/app.js gives the cells their decimal keyboard on
    phones (``inputmode``), and a cell's ``</td>`` is left out where HTML allows it."""
    return mark_safe("".join(_timesheet_row(row) for row in rows))  # noqa: S308


def _timesheet_row(row) -> str:
    project = row["project"]
    cells = "".join(
        f"<td>{_timesheet_input(cell, f'p{project.pk} d{day}')}"
        for day, cell in enumerate(row["inputs"])
    )
    return (
        f'<tr data-row><th scope="row" id="p{project.pk}">{escape_html(project.name)} '
        f"<small>{escape_html(project.client_name)}</small></th>{cells}"
        f'<td class="num" data-row-total>{row["total"]}</td></tr>'
    )


def _timesheet_input(cell: dict, labelled_by: str) -> str:
    name = cell["name"]
    attributes = [f'name="{name}"']
    if cell["value"]:
        attributes.append(f'value="{escape_html(cell["value"])}"')
    attributes.append(f'aria-labelledby="{labelled_by}"')
    if cell["seconds"]:
        attributes.append(f'data-seconds="{cell["seconds"]}"')
    if cell["value"] != cell["shown"]:  # typed, and not saved: what it showed before
        attributes.append(f'data-shown="{cell["shown"]}"')
    if cell["error"]:
        attributes.append(f'id="{name}" aria-invalid="true" aria-describedby="{name}-error"')
    elif cell["billed"]:
        attributes.append('aria-describedby="billed-help"')
    if cell["billed"]:
        attributes.append('readonly title="Billed on an invoice"')
    if cell["focus"]:
        attributes.append("autofocus")
    return f"<input {' '.join(attributes)}>"


def _shortened(notes: str, length: int = 60) -> str:
    """Notes as a list shows them: cut to ``length`` characters, with an ellipsis."""
    return notes if len(notes) <= length else Truncator(notes).chars(length)


@register.simple_tag
def calendar_day(day, entries_url: str, new_url: str, back: str) -> str:
    """A calendar day's gaps to fill and its entries' blocks (tracking/calendar.html,
    ``tracking.calendar``), written here for the reason ``entry_rows`` is: a busy week's
    blocks in the template language were most of the calendar's time."""
    add_url = f"{new_url}?date={day.date.isoformat()}"
    parts = [
        f'<a class="cal-gap cal-at-{gap.row} cal-span-{gap.span}" href="{add_url}&amp;start_time='
        f'{clock(gap.start)}&amp;end_time={clock(gap.end)}&amp;next={escape_html(back)}">Gap '
        f'{shown_duration(gap.seconds)}<span class="visually-hidden"> from '
        f"{clock(gap.start)} to {clock(gap.end)}: add it</span></a>"
        for gap in day.gaps
    ]
    for block in day.blocks:
        entry = block.entry
        running = " running" if block.running else ""
        overlaps = '<span class="badge overlap">overlaps</span> ' if block.overlaps else ""
        task = f" · {escape_html(entry.task.title)}" if entry.task else ""
        notes = (
            f' <span class="muted">{escape_html(_shortened(entry.notes, 40))}</span>'
            if entry.notes
            else ""
        )
        parts.append(
            f'<a class="cal-entry cal-at-{block.row} cal-span-{block.span} lane-{block.lane}'
            f'{running}" href="{entries_url}{entry.pk}/">{overlaps}<span class="cal-time">'
            f"{clock(block.start)}{EN_DASH}{'now' if block.running else clock(block.end)}"
            f"</span> <strong>{escape_html(entry.project.name)}</strong>{task}{notes}</a>"
        )
    return mark_safe("".join(parts))  # noqa: S308


@register.simple_tag
def priced_rows(groups, currency: str, with_client: bool = False) -> str:
    """The rows of a report's table by project (``with_client``: its client too), client
    or person: the label, the time and the billable amount ("—" where time is not priced).
    Written here for the same reason as ``entry_rows``: 200 projects were 200 rows of
    template work."""
    columns = 4 if with_client else 3
    if not groups:
        return mark_safe(f'<tr><td colspan="{columns}" class="muted">—</td></tr>')  # noqa: S308
    rows = []
    for group in groups:
        client = f"<td>{escape_html(group.detail)}</td>" if with_client else ""
        amount = "—" if group.amount is None else escape_html(format_money(group.amount, currency))
        rows.append(
            f"<tr><td>{escape_html(group.label)}</td>{client}"
            f'<td class="num">{shown_duration(group.seconds)}</td>'
            f'<td class="num">{amount}</td></tr>'
        )
    return mark_safe("".join(rows))  # noqa: S308


@register.simple_tag
def chart_bars(chart: dict, bucket: str) -> str:
    """The report chart's bars (``views.reports._chart``): one focusable group each, read out
    by its label, with its date below it (the month's number in a chart by month, else the
    day's). Written here: a report of all time has a bar a month, hundreds of them."""
    height, width = chart["height"], chart["bar_width"]
    bars = []
    for bar in chart["bars"]:
        start, x, label = bar["start"], bar["x"], escape_html(bar["label"])
        bars.append(
            f'<g class="bar" data-day="{start.isoformat()}" tabindex="0" role="img" '
            f'aria-label="{label}">'
            f'<rect x="{x}" y="{height - 1}" width="{width}" height="1" class="baseline"></rect>'
            f'<rect x="{x}" y="{bar["y"]}" width="{width}" height="{bar["height"]}"></rect>'
            f'<text x="{x}" y="{height + 14}">{start.month if bucket == "month" else start.day}'
            f"</text><title>{label}</title></g>"
        )
    return mark_safe("".join(bars))  # noqa: S308
