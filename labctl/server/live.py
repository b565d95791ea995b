"""Relaying hub channels to WebSockets: participant pages, room seats and the monitor."""

from __future__ import annotations

import json
import queue
from collections.abc import Callable
from typing import Any

from simple_websocket import ConnectionClosed

from ..hub import Hub

PING_SECONDS = 20


def relay(ws: Any, hub: Hub, channel: str, first: Callable[[], dict[str, Any]]) -> None:
    """Send ``first()`` then every message published on ``channel`` until the socket closes.

    Subscribes before computing the first message, so an event between a page load and the
    socket's opening is never missed. A ping every 20 s finds dead connections.
    """
    inbox = hub.subscribe(channel)
    try:
        ws.send(json.dumps(first()))
        while True:
            try:
                message = inbox.get(timeout=PING_SECONDS)
            except queue.Empty:
                message = {"type": "ping"}
            ws.send(json.dumps(message))
    except ConnectionClosed:
        pass
    finally:
        hub.unsubscribe(channel, inbox)
