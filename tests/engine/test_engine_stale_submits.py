"""Replayed, stale and doubled submits: refused as ``stale``, and nothing changes.

The step token is the step the page was shown at. Anything but the participant's current step,
on a page with a form, is refused; the database keeps every row as it was.
"""

from __future__ import annotations

import threading

import pytest

pytestmark = pytest.mark.both_stores

THREADS = 8
JOIN_SECONDS = 30


@pytest.fixture
def session(engine):
    return engine.create_session("my_session", 4, seed=21)


@pytest.fixture
def codes(driver, session):
    codes = driver.codes(session)
    for code in codes:
        driver.look(code)
    return codes


def assert_stale(engine, driver, dbfile, code, token, form):
    where = driver.look(code)
    before = dbfile.snapshot()

    result = engine.submit(code, token, form)

    assert (result.status, result.errors) == ("stale", {})
    assert dbfile.snapshot() == before
    assert driver.look(code) == where


def test_a_doubled_submit_is_stale_the_second_time(engine, driver, dbfile, codes):
    trustor = codes[0]
    first = engine.submit(trustor, 0, {"sent_amount": "4.00"})
    after_first = dbfile.snapshot()

    second = engine.submit(trustor, 0, {"sent_amount": "4.00"})

    assert (first.status, second.status) == ("advanced", "stale")
    assert dbfile.snapshot() == after_first
    assert dbfile.value("SELECT COUNT(*) FROM page_visits WHERE participant_id = 1 AND step = 0"
                        ) == 1


def test_a_replayed_old_page_changes_nothing(engine, driver, dbfile, codes):
    trustor, trustee = codes[:2]
    driver.advance(trustor, {"sent_amount": "4.00"})
    driver.advance(trustee, {"sent_back_amount": "2.00"})
    assert driver.look(trustor).page == "Results"

    assert_stale(engine, driver, dbfile, trustor, 0, {"sent_amount": "10.00"})
    assert dbfile.value("SELECT sent_amount FROM trust_group WHERE id_in_subsession = 1") == 400


@pytest.mark.parametrize("token", [
    pytest.param(1, id="the-next-step"),
    pytest.param(99, id="beyond-the-session"),
    pytest.param(-1, id="before-the-start"),
    pytest.param(None, id="no-token"),
    pytest.param("0", id="the-right-step-as-text"),
])
def test_a_token_other_than_the_current_step_is_stale(engine, driver, dbfile, codes, token):
    assert driver.look(codes[0]).index == 0
    assert_stale(engine, driver, dbfile, codes[0], token, {"sent_amount": "1.00"})


def test_a_wait_page_cannot_be_submitted(engine, driver, dbfile, codes):
    trustee = codes[1]
    seen = driver.look(trustee)
    assert (seen.kind, seen.page) == ("wait", "WaitForTrustor")

    assert_stale(engine, driver, dbfile, trustee, seen.index, {})


def test_a_participant_who_has_not_started_cannot_submit(engine, driver, dbfile, session):
    code = driver.codes(session)[0]
    before = dbfile.snapshot()

    assert engine.submit(code, 0, {"sent_amount": "1.00"}).status == "stale"
    assert engine.submit(code, -1, {"sent_amount": "1.00"}).status == "stale"
    assert dbfile.snapshot() == before
    assert dbfile.participant(code)["step"] == -1


def test_a_finished_participant_cannot_submit_again(engine, driver, bot, dbfile, session):
    driver.play(session, bot.answer)
    code = driver.codes(session)[0]
    seen = driver.look(code)
    assert seen.kind == "finished"

    for token in (seen.index, seen.index - 1, 0):
        assert_stale(engine, driver, dbfile, code, token, {"comments": "again"})


def test_simultaneous_identical_submits_advance_exactly_once(engine, driver, dbfile, codes):
    trustor = codes[0]
    barrier = threading.Barrier(THREADS)
    statuses: list[str] = []
    lock = threading.Lock()

    def submit() -> None:
        barrier.wait(timeout=JOIN_SECONDS)
        result = engine.submit(trustor, 0, {"sent_amount": "4.00"})
        with lock:
            statuses.append(result.status)

    threads = [threading.Thread(target=submit) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(JOIN_SECONDS)
    assert not any(thread.is_alive() for thread in threads)

    assert sorted(statuses) == ["advanced"] + ["stale"] * (THREADS - 1)
    assert dbfile.value("SELECT COUNT(*) FROM page_visits WHERE participant_id = 1 AND step = 0 "
                        "AND submitted_at IS NOT NULL") == 1
    assert dbfile.participant(trustor)["page"] == "ResultsWait"
    assert dbfile.participant(codes[1])["page"] == "SendBack"
