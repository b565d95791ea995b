"""The PostgreSQL store: the same tables and columns as SQLite's (integers as bigint, JSON as
jsonb), chosen by a URL everywhere ``--db`` is taken, and a database that cannot be reached
named in a message a researcher can act on (never its password)."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest

from labctl.engine import Engine
from labctl.errors import LabctlError
from labctl.project import load_project
from labctl.storage.database_urls import shown
from labctl.storage.open_store import ENV, chosen, open_store
from labctl.storage.pg_schema import JSON_COLUMNS, ORDER_COLUMN

SAMPLE = Path(__file__).resolve().parent.parent / "sample_sessions"
on_postgres = pytest.mark.parametrize("store_kind", ["postgres"], indirect=True)


def sqlite_columns(path: Path) -> dict[str, list[tuple[str, str]]]:
    conn = sqlite3.connect(path)
    try:
        tables = [row[0] for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "AND name != '_sqlite_migrations'")]
        return {table: [(row[1], row[2]) for row in conn.execute(
            f'PRAGMA table_info("{table}")')] for table in tables}
    finally:
        conn.close()


def postgres_columns(url: str) -> dict[str, list[tuple[str, str]]]:
    import psycopg

    found: dict[str, list[tuple[str, str]]] = {}
    with psycopg.connect(url) as conn:
        for table, column, kind in conn.execute(
                "SELECT table_name, column_name, data_type FROM information_schema.columns "
                "WHERE table_schema = current_schema() AND table_name != '_labctl_migrations' "
                "ORDER BY table_name, ordinal_position"):
            if column != ORDER_COLUMN:
                found.setdefault(table, []).append((column, kind))
    return found


@on_postgres
def test_postgres_has_the_tables_and_columns_of_sqlite_with_bigint_and_jsonb(
        new_store_target, tmp_path):
    project = load_project(SAMPLE)
    try:
        for target in (tmp_path / "lab.db", new_store_target()):
            store = open_store(target)
            Engine(project, store)  # the app tables too
            store.close()
    finally:
        project.unload()
    lite = sqlite_columns(tmp_path / "lab.db")
    pg = postgres_columns(str(target))

    assert sorted(pg) == sorted(lite)
    wanted = {"INTEGER": "bigint", "TEXT": "text", "REAL": "double precision", "": "text"}
    for table, columns in lite.items():
        assert [name for name, _ in pg[table]] == [name for name, _ in columns], table
        for (name, lite_type), (_, pg_type) in zip(columns, pg[table], strict=True):
            expected = "jsonb" if name in JSON_COLUMNS else wanted[lite_type.upper()]
            assert pg_type == expected, (table, name)
    assert ("payoff", "bigint") in pg["trust_player"]
    assert ("vars", "jsonb") in pg["participants"]


@on_postgres
def test_a_second_store_on_the_same_database_applies_no_migration_again(new_store_target):
    url = new_store_target()
    first = open_store(url)
    with first.transaction():
        first.insert_session({"code": "s1", "session_type": "t", "created_at": "x",
                              "num_participants": 0, "params": {"b": 2, "a": 1}})
    second = open_store(url)  # a second worker: the schema is there, the data too
    with second.reading():
        row = second.session_row("s1")
    first.close()
    second.close()
    assert row is not None and sorted(row) == ["code", "created_at", "is_demo", "label",
                                               "num_participants", "params", "room", "seed",
                                               "session_type", "sized_to_present", "vars"]
    import json

    assert json.loads(row["params"]) == {"a": 1, "b": 2}  # JSON is given back as text


def test_a_url_given_to_db_stays_a_url_and_the_environment_names_the_default(monkeypatch):
    url = "postgresql://lab:secret@db.example.org:5432/lab"
    assert chosen(url) == url  # a Path would have made it postgresql:/lab...
    assert chosen("lab.db") == Path("lab.db")
    monkeypatch.setenv(ENV, url)
    assert chosen(None) == url
    monkeypatch.delenv(ENV)
    assert chosen(None) is None
    assert shown(url) == "postgresql://lab:***@db.example.org:5432/lab"


def test_a_database_that_cannot_be_reached_is_named_without_its_password():
    with pytest.raises(LabctlError) as caught:
        open_store("postgresql://lab:secret@127.0.0.1:1/lab?connect_timeout=2")
    message = str(caught.value)
    assert "cannot reach the PostgreSQL database postgresql://lab:***@127.0.0.1:1/lab" in (
        message)
    assert "secret" not in message
    assert "PostgreSQL is running" in caught.value.hint


@on_postgres
def test_one_process_sweeps_timeouts_and_another_takes_over_when_it_dies(new_store_target):
    from labctl.storage.postgres import SweeperLock

    url = str(new_store_target())
    first, second = SweeperLock(url), SweeperLock(url)
    assert first.held() is True
    assert second.held() is False
    assert first.held() is True  # asked every second: still the one
    first.conn.close()  # what PostgreSQL sees when a worker is killed: its connection ends
    for _ in range(200):  # the server ends that backend, freeing its lock, a moment later
        if second.held():
            break
        time.sleep(0.05)
    assert second.held() is True
    assert first.held() is False  # back, but the other sweeps now
    other_lab = SweeperLock(str(new_store_target()))  # another schema: a lab of its own
    assert other_lab.held() is True
    for lock in (first, second, other_lab):
        lock.conn.close()
