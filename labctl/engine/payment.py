"""Payments: fixed pay plus the bonus (the sum of player payoffs), in minor units.

``total`` is what was earned, exactly; ``paid`` is what is handed over: the total rounded up
to the session type's ``payment_rounding`` (cash has no 0.01 coins in every lab).

When the session type pays points, the bonus is points and is converted once, exactly, at the
session type's rate (see ``labctl.money``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..money import format_money, points_to_money, round_up
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
    #: whether the participant ever opened their link (one who did not is not paid)
    started: bool = True
    #: the session type's rounding step in minor units (0: none)
    rounding: int = 0
    #: why the payment is not the usual one, for the payments sheet: "spare", "declined
    #: consent", "dropout" (decided for by the dropout policy), "group ended"
    note: str | None = None

    @property
    def total(self) -> int:
        return self.fixed_pay + self.bonus_money

    @property
    def paid(self) -> int:
        """The amount handed over: the total rounded up to the rounding step."""
        return round_up(self.total, self.rounding)

    @property
    def recruitment_id(self) -> str | None:
        """The participant's id in the recruitment system (ORSEE, SONA): their label, which a
        room seat or a start link's ``participant_label`` parameter gives them."""
        return self.label

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
        finished=row["step"] >= total_steps, locale=session_type.number_locale,
        started=row.get("started_at") is not None,
        rounding=session_type.rounding_step,
        note=_note(row))


def _note(row: dict[str, Any]) -> str | None:
    """Why a participant is paid only the show-up fee, for the payments sheet."""
    if row.get("spare"):
        return "spare"
    if row.get("consent") == "declined":
        return "declined consent"
    if row.get("dropout_at"):
        return "dropout"
    ended = row.get("group_ended")
    return {1: "group ended", 2: "no group in time"}.get(ended) if ended else None
