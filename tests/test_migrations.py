"""The core schema's migrations: a database made by an earlier version is brought up to date,
keeping its data; the deadline index holds only participants whose page has a deadline."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlite_utils import Database

from labctl.storage import migrations
from labctl.storage.sqlite import DUE_PAGES, SqliteStore


def indexes(path: Path) -> set[str]:
    conn = sqlite3.connect(path)
    try:
        return {row[1] for row in conn.execute("PRAGMA index_list(participants)")}
    finally:
        conn.close()


def test_a_database_of_the_previous_schema_gets_the_partial_deadline_index(tmp_path):
    path = tmp_path / "old.db"
    old = Database(path)
    migrations.core.apply(old, stop_before="m004_partial_deadline_index")
    old["sessions"].insert({"code": "s1", "session_type": "t"})
    old["participants"].insert({"id": 1, "session_code": "s1", "id_in_session": 1,
                                "code": "p1", "deadline": 5.0})
    old.close()
    assert "idx_participants_deadline" in indexes(path)

    store = SqliteStore(path)  # opening applies what is pending
    try:
        assert store.expired_deadlines(10.0) == [{"code": "p1", "step": -1}]
    finally:
        store.close()
    assert "idx_participants_deadline" not in indexes(path)
    assert "idx_participants_deadline_set" in indexes(path)


def test_the_timeout_sweep_finds_due_pages_through_the_index(tmp_path):
    store = SqliteStore(tmp_path / "lab.db")
    try:
        with store.transaction():
            store._insert("sessions", {"code": "s1", "session_type": "t"})
            for n, deadline in enumerate([None, 3.0, 8.0, None, 1.0], start=1):
                store._insert("participants", {"id": n, "session_code": "s1",
                                               "id_in_session": n, "code": f"p{n}",
                                               "deadline": deadline})
        assert [row["code"] for row in store.expired_deadlines(5.0)] == ["p5", "p2"]
        plan = " ".join(row[3] for row in store.conn.execute(
            f"EXPLAIN QUERY PLAN {DUE_PAGES}", (5.0,)))
        assert "USING INDEX idx_participants_deadline_set" in plan
    finally:
        store.close()
