"""Several server processes on one port: ``labctl run --workers N`` (PostgreSQL only).

The parent opens the listening socket, then forks N workers that each accept on it (the kernel
hands every new connection to one of them) with their own database connections, hub listener
and engine: no process shares a connection with another. Participants need no sticky
sessions: every page and socket reads its state from the database, and the hub carries moves
between processes. The parent only watches: a worker that dies (killed, out of memory) is
started again, and its participants' pages reconnect to the others meanwhile. SIGINT or SIGTERM
stops every worker and then the parent.

Why not SQLite: it has one writer, and its hub lives in one process (``open_store``).
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import time
from collections.abc import Callable

from ..errors import LabctlError

log = logging.getLogger("labctl.server")
#: a worker that dies within ``YOUNG_SECONDS`` of its start this many times in a row is not
#: started again: it would only die again (a broken project, a database refusing connections).
#: A worker that served longer before it died (killed, out of memory) is always started again,
#: however often that happens: a busy lab day must not run out of workers.
MAX_YOUNG_DEATHS = 5
YOUNG_SECONDS = 10.0
#: seconds between two looks at the workers, and the bound of a stop
WATCH_SECONDS = 0.2
STOP_SECONDS = 10.0


def refuse_on_sqlite(workers: int, is_postgres: bool) -> None:
    if workers > 1 and not is_postgres:
        raise LabctlError(
            f"--workers {workers} needs a PostgreSQL database: SQLite has one writer, and its "
            "hub reaches the pages of one process only",
            "give --db postgresql://user:password@host/db (or LABCTL_DATABASE_URL), or leave "
            "--workers out: one process serves a lab of 1,000 on SQLite")


def listen(host: str, port: int, backlog: int) -> socket.socket:
    """The socket every worker accepts on."""
    import errno

    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise LabctlError(f"port {port} is already in use on {host}",
                              "stop the other server, or choose another with --port") from exc
        raise LabctlError(f"cannot listen on {host}:{port}: {exc.strerror}",
                          "check --host and --port") from exc
    sock.listen(backlog)
    sock.setblocking(False)
    return sock


class Workers:
    """Forks and watches ``count`` workers, each running ``work(number)`` until it returns."""

    def __init__(self, count: int, work: Callable[[int], None]) -> None:
        self.count = count
        self.work = work
        self.pids: dict[int, int] = {}  # pid -> worker number
        self.started: dict[int, float] = {}  # worker number -> when it was last started
        self.young_deaths: dict[int, int] = {}  # worker number -> early deaths in a row
        self.stopping = False

    def start(self, number: int) -> None:
        pid = os.fork()
        if pid == 0:  # the worker
            code = 0
            try:
                self.work(number)
            except BaseException as exc:  # a worker never returns into the parent's code
                log.error("worker %d stopped: %s", number, exc)
                code = 1
            finally:
                os._exit(code)
        self.pids[pid] = number
        self.started[number] = time.monotonic()

    def run(self) -> None:
        """Start every worker, then restart those that die until told to stop."""
        import gevent

        for signum in (signal.SIGTERM, signal.SIGINT):
            gevent.signal_handler(signum, self.stop)
        for number in range(1, self.count + 1):
            self.start(number)
        while not self.stopping:
            self._reap()
            gevent.sleep(WATCH_SECONDS)
        self._stop_all()

    def stop(self) -> None:
        self.stopping = True

    def _reap(self) -> None:
        while self.pids:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            number = self.pids.pop(pid, None)
            if number is None or self.stopping:
                continue
            self._restart(number, status)

    def _restart(self, number: int, status: int) -> None:
        lived = time.monotonic() - self.started.get(number, 0.0)
        young = self.young_deaths.get(number, 0) + 1 if lived < YOUNG_SECONDS else 0
        self.young_deaths[number] = young
        how = (f"signal {os.WTERMSIG(status)}" if os.WIFSIGNALED(status)
               else f"exit code {os.WEXITSTATUS(status)}")
        if young >= MAX_YOUNG_DEATHS:
            log.error("worker %d died (%s) within %.0f s of its start, %d times in a row, so "
                      "it is not started again: see the messages above", number, how,
                      YOUNG_SECONDS, young)
            if not self.pids:
                self.stopping = True
            return
        log.warning("worker %d died (%s) after %.0f s; starting it again (its participants' "
                    "pages reconnect to the other workers meanwhile)", number, how, lived)
        self.start(number)

    def _stop_all(self) -> None:
        """SIGTERM to every worker (each stops cleanly), SIGKILL to any still there after
        ``STOP_SECONDS``."""
        for pid in list(self.pids):
            _signal(pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_SECONDS
        while self.pids and time.monotonic() < deadline:
            try:
                pid, _ = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid:
                self.pids.pop(pid, None)
            else:
                time.sleep(WATCH_SECONDS / 4)
        for pid in list(self.pids):
            _signal(pid, signal.SIGKILL)


def _signal(pid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signum)
