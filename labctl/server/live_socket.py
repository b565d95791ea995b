"""A live page's connection: ``/p/<code>/live`` (WebSocket) and ``/p/<code>/live/messages``
(HTTP, where WebSockets are blocked).

The page sends ``{"op": "send", "step": <the page's step>, "data": <JSON>, "id": <its own
number>}`` and ``{"op": "ping"}``. The server pushes every ``live`` delivery addressed to the
participant (``id``, ``re``: the message it answers, ``data``) and answers each send with
``ack`` (``id`` and ``mid``, the message's logged id) or ``error`` (``id`` and a message for
the page). Deliveries and answers leave through one queue, in order: the deliveries of a
message always arrive before its ``ack``. Opened with ``?after=<last delivery id>``, the socket
first sends what the page missed while it was away (on this page only).

Over HTTP, ``POST`` a JSON body ``{"step", "data"}`` (answered ``{"mid"}`` or ``{"error"}``)
and ``GET ?after=<id>`` for the deliveries since (``{"deliveries": [...]}``).
"""

from __future__ import annotations

import contextlib
import json
import logging
import queue
import threading
from typing import Any

from flask import Blueprint, jsonify, request
from simple_websocket import ConnectionClosed

from ..engine import Engine, UnknownParticipant
from ..engine.live import MAX_PAYLOAD_BYTES, LiveFrame, LiveRefused
from ..hub import Channel
from ..participant_urls import LIVE_MESSAGES_ROUTE
from .current import engine as current_engine
from .live import PING_SECONDS
from .shared_socket import OffenceLog

bp = Blueprint("live", __name__)
log = logging.getLogger("labctl.live")
offences = OffenceLog()
#: a delivery queue this full means the page stopped reading: its socket is closed
MAX_QUEUED = 500
#: the status of each refusal over HTTP
STATUS = {"rate": 429, "failed": 500, "other": 409}


class DeliveryQueue(queue.Queue):
    """A live page's queue. The hub drops what a full queue cannot take (a page that stopped
    reading must not hold up its market); this queue remembers that it did, so that its socket
    is closed and the page, reconnecting, is sent what it missed from the log: nothing is lost
    without the page knowing."""

    overflowed = False

    def put_nowait(self, item: Any) -> None:
        try:
            super().put_nowait(item)
        except queue.Full:
            self.overflowed = True
            raise


def live_socket(ws: Any, code: str) -> None:
    engine = current_engine()
    try:
        engine.position(code)
    except UnknownParticipant:
        ws.close(reason=1008, message="unknown participant")
        return
    LiveSocket(ws, engine, code).run(_after(request.args.get("after")))


class LiveSocket:
    """One live page's socket: this greenlet reads and runs messages, a second one forwards
    the queue (deliveries from the hub, and this socket's answers) to the page."""

    def __init__(self, ws: Any, engine: Engine, code: str) -> None:
        self.ws = ws
        self.engine = engine
        self.code = code
        self.outbox = DeliveryQueue(MAX_QUEUED)
        self.open = True
        #: the last delivery the resume sent: the hub's copy of it is not sent again
        self.resumed_through = 0

    def run(self, after: int) -> None:
        channel = Channel.live(self.code)
        self.engine.hub.subscribe(channel, self.outbox)  # before the resume: nothing is missed
        try:
            self.resumed_through = self._resume(after)
            forwarder = threading.Thread(target=self._forward, daemon=True)
            forwarder.start()
            while self.open:
                raw = self.ws.receive(timeout=PING_SECONDS * 3)
                if raw is not None:
                    self._queue(self._answer(raw))
        except ConnectionClosed:
            pass
        finally:
            self.open = False
            self.engine.hub.unsubscribe(channel, self.outbox)
            with contextlib.suppress(queue.Full):
                self.outbox.put_nowait({"type": "closed"})

    def _resume(self, after: int) -> int:
        """Send what the page missed since delivery ``after``, before anything the hub has
        queued meanwhile; the id of the last one sent. A delivery committed between the
        subscription and this read is both in the log and in the queue: the forwarder drops
        the queue's copy (a page was sent it twice). Deliveries of one session commit in
        their ids' order (its steps take turns), so nothing later is dropped."""
        last = after
        for delivery in self.engine.live_deliveries(self.code, after):
            self.ws.send(json.dumps(delivery.message()))
            last = delivery.id
        return last

    def _queue(self, message: dict[str, Any] | None) -> None:
        if message is None:
            return
        try:
            self.outbox.put(message, timeout=PING_SECONDS)
        except queue.Full:  # the page has not read for a long time: it reconnects and resumes
            self.open = False
            self.ws.close(reason=1011, message="too far behind")

    def _forward(self) -> None:
        while True:
            try:
                message = self.outbox.get(timeout=PING_SECONDS)
            except queue.Empty:
                message = {"type": "ping"}
            if message.get("type") == "closed":
                return
            if message.get("type") == "live" and message["id"] <= self.resumed_through:
                continue  # the hub's copy of a delivery the resume sent already
            try:
                if self.outbox.overflowed:  # the page reconnects and resumes from the log
                    self.ws.close(reason=1011, message="too far behind")
                    return
                self.ws.send(_text(message))
            except (ConnectionClosed, OSError):
                return

    def _answer(self, raw: str | bytes) -> dict[str, Any] | None:
        request_id: Any = None
        try:
            request = _parsed(raw)
            request_id = request.get("id")
            if request.get("op") == "ping":
                return {"type": "pong"}
            if request.get("op") != "send":
                raise LiveRefused(f"unknown op {request.get('op')!r}", "send op 'send'")
            mid = run_message(self.engine, self.code, request.get("step"), request.get("data"))
            return {"type": "ack", "id": request_id, "mid": mid}
        except LiveRefused as exc:
            return {"type": "error", "id": request_id, "message": str(exc)}


def run_message(engine: Engine, code: str, step: Any, data: Any) -> int:
    """Run one message; a refusal is logged (once a minute per page) and re-raised."""
    try:
        return engine.live_message(code, step, data)
    except LiveRefused as exc:
        if exc.failure is not None:
            log.error("live method failed for participant %s: %s", code, exc.failure)
        else:
            offences.warn(code, f"live message refused: {exc}")
        raise


def _text(message: dict[str, Any]) -> str:
    """A message's JSON: a delivery's was made once for all its recipients."""
    return message.text if isinstance(message, LiveFrame) else json.dumps(message)


def _parsed(raw: str | bytes) -> dict[str, Any]:
    """A request as a dict; the size is checked before parsing (the depth in the engine)."""
    if len(raw) > MAX_PAYLOAD_BYTES + 1024:
        raise LiveRefused(f"a live message must be under {MAX_PAYLOAD_BYTES // 1024} KiB",
                          "send less at once")
    try:
        request = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise LiveRefused("a live message must be JSON") from exc
    if not isinstance(request, dict):
        raise LiveRefused("each live message must be a JSON object")
    return request


def _after(value: Any) -> int:
    try:
        return max(0, int(value))
    except (TypeError, ValueError):
        return 0


# -- the same over HTTP, where WebSockets are blocked ------------------------------------------


@bp.post(LIVE_MESSAGES_ROUTE)
def send(code: str):
    """One message over HTTP; only JSON is accepted (a cross-site form cannot send it)."""
    engine = current_engine()
    engine.position(code)  # an unknown code is a 404
    try:
        if not request.is_json:
            raise LiveRefused("send the message as JSON (Content-Type: application/json)")
        body = _parsed(request.get_data())
        mid = run_message(engine, code, body.get("step"), body.get("data"))
    except LiveRefused as exc:
        kind = "failed" if exc.failure else "rate" if exc.too_fast else "other"
        return _json({"error": str(exc)}, STATUS[kind])
    return _json({"mid": mid}, 200)


@bp.get(LIVE_MESSAGES_ROUTE)
def deliveries(code: str):
    found = current_engine().live_deliveries(code, _after(request.args.get("after")))
    return _json({"deliveries": [d.message() for d in found]}, 200)


def _json(body: dict[str, Any], status: int):
    response = jsonify(body)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response
