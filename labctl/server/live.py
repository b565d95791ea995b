"""Relaying hub channels to WebSockets: participant pages, room seats and the monitor."""

from __future__ import annotations

import contextlib
import json
import queue
import threading
from collections.abc import Callable
from typing import Any

from simple_websocket import ConnectionClosed

from ..hub import Hub

PING_SECONDS = 20


def relay(ws: Any, hub: Hub, channel: str, first: Callable[[], dict[str, Any]],
          notice_close: bool = False) -> None:
    """Send ``first()`` then every message published on ``channel`` until the socket closes.

    Subscribes before computing the first message, so an event between a page load and the
    socket's opening is never missed. A ping every 20 s finds dead connections. With
    ``notice_close`` the relay returns the moment the browser closes the socket (not at the
    next message or ping), so presence can flag a closed tab at once.
    """
    inbox = hub.subscribe(channel)
    if notice_close:
        _watch_close(ws, inbox)
    try:
        ws.send(json.dumps(first()))
        while True:
            try:
                message = inbox.get(timeout=PING_SECONDS)
            except queue.Empty:
                message = {"type": "ping"}
            if message is _CLOSED:
                return
            ws.send(json.dumps(message))
    except ConnectionClosed:
        pass
    finally:
        hub.unsubscribe(channel, inbox)


#: put in a relay's inbox when its socket closed
_CLOSED: Any = {"type": "closed"}


def _watch_close(ws: Any, inbox: queue.Queue) -> None:
    """Read the socket (these pages send nothing) until it closes, then wake the relay: a
    greenlet under gevent, a thread otherwise."""
    def wait() -> None:
        # a closed socket, or any failure reading it, ends the relay (which then unsubscribes)
        with contextlib.suppress(Exception):
            while True:
                ws.receive()
        with contextlib.suppress(queue.Full):
            inbox.put_nowait(_CLOSED)

    threading.Thread(target=wait, daemon=True, name="labctl-socket-close").start()
