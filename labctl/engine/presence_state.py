"""Who is online: each participant's and each waiting seat's connection, from what the server
already receives (a page's socket opening and closing, page loads, position polls).

Kept in memory, not in the store: a page load or a poll updates one entry and writes nothing,
so a room of 1,000 pays no database write for it (it is lost on a restart, which every page
survives by reconnecting its socket). Times come from the engine's clock, so tests drive it.

Online means a socket is open, or a position poll came within ``POLL_GRACE_SECONDS`` (a page
whose socket is blocked polls every 2 to 5 seconds), or a page load or form within
``PAGE_GRACE_SECONDS`` (moving to the next page closes one socket and opens another). A
socket that closes with no request right before it (a closed tab, a frozen PC whose
connection dropped) is offline at once; a page that only polled goes offline once it has been
silent for the grace, and is dated then.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Literal

#: how a page reaches the server: its WebSocket, or polling its position when that is blocked
Transport = Literal["socket", "polling"]
#: a page polls at least every 5 s (labctl.js FORM_POLL_MS); silent twice that and more, it is
#: gone
POLL_GRACE_SECONDS = 12.0
#: a page load or form shortly before a socket closed is a move to the next page, whose own
#: socket opens within this; no load behind a close is a closed tab, offline at once
PAGE_GRACE_SECONDS = 3.0


@dataclass
class Contact:
    """What the server last heard from one participant or seat."""

    sockets: int = 0
    last_heard: float = 0.0
    online: bool = False
    #: when ``online`` last changed
    since: float = 0.0
    #: when the last socket closed
    socket_closed_at: float = 0.0
    #: whether the last request was a position poll (a page whose socket is blocked)
    polled: bool = False


@dataclass(frozen=True)
class SeatState:
    online: bool
    since: float
    transport: Transport | None
    last_heard: float

    def as_dict(self) -> dict[str, Any]:
        return {"online": self.online, "since": _iso(self.since),
                "transport": self.transport, "last_heard": _iso(self.last_heard)}


class Presence:
    """Contacts by key (a participant code, or ``seat:ROOM:LABEL``); safe from threads."""

    def __init__(self, grace: float = POLL_GRACE_SECONDS,
                 page_grace: float = PAGE_GRACE_SECONDS) -> None:
        self.grace = grace
        self.page_grace = page_grace
        self._contacts: dict[str, Contact] = {}
        self._lock = threading.Lock()

    def opened(self, key: str, now: float) -> bool:
        """A socket opened; True when this brought the key online."""
        with self._lock:
            contact = self._contacts.setdefault(key, Contact())
            contact.sockets += 1
            contact.last_heard = now
            return self._settle(contact, now)

    def closed(self, key: str, now: float) -> bool:
        """A socket closed; True when this took the key offline."""
        with self._lock:
            contact = self._contacts.setdefault(key, Contact())
            contact.sockets = max(0, contact.sockets - 1)
            contact.socket_closed_at = now
            was = contact.online
            self._settle(contact, now)
            return was and not contact.online

    def heard(self, key: str, now: float, poll: bool = False) -> bool:
        """A request came (a page or a form; ``poll``: a position poll); True when this
        brought the key online."""
        with self._lock:
            contact = self._contacts.setdefault(key, Contact())
            contact.last_heard = now
            contact.polled = poll
            return self._settle(contact, now)

    def state(self, key: str, now: float) -> SeatState | None:
        """The key's connection now, or None if the server never heard from it."""
        with self._lock:
            contact = self._contacts.get(key)
            if contact is None:
                return None
            self._settle(contact, now)
            transport: Transport | None = None
            if contact.online:
                transport = "socket" if contact.sockets else "polling"
            return SeatState(contact.online, contact.since, transport, contact.last_heard)

    def left(self, key: str, now: float) -> bool:
        """Whether the key's page was open on a socket and is gone now (it left the wait
        page); a page never seen on a socket (polling, a script) is not taken for gone."""
        with self._lock:
            contact = self._contacts.get(key)
            if contact is None or not contact.socket_closed_at:
                return False
            self._settle(contact, now)
            return not contact.online

    def went_silent(self, now: float) -> list[str]:
        """The keys whose grace ran out since last looked (a polling page that fell silent,
        a tab closed just after its page loaded): the periodic sweep announces them."""
        with self._lock:
            return [key for key, contact in self._contacts.items()
                    if contact.online and not contact.sockets
                    and self._settle(contact, now) is False and not contact.online]

    def _settle(self, contact: Contact, now: float) -> bool:
        """Bring ``online`` up to date; True when it just came online. A page that went
        silent went offline when its grace ran out, not when someone looked."""
        grace = self.grace if contact.polled else self.page_grace
        online = contact.sockets > 0 or now - contact.last_heard <= grace
        if online == contact.online:
            return False
        contact.online = online
        contact.since = (now if online else
                         max(contact.socket_closed_at, contact.last_heard + grace))
        return online


def seat_key(room: str, label: str) -> str:
    """A waiting seat's presence key (before its participant exists)."""
    return f"seat:{room}:{label}"


def _iso(when: float) -> str:
    return datetime.fromtimestamp(when, timezone.utc).isoformat(timespec="seconds")
