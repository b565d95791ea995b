"""A process's connections to PostgreSQL (``pg_connections``): pages and reads are served
while a step holds its session, a step's first read locks its session in the same round trip
as before, and a connection the database cut is replaced without failing the next step."""

from __future__ import annotations

import threading

import psycopg
import pytest
import requests

from labctl.participant_urls import POSITION
from labctl.storage.open_store import open_store

pytestmark = pytest.mark.parametrize("store_kind", ["postgres"], indirect=True)
#: bound of every wait of these tests (a step held longer than this is let go)
HOLD_SECONDS = 20.0


def hold_session(store, session_code: str) -> tuple[threading.Event, threading.Event,
                                                    threading.Thread]:
    """A step of ``session_code`` in a thread, holding the session's lock until ``release``
    is set (or ``HOLD_SECONDS`` pass); ``released`` is set once it has committed."""
    holding, release, released = threading.Event(), threading.Event(), threading.Event()

    def step() -> None:
        with store.transaction():
            store.session_row(session_code)  # a step's first read: the session's lock
            holding.set()
            release.wait(HOLD_SECONDS)
        released.set()

    thread = threading.Thread(target=step, daemon=True)
    thread.start()
    assert holding.wait(HOLD_SECONDS)
    return release, released, thread


def test_pages_and_positions_are_served_while_a_step_holds_its_session(live_server):
    lab = live_server()
    other_session = lab.engine.create_session("my_session", 2, seed=3)
    newcomer = lab.engine.participant_rows(other_session)[0]["code"]
    release, released, thread = hold_session(lab.engine.store, lab.session_code)
    try:
        page = requests.get(lab.url(newcomer), timeout=2 * HOLD_SECONDS)
        position = requests.get(lab.url(lab.codes[0], POSITION), timeout=2 * HOLD_SECONDS)
        served_while_held = not released.is_set()
    finally:
        release.set()
        thread.join(HOLD_SECONDS)
    assert page.status_code == 200 and 'data-kind="page"' in page.text
    assert position.status_code == 200 and position.json()["finished"] is False
    assert served_while_held  # with one connection, both waited until the step committed


def test_a_steps_first_read_of_a_participant_holds_their_sessions_lock(new_store_target,
                                                                       sample_project):
    """The lock and the participant's session are taken in one statement: the lock must be
    the very one ``session_row`` takes, or two steps of a session would run side by side."""
    from labctl.engine import Engine
    from labctl.project import load_project

    url = str(new_store_target())
    project = load_project(sample_project)
    store = open_store(url)
    try:
        session_code = Engine(project, store).create_session("my_session", 2, seed=3)
        with store.reading():
            code = store.participants_of(session_code)[0]["code"]
        with psycopg.connect(url, autocommit=True) as other, store.transaction():
            assert store.participant_by_code(code)["code"] == code
            taken = other.execute("SELECT pg_try_advisory_lock(hashtext(%s))",
                                  (f"session:{session_code}",)).fetchone()[0]
        assert taken is False
    finally:
        store.close()
        project.unload()


def test_a_connection_the_database_cut_is_replaced_and_the_step_still_saves(new_store_target):
    url = str(new_store_target())
    store = open_store(url)
    try:
        with store.reading():
            cut = store.conn.info.backend_pid
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (cut,))
        with store.transaction():  # one connection used to fail this step with a 503
            store.put_setting("after the cut", "saved")
            assert store.conn.info.backend_pid != cut
        with store.reading():
            assert store.setting("after the cut") == "saved"
    finally:
        store.close()


def test_a_request_that_finds_every_connection_busy_is_told_so_and_saves_nothing(
        new_store_target):
    from labctl.storage.postgres import PostgresStore
    from labctl.storage.sqlite import StorageError

    url = str(new_store_target())
    store = PostgresStore(url, pool_size=1)
    store._pool.wait_seconds = 0.2  # a request waits 30 s in a lab
    release = threading.Event()
    holding = threading.Event()

    def long_step() -> None:
        with store.transaction():
            store.put_setting("long step", "saved")
            holding.set()
            release.wait(HOLD_SECONDS)

    thread = threading.Thread(target=long_step, daemon=True)
    thread.start()
    try:
        assert holding.wait(HOLD_SECONDS)
        with pytest.raises(StorageError) as caught, store.transaction():
            store.put_setting("refused", "never saved")
    finally:
        release.set()
        thread.join(HOLD_SECONDS)
    assert "too busy to reach" in str(caught.value)
    assert "all 1 connections stayed busy for 0.2 s" in str(caught.value)
    with store.reading():
        assert store.setting("refused") is None
        assert store.setting("long step") == "saved"
    store.close()


def test_the_session_read_with_a_steps_lock_is_the_sessions_row_and_follows_its_changes(
        new_store_target, sample_project):
    """A step's first read brings its session's row in the same round trip; what the step
    then asks of ``session_row`` is that row as a plain read gives it, and after the step
    changed the session, the changed row."""
    from labctl.engine import Engine
    from labctl.project import load_project

    url = str(new_store_target())
    project = load_project(sample_project)
    store = open_store(url)
    try:
        session_code = Engine(project, store).create_session("my_session", 2, seed=3)
        with store.reading():
            code = store.participants_of(session_code)[0]["code"]
            plain = store.session_row(session_code)
        with store.transaction():
            store.participant_by_code(code)
            assert store.session_row(session_code) == plain
            store.update_session(session_code, {"vars": '{"treatment": "B"}'})
            assert store.session_row(session_code)["vars"] == '{"treatment": "B"}'
        with store.transaction():
            store.participant_by_code(code)
            store.update_session(session_code, {"label": "after"})
            assert store.session_row(session_code)["label"] == "after"
    finally:
        store.close()
        project.unload()
