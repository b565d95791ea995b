"""The write-ahead log is copied into the database file by a thread of its own, and stays
bounded while answers keep coming."""

from __future__ import annotations

import shutil
import sqlite3
import threading
import time
from pathlib import Path

import pytest

from labctl.storage.checkpoints import Checkpointer, StopSignal
from labctl.storage.sqlite import SqliteStore

PAGE = 4096
#: bytes of a log frame: its 24-byte header and a page
FRAME = PAGE + 24


@pytest.fixture
def store(tmp_path: Path):
    opened = SqliteStore(tmp_path / "lab.db")
    with opened.reading():  # the schema into the file, so that it has a settings table
        opened.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    yield opened
    opened.close()


def write_rows(store: SqliteStore, count: int, start: int = 0) -> None:
    """One transaction per row, as the server writes one per page."""
    for n in range(start, start + count):
        with store.transaction():
            store._insert("settings", {"key": f"k{n}", "value": "x" * 600})


def rows_in_file_alone(store: SqliteStore, tmp_path: Path) -> int:
    """Rows a reader sees in the database file without its log: what was copied into it."""
    alone = tmp_path / "copy" / "alone.db"
    alone.parent.mkdir(exist_ok=True)
    shutil.copyfile(store.path, alone)
    conn = sqlite3.connect(alone)
    try:
        return conn.execute("SELECT COUNT(*) FROM settings WHERE key LIKE 'k%'").fetchone()[0]
    finally:
        conn.close()


def start(checkpointer: Checkpointer) -> threading.Thread:
    thread = threading.Thread(target=checkpointer.run, daemon=True)
    thread.start()
    return thread


def wait_for(condition, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_the_servers_connection_checkpoints_by_itself_only_at_the_limit(store):
    store.checkpoint_at(8000)
    assert store.conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 8000


def test_the_thread_copies_the_log_into_the_database_file(store, tmp_path):
    store.checkpoint_at(100_000)
    write_rows(store, 300)
    assert rows_in_file_alone(store, tmp_path) == 0  # all of it is still in the log
    checkpointer = Checkpointer(store.path, StopSignal(threading.Lock), every=0.01)
    thread = start(checkpointer)
    wait_for(lambda: checkpointer.copies >= 2)
    checkpointer.stop()
    thread.join(timeout=5)
    assert checkpointer.stopped
    assert rows_in_file_alone(store, tmp_path) == 300


def test_stopping_does_not_wait_for_the_next_copy(store):
    checkpointer = Checkpointer(store.path, StopSignal(threading.Lock), every=60.0)
    thread = start(checkpointer)
    started = time.monotonic()
    checkpointer.stop()
    thread.join(timeout=5)
    assert checkpointer.stopped and not thread.is_alive()
    assert time.monotonic() - started < 5


def test_the_log_stays_bounded_while_writes_and_copies_go_on_together(store):
    limit = 60
    store.checkpoint_at(limit)
    checkpointer = Checkpointer(store.path, StopSignal(threading.Lock), every=0.005)
    thread = start(checkpointer)
    try:
        for batch in range(20):  # bounded: 2,000 transactions
            write_rows(store, 100, start=batch * 100)
    finally:
        checkpointer.stop()
        thread.join(timeout=5)
    assert checkpointer.copies > 0
    # the log file keeps its largest size. Each transaction adds at least a page, so a log
    # that never started over would hold 2,000 pages or more; it stayed well below
    # (the server's connection checkpoints past the limit unless the thread is copying)
    assert Path(f"{store.path}-wal").stat().st_size <= 1000 * FRAME


def test_a_database_that_cannot_be_opened_stops_the_thread_with_a_logged_error(tmp_path,
                                                                                 caplog):
    checkpointer = Checkpointer(tmp_path / "missing" / "lab.db", StopSignal(threading.Lock))
    checkpointer.run()
    assert checkpointer.stopped and checkpointer.copies == 0
    assert "cannot copy the write-ahead log" in caplog.text


def test_a_stop_signal_wakes_its_waiter_from_another_thread():
    signal = StopSignal(threading.Lock)
    assert signal.wait(0.01) is False
    woken = []
    waiter = threading.Thread(target=lambda: woken.append(signal.wait(30)))
    waiter.start()
    signal.set()
    signal.set()  # a second set changes nothing
    waiter.join(timeout=5)
    assert woken == [True]
    assert signal.wait(0) is True  # and it stays set


def test_a_failing_copy_is_logged_once_until_copies_work_again(store, caplog):
    checkpointer = Checkpointer(store.path, StopSignal(threading.Lock))
    broken = sqlite3.connect(store.path)
    broken.close()  # every statement on it fails, as on a full disk
    working = sqlite3.connect(store.path, isolation_level=None)
    try:
        checkpointer.copy(broken)
        checkpointer.copy(broken)
        assert caplog.text.count("could not copy the write-ahead log") == 1
        checkpointer.copy(working)
        assert checkpointer.copies == 1
        checkpointer.copy(broken)
        assert caplog.text.count("could not copy the write-ahead log") == 2
    finally:
        working.close()
