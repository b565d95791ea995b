"""CSRF tokens, the admin password and security headers.

Participant CSRF tokens are an HMAC of the participant code with the server's secret (kept in
the database), so they survive a restart and need no server-side session. The admin password is
compared in constant time, and each wrong attempt is slowed down to make guessing expensive.
"""

from __future__ import annotations

import hashlib
import hmac
import time

from flask import Response

#: Content Security Policy: only labctl's own scripts and styles, no framing
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
WRONG_PASSWORD_DELAY = 1.0


def csrf_token(secret: str, subject: str) -> str:
    """The token a form for ``subject`` (a participant code, or the admin) must carry."""
    return hmac.new(secret.encode(), f"csrf:{subject}".encode(), hashlib.sha256).hexdigest()[:40]


def csrf_ok(secret: str, subject: str, token: object) -> bool:
    return isinstance(token, str) and hmac.compare_digest(csrf_token(secret, subject), token)


def password_ok(expected: str, given: object) -> bool:
    """Constant-time comparison; a wrong password costs the caller a second."""
    ok = isinstance(given, str) and hmac.compare_digest(
        hashlib.sha256(expected.encode()).digest(), hashlib.sha256(given.encode()).digest())
    if not ok:
        time.sleep(WRONG_PASSWORD_DELAY)
    return ok


def add_security_headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    # participant links carry their code: never leak it to another site
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    if response.mimetype == "text/html":
        response.headers.setdefault("Cache-Control", "no-store")
    return response
