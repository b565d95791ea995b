"""The shared-data WebSocket of a participant's page: ``/p/<code>/shared``.

Messages are JSON. The page sends ``subscribe`` (store: batch, group or study), ``patch`` or
``replace`` (with the version it was made on and an ``id``), ``message`` (to the group, or to one
member with ``to``: their id_in_group; or to the batch; with the page's ``cid`` a resend is
delivered once), ``history`` (the messages this participant may see) and ``ping``. The server
answers ``snapshot``, ``ack`` (for a message: its ``message_id`` and the members ``gone`` who
have moved on), ``conflict`` (with the current version and document), ``history``, ``error``,
and pushes every accepted ``change`` (version, patch, author) and every ``message`` (with its
``mid`` and ``cid``). JSON nested deeper than ``MAX_JSON_DEPTH`` is refused unparsed.

A participant's socket reaches only their own batch, group and study documents: the engine
derives the keys from the participant. A request naming any other key is refused and logged.
"""

from __future__ import annotations

import contextlib
import json
import logging
import queue
import threading
import time
from typing import Any

from simple_websocket import ConnectionClosed

from ..engine import Engine, UnknownParticipant
from ..engine.shared_data import MAX_JSON_DEPTH, SCOPES, too_deep
from ..errors import LabctlError
from ..hub import Channel
from .current import engine as current_engine
from .live import PING_SECONDS

log = logging.getLogger("labctl.shared")
MAX_MESSAGE_BYTES = 64 * 1024
#: an offending participant's page is logged at most once in this many seconds
OFFENCE_LOG_SECONDS = 60.0


class OffenceLog:
    """One log line per offending participant per minute: a page sending bad messages in a
    loop must not flood the log (nor cost more than a dict lookup per message)."""

    MAX_REMEMBERED = 10_000

    def __init__(self) -> None:
        self.last: dict[str, float] = {}
        self.lock = threading.Lock()

    def warn(self, code: str, what: str) -> None:
        now = time.monotonic()
        with self.lock:
            if now - self.last.get(code, -OFFENCE_LOG_SECONDS) < OFFENCE_LOG_SECONDS:
                return
            if len(self.last) >= self.MAX_REMEMBERED:
                self.last.clear()
            self.last[code] = now
        log.warning("participant %s: %s (further offences of this page are not logged for "
                    "%d s)", code, what, OFFENCE_LOG_SECONDS)


offences = OffenceLog()


def shared_socket(ws: Any, code: str) -> None:
    engine = current_engine()
    try:
        engine.position(code)
    except UnknownParticipant:
        ws.close(reason=1008, message="unknown participant")
        return
    SharedDataSocket(ws, engine, code).run()


class SharedDataSocket:
    """One page's socket: a reader (this greenlet) and a forwarder of hub messages."""

    def __init__(self, ws: Any, engine: Engine, code: str) -> None:
        self.ws = ws
        self.engine = engine
        self.code = code
        self.inbox: queue.Queue = queue.Queue(200)
        self.channels: dict[str, Any] = {}  # scope -> Target
        self.send_lock = threading.Lock()
        self.open = True

    def run(self) -> None:
        self.engine.hub.subscribe(Channel.direct(self.code), self.inbox)
        forwarder = threading.Thread(target=self._forward, daemon=True)
        forwarder.start()
        try:
            while True:
                raw = self.ws.receive(timeout=PING_SECONDS * 3)
                if raw is None:
                    continue
                self._handle(raw)
        except ConnectionClosed:
            pass
        finally:
            self.open = False
            self.engine.hub.unsubscribe(Channel.direct(self.code), self.inbox)
            for target in self.channels.values():
                self.engine.hub.unsubscribe(target.channel, self.inbox)
            with contextlib.suppress(queue.Full):
                self.inbox.put_nowait({"type": "closed"})  # stops the forwarder

    def send(self, message: dict[str, Any]) -> None:
        with self.send_lock:
            self.ws.send(json.dumps(message))

    def _forward(self) -> None:
        while self.open:
            try:
                message = self.inbox.get(timeout=PING_SECONDS)
            except queue.Empty:
                message = {"type": "ping"}
            if message.get("type") == "closed":
                return
            try:
                self.send(message)
            except (ConnectionClosed, OSError):
                return

    def _handle(self, raw: str | bytes) -> None:
        request: Any = None
        try:
            if len(raw) > MAX_MESSAGE_BYTES:
                raise LabctlError("message too large")
            text = raw.decode() if isinstance(raw, bytes) else raw
            if too_deep(text):
                offences.warn(self.code, f"sent JSON nested deeper than {MAX_JSON_DEPTH} "
                              "levels on the shared-data socket; refused")
                raise LabctlError(f"message refused: JSON nested deeper than {MAX_JSON_DEPTH} "
                                  "levels", "keep shared data flat: a few levels suffice")
            request = json.loads(text)
            if not isinstance(request, dict):
                raise LabctlError("each message must be a JSON object")
            self._dispatch(request)
        except (ValueError, LabctlError) as exc:
            self.send({"type": "error", "id": _request_id(request), "message": str(exc)})

    def _dispatch(self, request: dict[str, Any]) -> None:
        op = request.get("op")
        if op == "ping":
            self.send({"type": "pong"})
            return
        scope = request.get("store")
        if scope not in SCOPES:
            raise LabctlError(f"unknown store {scope!r}: use batch, group or study")
        target = self._target(scope, request.get("key"))
        if op == "subscribe":
            self._subscribe(target)
        elif op in ("patch", "replace"):
            result = self.engine.shared_change(
                self.code, target, request.get("version"),
                patch=request.get("patch") if op == "patch" else None,
                replace=request.get("doc") if op == "replace" else None)
            if result.accepted:
                self.send({"type": "ack", "id": request.get("id"), "store": scope,
                           "version": result.version})
            else:
                self.send({"type": "conflict", "id": request.get("id"), "store": scope,
                           "version": result.version, "doc": result.doc,
                           "reason": result.reason})
        elif op == "message":
            if scope == "study":
                raise LabctlError("messages go to the group or the batch")
            receipt = self.engine.shared_message(self.code, target, request.get("body"),
                                                 request.get("to"), request.get("cid"))
            self.send({"type": "ack", "id": request.get("id"), "store": scope,
                       "cid": request.get("cid"), **receipt})
        elif op == "history":
            if scope == "study":
                raise LabctlError("messages go to the group or the batch")
            self.send({"type": "history", "id": request.get("id"), "store": scope,
                       "messages": self.engine.shared_messages_for(self.code, target)})
        else:
            raise LabctlError(f"unknown op {op!r}")

    def _target(self, scope: str, key: Any) -> Any:
        target = self.engine.shared_target(self.code, scope)
        if key is not None and key != target.key:
            offences.warn(self.code, f"asked for {scope} data {key!r}, which is not theirs; "
                          "refused")
            raise LabctlError(f"that {scope} data is not yours", "refused and logged")
        return target

    def _subscribe(self, target: Any) -> None:
        if target.scope not in self.channels:
            self.engine.hub.subscribe(target.channel, self.inbox)
            self.channels[target.scope] = target
        version, doc = self.engine.shared_read(target)
        self.send({"type": "snapshot", "store": target.scope, "key": target.key,
                   "version": version, "doc": doc, "closed": target.closed})


def _request_id(request: Any) -> Any:
    return request.get("id") if isinstance(request, dict) else None
