"""A project's database as the commands that look back at sessions see it (export, sessions).

Opening a ``SqliteStore`` on a path that does not exist would create an empty database, so a
mistyped ``--db`` would export nothing without a word; these commands refuse instead, and say
how a database comes to exist.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import LabctlError
from .database_urls import is_url
from .open_store import chosen, open_store

if TYPE_CHECKING:
    from ..engine.store import Store

__all__ = ["SessionSummary", "database_path", "list_sessions", "open_database",
           "participant_counts", "select_sessions", "session_summaries"]

#: what ``labctl run`` creates in the project folder when no ``--db`` is given
DEFAULT_NAME = "labctl.db"


def database_path(project_dir: str | Path = ".", db: str | Path | None = None) -> str | Path:
    """The database a command works on: ``--db`` (a file or a PostgreSQL URL), else
    ``LABCTL_DATABASE_URL``, else ``labctl.db`` in the project folder."""
    target = chosen(db)
    return target if target is not None else Path(project_dir) / DEFAULT_NAME


def open_database(target: str | Path) -> Store:
    """Open an existing database; a missing file is an error, never a new empty database
    (a PostgreSQL database exists once created by its administrator)."""
    if is_url(target):
        return open_store(target)
    path = Path(target)
    if not path.is_file():
        raise LabctlError(f"no database at {path}",
                          "run `labctl run SESSION_TYPE` first, or give the file with --db")
    return open_store(path)


def select_sessions(store: Store, codes: list[str] | tuple[str, ...] = (),
                    all_sessions: bool = False) -> list[str]:
    """The session codes to work on, oldest first: the given ones, or every one when none are.

    An unknown code is an error naming it, so a typo never silently exports less.
    """
    if codes and all_sessions:
        raise LabctlError("give either --session or --all, not both",
                          "leave both out to use every session")
    with store.reading():
        known = [row["code"] for row in store.session_rows()]
    if not known:
        raise LabctlError(f"there are no sessions in {store.location}",
                          "run `labctl run SESSION_TYPE` first")
    missing = [code for code in codes if code not in known]
    if missing:
        raise LabctlError(f"no session '{missing[0]}' in {store.location}",
                          "`labctl sessions` lists the sessions it holds")
    return [code for code in known if code in codes] if codes else known


@dataclass(frozen=True)
class SessionSummary:
    """One line of ``labctl sessions``: a session and how far its participants are."""

    code: str
    session_type: str
    created_at: str
    participants: int
    started: int
    finished: int

    @property
    def status(self) -> str:
        """``not started`` until someone opens their link, ``finished`` when all are done."""
        if self.participants and self.finished == self.participants:
            return "finished"
        return "running" if self.started else "not started"


def participant_counts(people: Iterable[Mapping[str, Any]]) -> tuple[int, int, int]:
    """How far a session has got, from its participant rows: ``(participants, started,
    finished)``, as ``labctl sessions`` and the admin's list of sessions show them."""
    participants = started = finished = 0
    for person in people:
        participants += 1
        started += 1 if person["started_at"] else 0
        finished += 1 if person["finished_at"] else 0
    return participants, started, finished


def session_summaries(store: Store) -> list[SessionSummary]:
    """Every session in the database, oldest first, with its participants' progress."""
    summaries = []
    with store.reading():
        for row in store.session_rows():
            participants, started, finished = participant_counts(
                store.participants_of(row["code"]))
            summaries.append(SessionSummary(
                code=row["code"], session_type=row["session_type"],
                created_at=row["created_at"], participants=participants, started=started,
                finished=finished))
    return summaries


def list_sessions(project_dir: str | Path = ".", db: str | Path | None = None
                  ) -> list[SessionSummary]:
    """``labctl sessions``: the sessions in a project's database (which must exist)."""
    store = open_database(database_path(project_dir, db))
    try:
        return session_summaries(store)
    finally:
        store.close()
