"""Automatic bots: valid random answers drawn from the field declarations.

Every value respects the field's type, choices, bounds, decimals and length, so it can only be
refused by a page's own ``error_message``; then the bot tries again with values drawn closer to
the field's minimum (an error such as "no more than you received" is usually about an upper
limit the field does not declare).
"""

from __future__ import annotations

import random
from decimal import ROUND_CEILING, Decimal
from typing import Any

from ..fields import Boolean, Field, Float, Integer, Money, Text, shown_decimal
from ..fields import Decimal as DecimalField

#: the spread of a number field that declares no maximum (in units as typed)
DEFAULT_SPAN = 100


def typed_value(field: Field, rng: random.Random, shrink: int, minor_digits: int,
                decimal_mark: str = ".") -> str:
    """A value for ``field`` as a participant would type it; ``shrink`` narrows the range.

    Amounts and decimals are typed with the session's ``decimal_mark`` (``4,50`` in German),
    as the page shows them, so a bot's "1,234" is never read as a thousands separator."""
    if isinstance(field, Boolean) and field.effective_widget == "checkbox":
        return "1" if field.required or rng.random() < 0.5 else ""
    mark = field.typed_mark(decimal_mark)
    if field.choices:
        value, _ = rng.choice(field.choices)
        if isinstance(field, Boolean):
            return "1" if value else "0"
        if isinstance(field, Money):
            return _money_text(int(value), minor_digits, mark)
        if isinstance(field, DecimalField):
            return shown_decimal(field.coerce(value), mark)
        return str(value)
    if isinstance(field, Text):
        limit = field.max_length or 40
        return f"bot answer {rng.randint(1, 999)}"[:limit]
    return _number(field, rng, shrink, minor_digits, mark)


def _lowest(low: Any, high: Any, span: Any) -> Any:
    """Where a range starts: its min, else 0, else (a negative max and no min) max - span."""
    if low is not None:
        return low
    if high is not None and high < 0:
        return high - span
    return 0


def _number(field: Field, rng: random.Random, shrink: int, minor_digits: int,
            mark: str) -> str:
    low = getattr(field, "min", None)
    high = getattr(field, "max", None)
    if isinstance(field, Money):
        scale = 10 ** minor_digits
        low_minor = int(_lowest(low, None if high is None else int(high), DEFAULT_SPAN * scale))
        high_minor = int(high) if high is not None else low_minor + DEFAULT_SPAN * scale
        high_minor = low_minor + (high_minor - low_minor) // (2 ** shrink)
        return _money_text(rng.randint(low_minor, high_minor), minor_digits, mark)
    if isinstance(field, Integer):
        low_int = int(_lowest(low, None if high is None else int(high), DEFAULT_SPAN))
        high_int = int(high) if high is not None else low_int + DEFAULT_SPAN
        return str(rng.randint(low_int, low_int + (high_int - low_int) // (2 ** shrink)))
    assert isinstance(field, DecimalField | Float)  # a Float is typed like a Decimal
    places = getattr(field, "places", None)
    if places is None:
        places = max([2, *(-int(Decimal(repr(b) if isinstance(b, float) else str(b))
                                .as_tuple().exponent) for b in (low, high) if b is not None)])
    step = Decimal(1).scaleb(-places)
    high_d = Decimal(str(high)) if high is not None else None
    # the first value on the field's grid of decimals at or above its min
    low_d = Decimal(str(_lowest(None if low is None else Decimal(str(low)), high_d,
                                DEFAULT_SPAN))).quantize(step, rounding=ROUND_CEILING)
    if high_d is None:
        high_d = low_d + DEFAULT_SPAN
    steps = int((high_d - low_d) / step) // (2 ** shrink)
    return shown_decimal(low_d + step * rng.randint(0, max(steps, 0)), mark)


def _money_text(minor: int, minor_digits: int, mark: str) -> str:
    if not minor_digits:
        return str(minor)
    return f"{Decimal(minor).scaleb(-minor_digits):.{minor_digits}f}".replace(".", mark)


def automatic_values(fields: list[Field], rng: random.Random, attempt: int,
                     minor_digits: int, decimal_mark: str = ".") -> dict[str, Any]:
    """A whole form of valid values; later attempts draw closer to each field's minimum."""
    shrink = min(attempt, 12)
    return {f.name: typed_value(f, rng, shrink, minor_digits, decimal_mark) for f in fields}
