"""What every part of the engine stands on: the project, the store, the hub, the clock, and
one transaction per call with its announcements sent after the commit."""

from __future__ import annotations

import time
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from ..errors import LabctlError
from ..extra_records import kept_step_records, step_records
from ..hub import Hub, InProcessHub
from ..i18n import activate, kept_language
from ..project import Project
from ..session_type import SessionType
from . import shared_access
from .flow import Step, build_steps
from .outbox import Outbox
from .presence_state import Presence
from .recordset import RecordSet
from .store import Row, Store
from .tx import Tx


class UnknownParticipant(LabctlError):
    """No participant has this code (a mistyped or foreign link)."""


class EngineCore:
    """The engine's state and its transactions; the actions are in the mixins of ``Engine``."""

    def __init__(self, project: Project, store: Store, hub: Hub | None = None,
                 clock: Callable[[], float] = time.time, timeout_grace: float = 1.0) -> None:
        self.project = project
        #: the Store the engine runs on; readers of finished data (the export) take it too
        self.store = store
        self.hub: Hub = hub or InProcessHub()
        self.clock = clock
        self.timeout_grace = timeout_grace
        self._steps: dict[str, list[Step]] = {}
        #: who is online, heard from sockets and requests (``presence``); in memory
        self.presence = Presence()
        #: participant code -> (session code, room), read once, for presence announcements
        self._whereabouts: dict[str, tuple[str, str | None]] = {}
        #: sessions the sweep found ended (``running``): never read by it again
        self._ended_sessions: set[str] = set()
        for spec in project.apps.values():
            store.sync_app(spec)

    @property
    def location(self) -> str:
        """Where the engine's data is (its store's file or URL), as messages name it."""
        return self.store.location

    def steps(self, session_type: SessionType) -> list[Step]:
        """The session type's steps (app rounds' pages in order), built once."""
        if session_type.name not in self._steps:
            self._steps[session_type.name] = build_steps(self.project, session_type)
        return self._steps[session_type.name]

    @contextmanager
    def _committing(self) -> Iterator[Outbox]:
        """One transaction; its messages leave right after the commit, still under the
        store's lock (see ``outbox``); a hub that ``sends_at_commit`` (PostgreSQL's NOTIFY,
        delivered when the transaction commits, in commit order) is given them inside it.
        The language a step sets (``_tx``) lasts as long as the block: what the caller says
        afterwards is in the language it spoke before."""
        outbox = Outbox()
        at_commit = self.hub.sends_at_commit  # a hub whose messages leave with the commit
        with self.store.reading(), kept_language(), kept_step_records():
            with self.store.transaction():
                yield outbox
                if at_commit:
                    outbox.send(self.hub)
            if not at_commit:
                outbox.send(self.hub)

    def _participant(self, code: str) -> Row:
        row = self.store.participant_by_code(code) if isinstance(code, str) else None
        if row is None:
            raise UnknownParticipant("this link does not belong to any participant",
                                     "check the link, or ask the experimenter for yours")
        return row

    def _session(self, session_code: str) -> Row:
        row = self.store.session_row(session_code)
        if row is None:
            raise LabctlError(f"no session '{session_code}' in {self.store.location}")
        return row

    def _tx(self, session_row: Row, now: float) -> Tx:
        session_type = self.project.session_type(session_row["session_type"])
        # the texts made in this step (form messages, the page) are in its session's language
        activate(session_type.speaks, self.project.root)
        records = RecordSet(self.store, self.project, session_type, session_row)
        step_records.set(weakref.ref(records))  # a record class without a link: the session's
        tx = Tx(self.store, records, self.steps(session_type), session_type, now,
                self.project.root)
        records.shared_access = _shared_docs_of(tx)
        tx.has_left = lambda code: self.presence.left(code, now)  # grouping by arrival
        return tx

    def _step_tx(self, participant_code: str, outbox: Outbox) -> tuple[Tx, Row]:
        """The participant's row and a Tx of their session, announced after the commit."""
        row = self._participant(participant_code)
        tx = self._tx(self._session(row["session_code"]), self.clock())
        tx.actor = row["id"]
        tx.records.know_participant(row)
        outbox.txs.append(tx)
        return tx, row


def _shared_docs_of(tx: Tx) -> Callable[[Any, str], shared_access.SharedDoc]:
    """How a Tx's records reach shared documents; holds the Tx weakly, so records, their set
    and the Tx form no reference cycle and are freed as soon as the step is over."""
    reference = weakref.ref(tx)

    def shared_doc(player: Any, scope: str) -> shared_access.SharedDoc:
        current = reference()
        if current is None:
            raise LabctlError("shared data is available while a page's step is running")
        return shared_access.SharedDoc(current,
                                       shared_access.target_of_player(current, player, scope))

    return shared_doc
