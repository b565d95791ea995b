"""A bot's browser: GETs its page, reads labctl's page markers, posts forms, waits on sockets."""

from __future__ import annotations

import contextlib
import html
import http.client
import json
import re
import select
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

import websocket

from ..errors import LabctlError
from ..page_marker import PAGE_MARKER
from ..participant_urls import (
    CONSENT,
    LIVE,
    POSITION,
    SOCKET,
    participant_path,
    participant_url,
)

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
#: seconds between two position checks while the socket is quiet, as a browser's wait page
#: makes (labctl.js): a safety net only, since the socket's first message is the position and
#: a socket that breaks raises; more often, and a thousand waiting bots load the server
SAFETY_POLL_SECONDS = 15
_ERROR = re.compile(r'class="(?:error|alert)"[^>]*>\s*(.*?)\s*</(?:p|div)>', re.S)


@dataclass
class ShownPage:
    """What the server shows a participant now."""

    kind: str  # "page", "wait", "finished", "consent" (agreed at once), or "error"
    step: int
    app: str
    round_number: int | None
    name: str
    html: str
    status: int
    csrf: str | None

    def errors(self) -> list[str]:
        return [html.unescape(re.sub(r"<[^>]+>", "", m)).strip() for m in _ERROR.findall(
            self.html)]


@dataclass
class Response:
    status: int
    text: str


class HttpConnection:
    """One kept-alive HTTP connection, as a browser holds to the lab server.

    Plain ``http.client``: a thousand bots on one core spend their time in the HTTP client, and
    requests' per-call work (proxy settings from the environment, cookie jars, adapters) is
    several times the cost of the request itself. A connection the server closed (idle
    timeout, restart) is reopened once; re-sending a form is safe, as the server ignores a
    form for a step the participant has left.
    """

    def __init__(self, base_url: str, timeout: float) -> None:
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.timeout = timeout
        self._conn: http.client.HTTPConnection | None = None

    def request(self, method: str, path: str, form: dict[str, str] | None = None) -> Response:
        body = urlencode(form) if form is not None else None
        headers = {"Content-Type": "application/x-www-form-urlencoded"} if form is not None \
            else {}
        try:
            return self._send(method, path, body, headers)
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            self.close()
            return self._send(method, path, body, headers)

    def _send(self, method: str, path: str, body: str | None,
              headers: dict[str, str]) -> Response:
        if self._conn is None:
            self._conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        self._conn.request(method, path, body=body, headers=headers)
        answer = self._conn.getresponse()
        return Response(answer.status, answer.read().decode("utf-8", "replace"))

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


class ParticipantClient:
    """One participant's connection to the lab server."""

    def __init__(self, base_url: str, code: str, timeout: float = 30.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.code = code
        #: the participant's page on the server (its sub-paths are added to it)
        self.path = participant_path(code)
        self.timeout = timeout
        self.http = HttpConnection(self.base_url, timeout)
        self._socket: websocket.WebSocket | None = None
        self._live: LiveConnection | None = None

    @property
    def url(self) -> str:
        return participant_url(self.base_url, self.code)

    def current(self) -> ShownPage:
        page = self._page(self.http.request("GET", self.path))
        if page.kind == "consent":  # a bot plays: it agrees to the session type's consent page
            self.http.request("POST", self.path + CONSENT,
                              {"csrf_token": page.csrf or "", "consent": "agree"})
            page = self._page(self.http.request("GET", self.path))
        return page

    def submit(self, page: ShownPage, values: dict[str, Any],
               must_fail: bool = False) -> ShownPage:
        """Post a form for the page shown; returns the page shown next (or the refusal).
        ``must_fail`` (the bot expects a refusal) changes nothing for a plain post."""
        form = {"csrf_token": page.csrf or "", "step": str(page.step), **{
            name: str(value) for name, value in values.items()}}
        return self._page(self.http.request("POST", self.path, form))

    def wait_until_moved(self, page: ShownPage, seconds: float,
                         stop: threading.Event | None = None) -> bool:
        """Wait on the participant's WebSocket until they leave ``page``'s step (or ``stop``
        is set, when another bot failed).

        The socket is opened on the first wait page and kept for the next ones, as one
        participant's channel serves them all: a thousand bots would otherwise make thousands
        of handshakes, a large share of what ``labctl test`` costs the server. What arrived on
        it while the bot was on other pages is read first; an "advance" among it may be about
        a page the bot has left since, so the position decides. An "advance" that was stale
        after all only costs the caller a look at its page, which is still this wait page.
        """
        deadline = time.monotonic() + seconds
        stop = stop or threading.Event()
        for attempt in (1, 2):
            reused = self._socket is not None
            try:
                socket = self._open_socket(min(5.0, seconds))
                if reused and self._told_to_advance(socket) and self._moved(page):
                    return True
                return self._listen(socket, page, deadline, stop)
            except (OSError, websocket.WebSocketException):
                self._close_socket()
                if not reused or attempt == 2:  # the server refuses sockets: poll instead
                    return self._poll(page, deadline, stop)
        raise AssertionError("unreachable")

    def _open_socket(self, timeout: float) -> websocket.WebSocket:
        if self._socket is None:
            ws_url = participant_url(self.base_url.replace("http://", "ws://"), self.code,
                                     SOCKET)
            self._socket = websocket.create_connection(ws_url, timeout=timeout)
        return self._socket

    def _told_to_advance(self, socket: websocket.WebSocket) -> bool:
        """Read the messages already waiting on the socket; whether one says "advance"."""
        told = False
        waiting = select.poll()  # not select.select: a thousand bots' descriptors pass 1024
        waiting.register(socket.sock, select.POLLIN)
        while waiting.poll(0):
            message = _message(socket)
            told = told or message.get("type") == "advance"
        return told

    def _listen(self, socket: websocket.WebSocket, page: ShownPage, deadline: float,
                stop: threading.Event) -> bool:
        waited = 0
        while time.monotonic() < deadline and not stop.is_set():
            socket.settimeout(max(0.1, min(1.0, deadline - time.monotonic())))
            try:
                message = _message(socket)
            except websocket.WebSocketTimeoutException:
                waited += 1
                if waited % SAFETY_POLL_SECONDS == 0 and self._moved(page):
                    return True
                continue
            if message.get("type") == "advance" or (
                    message.get("type") == "position" and message.get("step") != page.step):
                return True
        return False

    def _close_socket(self) -> None:
        if self._socket is not None:
            with contextlib.suppress(OSError, websocket.WebSocketException):
                self._socket.close()
            self._socket = None

    def live(self, page: ShownPage, data: Any) -> list[Any]:
        """Send a live message from ``page``; the payloads received in answer to it."""
        if self._live is None or self._live.step != page.step:
            self._close_live()
            url = participant_url(self.base_url.replace("http://", "ws://"), self.code, LIVE)
            self._live = LiveConnection(url, page.step, self.timeout)
        return self._live.send(data)

    def live_messages(self, page: ShownPage) -> list[Any]:
        """Every payload received on ``page``'s live socket so far."""
        live = self._live
        return list(live.received) if live is not None and live.step == page.step else []

    def _close_live(self) -> None:
        if self._live is not None:
            self._live.close()
            self._live = None

    def close(self) -> None:
        """Close the participant's HTTP connection and sockets (a browser tab closing)."""
        self._close_socket()
        self._close_live()
        self.http.close()

    def _poll(self, page: ShownPage, deadline: float, stop: threading.Event) -> bool:
        while time.monotonic() < deadline and not stop.is_set():
            if self._moved(page):
                return True
            time.sleep(0.5)
        return False

    def _moved(self, page: ShownPage) -> bool:
        response = self.http.request("GET", self.path + POSITION)
        return response.status == 200 and json.loads(response.text).get("step") != page.step

    def _page(self, response: Response) -> ShownPage:
        return parse_page(response)


def _message(socket: websocket.WebSocket) -> dict[str, Any]:
    """The next message on ``socket``. The server's close frame reads as "" and is raised as
    a closed socket, which the waiting reopens: a browser answers the server's pings by
    itself, but a bot on other pages reads no socket, so the server closes a kept one that
    stayed unread for a ping interval (25 s; pages that slow came with 1,000 bots)."""
    text = socket.recv()
    if not text:
        raise websocket.WebSocketConnectionClosedException("the server closed the WebSocket")
    return json.loads(text)


def parse_page(response: Response) -> ShownPage:
    """What a page shows, read from its HTML (the page marker and the form's CSRF token)."""
    text = response.text
    marker = PAGE_MARKER.search(text)
    csrf = _CSRF.search(text)
    if marker is None:
        return ShownPage("error", -1, "", None, "", text, response.status, None)
    round_text = marker.group("round")
    return ShownPage(marker.group("kind"), int(marker.group("step")), marker.group("app"),
                     int(round_text) if round_text else None, marker.group("page"), text,
                     response.status, csrf.group(1) if csrf else None)


class LiveConnection:
    """A bot's live socket on one page, as ``labctl-live.js`` holds it: each message is
    answered after its deliveries, so everything before the answer is read at once."""

    #: messages read while waiting for one answer at most (deliveries of others' messages)
    MAX_READS = 10_000

    def __init__(self, url: str, step: int, timeout: float) -> None:
        self.step = step
        self.socket = websocket.create_connection(url, timeout=timeout)
        self.sent = 0
        #: every payload delivered to this page, oldest first
        self.received: list[Any] = []

    def send(self, data: Any) -> list[Any]:
        self.sent += 1
        self.socket.send(json.dumps({"op": "send", "step": self.step, "data": data,
                                     "id": self.sent}))
        deliveries: list[dict[str, Any]] = []
        for _ in range(self.MAX_READS):
            message = _message(self.socket)
            kind = message.get("type")
            if kind == "live":
                deliveries.append(message)
                self.received.append(message["data"])
            elif kind == "error" and message.get("id") == self.sent:
                raise LabctlError(f"live message {data!r} refused: {message['message']}")
            elif kind == "ack" and message.get("id") == self.sent:
                return [d["data"] for d in deliveries if d["re"] == message["mid"]]
        raise LabctlError(f"no answer to live message {data!r} in {self.MAX_READS} messages")

    def close(self) -> None:
        with contextlib.suppress(OSError, websocket.WebSocketException):
            self.socket.close()
