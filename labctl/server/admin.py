"""The experimenter's pages: sessions, each participant's link, progress and payment.

Behind a password whenever one is configured (``labctl run`` always sets one and prints it).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import (
    Blueprint,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

from ..engine import Engine
from ..money import format_money
from .security import csrf_ok, csrf_token, password_ok

bp = Blueprint("admin", __name__, url_prefix="/admin")
ADMIN_SUBJECT = "admin"


def engine() -> Engine:
    return current_app.extensions["labctl.engine"]


def requires_admin(view: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if current_app.config.get("LABCTL_ADMIN_PASSWORD") and not session.get("admin"):
            return redirect(url_for("admin.login", next=request.path))
        return view(*args, **kwargs)

    return wrapper


@bp.route("/login", methods=["GET", "POST"])
def login():
    secret = current_app.config["LABCTL_SECRET"]
    error = None
    if request.method == "POST":
        if not csrf_ok(secret, ADMIN_SUBJECT, request.form.get("csrf_token")):
            error = "The login form expired; please try again."
        elif password_ok(current_app.config.get("LABCTL_ADMIN_PASSWORD") or "",
                         request.form.get("password")):
            session.clear()
            session["admin"] = True
            target = request.args.get("next", "")
            return redirect(target if target.startswith("/admin") else url_for("admin.sessions"))
        else:
            error = "Wrong password. It was printed when `labctl run` started."
    return render_template("labctl/admin/login.html", error=error,
                           csrf_token=csrf_token(secret, ADMIN_SUBJECT)), (401 if error else 200)


@bp.post("/logout")
def logout():
    if csrf_ok(current_app.config["LABCTL_SECRET"], ADMIN_SUBJECT, request.form.get("csrf_token")):
        session.clear()
    return redirect(url_for("admin.login"))


@bp.get("/")
@requires_admin
def sessions():
    rows = engine().session_rows()
    summaries = []
    for row in rows:
        participants = engine().participant_rows(row["code"])
        summaries.append({**row, "count": len(participants),
                          "finished": sum(1 for p in participants if p["finished_at"])})
    return render_template("labctl/admin/sessions.html", sessions=summaries,
                           csrf_token=_admin_csrf())


@bp.get("/sessions/<session_code>")
@requires_admin
def session_detail(session_code: str):
    if not any(row["code"] == session_code for row in engine().session_rows()):
        return render_template("labctl/error.html", title="Session not found",
                               message=f"There is no session '{session_code}' in this lab's "
                               "database.", back_url=url_for("admin.sessions")), 404
    session_type = engine().session_type_of(session_code)
    participants = engine().participant_rows(session_code)
    payments = {p.participant_code: p for p in engine().payments(session_code)}
    total = sum(p.total for p in payments.values())
    return render_template(
        "labctl/admin/session.html", session_code=session_code, session_type=session_type,
        participants=participants, payments=payments, total=format_money(total,
                                                                         session_type.currency),
        fixed_pay=format_money(session_type.fixed_pay, session_type.currency),
        base_url=request.host_url.rstrip("/"), csrf_token=_admin_csrf())


def _admin_csrf() -> str:
    return csrf_token(current_app.config["LABCTL_SECRET"], ADMIN_SUBJECT)
