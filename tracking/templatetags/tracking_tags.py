from datetime import datetime
from decimal import Decimal

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as format_date
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from tracking import permissions
from tracking.models import clock_duration, seconds_to_hours, shown_duration
from tracking.money import format_money

register = template.Library()


@register.filter
def hours(seconds) -> Decimal:
    """Seconds as decimal hours with two places: 5400 → 1.50."""
    return seconds_to_hours(seconds)


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
def day(moment) -> str:
    """A date as "Mon 3 Nov", with the year whenever it is not this year ("Mon 3 Nov 2025").

    ``moment`` may be a date or an aware datetime (shown in the current zone).
    """
    if not moment:
        return ""
    if isinstance(moment, datetime):
        moment = timezone.localtime(moment)
    pattern = "D j M" if moment.year == timezone.localdate().year else "D j M Y"
    return format_date(moment, pattern)


@register.filter
def day_time(moment) -> str:
    """A moment as "Mon 3 Nov 14:05" (with the year when it is not this year)."""
    if not moment:
        return ""
    return f"{day(moment)} {format_date(timezone.localtime(moment), 'H:i')}"


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


@register.filter
def sees_everyones_entries(user) -> bool:
    return permissions.sees_everyones_entries(user)
