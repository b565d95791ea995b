"""Copying the write-ahead log into the database file without stalling the server.

SQLite in WAL mode appends each commit to the ``-wal`` file and copies it back into the database
("checkpoint") once the log passes 1,000 pages, inside the commit that crossed the mark, with an
fsync. The server has one thread serving every participant, so each of those commits held every
page in flight (figures: ``benchmarks/RESULTS.md``). Here a thread of its own copies the log
every quarter second with a second connection (SQLite works without Python's lock meanwhile),
and the server's connection checkpoints by itself only at ``LOG_LIMIT_PAGES``.

That last checkpoint stays needed: a copy made while the server keeps writing cannot let the
log start over (SQLite rewinds only a log that was copied completely), so under a steady
stream of answers the log would grow without end. The server's own checkpoint runs between two
of its transactions, when nothing is being written, so it completes and the next commit starts
the log over; the thread has copied nearly everything by then, so it is short.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

log = logging.getLogger("labctl.storage")

#: log size (pages) at which the server's connection checkpoints by itself: ~32 MB of 4 KiB
#: pages, which the thread copies long before at a lab's pace (SQLite's default is 1,000)
LOG_LIMIT_PAGES = 8000
#: seconds between two copies by the thread
COPY_SECONDS = 0.25


class StopSignal:
    """An event for one thread to wait on with a timeout and another to set.

    Built on a lock from ``allocate_lock``: in a gevent-patched process the original
    ``_thread.allocate_lock`` (``gevent.monkey.get_original``), so that waiting blocks the
    copying thread only, where a patched ``threading.Event`` would be made of gevent's locks.
    """

    def __init__(self, allocate_lock: Callable[[], Any]) -> None:
        self._lock = allocate_lock()
        self._lock.acquire()
        self._set = False

    def set(self) -> None:
        if not self._set:
            self._set = True
            self._lock.release()

    def wait(self, seconds: float) -> bool:
        """Whether the signal was set, waiting up to ``seconds`` for it."""
        if self._lock.acquire(timeout=seconds):
            self._lock.release()
            return True
        return False


class Checkpointer:
    """Copies a database's log into its file, from the thread that calls ``run``; setting
    ``stopping`` makes ``run`` return at once."""

    def __init__(self, path: str | Path, stopping: StopSignal,
                 every: float = COPY_SECONDS) -> None:
        self.path = Path(path)
        self.stopping = stopping
        self.every = every
        self.copies = 0
        self.failing = False
        self.stopped = False

    def run(self) -> None:
        try:
            conn = sqlite3.connect(str(self.path), check_same_thread=False,
                                   isolation_level=None)
        except sqlite3.Error as exc:
            log.error("cannot copy the write-ahead log of %s: %s", self.path, exc)
            self.stopped = True
            return
        try:
            while not self.stopping.wait(self.every):
                self.copy(conn)
        finally:
            conn.close()
            self.stopped = True

    def copy(self, conn: sqlite3.Connection) -> None:
        """One checkpoint that waits for nobody: what the log holds that no reader still
        needs goes into the database file."""
        try:
            conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        except sqlite3.Error as exc:  # a full disk: the server's own checkpoint remains
            if not self.failing:  # once, not four times a second while the disk is full
                log.error("could not copy the write-ahead log into %s: %s", self.path, exc)
            self.failing = True
            return
        self.copies += 1
        if self.failing:
            log.warning("the write-ahead log of %s is copied again", self.path)
        self.failing = False

    def stop(self) -> None:
        self.stopping.set()
