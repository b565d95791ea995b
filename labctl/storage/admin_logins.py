"""The admin password's hash and the experimenter's logins, kept in the lab's database.

A login is a random token in the browser's cookie and a row here holding the token's hash and
an expiry that slides with use: logging out deletes the row, a new password deletes them all,
and a restart keeps those not yet expired. The server reads a row per admin request only (the
participants' pages never look here).
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from ..admin_password import hash_password, password_matches
from .sqlite import SqliteStore

if TYPE_CHECKING:
    from .server_records import ServerRecords

#: a login unused this long is over (a lab day, with its breaks)
IDLE_SECONDS = 12 * 3600.0
#: a login's expiry is pushed back at most this often (not a write per admin request)
SLIDE_SECONDS = 300.0
PASSWORD_KEY = "admin_password"


class AdminLogins:
    """The password and logins of one database; ``clock`` is seconds since the epoch (the
    expiry must survive a restart, so not a monotonic clock)."""

    def __init__(self, store: ServerRecords, idle_seconds: float = IDLE_SECONDS,
                 clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.idle_seconds = idle_seconds
        self.clock = clock

    @classmethod
    def in_memory(cls, password: str) -> AdminLogins:
        """Logins that last as long as the process (an app built without a database's)."""
        logins = cls(SqliteStore(":memory:"))
        logins.set_password(password)
        return logins

    # -- the password ----------------------------------------------------------------------
    def password_hash(self) -> str | None:
        with self.store.reading():
            return self.store.setting(PASSWORD_KEY)

    def has_password(self) -> bool:
        return self.password_hash() is not None

    def set_password(self, password: str) -> None:
        """Store a new password's hash and end every login made with the old one."""
        hashed = hash_password(password)
        with self.store.transaction():
            self.store.put_setting(PASSWORD_KEY, hashed)
            self.store.drop_logins()

    def password_ok(self, given: object) -> bool:
        stored = self.password_hash()
        return stored is not None and password_matches(stored, given)

    # -- logins ----------------------------------------------------------------------------
    def open(self) -> str:
        """A new login: the token for the browser's cookie (only its hash is stored)."""
        token = secrets.token_urlsafe(32)
        now = self.clock()
        with self.store.transaction():
            self.store.add_login(_hashed(token), now, now + self.idle_seconds)
        return token

    def valid(self, token: str | None) -> bool:
        """Whether ``token`` is a login not logged out, revoked or expired; use keeps it
        alive (its expiry is pushed back, at most every ``SLIDE_SECONDS``)."""
        if not token:
            return False
        key = _hashed(token)
        with self.store.reading():
            expires_at = self.store.login_expiry(key)
        now = self.clock()
        if expires_at is None or expires_at <= now:
            return False
        if expires_at - now < self.idle_seconds - SLIDE_SECONDS:
            with self.store.transaction():
                self.store.extend_login(key, now + self.idle_seconds)
        return True

    def close(self, token: str | None) -> None:
        """Log out: this token no longer opens the admin, wherever it was copied to."""
        if token:
            with self.store.transaction():
                self.store.drop_logins(_hashed(token))


def _hashed(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()
