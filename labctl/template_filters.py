"""The template filters oTree's templates use, for labctl's pages and ``labctl validate``.

oTree apps print numbers rounded with ``{{ x|to0 }}``, ``to1``, ``to2`` (rounded to that many
decimals, always printed with them: ``{{ 0.5|to2 }}`` is ``0.50``), hand data to page scripts
with ``{{ x|json }}`` and show points with ``{{ x|cu }}``. Without them a page failed to
compile when a participant opened it; ``labctl validate`` compiles every page template with
the same filters, so a filter that neither Jinja nor labctl has is named at its line.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

import jinja2
from markupsafe import Markup

__all__ = ["OTREE_FILTERS"]


def _rounded(places: int) -> Callable[[Any], str]:
    """oTree's ``toN``: ``value`` rounded half up to ``places`` decimals, printed with them."""

    def filter_(value: Any) -> str:
        if value is None:
            return ""
        try:
            number = Decimal(str(value))
        except (InvalidOperation, ValueError):
            return str(value)
        return str(number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP))

    return filter_


def _json(value: Any) -> Markup:
    """The value as JSON, safe inside an HTML attribute or a JSON data block."""
    text = json.dumps(value, ensure_ascii=False)
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
                  .replace("'", "\\u0027"))


@jinja2.pass_context
def _currency(context: Any, value: Any) -> str:
    """oTree's ``{{ x|cu }}`` (``|c``): the amount shown as ``money(x)`` shows it, in points.
    Without points oTree read a plain number there as units of the currency while labctl's
    amounts are minor units, so the filter cannot tell what it is given: it stops the page."""
    money = context.get("money")
    session = context.get("session")
    if money is None or session is None:
        raise jinja2.UndefinedError("|cu shows an amount on a participant's page only")
    if not session.session_type.pays_points:
        raise jinja2.UndefinedError(
            "|cu in a session type paid in a currency without points: write money(amount), "
            "the amount in minor units")
    return str(money(value))


#: filter name -> function, added to every environment that compiles app templates
OTREE_FILTERS: dict[str, Callable[..., Any]] = {
    "to0": _rounded(0), "to1": _rounded(1), "to2": _rounded(2), "json": _json,
    "cu": _currency, "c": _currency}
