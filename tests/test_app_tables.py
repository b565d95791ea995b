"""App tables: one name for each, one list of the engine's columns, and the named reads an
export makes (a table that does not exist reads as empty, removed fields keep their column)."""

from __future__ import annotations

import sqlite3

import pytest

from labctl.project import load_project
from labctl.records import BUILTIN_COLUMNS, KINDS, Group, Player, Subsession
from labctl.storage import app_tables
from labctl.storage.sqlite import SqliteStore


@pytest.fixture
def trust(sample_project):
    project = load_project(sample_project)
    yield project.apps["trust"]
    project.unload()


@pytest.fixture
def store(tmp_path):
    store = SqliteStore(tmp_path / "lab.db")
    with store.transaction():  # participants 1 and 2 in session s1, 3 in s2
        for code in ("s1", "s2"):
            store._insert("sessions", {"code": code, "session_type": "t"})
        for n, code in [(1, "s1"), (2, "s1"), (3, "s2")]:
            store._insert("participants", {"id": n, "session_code": code,
                                           "id_in_session": n, "code": f"p{n}"})
    yield store
    store.close()


def test_kinds_name_each_model_class_of_an_app_once(trust):
    assert KINDS == ("player", "group", "subsession")
    assert [kind for kind, _ in trust.record_classes()] == list(KINDS)
    assert trust.record_class("player") is trust.player_class
    assert trust.record_class("group") is trust.group_class
    assert trust.record_class("subsession") is trust.subsession_class
    bases = {"player": Player, "group": Group, "subsession": Subsession}
    assert all(issubclass(model, bases[kind]) for kind, model in trust.record_classes())


def test_synced_tables_have_the_engines_columns_then_the_fields(trust, store):
    store.sync_app(trust)
    for kind, model in trust.record_classes():
        assert app_tables.table_name("trust", kind) == f"trust_{kind}"
        assert store.app_columns("trust", kind) == [*BUILTIN_COLUMNS[kind],
                                                    *model.declared_fields()]


def test_a_table_that_does_not_exist_reads_as_empty(store):
    assert store.app_columns("never_synced", "player") == []
    assert store.app_rows("never_synced", "player", "s1") == []


def test_app_rows_are_one_sessions_rows_in_round_order(trust, store):
    store.sync_app(trust)
    with store.transaction():
        for code, participant, round_number in [("s1", 2, 2), ("s1", 1, 2), ("s2", 3, 1),
                                                ("s1", 2, 1), ("s1", 1, 1)]:
            store.insert_record("trust", "player", {
                "session_code": code, "round_number": round_number,
                "participant_id": participant, "payoff": 10 * participant + round_number})
    rows = store.app_rows("trust", "player", "s1")
    assert [(r["round_number"], r["participant_id"], r["payoff"]) for r in rows] == [
        (1, 1, 11), (1, 2, 21), (2, 1, 12), (2, 2, 22)]


def test_a_removed_fields_column_stays_and_is_listed(trust, store, tmp_path):
    store.sync_app(trust)
    conn = sqlite3.connect(store.path)
    conn.execute('ALTER TABLE "trust_group" ADD COLUMN old_answer TEXT')
    conn.commit()
    conn.close()
    assert store.app_columns("trust", "group")[-1] == "old_answer"


def test_session_visits_are_one_sessions_visits_by_participant_and_step(store):
    with store.transaction():
        for code, participant, step in [("s1", 2, 0), ("s1", 1, 1), ("s2", 3, 0), ("s1", 1, 0)]:
            store.insert_visit({"session_code": code, "participant_id": participant,
                                "step": step, "app": "trust", "round_number": 1,
                                "page": "Send", "arrived_at": "t", "timed_out": 0})
    assert [(r["participant_id"], r["step"]) for r in store.session_visits("s1")] == [
        (1, 0), (1, 1), (2, 0)]
