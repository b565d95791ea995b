"""The speed layer of ``labctl run``: how gevent's WSGI server is tuned, each tuning here alone.

Nothing in it changes what a participant sees; each item only makes a page arrive sooner. What
each one saves, as measured, is in ``benchmarks/RESULTS.md`` ("Why each optimisation is
there"). ``serve.py`` runs the server this module builds; the caller must have called
``gevent.monkey.patch_all()`` first, so gevent is imported only when a server is built.
"""

from __future__ import annotations

import contextlib
import gc
import re
import socket
import sys
from collections.abc import Callable
from typing import Any

#: connections queued before accepting: gevent's 128 drops the SYNs of a room connecting at once
LISTEN_BACKLOG = 2048  # Linux caps it at net.core.somaxconn
#: allocations between two young collections (Python's default, 700, fills the old generations)
GC_YOUNG_THRESHOLD = 10_000
#: limits of a request's header section, as Python's http.client has them
MAX_HEADER_LINE = 65536
MAX_HEADERS = 100
#: a header name is an RFC 9110 token: no spaces, no separators
HEADER_NAME = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
#: seconds a client has to send a request's line and headers, from the first byte awaited
#: (an idle kept-alive connection is closed after as long: the browser opens another)
HEADER_SECONDS = 10.0
#: seconds any one read of a body (or write of a response) may wait for the client
READ_SECONDS = 20.0


def lab_server(app: Any, host: str, port: int, listener: socket.socket | None = None) -> Any:
    """gevent's ``WSGIServer`` for ``app``, with every tuning below; not started yet. Given a
    ``listener`` (``labctl run --workers``), it accepts on that socket, shared by the workers."""
    from gevent.pywsgi import OldMessage, WSGIHandler, WSGIServer

    class LabHandler(WSGIHandler):
        """Closes stalled connections: each holds a file descriptor, and the open-files limit
        (often 1,024) is the ceiling of a whole room; 300 half-sent requests stayed open for
        good before. A WebSocket, once upgraded, has no read timeout: its ping finds the dead.
        """

        headers_due: Any = None

        def MessageClass(self, rfile: Any, *_: Any) -> Any:  # gevent calls it by this name
            return read_headers(rfile, OldMessage)

        def handle_one_request(self) -> Any:
            self.socket.settimeout(READ_SECONDS)
            try:
                return super().handle_one_request()
            finally:
                self._headers_arrived()

        def read_requestline(self) -> Any:
            import gevent

            self.headers_due = gevent.Timeout.start_new(
                HEADER_SECONDS, TimeoutError("request headers not sent in time"))
            return super().read_requestline()

        def read_request(self, raw_requestline: str) -> Any:
            try:
                result = super().read_request(raw_requestline)
            finally:
                self._headers_arrived()
            headers = getattr(self, "headers", None)
            if result and headers is not None and headers.get(
                    "Upgrade", "").lower() == "websocket":
                self.socket.settimeout(None)  # a socket quiet for minutes is a waiting page
            return result

        def _headers_arrived(self) -> None:
            if self.headers_due is not None:
                self.headers_due.close()
                self.headers_due = None

        def log_request(self) -> None:
            """No access log: every participant URL carries the participant's code, so the log
            would list everyone's link. gevent formats the line even when the server has no
            log (``log=None``), with a date on every request; nothing is formatted here."""

    class LabServer(WSGIServer):
        def handle(self, connection: socket.socket, address: object) -> None:
            super().handle(without_nagle(connection), address)

    if listener is not None:
        return LabServer(listener, app, log=None, error_log=sys.stderr,
                         handler_class=LabHandler)
    return LabServer((host, port), app, log=None, error_log=sys.stderr,
                     backlog=LISTEN_BACKLOG, handler_class=LabHandler)


def raise_open_files_limit() -> int | None:
    """Raise this process's soft limit of open files to its hard limit; the limit now.

    Why: every participant holds a socket (two with a WebSocket) and the soft limit, 1,024 on
    many Linux PCs, would refuse connections long before the hard limit (often 524,288) does.
    None where the platform has no such limit (Windows)."""
    try:
        import resource
    except ImportError:
        return None
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and soft < hard:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def without_nagle(connection: socket.socket) -> socket.socket:
    """Send small writes at once (TCP_NODELAY) on a participant's connection.

    Why: gevent writes a response's headers and body in two sends, and Nagle's algorithm holds
    the body until the browser's delayed ACK of the headers, on nearly every page.
    """
    with contextlib.suppress(OSError):  # not TCP (a Unix socket): nothing to tune
        connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return connection


def read_headers(rfile: Any, message_class: Callable[[], Any]) -> Any:
    """A request's header lines as gevent's message object, without Python's email parser.

    Why: gevent parses headers with ``http.client.parse_headers``, i.e. the email package, on
    every request. Browsers send plain ``Name: value`` lines. Anything else (a line without a
    colon, whitespace before it, an obsolete folded continuation line, which RFC 9112 lets a
    server refuse; too long a line, too many lines) sets the message's ``status``, and gevent
    answers 400 without calling the app.
    """
    message = message_class()
    while True:
        line = rfile.readline(MAX_HEADER_LINE + 1)
        if len(line) > MAX_HEADER_LINE:
            message.status = "Line too long"
            return message
        if line in (b"\r\n", b"\n", b""):
            return message
        if len(message) >= MAX_HEADERS:
            message.status = "Too many headers"
            return message
        name, colon, value = line.decode("iso-8859-1").partition(":")
        if not colon or not HEADER_NAME.fullmatch(name):
            message.status = "Malformed header line"
            return message
        message[name] = value.strip(" \t\r\n")


def settle_garbage_collector() -> None:
    """Keep Python's cycle collector from stalling the server (every page waits for it).

    Why: full collections stalled every request in flight. Two causes, two remedies:
    everything loaded at start (the project, Flask, Jinja templates) was scanned again each
    time, so it is frozen out of collection; and with hundreds of requests in flight, a young
    collection every 700 allocations promoted their short-lived objects to the old
    generations, which filled them and triggered the full collections, so young collections
    run every ``GC_YOUNG_THRESHOLD`` allocations instead. Garbage without cycles is freed at
    once either way; the engine breaks its own cycles (``RecordSet.release``).
    """
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(GC_YOUNG_THRESHOLD, middle, old)
