"""The chat between a participant and the experimenter, over HTTP: the participant's page
reads and sends its messages (``labctl-experimenter-chat.js``), the monitor answers. New
messages reach the other side on the channels it already listens to (the participant's page
socket, the monitor's), so nothing polls for them."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, redirect, request, url_for
from markupsafe import Markup, escape

from ..errors import LabctlError
from ..participant_urls import EXPERIMENTER_CHAT, EXPERIMENTER_CHAT_ROUTE
from .admin import ADMIN_SUBJECT, requires_admin
from .current import engine
from .security import csrf_ok

bp = Blueprint("experimenter_chat", __name__)


def chat_box(csrf: str) -> Markup:
    """``{{ experimenter_chat() }}`` in a page template: the box labctl-experimenter-chat.js
    turns into the chat (its form token travels with it: the page's own form may have none)."""
    return Markup(f'<div class="experimenter-chat" data-labctl-experimenter-chat '
                  f'data-csrf="{escape(csrf)}" data-url="{EXPERIMENTER_CHAT}"></div>')


@bp.get(EXPERIMENTER_CHAT_ROUTE)
def history(code: str):
    return jsonify({"messages": engine().participant_chat(code)})


@bp.post(EXPERIMENTER_CHAT_ROUTE)
def send(code: str):
    """A participant's message; refused (400, with why) without the page's token."""
    if not csrf_ok(current_app.config["LABCTL_SECRET"], code, request.form.get("csrf_token")):
        engine().position(code)  # an unknown code is a 404
        return jsonify({"error": "this page's security token is missing or old; reload "
                                 "the page"}), 400
    try:
        message = engine().chat_with_experimenter(code, request.form.get("text"))
    except LabctlError as exc:
        return jsonify({"error": str(exc)}), 400
    return jsonify({"message": message})


@bp.post("/admin/sessions/<session_code>/participants/<code>/chat")
@requires_admin
def answer(session_code: str, code: str):
    """The experimenter's answer from the monitor; back to the monitor."""
    from .admin import _action_error

    if not csrf_ok(current_app.config["LABCTL_SECRET"], ADMIN_SUBJECT,
                   request.form.get("csrf_token")):
        return _action_error(session_code, "The form expired; reload the monitor.")
    try:
        engine().chat_with_participant(session_code, code, request.form.get("text"))
    except LabctlError as exc:
        return _action_error(session_code, str(exc))
    return redirect(url_for("admin.session_detail", session_code=session_code) +
                    "#experimenter-chat", code=303)
