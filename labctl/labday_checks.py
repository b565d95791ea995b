"""``labctl validate`` rules for the lab day (LC240-LC249): what a session type declares about
paying participants, so a wrong declaration is found before the lab opens, not at the till.

    LC240  payment_rounding is not an amount the currency can pay
    LC241  consent does not name an HTML file in the project
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
        found += _consent_problems(project, session_type)
    return found


def _consent_problems(project: Project, session_type: SessionType) -> list[Problem]:
    """LC241: the consent page's text must be a file inside the project (it is read when a
    participant first opens their link: a missing file would stop every one of them)."""
    consent = session_type.consent
    if consent is None:
        return []
    root = project.root.resolve()
    path = (root / consent).resolve() if isinstance(consent, str) and consent else None
    if path is None or not path.is_relative_to(root) or not path.is_file():
        return [Problem.at(
            "LC241", session_type.defined_at,
            f"consent {consent!r} of session type '{session_type.name}' is not a file in the "
            "project", 'write the welcome and consent text in an HTML file in the project '
            'folder and name it, e.g. consent="consent.html"')]
    return []


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
