"""The engine's side of presence (``presence_state``): the server tells it what it hears; the
monitor and the room's seat page are told when someone comes or goes, not on every request."""

from __future__ import annotations

from typing import Any

from ..hub import Channel
from .core import EngineCore
from .presence_state import SeatState, seat_key


class PresenceActions(EngineCore):
    """The server tells the engine what it hears; the monitor and room page are told when
    someone comes or goes (not on every request)."""

    def page_socket_opened(self, code: str) -> None:
        if self.presence.opened(code, self.clock()):
            self._presence_changed(code)

    def page_socket_closed(self, code: str) -> None:
        if self.presence.closed(code, self.clock()):
            self._presence_changed(code)

    def participant_heard(self, code: str, poll: bool = False) -> None:
        """A page load, form or (``poll``) position poll of this participant: no store access
        unless this brought them back online."""
        if self.presence.heard(code, self.clock(), poll):
            self._presence_changed(code)

    def seat_socket_opened(self, room: str, label: str) -> None:
        if self.presence.opened(seat_key(room, label), self.clock()):
            self.hub.publish(Channel.room_seats(room), {"type": "update"})

    def seat_socket_closed(self, room: str, label: str) -> None:
        if self.presence.closed(seat_key(room, label), self.clock()):
            self.hub.publish(Channel.room_seats(room), {"type": "update"})

    def seat_heard(self, room: str, label: str, poll: bool = False) -> None:
        if self.presence.heard(seat_key(room, label), self.clock(), poll):
            self.hub.publish(Channel.room_seats(room), {"type": "update"})

    def sweep_presence(self) -> int:
        """Announce who went offline by falling silent (no socket closed to say so); called
        by the server's periodic sweep, as ``expire_timeouts`` is. Returns how many."""
        silent = self.presence.went_silent(self.clock())
        for key in silent:
            if key.startswith("seat:"):
                self.hub.publish(Channel.room_seats(key.split(":")[1]), {"type": "update"})
            else:
                self._presence_changed(key)
        return len(silent)

    def presence_of(self, key: str) -> SeatState | None:
        return self.presence.state(key, self.clock())

    def room_seats(self, room: str) -> list[dict[str, Any]]:
        """Every seat of the room: its label, the participant it holds in the session open
        there (if any), and whether it is online (its page's socket or requests, or the
        waiting seat's), since when, how, and when it was last heard from."""
        labels = self.project.room(room).seat_labels(self.project.root)
        with self.store.reading():
            session = self.store.room_session(room)
            holders = ({row["label"]: row for row in self.store.participants_of(session["code"])
                        if row["label"]} if session else {})
        now = self.clock()
        seats = []
        for label in labels:
            holder = holders.get(label)
            states = [self.presence.state(seat_key(room, label), now)]
            if holder is not None:
                states.insert(0, self.presence.state(holder["code"], now))
            state = _most_recent([s for s in states if s is not None])
            seats.append({"label": label, "participant": holder["code"] if holder else None,
                          "id_in_session": holder["id_in_session"] if holder else None,
                          "presence": state.as_dict() if state else None})
        return seats

    def _presence_changed(self, code: str) -> None:
        """Tell the participant's session monitor (and their room's seat page) at once."""
        where = self._whereabouts.get(code)
        if where is None:
            with self.store.reading():
                row = self.store.participant_by_code(code)
                session = self.store.session_row(row["session_code"]) if row else None
            if row is None or session is None:
                return
            where = self._whereabouts[code] = (session["code"], session.get("room"))
        session_code, room = where
        self.hub.publish(Channel.monitor(session_code), {"type": "update"})
        if room:
            self.hub.publish(Channel.room_seats(room), {"type": "update"})


def _most_recent(states: list[SeatState]) -> SeatState | None:
    """A seat is online if its participant's page or its waiting page is; otherwise the one
    heard from last tells since when it is offline."""
    online = [s for s in states if s.online]
    if online:
        return online[0]
    return max(states, key=lambda s: s.last_heard, default=None)
