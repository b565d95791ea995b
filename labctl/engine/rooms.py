"""Seats of a room joining the session open there: one participant per seat, for good."""

from __future__ import annotations

from ..errors import LabctlError
from ..project import Project
from .store import Participants


class UnknownSeat(LabctlError):
    """A label that is not one of the room's seats."""


class SessionFull(LabctlError):
    """Every participant of the room's session already has a seat."""


def check_seat(project: Project, room_name: str, label: str) -> None:
    room = project.room(room_name)
    if label not in room.seat_labels(project.root):
        raise UnknownSeat(f"'{label}' is not a seat of room '{room.title}'",
                          "check the label on the PC, or ask the experimenter")


def claim_seat(store: Participants, session_code: str, label: str) -> str:
    """The participant code of this seat: its own if it has one, else the next free one."""
    mine = store.participant_by_label(session_code, label)
    if mine is not None:
        return str(mine["code"])
    free = store.free_participant(session_code)
    if free is None:
        raise SessionFull("every place in this session is taken",
                          "ask the experimenter; the session may be smaller than the room")
    store.update_participant(free["id"], {"label": label})
    return str(free["code"])
