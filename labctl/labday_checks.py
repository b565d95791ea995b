"""``labctl validate`` rules for the lab day (LC240-LC249): what a session type declares about
paying participants, so a wrong declaration is found before the lab opens, not at the till.

    LC240  payment_rounding is not an amount the currency can pay
    LC241  consent does not name an HTML file in the project
    LC242  dropout is not a labctl.Dropout with a positive after_seconds and a known then
    LC243  a wait page's arrival timeout: not a positive number, an unknown rule, or set on a
           page that does not group by arrival time
"""

from __future__ import annotations

from .dropout import DROPOUT_ACTIONS, Dropout
from .money import is_currency, parse_rounding
from .pages import ARRIVAL_RULES, WaitPage, is_sequence_item
from .problems import Problem
from .project import Project
from .session_type import SessionType


def problems(project: Project) -> list[Problem]:
    found: list[Problem] = []
    for session_type in project.session_types:
        found += _rounding_problems(session_type)
        found += _consent_problems(project, session_type)
        found += _dropout_problems(session_type.dropout, session_type.defined_at,
                                   f"session type '{session_type.name}'")
    for spec in project.apps.values():
        found += _dropout_problems(spec.settings.dropout, spec.settings.defined_at,
                                   f"app '{spec.name}'")
        for page in spec.page_sequence or []:
            if is_sequence_item(page) and issubclass(page, WaitPage):
                found += _arrival_problems(spec.name, page)
    return found


def _arrival_problems(app: str, page: type[WaitPage]) -> list[Problem]:
    """LC243: a waiting limit labctl can keep, on a page that groups by arrival."""
    seconds, rule = page.arrival_timeout_seconds, page.arrival_timeout_rule
    where = page._defined_at
    name = f"wait page '{page.__name__}' of app '{app}'"
    if seconds is None:
        return []
    if not page.group_by_arrival_time:
        return [Problem.at("LC243", where, f"{name} sets arrival_timeout_seconds but does not "
                           "group by arrival time", "set group_by_arrival_time = True, or "
                           "remove arrival_timeout_seconds")]
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or seconds <= 0:
        return [Problem.at("LC243", where, f"arrival_timeout_seconds {seconds!r} of {name} is "
                           "not a positive number of seconds", "e.g. arrival_timeout_seconds "
                           "= 120")]
    if rule not in ARRIVAL_RULES:
        return [Problem.at("LC243", where, f"arrival_timeout_rule {rule!r} of {name} is not "
                           "one labctl knows", "use " + ", ".join(
                               f'"{known}"' for known in ARRIVAL_RULES))]
    return []


def _dropout_problems(policy: object, where: tuple[str, int], owner: str) -> list[Problem]:
    """LC242: a policy labctl can carry out, so a gone participant is never left waiting
    because of a typo found only on the lab day."""
    if policy is None:
        return []
    hint = ('write dropout=labctl.Dropout(after_seconds=90, then="bot"), with then one of '
            + ", ".join(f'"{action}"' for action in DROPOUT_ACTIONS))
    if not isinstance(policy, Dropout):
        return [Problem.at("LC242", where, f"dropout of {owner} is {policy!r}, not a "
                           "labctl.Dropout", hint)]
    where = policy.defined_at
    seconds = policy.after_seconds
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or seconds <= 0:
        return [Problem.at("LC242", where, f"after_seconds {seconds!r} of the dropout policy of "
                           f"{owner} is not a positive number of seconds", hint)]
    if policy.then not in DROPOUT_ACTIONS:
        return [Problem.at("LC242", where, f"then={policy.then!r} of the dropout policy of "
                           f"{owner} is not something labctl does", hint)]
    return []


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
