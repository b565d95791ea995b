"""Starting with who showed up: a session in a room sized to the seats online, rounded down to
the session type's group sizes; the seats left over are spares, shown a "thank you, you are a
spare" page and paid the show-up fee, and logged in the session's action log.

A seat that arrives later, when every place is taken, becomes a spare too (in a session sized
this way): nobody who came is left on an error page.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..errors import LabctlError
from ..hub import Channel
from ..project import Project
from ..session_type import SessionType
from .creation import participant_code
from .outbox import Outbox
from .presence_state import seat_key
from .rooms import SessionFull, check_seat
from .sessions import SessionActions
from .store import Row
from .tx import iso


@dataclass(frozen=True)
class PresentStart:
    """What sizing a session to the seats online did, to tell the experimenter."""

    code: str
    seats: int
    online: list[str]
    playing: list[str]
    spares: list[str]
    group_size: int

    def summary(self) -> str:
        text = (f"{len(self.online)} of {self.seats} seats online: session {self.code} has "
                f"{len(self.playing)} participants ({', '.join(self.playing)})")
        if self.group_size > 1:
            text += f", a multiple of the group size {self.group_size}"
        if self.spares:
            text += (f"; {len(self.spares)} spare ({', '.join(self.spares)}), shown the spare "
                     "page and paid the show-up fee")
        return text + "."


def group_unit(project: Project, session_type: SessionType) -> int:
    """The smallest number of participants every app can form groups of."""
    sizes = [project.apps[app].players_per_group or 1 for app in session_type.app_sequence]
    return math.lcm(*sizes) if sizes else 1


class PresentActions(SessionActions):
    def online_seats(self, room: str) -> list[str]:
        """The room's seats whose waiting page is online now, in the room's order."""
        labels = self.project.room(room).seat_labels(self.project.root)
        now = self.clock()
        return [label for label in labels
                if (state := self.presence.state(seat_key(room, label), now)) is not None
                and state.online]

    def create_present_session(self, session_type_name: str, room: str,
                               seed: int | None = None) -> PresentStart:
        """Open a session in ``room`` for the seats online now (rounded down to the group
        size); the others online are spares. Refused, with the count, when too few are."""
        session_type = self.project.session_type(session_type_name)
        online = self.online_seats(room)
        unit = group_unit(self.project, session_type)
        size = len(online) // unit * unit
        seats = len(self.project.room(room).seat_labels(self.project.root))
        if size == 0:
            raise LabctlError(
                f"{len(online)} of the {seats} seats of room '{room}' are online, too few for "
                f"a group of {unit} in session type '{session_type_name}'",
                "wait until the lab PCs show their seat page, or start without --present")
        code = self.create_session(session_type_name, size, seed=seed, room=room,
                                   seat_labels=online[:size])
        with self._committing() as outbox:
            self.store.update_session(code, {"sized_to_present": 1})
            for label in online[size:]:
                self._add_spare(code, label, outbox)
            start = PresentStart(code, seats, online, online[:size], online[size:], unit)
            self.store.log_action({"session_code": code, "participant_code": None,
                                   "action": f"sized to present: {start.summary()}",
                                   "step": None, "page": None, "at": iso(self.clock())})
        return start

    def join_room_or_spare(self, room: str, label: str) -> str | None:
        """``join_room``, except that in a session sized to the seats online a seat with no
        place becomes a spare instead of being turned away."""
        try:
            return self.join_room(room, label)
        except SessionFull:
            check_seat(self.project, room, label)
            with self._committing() as outbox:
                session = self.store.room_session(room)
                if session is None or not session.get("sized_to_present"):
                    raise
                code = self._add_spare(session["code"], label, outbox)
                self.store.log_action({"session_code": session["code"],
                                       "participant_code": code,
                                       "action": f"spare: seat {label} came after the start",
                                       "step": None, "page": None, "at": iso(self.clock())})
            return code

    def _add_spare(self, session_code: str, label: str, outbox: Outbox) -> str:
        """A participant for a spare seat, at the end at once (paid the show-up fee); the
        seat's own if it already has one."""
        mine = self.store.participant_by_label(session_code, label)
        if mine is not None:
            return str(mine["code"])
        number = len(self.store.participants_of(session_code)) + 1
        now = iso(self.clock())
        session = self._session(session_code)
        steps = len(self.steps(self.project.session_type(session["session_type"])))
        row: Row = {"session_code": session_code, "id_in_session": number,
                    "code": participant_code(), "label": label, "vars": "{}", "step": steps,
                    "bonus": 0, "spare": 1, "started_at": now, "finished_at": now,
                    "page_arrived_at": now}
        self.store.insert_participant(row)
        outbox.publish(Channel.monitor(session_code), {"type": "update"})
        return str(row["code"])
