"""Relaying hub channels to WebSockets: participant pages, room seats and the monitor."""

from __future__ import annotations

import json
import queue
from collections.abc import Callable
from typing import Any

from simple_websocket import ConnectionClosed

from ..hub import Hub

PING_SECONDS = 20
#: how often a relay that notices closes looks at its socket (the socket's own reader marks it
#: closed; a thread reading it as well broke its frames under a threaded server)
CLOSE_CHECK_SECONDS = 1.0


def relay(ws: Any, hub: Hub, channel: str, first: Callable[[], dict[str, Any]],
          on_close: Callable[[], None] | None = None) -> None:
    """Send ``first()`` then every message published on ``channel`` until the socket closes.

    Subscribes before computing the first message, so an event between a page load and the
    socket's opening is never missed. A ping every 20 s finds dead connections. With
    ``on_close``, the relay looks at the socket every second and calls it once the browser has
    closed it (presence flags a closed tab at once); the relay itself still ends at its next
    send, as without, since ending the route early garbled the socket's last frames.
    """
    inbox = hub.subscribe(channel)
    wait = CLOSE_CHECK_SECONDS if on_close is not None else PING_SECONDS
    quiet = 0.0
    try:
        ws.send(json.dumps(first()))
        while True:
            try:
                message = inbox.get(timeout=wait)
            except queue.Empty:
                quiet += wait
                if on_close is not None and not getattr(ws, "connected", True):
                    on_close()
                    on_close, wait = None, PING_SECONDS
                if quiet < PING_SECONDS:
                    continue
                message = {"type": "ping"}
            quiet = 0.0
            ws.send(json.dumps(message))
    except ConnectionClosed:
        pass
    finally:
        hub.unsubscribe(channel, inbox)
