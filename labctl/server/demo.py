"""The demo page: every session type, one click to a session with all its participants' pages.

For play-testing a group game alone, as oTree's demo page does: the page lists each session
type with its description, and a button creates a session of it (the type's default number of
participants) and shows every participant's page side by side, one frame each, with a link per
participant to open it in a tab of its own. It is the admin's "Demo" tab in ``labctl run``
(behind the admin login) and the front page of ``labctl dev``.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for

from ..errors import LabctlError
from ..participant_urls import participant_path
from .admin import _admin_csrf, _csrf_ok, requires_admin
from .current import engine

bp = Blueprint("demo", __name__, url_prefix="/admin/demo")


@bp.get("/")
@requires_admin
def index() -> Any:
    project = engine().project
    types = [{"session_type": st, "participants": project.participant_count(st),
              "apps": ", ".join(st.app_sequence)} for st in project.session_types]
    return render_template("labctl/demo/index.html", session_types=types,
                           csrf_token=_admin_csrf(), error=request.args.get("error"))


@bp.post("/<session_type>")
@requires_admin
def create(session_type: str) -> Any:
    if not _csrf_ok():
        return redirect(url_for(".index", error="The form expired; please try again."),
                        code=303)
    try:
        code = engine().create_session(session_type, demo=True)
    except LabctlError as exc:
        return redirect(url_for(".index", error=str(exc)), code=303)
    return redirect(url_for(".session", session_code=code), code=303)


@bp.get("/sessions/<session_code>")
@requires_admin
def session(session_code: str) -> Any:
    """Every participant's page of a session, one frame each."""
    if not engine().has_session(session_code):
        return render_template("labctl/error.html", title="No such session",
                               message=f"There is no session '{session_code}' in this database.",
                               back_label="Demo", back_url=url_for(".index")), 404
    rows = engine().participant_rows(session_code)
    links = [{"number": row["id_in_session"], "label": row["label"],
              "path": request.script_root + participant_path(row["code"])} for row in rows]
    return render_template("labctl/demo/session.html", session_code=session_code,
                           session_type=engine().session_type_of(session_code), links=links,
                           csrf_token=_admin_csrf())
