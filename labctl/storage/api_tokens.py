"""The HTTP API's token and its call log, kept in the lab's database.

One token per database, made (or replaced) by ``labctl api-token``: printed once, stored only
as a hash in ``settings``, so a copy of ``labctl.db`` opens no API. The token is 32 random
bytes, so a plain SHA-256 is as safe as a slow hash here and costs nothing per call (the admin
password, typed by people, gets scrypt). Every call, refused or not, is a row of ``api_calls``.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .server_records import ServerRecords

TOKEN_KEY = "api_token"
#: how a token starts, so that one pasted into the wrong place is recognised
PREFIX = "lab_"
#: what the log keeps of a call
CALL_COLUMNS = ("at", "address", "method", "path", "status", "session_code")
#: the newest calls the admin's log shows
SHOWN_CALLS = 200


class ApiTokens:
    """The API token of one database, and the log of calls made with or without it."""

    def __init__(self, store: ServerRecords) -> None:
        self.store = store

    def rotate(self) -> str:
        """A new token (the old one stops working at once); returns it, to be shown once."""
        token = PREFIX + secrets.token_urlsafe(32)
        with self.store.transaction():
            self.store.put_setting(TOKEN_KEY, _hashed(token))
        return token

    def revoke(self) -> bool:
        """No token opens the API any more; whether there was one."""
        with self.store.transaction():
            return self.store.drop_setting(TOKEN_KEY)

    def exists(self) -> bool:
        return self._stored() is not None

    def matches(self, given: str | None) -> bool:
        """Whether ``given`` is the current token (constant-time comparison)."""
        stored = self._stored()
        if not given or stored is None:
            return False
        return hmac.compare_digest(stored, _hashed(given))

    def log(self, row: dict[str, Any]) -> None:
        """Keep one call: at, address, method, path, status, session_code."""
        with self.store.transaction():
            self.store.log_api_call({name: row.get(name) for name in CALL_COLUMNS})

    def calls(self, limit: int = SHOWN_CALLS) -> list[dict[str, Any]]:
        """The newest calls first."""
        with self.store.reading():
            return self.store.api_calls(limit)

    def _stored(self) -> str | None:
        with self.store.reading():
            return self.store.setting(TOKEN_KEY)


def _hashed(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()
