"""How a database is named: a SQLite file's path, or a PostgreSQL URL (``--db``)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

__all__ = ["SCHEMES", "is_url", "shown"]

SCHEMES = ("postgresql://", "postgres://")


def is_url(target: str | Path | None) -> bool:
    """Whether ``target`` names a PostgreSQL database rather than a SQLite file."""
    return isinstance(target, str) and target.startswith(SCHEMES)


def shown(target: str | Path) -> str:
    """A database as messages name it: a file's path, a URL without its password."""
    text = str(target)
    if not is_url(text):
        return text
    parts = urlsplit(text)
    if parts.password is None:
        return text
    return urlunsplit(parts._replace(netloc=parts.netloc.replace(
        f":{parts.password}@", ":***@", 1)))
