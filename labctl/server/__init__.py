"""The lab server: a thin Flask layer over the engine.

``create_app(engine)`` builds the WSGI app: participant pages and their WebSocket, the admin
pages, labctl's own static assets (nothing from a CDN: labs are often offline), error pages a
participant can act on, and security headers on every response.
"""

from __future__ import annotations

import functools
import logging
from typing import Any

import jinja2
from flask import Flask, abort, redirect, render_template, request, url_for
from flask_sock import Sock

from .. import i18n
from ..engine import Engine, UnknownParticipant
from ..errors import LabctlError, ResearcherCodeError
from ..i18n import N_
from ..i18n.client_texts import texts_element
from ..otree_templates import join_path_for
from ..participant_urls import LIVE_ROUTE, SHARED_ROUTE, SOCKET_ROUTE
from ..storage.admin_logins import AdminLogins
from ..storage.sqlite import StorageError
from ..template_filters import OTREE_FILTERS
from . import (
    admin,
    api,
    app_static,
    consent,
    demo,
    downloads,
    experimenter_chat,
    live_socket,
    participant,
    reports,
    room_admin,
    rooms,
    session_link,
    shared_socket,
)
from .current import ENGINE
from .rendering import (
    FINISHED_TEMPLATE,
    TEMPLATE_CACHE,
    TEMPLATE_VARIANTS,
    WAIT_TEMPLATE,
    AppTemplateLoader,
    TemplateCache,
    app_template_name,
    language_variants,
    page_marker,
    title_text,
    wait_template_name,
)
from .security import (
    AdminOnlySessions,
    BodyLimit,
    LoginThrottle,
    add_security_headers,
    allowed_origins,
    origin_refusal,
)

__all__ = ["create_app"]

log = logging.getLogger("labctl.server")
#: form posts are small; anything larger is refused before it is read
MAX_BODY_BYTES = 256 * 1024


def create_app(engine: Engine, admin_password: str | None = None,
               config: dict[str, Any] | None = None, logins: AdminLogins | None = None
               ) -> Flask:
    """The Flask app serving ``engine``'s sessions.

    The admin is behind ``logins`` (the database's password and logins, as ``labctl run``
    passes them), or behind ``admin_password`` with logins kept in memory, or open."""
    app = Flask(__name__)
    templates = TemplateCache(app.jinja_env)  # first: every template loaded chains its globals
    secret = engine.secret()
    app.config.update(
        SECRET_KEY=secret, LABCTL_SECRET=secret,
        MAX_CONTENT_LENGTH=MAX_BODY_BYTES, SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_NAME="labctl_flask",  # "session" is the admin login's (admin.py)
        SESSION_COOKIE_SAMESITE="Lax", SOCK_SERVER_OPTIONS={"ping_interval": 25},
        **(config or {}))
    app.extensions[ENGINE] = engine
    if logins is None and admin_password:
        logins = AdminLogins.in_memory(admin_password)
    app.extensions[admin.LOGINS] = logins
    app.extensions[admin.THROTTLE] = LoginThrottle()
    app.session_interface = AdminOnlySessions()
    app.jinja_env.autoescape = True
    app.jinja_env.globals["static_url"] = static_url
    app.jinja_env.globals["page_marker"] = page_marker
    app.jinja_env.filters["title_text"] = title_text
    app.jinja_env.filters.update(OTREE_FILTERS)
    _app_static_files(app, engine)
    _speak_participants_language(app, engine)
    app.jinja_loader = jinja2.ChoiceLoader([app.jinja_loader, AppTemplateLoader(engine.project)])
    _participant_environment(app, templates, engine)
    app.extensions[TEMPLATE_VARIANTS] = _compile_templates(templates, engine)
    app.register_blueprint(participant.bp)
    app.register_blueprint(consent.bp)
    app.register_blueprint(session_link.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(rooms.bp)
    app.register_blueprint(downloads.bp)
    app.register_blueprint(app_static.bp)
    app.register_blueprint(live_socket.bp)
    api.register(app)
    app.register_blueprint(reports.bp)
    app.register_blueprint(demo.bp)
    app.register_blueprint(experimenter_chat.bp)
    sock = Sock(app)
    for route, handler in [(SOCKET_ROUTE, participant.participant_socket),
                           (SHARED_ROUTE, shared_socket.shared_socket),
                           (LIVE_ROUTE, live_socket.live_socket),
                           ("/room/<room>/<label>/ws", rooms.seat_socket),
                           ("/admin/sessions/<session_code>/ws", admin.monitor_socket),
                           ("/admin/rooms/<room>/ws", room_admin.room_seats_socket)]:
        sock.route(route)(handler)
        _same_origin_only(app, handler.__name__)
    app.after_request(add_security_headers)
    app.wsgi_app = BodyLimit(app.wsgi_app, MAX_BODY_BYTES)  # type: ignore[method-assign]

    @app.before_request
    def refuse_oversized_chunked_bodies():
        if request.environ.get(BodyLimit.MARK):
            abort(413)
    _register_error_pages(app)

    @app.get("/")
    def index():
        return redirect(url_for("admin.sessions"))

    templates.freeze()  # last: the environment's globals are complete
    app.extensions[TEMPLATE_CACHE] = templates
    return app


def _speak_participants_language(app: Flask, engine: Engine) -> None:
    """labctl's templates translate with ``_()`` and ``{% trans %}`` (Jinja's i18n extension)
    in the language of the page being made (``labctl.i18n``): the engine sets it when it
    loads a participant's session; a page without one (a room's seat page, an unknown link)
    is in the project's language."""
    app.jinja_env.add_extension("jinja2.ext.i18n")
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        i18n.gettext, i18n.ngettext, newstyle=True, pgettext=i18n.pgettext)
    app.jinja_env.globals["html_lang"] = lambda: i18n.html_lang(i18n.current_language())
    app.jinja_env.globals["text_direction"] = lambda: i18n.direction(i18n.current_language())
    app.jinja_env.globals["labctl_texts"] = texts_element
    app.jinja_env.globals["translated"] = i18n.gettext  # a text held in a variable
    default = project_language(engine.project)

    @app.before_request
    def project_language_first():
        i18n.activate(default, engine.project.root)


def project_language(project: Any) -> str:
    """The language of pages no session decides: the project's ``LANGUAGE``, or that of its
    only language, else English."""
    languages = {st.speaks for st in project.session_types}
    return languages.pop() if len(languages) == 1 else "en"


def _same_origin_only(app: Flask, endpoint: str) -> None:
    """Check a socket's ``Origin`` before flask-sock upgrades the connection: a socket opened
    from another site is a plain 403 (``security.origin_refusal``). Only the socket routes
    pay for the check."""
    upgrade = app.view_functions[endpoint]
    allowed = allowed_origins(app.config.get("LABCTL_ALLOWED_ORIGINS") or ())

    @functools.wraps(upgrade)
    def checked(*args: Any, **kwargs: Any) -> Any:
        refusal = origin_refusal(request.environ, allowed)
        if refusal:
            return refusal, 403, {"Content-Type": "text/plain; charset=utf-8"}
        return upgrade(*args, **kwargs)

    app.view_functions[endpoint] = checked


def static_url(filename: str) -> str:
    """The URL of one of labctl's static files. Every page links two: built as Flask's
    ``url_for('static', ...)`` would (under the app's root), without its routing lookups."""
    return f"{request.script_root}/static/{filename}"


def _app_static_files(app: Flask, engine: Engine) -> None:
    """Index every app's ``static/`` once and give templates ``static("file")``."""
    index = app_static.build_index(engine.project)
    app.extensions[app_static.INDEX] = index
    app.jinja_env.globals["static"] = app_static.template_helper(index)


def _participant_environment(app: Flask, templates: TemplateCache, engine: Engine) -> None:
    """Participant pages compile in an overlay of Flask's environment (same loader, globals
    and filters) that is strict about undefined names: a misspelt ``player.id_in_subsesion``
    fails at its template line instead of printing nothing. Includes in app templates resolve
    relative to their app (``otree_templates.resolve``). The admin keeps Flask's own."""
    app.jinja_env.join_path = join_path_for(engine.project.apps)  # type: ignore[method-assign]
    templates.environment = app.jinja_env.overlay(undefined=jinja2.StrictUndefined)


def _compile_templates(templates: TemplateCache, engine: Engine
                       ) -> dict[tuple[str, str], str]:
    """Compile every template a participant page renders now: a template edited (or broken)
    while a session runs changes nothing until the next start, like the project's Python
    code. Returns the per-language variants found (``Send.de.html`` for the project's German
    session types): (template name, language) -> the variant's name."""
    templates.environment.auto_reload = False
    for name in (WAIT_TEMPLATE, FINISHED_TEMPLATE):
        templates.add(name)
    languages = {st.speaks for st in engine.project.session_types}
    variants: dict[tuple[str, str], str] = {}
    for spec in engine.project.apps.values():
        for page in spec.page_sequence:
            if hasattr(page, "template_file") and spec.template_path(page).is_file():
                name = app_template_name(spec.name, page.template_file())
                templates.add(name)
                for language in languages:
                    variant = next((v for v in language_variants(page.template_file(),
                                                                 language)
                                    if (spec.folder / v).is_file()), None)
                    if variant:
                        variants[(name, language)] = app_template_name(spec.name, variant)
                        templates.add(variants[(name, language)])
        for file in spec.wait_templates.values():
            templates.add(wait_template_name(spec.name, file))
    return variants


def _register_error_pages(app: Flask) -> None:
    def page(status: int, title: str, message: str, back: bool = False):
        """An error page in the participant's language: ``title`` and ``message`` are
        marked (``N_``) English texts, translated here; a ``LabctlError``'s own text is not
        in the catalogues and stays as written."""
        code = (request.view_args or {}).get("code")
        back_url = url_for("participant.show", code=code) if back and code else None
        return render_template("labctl/error.html", title=i18n.gettext(title),
                               message=i18n.gettext(message),
                               back_url=back_url), status

    @app.errorhandler(UnknownParticipant)
    def unknown(_exc: UnknownParticipant):
        return page(404, N_("Link not found"), N_("This link does not belong to any "
                    "participant. Check the link, or ask the experimenter for yours."))

    @app.errorhandler(ResearcherCodeError)
    def researcher_error(exc: ResearcherCodeError):
        log.error("experiment code failed: %s", exc)
        return page(500, N_("Something went wrong"), N_("The experiment's code failed on this "
                    "page. Your earlier answers are saved. Please tell the experimenter."),
                    back=True)

    @app.errorhandler(StorageError)
    def storage_error(exc: StorageError):
        if not exc.repeated:  # a full disk fails every request: its log line comes once
            log.error("storage failed: %s", exc)
        return page(503, N_("Please wait a moment"), N_("The lab server cannot save right now. "
                    "Nothing you entered is lost; please try again in a moment."), back=True)

    @app.errorhandler(LabctlError)
    def labctl_error(exc: LabctlError):
        return page(400, N_("That did not work"), str(exc), back=True)

    @app.errorhandler(500)
    def server_error(exc: Exception):
        log.error("unexpected error: %r", getattr(exc, "original_exception", exc))
        return page(500, N_("Something went wrong"), N_("The lab server hit an unexpected "
                    "error. Your earlier answers are saved. Please tell the experimenter."),
                    back=True)

    @app.errorhandler(413)
    def too_large(_exc: Exception):
        return page(413, N_("Too much data"), N_("The form sent more data than a page "
                    "accepts. Nothing was saved."), back=True)

    @app.errorhandler(404)
    def not_found(_exc: Exception):
        return page(404, N_("Page not found"), N_("There is no page at this address."))

    @app.errorhandler(405)
    def not_allowed(_exc: Exception):
        return page(405, N_("Not allowed"), N_("This address does not accept that kind of "
                    "request."), back=True)
