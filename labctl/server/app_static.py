"""The route of apps' static files, ``/app-static/<app>/<path>``, and ``static()`` in templates.

Only files of the index built at start (``labctl.static_files``) are served, looked up by their
exact path: nothing outside ``static/``, no ``.py``, no directory listing. Responses carry an
ETag (the content's hash) and Last-Modified, and answer 304 to a matching If-None-Match or
If-Modified-Since (Werkzeug's conditional responses, which also serve Range requests for audio
and video). ``static("img/cards.png")`` in a template gives the URL with ``?v=<hash>``: such a
URL names one content for ever, so it is cached a year as immutable; without the current hash
the browser revalidates every time (no-cache), so an edited file is never served stale.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote

import jinja2
from flask import Blueprint, abort, current_app, request, send_file
from flask.typing import ResponseReturnValue

from ..otree_templates import FRAGMENT_PREFIX, PAGE_PREFIX
from ..project import Project
from ..static_files import STATIC_FOLDER, AppStaticFile, index_app

__all__ = ["ROUTE_PREFIX", "StaticIndex", "bp", "template_helper"]

#: where an app's static files are served: ``/app-static/<app>/<path>``
ROUTE_PREFIX = "/app-static"
#: where ``create_app`` keeps the ``StaticIndex`` (``app.extensions``)
INDEX = "labctl.app_static"
#: a versioned URL's lifetime: a year, the longest browsers honour
IMMUTABLE_MAX_AGE = 365 * 24 * 3600

bp = Blueprint("app_static", __name__)

#: app name -> relative path -> file
StaticIndex = dict[str, dict[str, AppStaticFile]]


def build_index(project: Project) -> StaticIndex:
    """Every app's servable static files, read once at start."""
    return {name: index_app(spec.folder) for name, spec in project.apps.items()}


@bp.get(f"{ROUTE_PREFIX}/<app>/<path:path>")
def serve(app: str, path: str) -> ResponseReturnValue:
    """One file of an app's ``static/``; anything not in the index is a plain 404."""
    entry = current_app.extensions[INDEX].get(app, {}).get(path)
    if entry is None:
        abort(404)
    versioned = request.args.get("v") == entry.version
    response = send_file(entry.path, mimetype=entry.content_type, etag=entry.etag,
                         last_modified=entry.last_modified, conditional=True,
                         max_age=IMMUTABLE_MAX_AGE if versioned else None)
    if versioned:
        response.cache_control.public = True
        response.cache_control.immutable = True
    else:
        response.cache_control.no_cache = True
    return response


def template_helper(index: StaticIndex) -> Callable[..., str]:
    """``static("js/market.js")``: the URL of a file of the app whose template calls it."""

    @jinja2.pass_context
    def static(context: jinja2.runtime.Context, path: str) -> str:
        app = _calling_app(context)
        entry = index.get(app, {}).get(path)
        if entry is None:
            raise jinja2.UndefinedError(
                f"static('{path}'): no file {app}/{STATIC_FOLDER}/{path} that labctl serves")
        return f"{request.script_root}{ROUTE_PREFIX}/{app}/{quote(path)}?v={entry.version}"

    return static


def _calling_app(context: jinja2.runtime.Context) -> str:
    """The app of the template being rendered: its name is ``app:<app>/<file>`` (or
    ``fragment:...``); labctl's own templates fall back to the page's app."""
    name = context.name or ""
    for prefix in (PAGE_PREFIX, FRAGMENT_PREFIX):
        if name.startswith(prefix) and "/" in name:
            return name[len(prefix):].partition("/")[0]
    view = context.get("view")
    step = getattr(view, "step", None)
    return step.app.name if step is not None else ""
