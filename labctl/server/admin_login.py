"""Whether a request comes from the experimenter's live login: what every admin page (the
monitor, downloads, reports, the demo, the API's browser view) checks first."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import current_app, redirect, request, url_for

#: the cookie holding a login's token (its hash is a row of ``admin_logins``); the name the
#: signed cookie had before, so tests and notes that name it stay right (Flask's own session
#: cookie is renamed in ``create_app``)
ADMIN_COOKIE = "session"
#: ``app.extensions`` key of the app's ``AdminLogins`` (None: no password)
LOGINS = "labctl.admin_logins"


def admin_logged_in() -> bool:
    """Whether this request comes from a live login (always, when no password is set)."""
    logins = current_app.extensions.get(LOGINS)
    return logins is None or logins.valid(request.cookies.get(ADMIN_COOKIE))


def requires_admin(view: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not admin_logged_in():
            return redirect(url_for("admin.login", next=request.path))
        return view(*args, **kwargs)

    return wrapper
