"""Money as integers in minor units, and the exact points-to-money conversion.

Amounts are never floats: ``1000`` in EUR is EUR 10.00, in JPY it is JPY 1000. When a session
type pays in points, a participant's points are converted once, at the end, with an exact
rational rate, and rounded half up to the currency's minor unit. Rounding once (not per round)
means a participant is never paid less than their points are worth because of rounding drift.
"""

from __future__ import annotations

import functools
from decimal import Decimal, InvalidOperation
from fractions import Fraction

from babel.numbers import format_currency, format_decimal

from .i18n import ngettext

# ISO 4217 codes a lab is likely to pay in, with their number of minor-unit digits.
MINOR_UNITS: dict[str, int] = {
    "AUD": 2, "BRL": 2, "CAD": 2, "CHF": 2, "CLP": 0, "CNY": 2, "CZK": 2, "DKK": 2,
    "EUR": 2, "GBP": 2, "HKD": 2, "HUF": 2, "IDR": 2, "ILS": 2, "INR": 2, "ISK": 0,
    "JPY": 0, "KRW": 0, "KWD": 3, "MXN": 2, "NOK": 2, "NZD": 2, "PLN": 2, "RON": 2,
    "RUB": 2, "SEK": 2, "SGD": 2, "THB": 2, "TRY": 2, "TWD": 2, "UAH": 2, "USD": 2,
    "ZAR": 2, "BHD": 3, "JOD": 3, "OMR": 3, "TND": 3, "VND": 0, "PHP": 2, "MYR": 2,
}


def is_currency(code: object) -> bool:
    """True for an ISO 4217 code labctl knows the minor units of."""
    return isinstance(code, str) and code in MINOR_UNITS


def format_money(amount: int, currency: str, locale: str | None = None) -> str:
    """``format_money(1050, 'EUR') == 'EUR 10.50'``; negative amounts keep their sign.

    With a ``locale`` other than English, the amount is written as CLDR writes it there
    (Babel): ``format_money(1000, 'EUR', 'de') == '10,00\xa0€'``, ``'€ 10,00'`` in Dutch.
    English keeps the ISO code, unambiguous in a lab that pays in several currencies. The
    amount goes to Babel as an exact ``Decimal``, never a float."""
    if locale and not locale.startswith("en"):
        return _cldr_money(int(amount), currency, locale)
    digits = MINOR_UNITS[currency]
    sign = "-" if amount < 0 else ""
    whole, minor = divmod(abs(int(amount)), 10**digits)
    if digits == 0:
        return f"{currency} {sign}{whole:,}"
    return f"{currency} {sign}{whole:,}.{minor:0{digits}d}"


@functools.lru_cache(maxsize=4096)
def _cldr_money(amount: int, currency: str, locale: str) -> str:
    """Cached: a page shows the same few amounts to everyone (Babel's formatting parses a
    pattern each call)."""
    exact = Decimal(amount).scaleb(-MINOR_UNITS[currency])
    return format_currency(exact, currency, locale=locale, currency_digits=True)


def format_points(points: int, locale: str | None = None) -> str:
    """Points are whole numbers shown with a unit in the page's language, e.g.
    ``'120 points'``, ``'1.200 Punkte'`` with ``locale='de'``."""
    if locale is None:  # the experimenter's tools (monitor, exports) stay English
        return f"{points:,} point{'s' if abs(points) != 1 else ''}"
    number = format_decimal(points, locale=locale)
    return ngettext("%(points)s point", "%(points)s points", abs(points)) % {"points": number}


def parse_rate(value: object) -> Fraction:
    """Read a money-per-point rate exactly: ``'0.5'``, ``Decimal('0.5')``, ``1`` or a Fraction.

    Floats are refused because 0.1 is not 0.1 in binary; write the rate as a string. A rate
    of 0 is allowed: points are then a score worth nothing (a classroom game, a study paid
    in course credit) and each participant is paid the fixed pay alone.
    """
    if isinstance(value, (bool, float)):
        raise ValueError("write the rate as a string such as '0.5' or as a Fraction, not a float")
    if isinstance(value, (int, Fraction)):
        rate = Fraction(value)
    elif isinstance(value, (str, Decimal)):
        try:
            rate = Fraction(Decimal(value))
        except (InvalidOperation, ValueError, ArithmeticError) as exc:
            raise ValueError(f"{value!r} is not a number") from exc
    else:
        raise ValueError(f"{value!r} is not a number")
    if rate < 0:
        raise ValueError("the rate cannot be negative")
    return rate


def points_to_money(points: int, money_per_point: Fraction) -> int:
    """Convert a participant's total points to minor units, rounding half up once."""
    exact = Fraction(points) * money_per_point
    floor = exact.numerator // exact.denominator
    return floor + 1 if exact - floor >= Fraction(1, 2) else floor


def parse_rounding(value: object, currency: str) -> int:
    """A session type's ``payment_rounding`` (``"0.50"`` of the currency) as a step in minor
    units (50 for EUR), so that cash can be paid in the coins a lab keeps.

    Refused, like a rate, when it is a float, not positive, or finer than the currency's
    minor unit (``"0.005"`` EUR).
    """
    if isinstance(value, (bool, float)):
        raise ValueError("write the rounding as a string such as '0.50', not a float")
    if not isinstance(value, (int, str, Decimal)):
        raise ValueError(f"{value!r} is not an amount")
    try:
        amount = Decimal(value)
    except (InvalidOperation, ValueError, ArithmeticError) as exc:
        raise ValueError(f"{value!r} is not an amount") from exc
    if not amount.is_finite() or amount <= 0:
        raise ValueError("the rounding must be an amount greater than zero")
    step = amount * 10 ** MINOR_UNITS.get(currency, 2)
    if step != step.to_integral_value():
        raise ValueError(f"{value} is finer than the smallest unit of {currency}")
    return int(step)


def round_up(amount: int, step: int) -> int:
    """``amount`` rounded up to the next multiple of ``step`` minor units (a step of 0 or 1
    leaves it): a participant is never paid less than they earned because of cash rounding."""
    if step <= 1:
        return amount
    return -(-amount // step) * step
