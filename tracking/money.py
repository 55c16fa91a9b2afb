"""Money: rounding to a currency's minor unit, an invoice's net/tax/gross, and display.

Every amount shown (invoice page, print view, PDF, admin, reports, CSV) is computed and
formatted here, so the same invoice reads the same everywhere.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from babel.numbers import format_currency, get_currency_precision
from django.conf import settings
from django.utils.translation import to_locale

HUNDRED = Decimal(100)


def quantum(currency: str) -> Decimal:
    """The smallest amount of ``currency``: 0.01 for EUR, 1 for JPY, 0.001 for BHD."""
    return Decimal(1).scaleb(-get_currency_precision(currency))


def round_money(amount, currency: str) -> Decimal:
    """``amount`` rounded half up to the currency's minor unit."""
    return Decimal(amount).quantize(quantum(currency), ROUND_HALF_UP)


def line_amount(quantity, unit_price, currency: str) -> Decimal:
    return round_money(Decimal(quantity) * Decimal(unit_price), currency)


def format_money(amount, currency: str) -> str:
    """``amount`` written the way ``currency`` is written: "€1,234.50", "¥1,235"."""
    return format_currency(amount, currency, locale=to_locale(settings.LANGUAGE_CODE))


@dataclass(frozen=True)
class Totals:
    """An invoice's net (the sum of its rounded lines), tax on the net, and gross."""

    net: Decimal
    tax: Decimal
    gross: Decimal
    currency: str

    @classmethod
    def of(cls, net, tax_rate, currency: str) -> "Totals":
        net = round_money(net, currency)
        tax = round_money(net * Decimal(tax_rate) / HUNDRED, currency)
        return cls(net=net, tax=tax, gross=net + tax, currency=currency)
