"""CSRF tokens, the admin password and security headers.

Participant CSRF tokens are an HMAC of the participant code with the server's secret (kept in
the database), so they survive a restart and need no server-side session. The admin password is
checked against its scrypt hash away from the serving loop; each wrong attempt is slowed down,
and attempts are limited per client address and overall (``LoginThrottle``).
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import io
import time
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any

from flask import Request, Response
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface

#: Content Security Policy: only labctl's own scripts and styles, framed only by labctl's own
#: pages (the demo page shows every participant's page in a frame)
#: ``style-src-attr 'unsafe-inline'``: ``style="..."`` attributes (oTree templates use them for
#: layout) apply; they run no code and read nothing. Inline scripts and <style> elements stay
#: refused, and ``labctl validate`` names them (LC175).
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; style-src-attr 'unsafe-inline'; "
       "img-src 'self' data:; "
       "connect-src 'self'; frame-ancestors 'self'; form-action 'self'; base-uri 'none'")
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


def off_the_loop(work: Callable[[], bool]) -> bool:
    """Run ``work`` (a scrypt check: tens of ms of CPU) in gevent's thread pool when the server
    runs under gevent, so that participants' pages are not held up meanwhile (scrypt releases
    the GIL); in a plain threaded server, in the calling thread."""
    try:
        from gevent import monkey
    except ImportError:  # pragma: no cover - gevent is a dependency
        return work()
    if not monkey.is_module_patched("threading"):
        return work()
    import gevent

    return bool(gevent.get_hub().threadpool.apply(work))


def slow_down_wrong_password() -> None:
    """A wrong password costs its caller a second (gevent's sleep under the lab server)."""
    time.sleep(WRONG_PASSWORD_DELAY)


class LoginThrottle:
    """How many admin logins may be tried: per client address and overall, in memory.

    Why both: a per-address limit stops one guesser; the overall cap stops many connections
    (or addresses) guessing in parallel, which the one-second delay alone did not (200
    clients made 200 guesses a second). A restart forgets the counts. Wrong attempts count
    per address; every attempt counts overall.
    """

    MAX_ADDRESSES = 10_000

    def __init__(self, per_address: int = 5, address_window: float = 60.0,
                 overall: int = 10, overall_window: float = 1.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.per_address, self.address_window = per_address, address_window
        self.overall, self.overall_window = overall, overall_window
        self.clock = clock
        self.failures: dict[str, deque[float]] = {}
        self.attempts: deque[float] = deque()

    def refusal(self, address: str) -> str | None:
        """Why an attempt from ``address`` is refused now, or None (then it is counted)."""
        now = self.clock()
        _forget_before(self.attempts, now - self.overall_window)
        failures = self.failures.get(address)
        if failures is not None:
            _forget_before(failures, now - self.address_window)
            if len(failures) >= self.per_address:
                return (f"Too many wrong passwords from this computer. Wait "
                        f"{int(self.address_window)} seconds, then try again.")
        if len(self.attempts) >= self.overall:
            return ("Too many login attempts on this server right now. Wait a few seconds, "
                    "then try again.")
        self.attempts.append(now)
        return None

    def failed(self, address: str) -> None:
        if address not in self.failures and len(self.failures) >= self.MAX_ADDRESSES:
            self._forget_idle_addresses()
        self.failures.setdefault(address, deque()).append(self.clock())

    def succeeded(self, address: str) -> None:
        self.failures.pop(address, None)

    def _forget_idle_addresses(self) -> None:
        """Bound the memory a flood of addresses can take: those idle for a window go."""
        since = self.clock() - self.address_window
        for address in [a for a, times in self.failures.items() if times[-1] < since]:
            del self.failures[address]


def _forget_before(times: deque[float], since: float) -> None:
    while times and times[0] < since:
        times.popleft()


def origin_refusal(environ: dict[str, Any], allowed: frozenset[str]) -> str | None:
    """Why a WebSocket handshake from another site is refused, or None.

    Browsers send cookies and open sockets from any page, and nothing else stops a page on
    another site from opening a participant's or the admin's socket in the visitor's name;
    they always send ``Origin``, which must be this server (the ``Host`` asked for: scheme
    aside, another host or port is another site) or one of ``allowed`` (the public origin
    behind a reverse proxy that rewrites ``Host``). No ``Origin``: not a browser (labctl's bots,
    scripts), which carries no one else's cookie, so it is let through.
    """
    origin = environ.get("HTTP_ORIGIN")
    if origin is None:
        return None
    origin = origin.strip().lower().rstrip("/")
    if origin in allowed:
        return None
    scheme, separator, host = origin.partition("://")
    if separator and scheme in ("http", "https") and host == environ.get(
            "HTTP_HOST", "").lower():
        return None
    return (f"WebSocket refused: it was opened from {origin}, not from this server "
            f"({environ.get('HTTP_HOST', 'unknown host')}). Behind a reverse proxy, give the "
            "public address with `labctl run --allowed-origin`.")


def allowed_origins(given: Iterable[str]) -> frozenset[str]:
    """``--allowed-origin`` and ``LABCTL_ALLOWED_ORIGINS`` values, as Origin headers read."""
    return frozenset(o.strip().lower().rstrip("/") for o in given if o.strip())


SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "SAMEORIGIN",
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
