"""The experimenter's pages: sessions, each participant's link, progress and payment.

Behind a password whenever one is configured (``labctl run`` always sets one). A login is a
server-side session (``storage/admin_logins.py``): the cookie holds a random token only, which
logging out, a new password or twelve idle hours invalidate.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from flask import (
    Blueprint,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)

from .. import i18n
from ..engine.shared_data import MAX_JSON_DEPTH, too_deep
from ..errors import LabctlError
from ..export.custom import custom_download_kinds
from ..hub import Channel
from ..money import format_money
from ..storage.database import participant_counts
from .admin_login import ADMIN_COOKIE, LOGINS, admin_logged_in, requires_admin
from .current import engine
from .live import relay
from .reports import admin_reports
from .security import (
    LoginThrottle,
    csrf_ok,
    csrf_token,
    off_the_loop,
    slow_down_wrong_password,
)
from .session_link import join_path

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.context_processor
def in_english() -> dict[str, Any]:
    """The admin is the experimenter's tool and stays English (``<html lang="en">``), whatever
    language the session it shows speaks (loading it made that the page's language)."""
    i18n.activate("en")
    return {"labctl_texts": _no_texts}


def _no_texts() -> str:
    """The admin's pages carry no participant texts (labctl-admin.js has its own, English)."""
    return ""
ADMIN_SUBJECT = "admin"
THROTTLE = "labctl.login_throttle"
WRONG_PASSWORD = ("Wrong password. It was printed when `labctl run` first served this "
                  "database; `labctl run --resume --new-password` makes a new one.")


@bp.route("/login", methods=["GET", "POST"])
def login():
    logins = current_app.extensions.get(LOGINS)
    if request.method == "GET" or logins is None:
        return _login_page(None, 200)
    throttle: LoginThrottle = current_app.extensions[THROTTLE]
    address = request.remote_addr or "?"
    refusal = throttle.refusal(address)
    if refusal:
        page, status = _login_page(refusal, 429)
        return page, status, {"Retry-After": str(int(throttle.address_window))}
    if not _csrf_ok():
        return _login_page("The login form expired; please try again.", 401)
    given = request.form.get("password")
    if not off_the_loop(lambda: logins.password_ok(given)):
        throttle.failed(address)
        slow_down_wrong_password()
        return _login_page(WRONG_PASSWORD, 401)
    throttle.succeeded(address)
    target = request.args.get("next", "")
    response = redirect(target if target.startswith("/admin") else url_for("admin.sessions"))
    response.set_cookie(ADMIN_COOKIE, logins.open(), httponly=True, samesite="Lax",
                        secure=request.is_secure, path="/")
    return response


def _login_page(error: str | None, status: int):
    return render_template("labctl/admin/login.html", error=error,
                           csrf_token=_admin_csrf()), status


@bp.post("/logout")
def logout():
    """End this login on the server too: a copy of the cookie opens nothing afterwards."""
    response = redirect(url_for("admin.login"))
    logins = current_app.extensions.get(LOGINS)
    if _csrf_ok() and logins is not None:
        logins.close(request.cookies.get(ADMIN_COOKIE))
        response.delete_cookie(ADMIN_COOKIE, path="/")
    return response


@bp.get("/")
@requires_admin
def sessions():
    return _sessions_page()


def _sessions_page(draft: dict[str, str] | None = None):
    """The sessions page; ``draft`` keeps an experimenter's unsaved batch edit (batch, text,
    error), shown in its editor with the error next to it rather than lost."""
    rows = engine().session_rows()
    summaries = []
    for row in rows:
        participants = engine().participant_rows(row["code"])
        count, _, finished = participant_counts(participants)
        summaries.append({**row, "count": count, "finished": finished})
    project = engine().project
    rooms = [(room, room.seat_labels(project.root)) for room in project.rooms]
    batches = [{**b, "json": json.dumps(b["doc"], indent=2, ensure_ascii=False), "error": None}
               for b in engine().batch_documents()]
    error = request.args.get("error")
    for b in batches:
        if draft is not None and b["batch"] == draft["batch"]:
            b.update(json=draft["text"], error=draft["error"])
            draft = None
    if draft is not None:  # no editor of that batch to show it next to
        error = draft["error"]
    return render_template("labctl/admin/sessions.html", sessions=summaries,
                           session_types=project.session_types, rooms=rooms, batches=batches,
                           csrf_token=_admin_csrf(), error=error,
                           notice=request.args.get("notice"))


@bp.post("/batches/<batch>")
@requires_admin
def edit_batch(batch: str):
    """Replace a batch's data; refused when someone changed it since the form was loaded."""
    if not _csrf_ok():
        return redirect(url_for("admin.sessions", error="The form expired; please try again."),
                        code=303)
    text = request.form.get("doc", "")
    try:
        doc = json.loads(text)
    except ValueError as exc:
        return _kept_batch_edit(batch, text, f"Not saved: this is not valid JSON ({exc}). "
                                "Your text is kept below; correct it and save again.")
    version = request.form.get("version", "")
    if not version.isdigit():
        return _kept_batch_edit(batch, text, "Not saved: the form did not say which version "
                                "you edited. Copy your text, reload the page and save again.")
    try:
        result = engine().admin_replace_batch(batch, int(version), doc)
    except LabctlError as exc:
        return _kept_batch_edit(batch, text, f"Not saved: {exc}")
    if not result.accepted:
        return _kept_batch_edit(batch, text, f"Not saved: the batch data changed while you "
                                f"edited it (now version {result.version}). Your text is kept "
                                "below; copy it, reload the page, review and save again.")
    return redirect(url_for("admin.sessions", notice=f"Batch data of '{batch}' saved as "
                            f"version {result.version}."), code=303)


def _kept_batch_edit(batch: str, text: str, error: str):
    """The sessions page again with the experimenter's text in its editor and why it was not
    saved next to it: an edit is never thrown away."""
    return _sessions_page({"batch": batch, "text": text, "error": error}), 422


@bp.post("/sessions")
@requires_admin
def create_session():
    form = request.form
    if not _csrf_ok():
        return redirect(url_for("admin.sessions", error="The form expired; please try again."))
    count = form.get("participants", "").strip()
    try:
        code = engine().create_session(
            form.get("session_type", ""), int(count) if count else None,
            room=form.get("room") or None)
    except ValueError:
        return redirect(url_for("admin.sessions", error=f"'{count}' is not a number of "
                                "participants."), code=303)
    except LabctlError as exc:
        return redirect(url_for("admin.sessions", error=str(exc)), code=303)
    return redirect(url_for("admin.session_detail", session_code=code), code=303)


def _known_session(session_code: str) -> bool:
    return any(row["code"] == session_code for row in engine().session_rows())


def _missing_session(session_code: str):
    return render_template("labctl/error.html", title="Session not found",
                           message=f"There is no session '{session_code}' in this lab's "
                           "database.", back_url=url_for("admin.sessions"),
                           back_label="All sessions"), 404


@bp.get("/sessions/<session_code>")
@requires_admin
def session_detail(session_code: str):
    """The live monitor: every participant's page, time on page and whom they wait for."""
    if not _known_session(session_code):
        return _missing_session(session_code)
    session_type = engine().session_type_of(session_code)
    row = next(r for r in engine().session_rows() if r["code"] == session_code)
    return render_template(
        "labctl/admin/session.html", session_code=session_code, session_type=session_type,
        session_row=row, rows=engine().monitor(session_code),
        groups=[{**g, "json": json.dumps(g["doc"], indent=2, ensure_ascii=False)}
                for g in engine().group_documents(session_code)],
        actions=engine().admin_actions(session_code),
        chat=chat_threads(engine().experimenter_chat(session_code)),
        custom_downloads=custom_download_kinds(engine().project, session_type.app_sequence),
        join_path=join_path(session_code),
        reports=_report_tabs(session_code),
        fixed_pay=format_money(session_type.fixed_pay, session_type.currency),
        base_url=request.host_url.rstrip("/"), csrf_token=_admin_csrf())


def chat_threads(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The experimenter chat by participant, in the order each first wrote: the monitor shows
    a thread and an answer box for each."""
    threads: dict[str, list[dict[str, Any]]] = {}
    for message in messages:
        threads.setdefault(message["participant_code"], []).append(message)
    return [{"participant_code": code, "messages": thread} for code, thread in threads.items()]


def _report_tabs(session_code: str) -> list[dict[str, Any]]:
    """The session's admin report tabs."""
    return admin_reports(session_code)


@bp.get("/sessions/<session_code>/monitor.json")
@requires_admin
def monitor_json(session_code: str):
    if not _known_session(session_code):
        return jsonify({"error": f"no session '{session_code}'"}), 404
    response = jsonify({"participants": [r.as_dict() for r in engine().monitor(session_code)],
                        "actions": engine().admin_actions(session_code),
                        "groups": engine().group_documents(session_code),
                        "chat": chat_threads(engine().experimenter_chat(session_code))})
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/sessions/<session_code>/participants/<code>/advance")
@requires_admin
def advance(session_code: str, code: str):
    """Advance a stuck participant (timeout values, or answers typed in the monitor) or
    release the wait page they are on."""
    return _monitor_action(session_code, lambda step: engine().admin_advance(
        code, session_code=session_code, step=step, answers=_typed_answers()))


@bp.post("/sessions/<session_code>/participants/<code>/retry")
@requires_admin
def retry(session_code: str, code: str):
    """Let a participant stopped by an app error try their page again; their page reloads."""
    return _monitor_action(session_code,
                           lambda step: engine().admin_retry(code, session_code, step))


def _monitor_action(session_code: str, act: Callable[[int], object]) -> Any:
    """Run an action posted from the monitor for the step it showed (a participant who moved
    on since is refused by the engine), then show the monitor again, or the refusal."""
    if not _csrf_ok():
        return _action_error(session_code, "The form expired; reload the monitor.")
    step = request.form.get("step", "")
    if not step.lstrip("-").isdigit():
        return _action_error(session_code, "The form did not say which page it was for; "
                             "reload the monitor.")
    try:
        act(int(step))
    except LabctlError as exc:
        return _action_error(session_code, str(exc))
    return redirect(url_for("admin.session_detail", session_code=session_code), code=303)


def _typed_answers() -> dict[str, str]:
    """The answers the experimenter typed in the monitor (fields ``answer:<name>``)."""
    prefix = "answer:"
    return {key[len(prefix):]: value for key, value in request.form.items()
            if key.startswith(prefix)}


@bp.get("/sessions/<session_code>/payments")
@requires_admin
def payments(session_code: str):
    """A printable payments sheet: label, fixed pay, bonus, total and the amount paid, with
    the sum of those who came (who never opened their link is listed, not counted)."""
    if not _known_session(session_code):
        return _missing_session(session_code)
    session_type = engine().session_type_of(session_code)
    rows = engine().payments(session_code)
    return render_template(
        "labctl/admin/payments.html", session_code=session_code, session_type=session_type,
        payments=rows, total=format_money(sum(p.paid for p in rows if p.started),
                                          session_type.currency),
        csrf_token=_admin_csrf())


@bp.get("/sessions/<session_code>/receipts")
@requires_admin
def receipts(session_code: str):
    """One anonymous receipt per participant who came (seat label, amount paid, date, a
    signature line), a page each when printed: what a lab's accounts office files."""
    if not _known_session(session_code):
        return _missing_session(session_code)
    session_type = engine().session_type_of(session_code)
    rows = [p for p in engine().payments(session_code) if p.started]
    session_row = next(r for r in engine().session_rows() if r["code"] == session_code)
    return render_template(
        "labctl/admin/receipts.html", session_code=session_code, session_type=session_type,
        payments=rows, date=str(session_row["created_at"])[:10], csrf_token=_admin_csrf())


def monitor_socket(ws, session_code: str) -> None:
    """Pushes an ``update`` whenever a participant of the session moves; the page refetches."""
    if not admin_logged_in():
        ws.close(reason=1008, message="log in first")
        return
    try:
        engine().session_type_of(session_code)
    except LabctlError:  # a mistyped or deleted session would otherwise just stay quiet
        ws.close(reason=1008, message="no such session")
        return
    relay(ws, engine().hub, Channel.monitor(session_code), lambda: {"type": "update"})


def _action_error(session_code: str, message: str):
    return render_template("labctl/error.html", title="That action did not work",
                           message=message, back_label="Back to the monitor",
                           back_url=url_for("admin.session_detail",
                                            session_code=session_code)), 400


def _csrf_ok() -> bool:
    return csrf_ok(current_app.config["LABCTL_SECRET"], ADMIN_SUBJECT,
                   request.form.get("csrf_token"))


def _admin_csrf() -> str:
    return csrf_token(current_app.config["LABCTL_SECRET"], ADMIN_SUBJECT)


# -- group and study data -------------------------------------------------------------------


@bp.get("/sessions/<session_code>/shared")
@requires_admin
def shared_data(session_code: str):
    """The session's group and study documents, each editable like batch data."""
    if not _known_session(session_code):
        return _missing_session(session_code)

    def shown(docs: list[dict[str, Any]], title: Callable[[dict[str, Any]], str]):
        return [{**d, "title": title(d), "json": json.dumps(d["doc"], indent=2,
                                                          ensure_ascii=False)} for d in docs]

    stores = [
        ("group", "Group data", shown(engine().group_documents(session_code),
                                      lambda d: f"Group {d['key']}")),
        ("study", "Study data", shown(engine().study_documents(session_code),
                                      lambda d: f"Participant {d['participant']}")),
    ]
    return render_template("labctl/admin/shared_data.html", session_code=session_code,
                           stores=stores, csrf_token=_admin_csrf(),
                           error=request.args.get("error"), notice=request.args.get("notice"))


@bp.post("/sessions/<session_code>/shared/<scope>")
@requires_admin
def edit_shared(session_code: str, scope: str):
    """Replace a group's or a participant's data; refused if it changed since the form loaded."""
    def back(**message: str):
        return redirect(url_for("admin.shared_data", session_code=session_code, **message),
                        code=303)

    if not _csrf_ok():
        return back(error="The form expired; please try again.")
    key, text = request.form.get("key", ""), request.form.get("doc", "")
    try:
        if too_deep(text):
            raise ValueError(f"nested deeper than {MAX_JSON_DEPTH} levels")
        doc = json.loads(text)
        version = int(request.form.get("version", ""))
    except ValueError as exc:
        return back(error=f"The {scope} data {key} was not saved: it is not valid JSON ({exc}).")
    try:
        result = engine().admin_replace_shared(session_code, scope, key, version, doc)
    except LabctlError as exc:
        return back(error=f"The {scope} data {key} was not saved: {exc}.")
    if not result.accepted:
        return back(error=f"The {scope} data {key} changed while you edited it (now version "
                    f"{result.version}); nothing was saved. Review it and save again.")
    return back(notice=f"The {scope} data {key} was saved as version {result.version}.")
