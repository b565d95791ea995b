"""A bot's browser: GETs its page, reads labctl's page markers, posts forms, waits on sockets."""

from __future__ import annotations

import html
import json
import re
import threading
import time
from dataclasses import dataclass
from typing import Any

import requests
import websocket

_MAIN = re.compile(r'<main[^>]*\bdata-kind="(?P<kind>[^"]*)" data-step="(?P<step>-?\d+)"\s*'
                   r'data-app="(?P<app>[^"]*)" data-round="(?P<round>[^"]*)"\s*'
                   r'data-page="(?P<page>[^"]*)"')
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_ERROR = re.compile(r'class="(?:error|alert)"[^>]*>\s*(.*?)\s*</(?:p|div)>', re.S)


@dataclass
class Page:
    """What the server shows a participant now."""

    kind: str  # "page", "wait", "finished", or "error"
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


class ParticipantClient:
    """One participant's connection to the lab server."""

    def __init__(self, base_url: str, code: str, timeout: float = 30.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.code = code
        self.timeout = timeout
        self.http = requests.Session()

    @property
    def url(self) -> str:
        return f"{self.base_url}/p/{self.code}/"

    def current(self) -> Page:
        response = self.http.get(self.url, timeout=self.timeout)
        return self._page(response)

    def submit(self, page: Page, values: dict[str, Any]) -> Page:
        """Post a form for the page shown; returns the page shown next (or the refusal)."""
        form = {"csrf_token": page.csrf or "", "step": str(page.step), **{
            name: str(value) for name, value in values.items()}}
        response = self.http.post(self.url, data=form, timeout=self.timeout)
        return self._page(response)

    def wait_until_moved(self, page: Page, seconds: float,
                         stop: threading.Event | None = None) -> bool:
        """Wait on the participant's WebSocket until they leave ``page``'s step (or ``stop``
        is set, when another bot failed)."""
        deadline = time.monotonic() + seconds
        stop = stop or threading.Event()
        ws_url = self.base_url.replace("http://", "ws://") + f"/p/{self.code}/ws"
        try:
            socket = websocket.create_connection(ws_url, timeout=min(5.0, seconds))
        except (OSError, websocket.WebSocketException):
            return self._poll(page, deadline, stop)
        waited = 0
        try:
            while time.monotonic() < deadline and not stop.is_set():
                socket.settimeout(max(0.1, min(1.0, deadline - time.monotonic())))
                try:
                    message = json.loads(socket.recv())
                except websocket.WebSocketTimeoutException:
                    waited += 1
                    if waited % 5 == 0 and self._moved(page):  # a message lost is no trap
                        return True
                    continue
                if message.get("type") == "advance" or (
                        message.get("type") == "position" and message.get("step") != page.step):
                    return True
            return False
        except (OSError, websocket.WebSocketException):
            return self._poll(page, deadline, stop)
        finally:
            socket.close()

    def _poll(self, page: Page, deadline: float, stop: threading.Event) -> bool:
        while time.monotonic() < deadline and not stop.is_set():
            if self._moved(page):
                return True
            time.sleep(0.5)
        return False

    def _moved(self, page: Page) -> bool:
        response = self.http.get(self.url + "position", timeout=self.timeout)
        return response.status_code == 200 and response.json().get("step") != page.step

    def _page(self, response: requests.Response) -> Page:
        text = response.text
        marker = _MAIN.search(text)
        csrf = _CSRF.search(text)
        if marker is None:
            return Page("error", -1, "", None, "", text, response.status_code, None)
        round_text = marker.group("round")
        return Page(marker.group("kind"), int(marker.group("step")), marker.group("app"),
                    int(round_text) if round_text else None, marker.group("page"), text,
                    response.status_code, csrf.group(1) if csrf else None)
