"""How ``labctl run`` serves connections: small writes leave at once (no Nagle delay)."""

from __future__ import annotations

import socket

from labctl.server.serve import without_nagle


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
