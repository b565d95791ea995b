"""Serving a lab: gevent's WSGI server, one process, hundreds of browsers with a WebSocket each.

Why gevent: Werkzeug's development server queues few connections and its latency grows fast
with the clients; with threads each WebSocket holds a thread; gevent holds thousands of idle
sockets in little memory (figures: ``benchmarks/RESULTS.md``). ``gevent.pywsgi`` also runs on
Windows, unlike gunicorn. This module is the server's lifecycle: listen, sweep timeouts, copy
the log, stop cleanly; how the server is tuned for speed is ``tuning.py``. The caller must have
called ``gevent.monkey.patch_all()`` before creating the store, hub and app.
"""

from __future__ import annotations

import errno
import logging
import signal
import socket
from collections.abc import Callable

from flask import Flask

from ..engine import Engine
from ..engine.store import Store
from ..errors import LabctlError
from ..storage.checkpoints import Checkpointer, StopSignal
from ..storage.sqlite import SqliteStore
from .tuning import lab_server, raise_open_files_limit, settle_garbage_collector

log = logging.getLogger("labctl.server")
SWEEP_SECONDS = 1.0


def serve(app: Flask, engine: Engine, host: str, port: int, store: Store,
          on_ready: Callable[[int], None] | None = None,
          listener: socket.socket | None = None) -> None:
    """Serve until interrupted; pages past their timeout are submitted every second, and
    ``store``'s write-ahead log is copied into the database from a thread of its own."""
    import gevent
    from gevent.monkey import get_original

    open_files = raise_open_files_limit()
    if open_files is not None:
        log.info("up to %d open files (sockets): about %d participants with a WebSocket each",
                 open_files, open_files // 2)
    server = lab_server(app, host, port, listener)
    try:
        server.start()
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise LabctlError(f"port {port} is already in use on {host}",
                              "stop the other server, or choose another with --port") from exc
        raise LabctlError(f"cannot listen on {host}:{port}: {exc.strerror}",
                          "check --host and --port") from exc
    sweeper = gevent.spawn(_sweep_timeouts, engine, _sweep_permission(store))
    checkpointer = None
    if isinstance(store, SqliteStore):  # PostgreSQL keeps its own log
        checkpointer = store.log_copier(StopSignal(get_original("_thread", "allocate_lock")))
        gevent.get_hub().threadpool.spawn(checkpointer.run)  # a thread for the lifetime
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
        if checkpointer is not None:
            _stop_copying(checkpointer)


def _stop_copying(checkpointer: Checkpointer) -> None:
    """Let a copy under way finish before the store closes (bounded: a copy takes ms)."""
    import gevent

    checkpointer.stop()
    for _ in range(1000):
        if checkpointer.stopped:
            return
        gevent.sleep(0.01)


def _sweep_permission(store: Store) -> Callable[[], bool]:
    """Whether this process sweeps timeouts now: always on SQLite (one process), and on
    PostgreSQL while it holds the sweeper's lock (one process of all that serve the database;
    another takes over when it dies)."""
    from ..storage.postgres import PostgresStore, SweeperLock

    if isinstance(store, PostgresStore):
        return SweeperLock(store.url).held
    return lambda: True


#: what each second's sweep does, in order, and what a failure of it is logged as: pages
#: whose timeout passed, arrival groups an app's rule forms, the dropout policies and arrival
#: waiting limits (presence, in memory only, is swept between them)
SWEEPS: tuple[tuple[str, str], ...] = (
    ("expire_timeouts", "could not submit a timed-out page"),
    ("group_waiting_arrivals", "could not group the players waiting at arrival"),
    ("sweep_presence", "could not flag who fell silent"),
    ("apply_dropouts", "could not act for a dropout"),
    ("expire_arrivals", "could not apply an arrival timeout"),
)


def sweep_once(engine: Engine) -> None:
    """One sweep of the engine's clock-driven work (``labctl run`` and ``labctl dev`` alike);
    one failing part is logged and the others still run."""
    for action, failure in SWEEPS:
        try:
            getattr(engine, action)()
        except LabctlError as exc:
            log.error("%s: %s", failure, exc)


def _sweep_timeouts(engine: Engine, may_sweep: Callable[[], bool]) -> None:
    import gevent

    while True:
        gevent.sleep(SWEEP_SECONDS)
        if not may_sweep():
            continue
        sweep_once(engine)
