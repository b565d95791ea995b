"""How ``labctl run`` serves: small writes leave at once (no Nagle delay), and Python's cycle
collector neither rescans what was loaded at start nor runs a young collection every 700
allocations."""

from __future__ import annotations

import gc
import socket

import pytest

from labctl.server.serve import GC_YOUNG_THRESHOLD, settle_garbage_collector, without_nagle


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
