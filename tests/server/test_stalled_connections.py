"""The lab server (gevent, as ``labctl run`` serves) closes connections that stall: a request
whose headers never finish, a connection that sends nothing, a trickle of header bytes; each
holds an open file, and the open-files limit is the ceiling of a room. Meanwhile pages load
and a WebSocket open longer than the bound keeps working."""

from __future__ import annotations

import socket
import time

import pytest
import requests
import websocket
from browserless import HTTP_TIMEOUT

from labctl.server.tuning import HEADER_SECONDS

pytestmark = pytest.mark.slow  # labctl run as a process, and waits past the bound

STALLED = 50


def stalled_connection(base_url: str, kind: int) -> socket.socket:
    host, port = base_url.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=HTTP_TIMEOUT)
    if kind == 1:
        sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nUser-Agent: slow")  # never finished
    elif kind == 2:
        sock.sendall(b"POST /admin/login HTTP/1.1\r\n")  # then a byte every few seconds
    return sock  # kind 0: sends nothing at all


def closed_within(sock: socket.socket, seconds: float) -> bool:
    """Whether the server closes ``sock`` within ``seconds`` (whatever it answers first)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        sock.settimeout(max(0.1, min(2.0, deadline - time.monotonic())))
        try:
            if sock.recv(65536) == b"":
                return True
        except TimeoutError:
            try:  # the trickle: one more header byte now and then
                sock.sendall(b"X")
            except OSError:
                return True
        except OSError:
            return True
    return False


def test_stalled_requests_are_closed_while_pages_and_sockets_keep_working(sample_project,
                                                                          lab_process):
    lab = lab_process(sample_project, "my_session", "-n", "4")
    ws = websocket.create_connection(lab.base_url.replace("http://", "ws://")
                                     + f"/p/{lab.codes[0]}/ws", timeout=HTTP_TIMEOUT)
    stalled = [stalled_connection(lab.base_url, i % 3) for i in range(STALLED)]
    started = time.monotonic()
    try:
        page = requests.get(f"{lab.base_url}/p/{lab.codes[1]}/", timeout=HTTP_TIMEOUT)
        assert page.status_code == 200  # served while the stalled ones wait
        bound = HEADER_SECONDS + 5
        open_still = [s for s in stalled if not closed_within(s, bound -
                                                              (time.monotonic() - started))]
        assert not open_still, f"{len(open_still)} of {STALLED} still open after {bound} s"
        assert time.monotonic() - started > HEADER_SECONDS - 1  # not closed at once either
        # the WebSocket, open all along and quiet, still answers
        ws.ping(b"still there")
        ws.settimeout(HTTP_TIMEOUT)
        for _ in range(5):
            opcode, frame = ws.recv_data_frame(control_frame=True)
            if opcode == websocket.ABNF.OPCODE_PONG:
                assert frame.data == b"still there"
                break
        else:
            raise AssertionError("no pong from the server")
        assert requests.get(f"{lab.base_url}/p/{lab.codes[1]}/",
                            timeout=HTTP_TIMEOUT).status_code == 200
    finally:
        ws.close()
        for sock in stalled:
            sock.close()
