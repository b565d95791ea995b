"""Session types: the recipes in a project's ``sessions.py``.

    SESSION_TYPES = [
        SessionType(name="my_session", fixed_pay=1000, currency="EUR",
                    app_sequence=["trust", "ultimatum", "questionnaire"]),
    ]

Amounts are integers in minor units of ``currency`` (``fixed_pay=1000`` is EUR 10.00). With
``money_per_point`` set, payoffs are points and are converted at that exact rate at the end.
Constructing a session type never raises: ``labctl validate`` reports every mistake at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from .declarations import declaration_site
from .money import MINOR_UNITS, parse_rate

__all__ = ["SessionType"]


@dataclass
class SessionType:
    """A recipe for a session: its apps in order, pay, currency and treatments."""

    name: str
    app_sequence: list[str]
    #: the show-up fee, in minor units of ``currency``
    fixed_pay: int = 0
    display_name: str | None = None
    #: participants when ``-n`` is not given; ``None`` means the fewest that fill every group
    num_participants: int | None = None
    currency: str = "EUR"
    #: minor currency units paid per point, e.g. ``"0.5"``; ``None`` means payoffs are money
    money_per_point: Any = None
    #: sessions of one batch share batch data; defaults to the session type's name
    batch: str | None = None
    #: free parameters (treatments) that apps read as ``session.params``
    params: dict[str, Any] = field(default_factory=dict)
    doc: str = ""

    def __post_init__(self) -> None:
        self.defined_at: tuple[str, int] = declaration_site()

    @property
    def title(self) -> str:
        return self.display_name or self.name.replace("_", " ").capitalize()

    @property
    def batch_name(self) -> str:
        return self.batch or self.name

    @property
    def pays_points(self) -> bool:
        return self.money_per_point is not None

    @property
    def minor_digits(self) -> int:
        """How many decimals a participant types for money: 0 when the session pays points,
        else the currency's minor-unit digits (2 for EUR, 0 for JPY)."""
        return 0 if self.pays_points else MINOR_UNITS[self.currency]

    @property
    def rate(self) -> Fraction | None:
        """The exact money-per-point rate, or ``None`` when payoffs are money."""
        return None if self.money_per_point is None else parse_rate(self.money_per_point)
