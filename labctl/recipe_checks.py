"""``labctl validate`` rules for oTree's recipes that labctl runs (LC250-LC259).

A wait page shaped by the researcher (its own template, ``wait_for``) and grouping at arrival
by rule are checked here, so that a misnamed template or two settings that contradict each
other are named at their line before anyone comes in, not found out in a running session.

    LC250  a wait page's template_name names no file in the app folder (or one outside it)
    LC251  a wait page's wait_for is combined with wait_for_all_groups or
           group_by_arrival_time, which each decide whom it waits for
    LC252  a wait page's wait_for, vars_for_template, js_vars or get_timeout_seconds is not a
           function
    LC253  a wait page's timeout_seconds is not a positive number, or its after_timeout is not
           one of AFTER_WAIT_TIMEOUT
    LC254  a wait page that groups by arrival time has a timeout: a player timed out there
           would go on with no group
    LC255  a session type's exit_url is not an http(s) URL with plain {name} placeholders
    LC256  a session type's completion_code is not a non-empty text
    LC258  an experimenter gate's gate_field is no field of the app's Group (or, with
           wait_for_all_groups, of its Subsession)
"""

from __future__ import annotations

from .app import AppSpec, shared_template, template_home
from .exit_links import exit_url_problem
from .pages import AFTER_WAIT_TIMEOUT, ExperimenterGate, WaitPage, gate_of, is_sequence_item
from .problems import Problem
from .project import Project
from .session_type import SessionType

__all__ = ["problems"]

#: the wait-page hooks that must be functions taking the player
WAIT_PAGE_FUNCTIONS = ("wait_for", "vars_for_template", "js_vars", "get_timeout_seconds")


def problems(project: Project) -> list[Problem]:
    """Every recipe problem of every app in ``project``."""
    found: list[Problem] = []
    for spec in project.apps.values():
        for page in spec.page_sequence:
            if is_sequence_item(page) and issubclass(page, WaitPage):
                found += _wait_page_problems(spec, page)
    for session_type in project.session_types:
        found += _exit_problems(session_type)
    return found


def _exit_problems(session_type: SessionType) -> list[Problem]:
    """LC255, LC256: where participants are sent at the end, and the code they take along."""
    found: list[Problem] = []
    name = session_type.name
    if session_type.exit_url is not None:
        problem = exit_url_problem(session_type.exit_url)
        if problem is not None:
            found.append(Problem.at(
                "LC255", session_type.defined_at, f"session type '{name}': {problem}",
                'e.g. exit_url="https://app.prolific.com/submissions/complete?cc=C1A2B3", or '
                '"https://survey.example/?pid={label}&code={completion_code}"'))
    code = session_type.completion_code
    if code is not None and (not isinstance(code, str) or not code.strip()):
        found.append(Problem.at(
            "LC256", session_type.defined_at, f"completion_code={code!r} of session type "
            f"'{name}' is not a code", 'give the platform\'s code as text, e.g. '
            'completion_code="C1A2B3", or leave it out for a code per participant'))
    return found


def _wait_page_problems(spec: AppSpec, page: type[WaitPage]) -> list[Problem]:
    found: list[Problem] = []
    name = page.__name__
    if page.template_name is not None:
        named = str(page.template_name)  # as a page's: also another app's or _templates/
        path = shared_template(spec.folder, named) or spec.folder / named
        home = template_home(spec.folder, named)
        if not path.resolve().is_relative_to(home.resolve()) or not path.is_file():
            found.append(Problem.at(
                "LC250", page._defined_at, f"template_name of wait page '{name}' names "
                f"{page.template_name!r}, which is no file in app folder '{spec.name}'",
                "create the file in the app folder, or remove template_name to show "
                "title_text and body_text"))
    if page.wait_for is not None and (page.wait_for_all_groups or page.group_by_arrival_time):
        setting = "wait_for_all_groups" if page.wait_for_all_groups else "group_by_arrival_time"
        found.append(Problem.at(
            "LC251", page._defined_at, f"wait page '{name}' has both wait_for and {setting}, "
            "which each decide whom it waits for", f"keep wait_for or {setting}, not both"))
    found += _timeout_problems(page)
    gate = gate_of(page)
    if gate is not None:
        found += _gate_problems(spec, gate)
    for hook in WAIT_PAGE_FUNCTIONS:
        value = getattr(page, hook)
        if value is not None and not callable(value):
            found.append(Problem.at(
                "LC252", page._defined_at, f"{hook} of wait page '{name}' is {value!r}, not a "
                "function", f"write @staticmethod def {hook}(player): on the wait page"))
    return found


def _timeout_problems(page: type[WaitPage]) -> list[Problem]:
    found: list[Problem] = []
    name = page.__name__
    seconds = page.timeout_seconds
    if seconds is not None and (isinstance(seconds, bool) or not isinstance(
            seconds, (int, float)) or not seconds > 0):
        found.append(Problem.at(
            "LC253", page._defined_at, f"timeout_seconds={seconds!r} of wait page '{name}' "
            "must be a positive number of seconds", "e.g. timeout_seconds = 120, or None"))
    if page.after_timeout not in AFTER_WAIT_TIMEOUT:
        found.append(Problem.at(
            "LC253", page._defined_at, f"after_timeout={page.after_timeout!r} of wait page "
            f"'{name}' is not one of {', '.join(map(repr, AFTER_WAIT_TIMEOUT))}",
            'write after_timeout = "go_on_alone" or after_timeout = "end"'))
    timed = seconds is not None or page.get_timeout_seconds is not None
    if timed and page.group_by_arrival_time:
        found.append(Problem.at(
            "LC254", page._defined_at, f"wait page '{name}' groups by arrival time and has a "
            "timeout: a player timed out there would go on without a group",
            "drop the timeout and let group_by_arrival_time_method(subsession, "
            "waiting_players) send a player on alone once labctl.waiting_seconds(player) "
            "passes your limit"))
    return found


def _gate_problems(spec: AppSpec, gate: type[ExperimenterGate]) -> list[Problem]:
    """LC258: the gate's value must have a field to be stored in, on the record it opens for."""
    model = spec.subsession_class if gate.wait_for_all_groups else spec.group_class
    kind = "Subsession" if gate.wait_for_all_groups else "Group"
    if isinstance(gate.gate_field, str) and gate.gate_field in model.declared_fields():
        return []
    return [Problem.at(
        "LC258", gate._defined_at, f"gate_field={gate.gate_field!r} of experimenter gate "
        f"'{gate.__name__}' is no field of app '{spec.name}'s {kind}",
        f"declare it on {kind} (e.g. die = fields.Integer(min=1, max=6)) and name it in "
        "gate_field; a Subsession field needs wait_for_all_groups = True")]
