"""How ``labctl run`` serves: small writes leave at once (no Nagle delay); header lines are
read without the email parser, and what a browser would not send is refused; Python's cycle
collector neither rescans what was loaded at start nor runs a young collection every 700
allocations; no request is logged (each URL holds a participant's code)."""

from __future__ import annotations

import gc
import io
import socket
from urllib.request import urlopen

import pytest

from labctl.server.tuning import (
    GC_YOUNG_THRESHOLD,
    read_headers,
    settle_garbage_collector,
    without_nagle,
)


def test_a_participants_connection_sends_small_writes_at_once():
    with socket.create_server(("127.0.0.1", 0)) as listener, socket.create_connection(
            listener.getsockname()) as client:
        accepted, _ = listener.accept()
        with accepted:
            assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 0
            assert without_nagle(accepted) is accepted
            assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
            accepted.sendall(b"headers")
            accepted.sendall(b" and body")
            received = b""
            client.settimeout(5)
            for _ in range(16):  # bounded: the two writes arrive in at most a few reads
                received += client.recv(64)
                if len(received) >= len(b"headers and body"):
                    break
            assert received == b"headers and body"


def test_a_socket_that_is_not_tcp_is_left_as_it_is():
    left, right = socket.socketpair()
    with left, right:
        assert without_nagle(left) is left


@pytest.fixture
def collector_settings():
    """The test changes the interpreter's collector settings: put them back afterwards."""
    thresholds = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


def test_what_was_loaded_before_serving_is_frozen_out_of_collection(collector_settings):
    loaded_at_start = [{"page": n} for n in range(100)]  # cyclic-collectable containers
    settle_garbage_collector()
    assert gc.get_freeze_count() >= len(loaded_at_start)
    assert gc.get_threshold()[0] == GC_YOUNG_THRESHOLD
    collected = {id(o) for o in gc.get_objects()}
    assert id(loaded_at_start) not in collected  # never scanned again
    later = [["an answer"]]
    assert any(o is later for o in gc.get_objects())  # what comes later is collected as usual


def headers_of(raw: bytes):
    from gevent.pywsgi import OldMessage

    return read_headers(io.BytesIO(raw), OldMessage)


def test_header_lines_are_read_as_gevent_reads_them():
    message = headers_of(b"Host: lab.local:8000\r\nContent-Type: application/x-www-form-"
                         b"urlencoded\r\ncontent-length:  12 \r\nCookie: a=1; b=2\r\n\r\n"
                         b"step=3&x=1")
    assert message.status == ""
    assert message.get("host") == "lab.local:8000"
    assert message.typeheader == "application/x-www-form-urlencoded"
    assert message.getheader("Content-Length") == "12"
    assert list(message.headers) == [
        "Host: lab.local:8000\r\n", "Content-Type: application/x-www-form-urlencoded\r\n",
        "content-length: 12\r\n", "Cookie: a=1; b=2\r\n"]


def test_a_header_section_ended_by_the_connection_closing_is_what_arrived():
    assert headers_of(b"Host: lab\r\n").get("Host") == "lab"


@pytest.mark.parametrize("raw, status", [
    (b"Host lab\r\n\r\n", "Malformed header line"),
    (b"Host : lab\r\n\r\n", "Malformed header line"),  # smuggling: refused by RFC 9112
    (b"X-A: 1\r\n  folded\r\n\r\n", "Malformed header line"),
    (b": nameless\r\n\r\n", "Malformed header line"),
    (b"X A: 1\r\n\r\n", "Malformed header line"),
    (b"X(A): 1\r\n\r\n", "Malformed header line"),
    (b"X-A: " + b"a" * 70_000 + b"\r\n\r\n", "Line too long"),
    (b"".join(b"X-%d: 1\r\n" % n for n in range(101)) + b"\r\n", "Too many headers"),
])
def test_a_header_section_a_browser_would_not_send_is_refused(raw, status):
    assert headers_of(raw).status == status


@pytest.mark.slow  # labctl run as a process
def test_requests_are_not_logged_since_every_participant_url_carries_a_code(sample_project,
                                                                             lab_process):
    lab = lab_process(sample_project, "my_session", "-n", "2")
    code = lab.codes[0]
    for path in (f"/p/{code}/", f"/p/{code}/position"):
        with urlopen(lab.base_url + path, timeout=10) as answer:
            assert answer.status == 200
    lab.stop()
    lab.reader.join(timeout=10)
    printed = "".join(lab.later)
    assert "Stopped." in printed  # what the server printed after serving was read
    assert code not in printed
