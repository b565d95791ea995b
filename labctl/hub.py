"""The live-update hub: publish a message on a channel, every subscriber gets it.

One small interface so that a multi-process deployment puts a broker behind it without touching
the engine: ``hub_postgres.PostgresHub`` (LISTEN/NOTIFY) when the store is PostgreSQL.
``InProcessHub`` is the default: queues in this process, safe from threads and from gevent
greenlets (gevent patches the lock and queue it uses).
"""

from __future__ import annotations

import queue
import threading
from collections import defaultdict
from typing import Any, Protocol


class Channel:
    """Every hub channel's name, built in one place: publishers and subscribers must agree."""

    @staticmethod
    def participant(code: str) -> str:
        """A participant's open page: told to move when someone else moved them."""
        return f"participant:{code}"

    @staticmethod
    def monitor(session_code: str) -> str:
        """A session's live monitor: told that someone's status changed."""
        return f"monitor:{session_code}"

    @staticmethod
    def room(room: str) -> str:
        """A room's waiting seats: told that a session opened there."""
        return f"room:{room}"

    @staticmethod
    def room_seats(room: str) -> str:
        """A room's seat page in the admin: told that a seat came online or went offline."""
        return f"room-seats:{room}"

    @staticmethod
    def shared(scope: str, key: str) -> str:
        """Everyone who reaches one shared-data document."""
        return f"shared:{scope}:{key}"

    @staticmethod
    def direct(code: str) -> str:
        """Shared-data messages addressed to one participant."""
        return f"shared-direct:{code}"

    @staticmethod
    def live(code: str) -> str:
        """What live methods deliver to one participant's live page."""
        return f"live:{code}"


class Hub(Protocol):
    #: True for a hub whose publishing is itself transactional (``hub_postgres``): the
    #: engine publishes inside the step's transaction, and nothing leaves if it rolls back
    sends_at_commit: bool

    def subscribe(self, channel: str, inbox: queue.Queue | None = None) -> queue.Queue: ...

    def unsubscribe(self, channel: str, inbox: queue.Queue) -> None: ...

    def publish(self, channel: str, message: dict[str, Any]) -> int: ...


class InProcessHub:
    """Channels of in-memory queues; a slow subscriber never blocks a publisher."""

    sends_at_commit = False

    def __init__(self, max_queued: int = 100) -> None:
        self._channels: dict[str, set[queue.Queue]] = defaultdict(set)
        self._lock = threading.Lock()
        self._max_queued = max_queued

    def subscribe(self, channel: str, inbox: queue.Queue | None = None) -> queue.Queue:
        """A queue receiving the channel's messages; pass ``inbox`` to merge channels."""
        inbox = inbox if inbox is not None else queue.Queue(self._max_queued)
        with self._lock:
            self._channels[channel].add(inbox)
        return inbox

    def unsubscribe(self, channel: str, inbox: queue.Queue) -> None:
        with self._lock:
            subscribers = self._channels.get(channel)
            if subscribers is not None:
                subscribers.discard(inbox)
                if not subscribers:
                    del self._channels[channel]

    def publish(self, channel: str, message: dict[str, Any]) -> int:
        """Deliver to every subscriber; returns how many got it (full queues drop it)."""
        with self._lock:
            subscribers = list(self._channels.get(channel, ()))
        delivered = 0
        for inbox in subscribers:
            try:
                inbox.put_nowait(message)
                delivered += 1
            except queue.Full:
                continue
        return delivered

    def subscriber_count(self, channel: str) -> int:
        with self._lock:
            return len(self._channels.get(channel, ()))
