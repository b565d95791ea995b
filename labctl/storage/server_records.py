"""What the server keeps besides the engine's data: settings, admin logins, API calls.

``AdminLogins`` and ``ApiTokens`` use only these calls, which both stores implement (the
engine's ``Store`` Protocol is the engine's contract; this is the server's). Every call runs
inside the store's ``reading()`` or ``transaction()``.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any, Protocol


class ServerRecords(Protocol):
    def transaction(self) -> AbstractContextManager[object]: ...

    def reading(self) -> AbstractContextManager[object]: ...

    def setting(self, key: str) -> str | None: ...

    def put_setting(self, key: str, value: str) -> None: ...

    def drop_setting(self, key: str) -> bool:
        """Remove a setting; whether it was there."""
        ...

    def login_expiry(self, token_hash: str) -> float | None: ...

    def add_login(self, token_hash: str, now: float, expires_at: float) -> None:
        """Keep a new login (and forget those expired by ``now``)."""
        ...

    def extend_login(self, token_hash: str, expires_at: float) -> None: ...

    def drop_logins(self, token_hash: str | None = None) -> None: ...

    def log_api_call(self, row: dict[str, Any]) -> None: ...

    def api_calls(self, limit: int) -> list[dict[str, Any]]:
        """The newest ``limit`` calls first: at, address, method, path, status,
        session_code."""
        ...
