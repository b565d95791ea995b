"""``/join/<session>/<token>/``: the session-wide link (a classroom's one URL). Each new
browser is sent to the next free participant and remembers it in a cookie, so a reload (or
opening the link again) keeps the same participant. ``?participant_label=ID`` is kept as the
participant's label. The token is signed with the server's secret: the link cannot be guessed
from the session code, which the admin shows in many places."""

from __future__ import annotations

import hmac

from flask import Blueprint, abort, current_app, redirect, render_template, request

from ..engine import SessionFull
from ..i18n import gettext as _
from ..participant_urls import participant_path
from .current import engine
from .security import csrf_token

bp = Blueprint("session_link", __name__)
#: the cookie that remembers this browser's participant, one per session
COOKIE = "labctl_join_{}"
#: the cookie lives as long as a long lab day; a new day's session has a new code anyway
COOKIE_SECONDS = 24 * 3600


def join_token(session_code: str) -> str:
    return csrf_token(current_app.config["LABCTL_SECRET"], f"join:{session_code}")[:24]


def join_path(session_code: str) -> str:
    """The session-wide link's path, for the admin to show."""
    return f"/join/{session_code}/{join_token(session_code)}/"


@bp.get("/join/<session_code>/<token>/")
def join(session_code: str, token: str):
    if not hmac.compare_digest(join_token(session_code).encode(),
                               token.encode("utf-8", "surrogatepass")):
        abort(404)
    if not engine().has_session(session_code):
        abort(404)
    cookie = COOKIE.format(session_code)
    label = (request.args.get("participant_label") or "").strip() or None
    try:
        code = engine().claim_by_link(session_code, request.cookies.get(cookie), label)
    except SessionFull:
        return render_template("labctl/error.html", title=_("The session is full"),
                               message=_("Every place in this session is taken.")), 409
    response = redirect(request.script_root + participant_path(code), code=303)
    response.set_cookie(cookie, code, max_age=COOKIE_SECONDS, httponly=True, samesite="Lax",
                        secure=request.is_secure)
    return response
