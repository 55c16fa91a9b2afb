"""Money: rounding to a currency's minor unit, what time is billed at, sharing an amount
out, an invoice's net/tax/gross, and display.

Every amount shown (invoice page, print view, PDF, admin, reports, the CSV exports, the API)
is computed here, so the same time and the same invoice read the same everywhere.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from babel import Locale
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
    return format_currency(amount, currency, locale=_locale(settings.LANGUAGE_CODE))


@lru_cache
def _locale(language_code: str) -> Locale:
    """Babel's locale, parsed once: by name it is parsed again for every amount, half of
    the time of writing one (a report writes hundreds)."""
    return Locale.parse(to_locale(language_code))


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


def hundredths_of_hours(seconds: int) -> int:
    """Whole hundredths of an hour, rounded half up, in integers: 5400 → 150."""
    return (seconds * 100 + 1800) // 3600


def nearest_minute(seconds: int | float | None) -> int:
    """Whole minutes, half a minute rounded up as hundredths of an hour are (and as the
    pages' script rounds): 3270 s (54:30) → 55, 3269 → 54. Python's ``round`` takes halves
    to the even number, so 54:30 showed 0:54 and 55:30 0:56."""
    return int(((seconds or 0) + 30) // 60)


def seconds_to_hours(seconds: int | None) -> Decimal:
    """Seconds as decimal hours rounded to two places: 5400 → Decimal("1.50")."""
    return Decimal(hundredths_of_hours(seconds or 0)).scaleb(-2)


def time_amount(seconds: int, rate: Decimal, currency: str) -> Decimal:
    """What time is billed at, the one pricing rule: its hours to the hundredth (an invoice
    line's quantity) times the hourly rate, rounded half up to the currency's unit."""
    return line_amount(seconds_to_hours(seconds), rate, currency)


class Allocation:
    """Shares ``amount`` out in parts proportional to weights given one at a time (an
    entry's seconds), in the currency's unit. Cumulative rounding: once every weight of
    ``total_weight`` is given, the parts add up to exactly ``amount``, and each is within
    one unit of its exact share, in whatever order the weights come."""

    def __init__(self, amount: Decimal, total_weight: int, currency: str):
        self.precision = get_currency_precision(currency)
        self.units = int(round_money(amount, currency).scaleb(self.precision))
        self.total = total_weight
        self.weight = self.given = 0

    def take_units(self, weight: int) -> int:
        """The next part, in the currency's minor units (cents, yen, fils)."""
        self.weight += weight
        if not self.total:  # nothing but zero-second time: nothing to share
            return 0
        upto = (2 * self.units * self.weight + self.total) // (2 * self.total)  # half up
        part, self.given = upto - self.given, upto
        return part

    def take(self, weight: int) -> Decimal:
        return Decimal(self.take_units(weight)).scaleb(-self.precision)


def allocate(amount: Decimal, weights: list[int], currency: str) -> list[Decimal]:
    """``amount`` split in proportion to ``weights``, adding up to exactly ``amount``."""
    allocation = Allocation(amount, sum(weights), currency)
    return [allocation.take(weight) for weight in weights]


def units_text(units: int, precision: int) -> str:
    """Minor units as a decimal amount without a Decimal: 150, 2 → "1.50"; 150, 0 → "150"."""
    if not precision:
        return str(units)
    scale = 10**precision
    return f"{units // scale}.{units % scale:0{precision}d}"
