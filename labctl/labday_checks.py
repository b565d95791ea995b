"""``labctl validate`` rules for the lab day (LC240-LC249): what a session type declares about
paying participants, so a wrong declaration is found before the lab opens, not at the till.

    LC240  payment_rounding is not an amount the currency can pay
"""

from __future__ import annotations

from .money import is_currency, parse_rounding
from .problems import Problem
from .project import Project
from .session_type import SessionType


def problems(project: Project) -> list[Problem]:
    found: list[Problem] = []
    for session_type in project.session_types:
        found += _rounding_problems(session_type)
    return found


def _rounding_problems(session_type: SessionType) -> list[Problem]:
    """LC240: ``payment_rounding`` must be a positive amount in whole minor units."""
    value = session_type.payment_rounding
    if value is None or not is_currency(session_type.currency):
        return []  # no rounding; an unknown currency is LC11x's to report
    try:
        parse_rounding(value, session_type.currency)
    except ValueError as exc:
        shown = f"{value} is a float" if isinstance(value, float) else str(exc)
        return [Problem.at(
            "LC240", session_type.defined_at,
            f"payment_rounding {shown} (session type '{session_type.name}')",
            f'write it as a string of {session_type.currency}, e.g. payment_rounding="0.50" '
            "to round each total up to the next 0.50")]
    return []
