"""Which store a command works on: a SQLite file (the default) or a PostgreSQL URL.

Every command that takes ``--db`` resolves it here, once: a ``postgresql://`` (or
``postgres://``) URL opens a ``PostgresStore``, anything else is a SQLite file. Without
``--db``, ``LABCTL_DATABASE_URL`` is used when set (a server's environment names its database
once for every command), else ``labctl.db`` in the project folder.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from .database_urls import is_url

if TYPE_CHECKING:
    from ..engine.store import Store
    from ..hub import Hub

#: the environment variable naming the database when ``--db`` is not given
ENV = "LABCTL_DATABASE_URL"


def chosen(db: str | Path | None) -> str | Path | None:
    """``--db`` as given (a URL stays text: a ``Path`` would fold its ``//``), else
    ``LABCTL_DATABASE_URL``, else None (the caller's default file)."""
    if db is not None:
        text = str(db)
        return text if is_url(text) else Path(db)
    from_env = os.environ.get(ENV, "").strip()
    if from_env:
        return from_env if is_url(from_env) else Path(from_env)
    return None


def open_store(target: str | Path) -> Store:
    """The store at ``target``: a PostgreSQL URL or a SQLite file (made when missing)."""
    if is_url(target):
        from .postgres import PostgresStore

        return PostgresStore(str(target))
    from .sqlite import SqliteStore

    return SqliteStore(target)


def open_hub(store: Store) -> Hub:
    """The hub for a store: LISTEN/NOTIFY across processes on PostgreSQL (``hub_postgres``),
    queues in this process on SQLite (one process serves a SQLite lab)."""
    from .postgres import PostgresStore

    if isinstance(store, PostgresStore):
        from ..hub_postgres import PostgresHub

        return PostgresHub(store)
    from ..hub import InProcessHub

    return InProcessHub()
