"""PostgreSQL gone and back under a running lab: participants are asked to wait (never shown a
traceback), nothing half-saved, the output says once what is wrong, and the server recovers by
itself. The database "restarts" behind a TCP relay the test closes and opens again (restarting
the shared test cluster would break other tests): to the server it is the same, every
connection cut and new ones refused."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from urllib.parse import urlsplit, urlunsplit

import pytest
from browserless import HTTP_TIMEOUT, LabDb, Participant

pytestmark = [pytest.mark.slow, pytest.mark.parametrize("store_kind", ["postgres"],
                                                        indirect=True)]
#: bound of the wait for the server to notice that the database is back
RECOVER_SECONDS = 30.0


class Relay:
    """Forwards 127.0.0.1:port to the database while open; ``close`` cuts every connection."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = 0
        self.listener: socket.socket | None = None
        self.conns: list[socket.socket] = []
        self.lock = threading.Lock()

    def open(self) -> None:
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", self.port))
        self.port = self.listener.getsockname()[1]
        self.listener.listen(64)
        threading.Thread(target=self._accept, args=(self.listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            with self.lock:
                self.conns += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                with contextlib.suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        assert self.listener is not None
        with contextlib.suppress(OSError):  # wakes the accepting thread: close alone leaves
            self.listener.shutdown(socket.SHUT_RDWR)  # it blocked, taking one more connection
        self.listener.close()
        with self.lock:
            for conn in self.conns:
                with contextlib.suppress(OSError):
                    conn.shutdown(socket.SHUT_RDWR)
                conn.close()
            self.conns = []


def through(url: str, port: int) -> str:
    parts = urlsplit(url)
    netloc = parts.netloc.rsplit("@", 1)
    host = f"127.0.0.1:{port}"
    return urlunsplit(parts._replace(netloc=f"{netloc[0]}@{host}" if len(netloc) == 2
                                     else host))


def test_a_lab_waits_while_postgresql_is_gone_and_recovers_by_itself(
        sample_project, lab_process, new_store_target):
    url = str(new_store_target())
    parts = urlsplit(url)
    relay = Relay((parts.hostname or "127.0.0.1", parts.port or 5432))
    relay.open()
    lab = lab_process(sample_project, "my_session", "-n", "4", "--db",
                      through(url, relay.port))
    trustor = Participant(lab.base_url, lab.codes[0])
    page = trustor.get()
    assert (page.status, page.kind) == (200, "page")

    relay.close()  # PostgreSQL stops: every connection cut
    down = trustor.http.get(trustor.url, timeout=HTTP_TIMEOUT)
    assert down.status_code == 503
    assert "cannot save right now" in down.text and "Traceback" not in down.text
    sent = trustor.http.post(trustor.url, data={"sent_amount": "4.00"}, timeout=HTTP_TIMEOUT)
    assert sent.status_code in (503, 400) and "Traceback" not in sent.text

    relay.open()  # back, on the same address
    deadline = time.monotonic() + RECOVER_SECONDS
    while time.monotonic() < deadline:
        page = trustor.get()
        if page.status == 200:
            break
        time.sleep(0.2)
    assert (page.status, page.kind, page.step) == (200, "page", 0)  # nothing half-saved
    submitted = trustor.submit({"sent_amount": "4.00"}, page)
    assert submitted.status_code == 200
    assert LabDb(url).participant(lab.codes[0])["step"] == 1
    lab.stop()
    said = "".join(lab.later)
    assert said.count("cannot reach the PostgreSQL database") == 1, said
    assert "can be used again" in said
    assert "Traceback" not in said
    relay.close()
