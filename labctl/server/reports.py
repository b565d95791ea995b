"""The admin's report tab: each app's ``admin_report.html`` with ``vars_for_admin_report``.

The session's admin page lists a tab per app round whose app has a report; a tab's content is
the fragment served here, fetched again by ``labctl-report.js`` whenever the monitor's
WebSocket says someone moved (the monitor's own channel: no second socket). A report that
fails shows the app's file and line in its tab, never a broken admin page.
"""

from __future__ import annotations

from typing import Any

import jinja2
from flask import Blueprint, Response, render_template, url_for
from markupsafe import Markup, escape

from ..engine.reports import REPORT_TEMPLATE, has_report, report_context
from ..errors import LabctlError, ResearcherCodeError
from ..money import format_money
from ..otree_templates import FRAGMENT_PREFIX
from .admin_login import requires_admin
from .current import engine

bp = Blueprint("reports", __name__, url_prefix="/admin")


def admin_reports(session_code: str) -> list[dict[str, Any]]:
    """The report tabs of a session: each round of each app with a report, in order."""
    project = engine().project
    session_type = engine().session_type_of(session_code)
    return [{"app": app, "round": n,
             "url": url_for("reports.report", session_code=session_code, app=app,
                            round_number=n)}
            for app in session_type.app_sequence
            if app in project.apps and has_report(project.apps[app])
            for n in range(1, project.apps[app].num_rounds + 1)]


@bp.get("/sessions/<session_code>/report/<app>/<int:round_number>")
@requires_admin
def report(session_code: str, app: str, round_number: int) -> Response:
    spec = engine().project.apps.get(app)
    if spec is None or not has_report(spec) or not engine().has_session(session_code):
        return _fragment(_problem("There is no such report."), 404)
    try:
        context = report_context(engine().store, engine().project, session_code, spec,
                                 round_number)
        session_type = engine().session_type_of(session_code)
        html = render_template(f"{FRAGMENT_PREFIX}{app}/{REPORT_TEMPLATE}", **context,
                               money=lambda amount: "" if amount is None else format_money(
                                   int(amount), session_type.currency))
    except ResearcherCodeError as exc:
        return _fragment(_problem(f"The report's code failed at {exc.location.display()}: "
                                  f"{exc.args[0]}"), 500)
    except jinja2.TemplateError as exc:
        line = getattr(exc, "lineno", None)
        where = f"{spec.folder / REPORT_TEMPLATE}" + (f":{line}" if line else "")
        return _fragment(_problem(f"The report's template failed at {where}: {exc}"), 500)
    except LabctlError as exc:
        return _fragment(_problem(str(exc)), 400)
    return _fragment(Markup(html), 200)


def _problem(message: str) -> Markup:
    return Markup('<div class="app-error" role="alert">') + escape(message) + Markup("</div>")


def _fragment(html: Markup, status: int) -> Response:
    return Response(str(html), status=status, content_type="text/html; charset=utf-8",
                    headers={"Cache-Control": "no-store"})
