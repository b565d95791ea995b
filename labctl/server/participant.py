"""Participant pages: one URL per participant; the server decides which page it shows.

``GET /p/<code>/`` shows the current page (a reload or the back button lands there too);
``POST /p/<code>/`` submits it, checked against the step it was shown at, and answers with the
page the participant is on now: the next page, or the same one with its errors (no redirect, so
a page costs one round trip; the step check makes a re-sent form harmless, and labctl.js turns
the history entry into a plain GET so a reload never re-posts). The wait page listens on
``/p/<code>/ws`` and polls ``/p/<code>/position`` when WebSockets are blocked; so does every
form page, so that a page follows its participant when someone else moves them on. A form that
arrives for a page already left changes nothing, and the page it is answered with says why.
"""

from __future__ import annotations

import logging

from flask import Blueprint, current_app, jsonify, render_template, request, url_for

from ..engine import PageView, SubmitResult, UnknownParticipant
from ..errors import ResearcherCodeError
from ..hub import Channel
from ..i18n import N_
from ..i18n import gettext as _
from ..participant_urls import (
    APP_ERROR,
    APP_ERROR_ROUTE,
    POSITION,
    POSITION_ROUTE,
    ROUTE,
    SOCKET,
    participant_path,
)
from .consent import consent_page
from .current import engine
from .live import relay
from .rendering import (
    FINISHED_TEMPLATE,
    WAIT_TEMPLATE,
    compiled,
    render_page,
    render_wait_page,
)
from .security import csrf_ok, csrf_token

bp = Blueprint("participant", __name__)
log = logging.getLogger("labctl.server")

#: what the page says when the form just sent was for a page the participant had already left
#: (``SubmitResult.reason``): their answer was not saved, and they should know why
STALE_NOTICES = {
    "experimenter": N_("The experimenter moved you on from the page you answered, so that "
                       "answer was not saved. This is the page you are on now."),
    "timeout": N_("The time for the page you answered ran out before your answer arrived, so "
                  "that answer was not saved. This is the page you are on now."),
    "answered": N_("The page you answered had already been answered (in another window, or by "
                   "an earlier attempt before the connection was lost), so that answer was not "
                   "saved again. This is the page you are on now."),
    "not_shown": N_("The form you sent was not for the page you are on, so nothing was saved. "
                    "This is the page you are on now."),
}


def secret() -> str:
    return current_app.config["LABCTL_SECRET"]


@bp.get(ROUTE)
def show(code: str):
    if request.method == "HEAD":
        # link previews and prefetchers must not start a participant's session
        engine().position(code)
        return "", 200
    page = _render(code)
    engine().participant_heard(code)  # after the code proved real: no entry for a bad link
    return page


@bp.post(ROUTE)
def submit(code: str):
    form = request.form
    if not csrf_ok(secret(), code, form.get("csrf_token")):
        engine().position(code)  # an unknown code is a 404, not a CSRF error
        return render_template(
            "labctl/error.html", title=_("This form could not be accepted"),
            message=_("The form was not sent by this page (its security token is missing or "
                      "wrong). Nothing was saved. Go back to your page and answer again."),
            back_url=url_for(".show", code=code)), 400
    step = _as_int(form.get("step"))
    with engine().answer(code, step, form.to_dict(),
                         timed_out=form.get("timed_out") == "1") as (result, view):
        if result.status == "invalid":
            return _html(code, view, result.errors, result.values), 422
        page = _html(code, view, None, None, notice=_stale_notice(result))
    engine().participant_heard(code)
    return page


@bp.get(POSITION_ROUTE)
def position(code: str):
    response = jsonify(engine().position(code))
    engine().participant_heard(code, poll=True)  # a page whose socket is blocked polls
    response.headers["Cache-Control"] = "no-store"
    return response


def _page_url(code: str) -> str:
    """``url_for(".show", code=code)`` without its routing lookups (one per wait page)."""
    return request.script_root + participant_path(code)


def _as_int(value: object) -> int | None:
    try:
        return int(str(value))
    except ValueError:
        return None


def _stale_notice(result: SubmitResult) -> str | None:
    return _(STALE_NOTICES[result.reason or "not_shown"]) if result.status == "stale" else None


def _render(code: str):
    with engine().view(code) as view:
        return _html(code, view, None, None)


def _html(code: str, view: PageView, errors: dict[str, str] | None,
          posted: dict[str, str] | None, notice: str | None = None) -> str:
    """The page ``view`` shows; ``notice`` (base.html's ``labctl_notice``) tells the
    participant why the form they sent was not saved."""
    if view.kind == "consent":
        return consent_page(code, view)
    if view.kind == "finished":
        return compiled(FINISHED_TEMPLATE).render(
            view=view, payment=view.payment, participant=view.participant,
            labctl_notice=notice)
    if view.kind == "wait":
        page_url = _page_url(code)
        own = view.step.app.wait_templates.get(view.page)  # type: ignore
        if own is not None:
            return render_wait_page(view, own, {"ws_url": page_url + SOCKET,
                                                "position_url": page_url + POSITION,
                                                "labctl_notice": notice})
        return compiled(WAIT_TEMPLATE).render(
            view=view, title=_(view.page.title_text),  # type: ignore[union-attr]
            body=_(view.page.body_text),  # type: ignore[union-attr]
            ws_url=page_url + SOCKET, position_url=page_url + POSITION, labctl_notice=notice)
    if notice:
        view.extra["labctl_notice"] = notice  # the app page's context is its view's extra
    return render_page(view, csrf_token(secret(), code), errors, posted)


def participant_socket(ws, code: str) -> None:
    """Tell a participant's page the moment they are moved on (released from a wait page)."""
    try:
        engine().position(code)
    except UnknownParticipant:
        ws.close(reason=1008, message="unknown participant")
        return
    engine().page_socket_opened(code)
    closed: list[bool] = []

    def noticed() -> None:
        closed.append(True)
        engine().page_socket_closed(code)  # offline at once, unless another page is open

    try:
        relay(ws, engine().hub, Channel.participant(code),
              lambda: {"type": "position", **engine().position(code)}, on_close=noticed)
    finally:
        if not closed:
            noticed()


# -- a page stopped by the experiment's code --------------------------------------------------


@bp.errorhandler(ResearcherCodeError)
def app_error(exc: ResearcherCodeError):
    """The researcher's code failed on this participant's page: record it for the monitor
    (file:line, at once) and show a page that waits, without the traceback, and reloads by
    itself once the experimenter has acted (Advance, Release, Retry)."""
    code = str((request.view_args or {}).get("code", ""))
    log.error("experiment code failed for participant %s: %s", code, exc)
    position = engine().position(code)
    try:
        engine().record_app_error(code, exc)
    except Exception as failure:  # the page must still tell the participant what to do
        log.error("could not record the app error for the monitor: %r", failure)
    page_url = _page_url(code)
    return render_template(
        "labctl/app_error.html", step=position["step"], page_url=page_url,
        ws_url=page_url + SOCKET, status_url=page_url + APP_ERROR), 500


@bp.get(APP_ERROR_ROUTE)
def app_error_status(code: str):
    """Whether the app error that stopped this participant's page still stands."""
    response = jsonify({"standing": engine().app_error_standing(code)})
    response.headers["Cache-Control"] = "no-store"
    return response
