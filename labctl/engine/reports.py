"""Admin reports: an app's ``vars_for_admin_report(subsession)`` and its ``admin_report.html``.

As in oTree, an app may summarise a round for the experimenter while the session runs (the
distribution of offers so far, a market's price path). The server renders the app's template
with what this module returns, in the session's admin page, again whenever the monitor is told
that someone moved. Read-only: the function runs in a read of the store, and whatever it sets
on records is never written.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..app import AppSpec
from ..errors import LabctlError, ResearcherCodeError, SourceLocation
from ..project import Project
from .hooks import call_hook
from .recordset import RecordSet
from .store import Store

#: the template of an app's report, in its folder (oTree's name)
REPORT_TEMPLATE = "admin_report.html"
REPORT_HOOK = "vars_for_admin_report"


def has_report(spec: AppSpec) -> bool:
    """Whether the app shows a report: it has the template (the function is optional)."""
    return (spec.folder / REPORT_TEMPLATE).is_file()


def report_context(store: Store, project: Project, session_code: str, spec: AppSpec,
                   round_number: int) -> dict[str, Any]:
    """What the report's template sees: ``subsession``, ``session``, ``C`` and what
    ``vars_for_admin_report(subsession)`` returns (it must be a dict)."""
    if not 1 <= round_number <= spec.num_rounds:
        raise LabctlError(f"app '{spec.name}' has no round {round_number}",
                          f"rounds go from 1 to {spec.num_rounds}")
    with store.reading():
        row = store.session_row(session_code)
        if row is None:
            raise LabctlError(f"no session '{session_code}'")
        session_type = project.session_type(row["session_type"])
        if spec.name not in session_type.app_sequence:
            raise LabctlError(f"session '{session_code}' does not play app '{spec.name}'")
        records = RecordSet(store, project, session_type, row)
        subsession = records.subsession(spec, round_number)
        hook = getattr(spec.module, REPORT_HOOK, None)
        found = {} if hook is None else call_hook(
            hook, subsession, root=project.root,
            what=f"{REPORT_HOOK} of {spec.name} round {round_number}")
    if not isinstance(found, dict):
        code = getattr(hook, "__code__", None)
        where = Path(code.co_filename) if code else spec.init_file
        raise ResearcherCodeError(
            f"{REPORT_HOOK} of app '{spec.name}' returned {type(found).__name__}, not a dict",
            SourceLocation(where, code.co_firstlineno if code else None),
            "return a dict of the names the template uses")
    return {"subsession": subsession, "session": records.session,
            "C": spec.constants(), **found}

