"""Creating sessions, seats joining a room's session, and what the sessions hold."""

from __future__ import annotations

import dataclasses
import secrets
from typing import Any

from ..errors import LabctlError
from ..hub import Channel
from ..session_type import SessionType
from . import creation, rooms
from .core import EngineCore
from .payment import Payment, payment_of
from .store import Row
from .tx import iso


class SessionActions(EngineCore):
    def create_session(self, session_type_name: str, num_participants: int | None = None,
                       labels: list[str] | None = None, seed: int | None = None,
                       room: str | None = None, params: dict[str, Any] | None = None,
                       seat_labels: list[str] | None = None, demo: bool = False) -> str:
        """Create a session with its participants, subsessions and groups; returns its code.

        In a ``room``, participants get their labels as seats join, the default size is the
        room's, and the room's waiting seats are told the session is open. ``params`` replace
        some of the session type's params for this session (only names it declares: a
        misspelt treatment would otherwise run the default one without a word).
        ``seat_labels`` (in a room) gives the participants to those seats at once: the seats
        online when a session is sized to them (``present``), and only those. ``demo``: made
        from the demo page (``session.is_demo``).
        """
        session_type = self.project.session_type(session_type_name)
        if params:
            session_type = with_params(session_type, params)
        if room is not None:
            seats = self.project.room(room).seat_labels(self.project.root)
            labels = seat_labels
            if num_participants is None:
                num_participants = len(seats)
        count = (self.project.participant_count(session_type) if num_participants is None
                 else num_participants)
        creation.check_participant_count(self.project, session_type, count)
        seed = secrets.randbits(32) if seed is None else seed
        now = self.clock()
        with self._committing() as outbox:
            code = creation.insert_session(self.store, session_type, count, seed, labels,
                                           iso(now), room, demo)
            tx = self._tx(self._session(code), now)
            outbox.txs.append(tx)  # e.g. batch data changed in creating_session
            creation.create_subsessions(tx, self.project, seed)
            if room is not None:
                outbox.publish(Channel.room(room), {"type": "advance"})
        return code

    def join_room(self, room: str, label: str) -> str | None:
        """The participant code for a seat, or ``None`` while no session is open there."""
        rooms.check_seat(self.project, room, label)
        with self._committing() as outbox:
            row = self.store.room_session(room)
            if row is None:
                return None
            code = rooms.claim_seat(self.store, row["code"], label)
            outbox.publish(Channel.monitor(row["code"]), {"type": "update"})
        return code

    def room_is_open(self, room: str) -> bool:
        self.project.room(room)
        with self.store.reading():
            return self.store.room_session(room) is not None

    def has_session(self, session_code: str) -> bool:
        with self.store.reading():
            return self.store.session_row(session_code) is not None

    def session_rows(self) -> list[Row]:
        """Every session in the store, oldest first."""
        with self.store.reading():
            return self.store.session_rows()

    def participant_rows(self, session_code: str) -> list[Row]:
        with self.store.reading():
            return self.store.participants_of(session_code)

    def session_type_of(self, session_code: str) -> SessionType:
        with self.store.reading():
            row = self._session(session_code)
        return self.project.session_type(row["session_type"])

    def payments(self, session_code: str) -> list[Payment]:
        """What each participant of the session is paid, in the order of their numbers."""
        session_type = self.session_type_of(session_code)
        total = len(self.steps(session_type))
        return [payment_of(session_type, row, total)
                for row in self.participant_rows(session_code)]

    def secret(self) -> str:
        """The server's signing secret, kept in the store so that tokens survive a restart."""
        return self.store.secret()


def with_params(session_type: SessionType, params: dict[str, Any]) -> SessionType:
    """The session type with some params replaced, for one session."""
    unknown = sorted(set(params) - set(session_type.params))
    if unknown:
        raise LabctlError(f"session type '{session_type.name}' has no param "
                          f"'{unknown[0]}'", "params it declares: "
                          + (", ".join(session_type.params) or "none"))
    return dataclasses.replace(session_type, params={**session_type.params, **params})
