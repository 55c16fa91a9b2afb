from decimal import Decimal

from django import template

from tracking import permissions
from tracking.models import seconds_to_hours
from tracking.money import format_money

register = template.Library()


@register.filter
def hours(seconds) -> Decimal:
    """Seconds as decimal hours with two places: 5400 → 1.50."""
    return seconds_to_hours(seconds)


@register.filter
def duration(delta) -> str:
    """A timedelta as H:MM:SS."""
    seconds = max(0, int(delta.total_seconds()))
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


@register.filter
def may_change(user, comment) -> bool:
    """``{% if user|may_change:comment %}``: the permission policy, asked from a template."""
    return permissions.can_change_comment(user, comment)


@register.filter
def money(amount, currency: str) -> str:
    """``{{ amount|money:invoice.currency }}``: written as that currency is written."""
    return format_money(amount, currency)
