"""Payments: fixed pay plus the bonus (the sum of player payoffs), in minor units.

When the session type pays points, the bonus is points and is converted once, exactly, at the
session type's rate (see ``labctl.money``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..money import format_money, points_to_money
from ..session_type import SessionType


@dataclass(frozen=True)
class Payment:
    participant_code: str
    id_in_session: int
    label: str | None
    currency: str
    fixed_pay: int
    #: the sum of payoffs: minor units, or points when ``points`` is true
    bonus: int
    points: bool
    #: the bonus in minor units of the currency
    bonus_money: int
    finished: bool
    #: how the participant's end page writes amounts (the session type's ``number_locale``)
    locale: str = "en"

    @property
    def total(self) -> int:
        return self.fixed_pay + self.bonus_money

    def shown(self, amount: int) -> str:
        """An amount as the participant reads it: ``EUR 10.00``, ``10,00 €`` in German."""
        return format_money(amount, self.currency, self.locale)


def payment_of(session_type: SessionType, row: dict[str, Any], total_steps: int) -> Payment:
    bonus = int(row["bonus"] or 0)
    rate = session_type.rate
    return Payment(
        participant_code=row["code"], id_in_session=row["id_in_session"], label=row["label"],
        currency=session_type.currency, fixed_pay=session_type.fixed_pay, bonus=bonus,
        points=rate is not None,
        bonus_money=points_to_money(bonus, rate) if rate is not None else bonus,
        finished=row["step"] >= total_steps, locale=session_type.number_locale)
