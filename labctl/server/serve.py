"""Serving a lab: gevent's WSGI server, one process, hundreds of browsers with a WebSocket each.

Measured (``../shared/SERVING.md``): Werkzeug's development server queues 128 connections and
reaches p99 ~2 s at 200 clients; with threads each WebSocket holds a thread; gevent held 10,000
idle sockets in 432 MB and answered 1,000 simultaneous submits at p99 ~0.84 s. So labctl serves
with ``gevent.pywsgi`` (which also runs on Windows, unlike gunicorn). The caller must have called
``gevent.monkey.patch_all()`` before creating the store, hub and app.
"""

from __future__ import annotations

import contextlib
import errno
import gc
import logging
import re
import signal
import socket
import sys
from collections.abc import Callable
from typing import Any

from flask import Flask

from ..engine import Engine
from ..errors import LabctlError
from ..storage.checkpoints import LOG_LIMIT_PAGES, Checkpointer, StopSignal

log = logging.getLogger("labctl.server")
SWEEP_SECONDS = 1.0
#: connections the kernel queues before the server accepts them. gevent's default, 128, is
#: overrun when a whole room (or a thousand online participants) connects at once: the
#: clients' SYNs are dropped and retried a second later, which shows as 1 s and 3 s spikes
#: in page load times. Linux caps it at net.core.somaxconn (4096 on current kernels).
LISTEN_BACKLOG = 2048
#: allocations between two young collections of Python's cycle collector (Python's default is
#: 700); see ``settle_garbage_collector``
GC_YOUNG_THRESHOLD = 10_000


def lan_address() -> str:
    """This machine's address on the LAN, for the links lab PCs open (no packet is sent)."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.connect(("10.254.254.254", 1))
        return str(probe.getsockname()[0])
    except OSError:
        return "127.0.0.1"
    finally:
        probe.close()


def public_host(host: str) -> str:
    """The host to print in links: the LAN address when listening on every interface."""
    return lan_address() if host in ("0.0.0.0", "::", "") else host


def without_nagle(connection: socket.socket) -> socket.socket:
    """Send small writes at once (TCP_NODELAY) on a participant's connection.

    gevent's WSGI handler writes a response's headers and body in two sends. With Nagle's
    algorithm the body then waits for the browser's delayed ACK of the headers: about 40 ms
    added to every response on a kept-alive connection, i.e. to nearly every page.
    """
    with contextlib.suppress(OSError):  # not TCP (a Unix socket): nothing to tune
        connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return connection


#: limits of a request's header section, as Python's http.client has them
MAX_HEADER_LINE = 65536
MAX_HEADERS = 100
#: a header name is an RFC 9110 token: no spaces, no separators
HEADER_NAME = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")


def read_headers(rfile: Any, message_class: Callable[[], Any]) -> Any:
    """A request's header lines as gevent's message object, without Python's email parser.

    gevent parses headers with ``http.client.parse_headers``, i.e. the email package: about 4%
    of the server's CPU, on every request. Browsers send plain ``Name: value`` lines. Anything
    else (a line without a colon, whitespace before it, an obsolete folded continuation line,
    which RFC 9112 lets a server refuse; too long a line, too many lines) sets the message's
    ``status``, and gevent answers 400 without calling the app.
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

    Measured at 1,000 participants: full collections took 130-200 ms every few seconds, and
    every request in flight waited, which made most of the submit and wait-release p99. Two
    causes, two remedies: everything loaded at start (the project, Flask, Jinja templates) was
    scanned again each time, so it is frozen out of collection; and with hundreds of requests
    in flight, a young collection every 700 allocations promoted their short-lived objects to
    the old generations, which filled them and triggered the full collections, so young
    collections run every ``GC_YOUNG_THRESHOLD`` allocations instead. Garbage without cycles is
    freed at once either way; the engine breaks its own cycles (``RecordSet.release``).
    """
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(GC_YOUNG_THRESHOLD, middle, old)


def serve(app: Flask, engine: Engine, host: str, port: int,
          on_ready: Callable[[int], None] | None = None) -> None:
    """Serve until interrupted; pages past their timeout are submitted every second."""
    import gevent
    from gevent.monkey import get_original
    from gevent.pywsgi import OldMessage, WSGIHandler, WSGIServer

    class LabHandler(WSGIHandler):
        def MessageClass(self, rfile: Any, *_: Any) -> Any:  # gevent calls it by this name
            return read_headers(rfile, OldMessage)

        def log_request(self) -> None:
            """No access log: every participant URL carries the participant's code, so the log
            would list everyone's link. gevent formats the line even when the server has no
            log (``log=None``), with a date on every request; nothing is formatted here."""

    class LabServer(WSGIServer):
        def handle(self, connection: socket.socket, address: object) -> None:
            super().handle(without_nagle(connection), address)

    server = LabServer((host, port), app, log=None, error_log=sys.stderr,
                       backlog=LISTEN_BACKLOG, handler_class=LabHandler)
    try:
        server.start()
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise LabctlError(f"port {port} is already in use on {host}",
                              "stop the other server, or choose another with --port") from exc
        raise LabctlError(f"cannot listen on {host}:{port}: {exc.strerror}",
                          "check --host and --port") from exc
    sweeper = gevent.spawn(_sweep_timeouts, engine)
    checkpointer = Checkpointer(engine.store.path,
                                StopSignal(get_original("_thread", "allocate_lock")))
    engine.store.checkpoint_at(LOG_LIMIT_PAGES)
    gevent.get_hub().threadpool.spawn(checkpointer.run)  # a thread for the server's lifetime
    # Stop cleanly on SIGTERM (service managers, CI) and SIGINT, even where the shell started
    # us in the background with SIGINT ignored; every answer is already committed.
    for signum in (signal.SIGTERM, signal.SIGINT):
        gevent.signal_handler(signum, server.stop)
    settle_garbage_collector()
    if on_ready is not None:
        on_ready(server.server_port)
    try:
        server.serve_forever()
    finally:
        sweeper.kill()
        server.stop(timeout=2)
        _stop_copying(checkpointer)


def _stop_copying(checkpointer: Checkpointer) -> None:
    """Let a copy under way finish before the store closes (bounded: a copy takes ms)."""
    import gevent

    checkpointer.stop()
    for _ in range(1000):
        if checkpointer.stopped:
            return
        gevent.sleep(0.01)


def _sweep_timeouts(engine: Engine) -> None:
    import gevent

    while True:
        gevent.sleep(SWEEP_SECONDS)
        try:
            engine.expire_timeouts()
        except LabctlError as exc:
            log.error("could not submit a timed-out page: %s", exc)
