"""A process's connections to PostgreSQL: a few, each lent to one greenlet at a time.

Why more than one: on a single connection held under a lock, a page load waited for every
step the process was running, and the process sat idle through each statement's round trip
to the database. Lent per greenlet (per thread without gevent), a connection carries its
borrower's transaction from BEGIN to COMMIT; the steps of one session still run one after the
other, under the session's advisory lock (``postgres.py``), whichever connection or process
runs them, while reads and other sessions' steps go on beside them.

Why this small class and not ``psycopg_pool``: what is lent must follow the greenlet through
nested ``reading()``/``transaction()`` blocks and carry the transaction's state (its depth, the
advisory locks it holds), and a cut connection must be replaced before its next use; that is
as much code around a pool as the pool itself, without a dependency.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from typing import Any

#: connections a process opens at most: enough that reads and other sessions' steps need not
#: wait for a step, few enough that 8 workers stay within PostgreSQL's default 100 (README)
POOL_SIZE = 4
#: seconds a request waits for a free connection before it is told the server is busy
POOL_WAIT_SECONDS = 30.0


@dataclass
class Lent:
    """A connection lent to one greenlet, with the state of the transaction open on it."""

    conn: Any
    depth: int = 0  # nested transaction() blocks; 0: none open
    locked: set[str] = field(default_factory=set)  # advisory locks the transaction holds
    #: session rows read with the step's lock, for its first ``session_row`` (postgres.py)
    sessions: dict[str, dict[str, Any]] = field(default_factory=dict)


class PoolBusy(Exception):
    """Every connection stayed lent for ``POOL_WAIT_SECONDS``."""


class ConnectionPool:
    """Up to ``size`` connections made by ``connect``; ``lend()`` gives the caller's own."""

    def __init__(self, connect: Callable[[], Any], size: int = POOL_SIZE,
                 wait_seconds: float = POOL_WAIT_SECONDS) -> None:
        self.size = size
        self.wait_seconds = wait_seconds
        self._connect = connect
        self._free = threading.BoundedSemaphore(size)
        self._idle: list[Any] = []
        self._closed = False
        self._mine = threading.local()  # greenlet-local under gevent's monkey-patching

    def held(self) -> Lent | None:
        """The connection lent to the caller, if it holds one."""
        return getattr(self._mine, "lent", None)

    @contextmanager
    def lend(self) -> Iterator[Lent]:
        """The caller's connection for the block: the one it holds already (nested blocks),
        else an idle one or a new one, a cut one replaced first."""
        lent = self.held()
        if lent is not None:
            yield lent
            return
        if not self._free.acquire(timeout=self.wait_seconds):
            raise PoolBusy(f"all {self.size} connections stayed busy for "
                           f"{self.wait_seconds:g} s")
        try:
            lent = Lent(self._usable())
        except BaseException:
            self._free.release()
            raise
        self._mine.lent = lent
        try:
            yield lent
        finally:
            self._mine.lent = None
            self._give_back(lent.conn)
            self._free.release()

    def replace(self, lent: Lent) -> None:
        """A new connection for ``lent`` (its own was cut); the idle ones were cut with it."""
        with suppress(Exception):
            lent.conn.close()
        self.drop_idle()
        lent.conn = self._connect()

    def drop_idle(self) -> None:
        while self._idle:
            with suppress(Exception):
                self._idle.pop().close()

    def close(self) -> None:
        """Close the idle connections now and the lent ones when they are given back."""
        self._closed = True
        self.drop_idle()

    def _usable(self) -> Any:
        while self._idle:
            conn = self._idle.pop()
            if not (conn.closed or conn.broken):
                return conn
            with suppress(Exception):
                conn.close()
        return self._connect()

    def _give_back(self, conn: Any) -> None:
        if conn.closed or conn.broken or self._closed:  # cut (a restart, the network)
            with suppress(Exception):
                conn.close()
            self.drop_idle()
        else:
            self._idle.append(conn)
