"""The bots' HTTP connection: kept alive like a browser's, reopened when the server closed it."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from labctl.bots.client import Connection


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
    connection = Connection(closing_server, timeout=5)
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
    connection = Connection("http://127.0.0.1:9", timeout=2)  # the discard port: refused
    with pytest.raises(OSError):
        connection.request("GET", "/p/abc/")
