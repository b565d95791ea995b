"""CSRF tokens, the admin password and security headers.

Participant CSRF tokens are an HMAC of the participant code with the server's secret (kept in
the database), so they survive a restart and need no server-side session. The admin password is
compared in constant time, and each wrong attempt is slowed down to make guessing expensive.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import io
import time
from collections.abc import Callable, Iterable
from typing import Any

from flask import Request, Response
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface

#: Content Security Policy: only labctl's own scripts and styles, no framing
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
WRONG_PASSWORD_DELAY = 1.0


@functools.lru_cache(maxsize=8192)
def csrf_token(secret: str, subject: str) -> str:
    """The token a form for ``subject`` (a participant code, or the admin) must carry.

    Remembered per participant: every submit checks one and renders one, and the HMAC would
    otherwise be computed twice per page for the same code."""
    return hmac.new(secret.encode(), f"csrf:{subject}".encode(), hashlib.sha256).hexdigest()[:40]


def csrf_ok(secret: str, subject: str, token: object) -> bool:
    """Constant-time check; any text is compared as bytes (a forged token may be non-ASCII)."""
    return isinstance(token, str) and hmac.compare_digest(
        csrf_token(secret, subject).encode(), token.encode("utf-8", "surrogatepass"))


def password_ok(expected: str, given: object) -> bool:
    """Constant-time comparison; a wrong password costs the caller a second."""
    ok = isinstance(given, str) and hmac.compare_digest(
        hashlib.sha256(expected.encode()).digest(), hashlib.sha256(given.encode()).digest())
    if not ok:
        time.sleep(WRONG_PASSWORD_DELAY)
    return ok


SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    # participant links carry their code: never leak it to another site
    "Referrer-Policy": "no-referrer",
}


def add_security_headers(response: Response) -> Response:
    """Every header above that the response does not set itself, and ``no-store`` on pages.

    One pass over the response's headers (each ``in`` test would be another), on every page.
    """
    headers = response.headers
    present = {name.lower() for name, _ in headers.items()}
    for name, value in SECURITY_HEADERS.items():
        if name.lower() not in present:
            headers.add(name, value)
    if "cache-control" not in present and response.mimetype == "text/html":
        headers.add("Cache-Control", "no-store")
    return response


class AdminOnlySessions(SecureCookieSessionInterface):
    """Flask's signed-cookie session, opened only when the browser sent one.

    Only the experimenter's login uses a session; participants never get the cookie, so their
    requests skip building the cookie signer (a measurable share of every page's cost).
    """

    def open_session(self, app: Any, request: Request) -> SecureCookieSession | None:
        if "HTTP_COOKIE" not in request.environ or self.get_cookie_name(
                app) not in request.cookies:  # not parsing a header that is not there
            return self.session_class()
        return super().open_session(app, request)


class BodyLimit:
    """WSGI middleware: a body sent without Content-Length (chunked) is limited too.

    Flask's MAX_CONTENT_LENGTH refuses a declared length that is too large, but Werkzeug's
    stream silently cuts a chunked body at the limit, and the cut form would be processed.
    Here such a body is read up to one byte past the limit; if it is longer the request is
    marked, and the app answers 413 without reading a field of it.
    """

    MARK = "labctl.body_too_large"

    def __init__(self, app: Callable[..., Iterable[bytes]], limit: int) -> None:
        self.app = app
        self.limit = limit

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]
                 ) -> Iterable[bytes]:
        if not environ.get("CONTENT_LENGTH") and environ.get("REQUEST_METHOD") in (
                "POST", "PUT", "PATCH", "DELETE"):
            body = environ["wsgi.input"].read(self.limit + 1)
            if len(body) > self.limit:
                environ[self.MARK] = True
                body = b""
            environ["wsgi.input"] = io.BytesIO(body)
            environ["CONTENT_LENGTH"] = str(len(body))
            environ["wsgi.input_terminated"] = False
        return self.app(environ, start_response)
