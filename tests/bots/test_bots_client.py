"""The bots' connections: HTTP kept alive like a browser's and reopened when the server closed
it; one WebSocket for all of a participant's wait pages, reopened when it was dropped."""

from __future__ import annotations

import select
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from labctl.bots.client import HttpConnection, ParticipantClient


class ClosingHandler(BaseHTTPRequestHandler):
    """Answers as if the connection stayed open, then closes it (an idle timeout, a restart)."""

    protocol_version = "HTTP/1.1"
    connections: list[int] = []

    def do_GET(self) -> None:
        self._answer(f"GET {self.path}")

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"])).decode()
        self._answer(f"POST {self.path} {self.headers['Content-Type']} {body}")

    def _answer(self, text: str) -> None:
        data = text.encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        self.close_connection = True

    def setup(self) -> None:
        super().setup()
        self.connections.append(1)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def closing_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), ClosingHandler)
    ClosingHandler.connections = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def test_a_connection_the_server_closed_is_reopened_for_the_next_request(closing_server):
    connection = HttpConnection(closing_server, timeout=5)
    try:
        first = connection.request("GET", "/p/abc/")
        second = connection.request("POST", "/p/abc/", {"step": "3", "amount": "5.00 €"})
    finally:
        connection.close()
    assert (first.status, first.text) == (200, "GET /p/abc/")
    assert (second.status, second.text) == (
        200, "POST /p/abc/ application/x-www-form-urlencoded step=3&amount=5.00+%E2%82%AC")
    assert len(ClosingHandler.connections) == 2


def test_a_server_that_is_gone_is_an_error_not_a_hang():
    connection = HttpConnection("http://127.0.0.1:9", timeout=2)  # the discard port: refused
    with pytest.raises(OSError):
        connection.request("GET", "/p/abc/")


@pytest.fixture
def lab(live_server):
    """The sample project served in this process: (base URL, participant codes)."""
    served = live_server()
    return served.base_url, served.codes


def trustor_waiting(base_url, codes):
    """The trustor of group 1 after sending: waiting for the trustee, who has not come yet."""
    trustor, trustee = (ParticipantClient(base_url, code, timeout=10) for code in codes[:2])
    waiting = trustor.submit(trustor.current(), {"sent_amount": "1.00"})
    assert (waiting.kind, waiting.name) == ("wait", "WaitForTrustor")
    return trustor, trustee, waiting


def test_one_socket_serves_every_wait_page_and_what_came_meanwhile_is_read(lab):
    base_url, codes = lab
    trustor, trustee, waiting = trustor_waiting(base_url, codes)
    try:
        assert trustor.wait_until_moved(waiting, 0.3) is False  # nobody released it yet
        opened = trustor._socket
        assert opened is not None
        # released while the bot is not listening: the "advance" waits on the socket
        assert trustee.current().name == "SendBack"
        assert trustor.wait_until_moved(waiting, 5) is True
        results_wait = trustor.current()
        assert (results_wait.kind, results_wait.name) == ("wait", "ResultsWait")

        assert trustee.submit(trustee.current(), {"sent_back_amount": "0.50"}).name == "Results"
        assert trustor.wait_until_moved(results_wait, 5) is True
        assert trustor._socket is opened
        assert trustor.current().name == "Results"
    finally:
        trustor.close()
        trustee.close()
    assert trustor._socket is None


def test_a_kept_socket_the_server_closed_is_opened_again(lab):
    base_url, codes = lab
    trustor, trustee, waiting = trustor_waiting(base_url, codes)
    try:
        assert trustor.wait_until_moved(waiting, 0.3) is False
        dropped = trustor._socket
        dropped.sock.shutdown(socket.SHUT_RDWR)  # as if the server had dropped it

        assert trustee.current().name == "SendBack"
        assert trustor.wait_until_moved(waiting, 5) is True
        assert trustor._socket is not dropped
    finally:
        trustor.close()
        trustee.close()


def closing_frame_arrived(sock: socket.socket) -> bool:
    """Whether the server's close frame (opcode 0x88) waits unread on the bot's socket; a
    server's frames are unmasked and its JSON messages are ASCII, so the byte is the frame's."""
    readable, _, _ = select.select([sock], [], [], 0.05)
    return bool(readable) and b"\x88" in sock.recv(4096, socket.MSG_PEEK)


def until_closing_frame(sock: socket.socket) -> bool:
    """Wait (10 s at most) for the server's close frame on ``sock``."""
    for _ in range(200):
        if closing_frame_arrived(sock):
            return True
        time.sleep(0.05)  # the pings before it are readable too: select returns at once
    return False


@pytest.fixture
def lab_pinging_fast(live_server):
    """The sample project served with a WebSocket ping every 0.5 s instead of 25 s."""
    served = live_server()
    served.server.app.config["SOCK_SERVER_OPTIONS"] = {"ping_interval": 0.5}
    return served.base_url, served.codes


def test_a_kept_socket_the_server_closed_for_unanswered_pings_is_opened_again(lab_pinging_fast):
    """A bot on other pages reads no socket, so it answers no WebSocket ping; the server then
    closes that socket (a browser answers pings by itself). Back on a wait page, the bot reads
    the close frame and must open a new socket, not fail on it (it failed 1,000-bot runs on
    PostgreSQL, whose slower pages kept bots away longer than the ping interval)."""
    base_url, codes = lab_pinging_fast
    trustor, trustee, waiting = trustor_waiting(base_url, codes)
    try:
        assert trustor.wait_until_moved(waiting, 0.3) is False
        kept = trustor._socket
        assert until_closing_frame(kept.sock)  # a ping every 0.5 s: the second is unanswered

        assert trustee.current().name == "SendBack"
        assert trustor.wait_until_moved(waiting, 5) is True
        assert trustor._socket is not kept
    finally:
        trustor.close()
        trustee.close()
