"""A database that cannot be written (read-only, or a full disk) in the middle of a session:
participants get the 503 page "cannot save right now", the experimenter an error in the server's
log, nothing half-written is kept, the database stays sound (``PRAGMA integrity_check``), and
once the condition clears the session continues to the end.

The faults are made on the server's own SQLite connection (the tests run as root in CI, where
``chmod`` cannot make a file read-only): ``PRAGMA query_only`` makes every write fail with
SQLITE_READONLY, and ``VACUUM`` then ``PRAGMA max_page_count`` set to the file's size makes the
next write that needs a page fail with SQLITE_FULL, as a full disk does.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from browserless import (
    FIXED_PAY,
    OPINIONS,
    SEND,
    SEND_BACK,
    LabDb,
    Participant,
    SampleBot,
    eur,
    parse_page,
    play,
)

CANNOT_SAVE = "The lab server cannot save right now."
UNLIMITED_PAGES = 1073741823
#: a comment at the field's limit of 2,000 characters, 8,000 bytes: it needs new pages
LONG_COMMENT = "\U0001F600" * 2000


@contextmanager
def read_only(store) -> Iterator[None]:
    """Every write of the server's connection fails (SQLITE_READONLY) inside the block."""
    with store.reading():
        store.conn.execute("PRAGMA query_only = ON")
    try:
        yield
    finally:
        with store.reading():
            store.conn.execute("PRAGMA query_only = OFF")


@contextmanager
def disk_full(store) -> Iterator[None]:
    """The database cannot grow by a page inside the block (SQLITE_FULL)."""
    with store.reading():
        store.conn.execute("VACUUM")  # no free space left in the file's pages
        pages = store.conn.execute("PRAGMA page_count").fetchone()[0]
        store.conn.execute(f"PRAGMA max_page_count = {pages}")
    try:
        yield
    finally:
        with store.reading():
            store.conn.execute(f"PRAGMA max_page_count = {UNLIMITED_PAGES}")


def integrity(path) -> str:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()


@pytest.fixture
def lab(live_server):
    server = live_server()
    people = [Participant(server.base_url, code) for code in server.codes]
    bot = SampleBot(server.codes)
    # the trustors send; the trustees have the send-back page in front of them
    play(people, bot, stop_step=SEND_BACK)
    yield server, people, bot
    for person in people:
        person.http.close()


def trustee_of(people: list[Participant], bot: SampleBot) -> Participant:
    senders = {entry.code for entry in bot.submitted if entry.step == SEND}
    return next(p for p in people if p.code not in senders)


def finish_and_check(server, people, bot) -> None:
    finished = play(people, bot)
    db = LabDb(server.engine.store.path)
    expected = bot.expected_bonuses(db, server.session_code)
    for code, page in finished.items():
        assert page.payment_total == eur(FIXED_PAY + expected[code]), code
    assert integrity(server.engine.store.path) == "ok"


def assert_cannot_save(response) -> None:
    assert response.status_code == 503, (response.status_code, response.text[:500])
    page = parse_page(response)
    assert page.title == "Please wait a moment"
    assert CANNOT_SAVE in " ".join(page.html.split())


def test_a_read_only_database_is_a_503_saves_nothing_and_the_session_continues(lab, caplog):
    server, people, bot = lab
    trustee = trustee_of(people, bot)
    page = trustee.get()
    assert page.step == SEND_BACK
    db = LabDb(server.engine.store.path)
    before = db.snapshot()
    with caplog.at_level(logging.ERROR, logger="labctl.server"), read_only(server.engine.store):
        assert_cannot_save(trustee.submit({"sent_back_amount": "1.00"}, page))
        assert_cannot_save(trustee.http.get(trustee.url, timeout=10))  # a reload cannot save
        assert db.snapshot() == before
        assert integrity(server.engine.store.path) == "ok"
    assert any("storage failed" in r.getMessage() and "readonly" in r.getMessage()
               for r in caplog.records), caplog.text  # what the experimenter sees
    # the form loaded before the fault is accepted once the database can be written again
    response = trustee.submit({"sent_back_amount": "1.00"}, page)
    assert response.status_code == 200
    bot.submitted.append(type(bot.submitted[0])(trustee.code, SEND_BACK,
                                                {"sent_back_amount": "1.00"}))
    finish_and_check(server, people, bot)


def at_opinions(server, people, bot) -> Participant:
    """Everyone plays on; the first participant stops at the last page, with a long comment
    to save (which needs new pages in the database)."""
    play(people, bot, stop_step=OPINIONS)
    person = people[0]
    page = person.get()
    assert page.step == OPINIONS
    return person


def submit_opinions(person: Participant, bot: SampleBot, record: bool):
    values = {"trust_general": "4", "comments": LONG_COMMENT}
    response = person.submit(values)
    if record:
        bot.submitted.append(type(bot.submitted[0])(person.code, OPINIONS, values))
    return response


def test_a_full_disk_saves_nothing_keeps_serving_and_the_session_continues(lab):
    """What holds on a full disk, whatever the status (and the 503 test below)."""
    server, people, bot = lab
    person = at_opinions(server, people, bot)
    db = LabDb(server.engine.store.path)
    before = db.snapshot()
    with disk_full(server.engine.store):
        response = submit_opinions(person, bot, record=False)
        assert response.status_code >= 500, response.status_code
        assert db.snapshot() == before
        assert integrity(server.engine.store.path) == "ok"
        # the server keeps serving: the page is shown again, other participants too
        assert person.get().step == OPINIONS
        assert people[1].position()["step"] == OPINIONS
    assert submit_opinions(person, bot, record=True).status_code == 200
    assert db.stored_answer(person.code, OPINIONS, "comments") == LONG_COMMENT
    finish_and_check(server, people, bot)


def test_a_full_disk_is_the_503_cannot_save_page_with_a_clear_log(lab, caplog):
    server, people, bot = lab
    person = at_opinions(server, people, bot)
    with caplog.at_level(logging.ERROR, logger="labctl.server"), disk_full(server.engine.store):
        response = submit_opinions(person, bot, record=False)
    assert any("storage failed" in r.getMessage() and "full" in r.getMessage()
               for r in caplog.records), caplog.text
    assert_cannot_save(response)


FAILED_SUBMITS = 30


def test_after_a_full_disk_is_freed_saving_resumes_by_itself_with_a_few_log_lines(lab, caplog):
    """Fill, fail again and again, free: the next submit is saved without a restart, the
    write-ahead log is truncated, and the log says each change of state once (not a line per
    failed request)."""
    server, people, bot = lab
    person = at_opinions(server, people, bot)
    store = server.engine.store
    wal = store.path.with_name(store.path.name + "-wal")
    store.QUIET_SECONDS = 0.5  # recovered: no write failed for that long (5 s in a lab)
    with caplog.at_level(logging.INFO):
        with disk_full(store):
            for _ in range(FAILED_SUBMITS):
                assert_cannot_save(submit_opinions(person, bot, record=False))
        time.sleep(store.QUIET_SECONDS)
        response = submit_opinions(person, bot, record=True)
        assert response.status_code == 200, response.text[:300]
    assert wal.stat().st_size < 64 * 1024, wal.stat().st_size  # truncated: space given back
    lines = [r.getMessage() for r in caplog.records
             if r.name.startswith("labctl") and r.levelno >= logging.WARNING]
    assert len(lines) <= 4, lines
    assert sum("cannot be written: disk full" in line for line in lines) == 1, lines
    assert sum("storage failed" in line for line in lines) == 1, lines
    assert sum("can be written again" in line for line in lines) == 1, lines
    finish_and_check(server, people, bot)
