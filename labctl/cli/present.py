"""``labctl run TYPE --room ROOM --present``: serve the room first, then size the session to
the seats that are online when the experimenter presses Enter (or the admin room page's
button), rounded down to the group size; the other seats online are spares."""

from __future__ import annotations

import sys
from typing import Any

from ..errors import LabctlError
from .console import console

#: how many times Enter may be pressed with too few seats online before the prompt gives up
#: (the admin's room page keeps its button)
MAX_ATTEMPTS = 100


def check_options(session_type: str | None, room: str | None, participants: int | None,
                  labels: Any, resume: bool) -> None:
    if not session_type or not room:
        raise LabctlError("--present needs a session type and --room",
                          "e.g. labctl run my_session --room lab1 --present")
    if participants is not None or labels or resume:
        raise LabctlError("--present cannot be combined with -n, --labels or --resume",
                          "--present sizes the session to the seats online")


def announce_room(engine: Any, room: str, url: str, password: str | None) -> None:
    seats = engine.project.room(room).seat_labels(engine.project.root)
    shown = f"password: [bold]{password}[/]" if password else "password unchanged"
    console.print(f"\n[bold]Room {room}[/] — waiting for its {len(seats)} seats "
                  f"({url}/room/{room}/LABEL/)", highlight=False)
    console.print(f"Admin:    {url}/admin/   {shown}", highlight=False)
    console.print(f"Seats:    {url}/admin/rooms/{room}   (who is online; its button starts "
                  "the session too)", highlight=False, markup=False)
    console.print("Press Enter to start with the seats online.", highlight=False)


def await_enter(engine: Any, session_type: str, room: str, seed: int | None,
                on_start: Any) -> None:
    """Read Enter presses off the event loop (a thread of gevent's pool) and start the
    session at the first one with enough seats online."""
    import gevent

    def wait() -> None:
        for _ in range(MAX_ATTEMPTS):
            line = gevent.get_hub().threadpool.apply(sys.stdin.readline)
            if not line:  # no terminal: the admin's room page starts it
                return
            try:
                start = engine.create_present_session(session_type, room, seed)
            except LabctlError as exc:
                console.print(f"[red]{exc}[/red]. Press Enter to try again.", highlight=False)
                continue
            console.print(start.summary(), highlight=False)
            on_start(start.code)
            return

    gevent.spawn(wait)
