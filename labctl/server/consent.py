"""The welcome and consent page a session type may declare (``SessionType(consent=...)``).

``GET /p/<code>/`` shows it until the participant answers; ``POST /p/<code>/consent`` records
"I agree" (then their first page) or "I do not agree" (then the end page; paid the show-up
fee). The text is the researcher's HTML file in the project, read once and kept.
"""

from __future__ import annotations

import functools
from pathlib import Path

from flask import Blueprint, current_app, redirect, render_template, request
from markupsafe import Markup

from ..engine import PageView
from ..i18n import gettext as _
from ..participant_urls import CONSENT, CONSENT_ROUTE, participant_path
from .current import engine
from .security import csrf_ok, csrf_token

bp = Blueprint("consent", __name__)


def consent_page(code: str, view: PageView, status: int = 200):
    """The consent page: the session type's text, then the two buttons."""
    session_type = engine().session_type_of(view.session.code)
    text = consent_text(str(engine().project.root / str(session_type.consent)))
    return render_template(
        "labctl/consent.html", view=view, text=text, title=session_type.title,
        action=request.script_root + participant_path(code, CONSENT),
        csrf_token=csrf_token(current_app.config["LABCTL_SECRET"], code)), status


@functools.lru_cache(maxsize=32)
def consent_text(path: str) -> Markup:
    """The researcher's HTML, read once per file (``labctl validate`` checked it, LC241)."""
    return Markup(Path(path).read_text(encoding="utf-8"))


@bp.post(CONSENT_ROUTE)
def answer(code: str):
    if not csrf_ok(current_app.config["LABCTL_SECRET"], code, request.form.get("csrf_token")):
        engine().position(code)  # an unknown code is a 404, not a CSRF error
        return render_template(
            "labctl/error.html", title=_("This form could not be accepted"),
            message=_("The form was not sent by this page (its security token is missing or "
                      "wrong). Nothing was saved. Go back and answer again."),
            back_url=request.script_root + participant_path(code)), 400
    choice = request.form.get("consent")
    if choice not in ("agree", "decline"):
        return render_template(
            "labctl/error.html", title=_("Please choose"),
            message=_("The form did not say whether you agree. Nothing was saved. Go back "
                      "and press one of the two buttons."),
            back_url=request.script_root + participant_path(code)), 400
    engine().give_consent(code, choice == "agree")
    return redirect(request.script_root + participant_path(code), code=303)
