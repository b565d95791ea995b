"""Page timeouts with a fake clock: the countdown, early timeout claims, and expiry.

The sample's Respond page (ultimatum) has a 120 s timeout that submits ``offer_accepted=False``.
The engine accepts a browser's timeout claim from 1 s (``timeout_grace``) before the deadline,
and ``expire_timeouts`` submits pages whose deadline passed more than that grace ago.
"""

from __future__ import annotations

import threading

import pytest

pytestmark = pytest.mark.both_stores

TIMEOUT = 120
GRACE = 1.0


@pytest.fixture
def responders(engine, driver, bot, clock):
    """Round 1 of the ultimatum with both offers made: the responders, just shown Respond."""
    session = engine.create_session("my_session", 4, seed=8)
    driver.play(session, bot.answer, stop=lambda seen: seen.page == "Respond")
    codes = [code for code in driver.codes(session) if driver.look(code).page == "Respond"]
    assert len(codes) == 2
    return codes


def respond_visit(dbfile, code):
    return dbfile.one("SELECT v.* FROM page_visits v JOIN participants p ON "
                      "p.id = v.participant_id WHERE p.code = ? AND v.page = 'Respond' "
                      "AND v.round_number = 1", code)


def accepted(dbfile, code):
    return dbfile.value("SELECT g.offer_accepted FROM ultimatum_player p JOIN ultimatum_group g "
                        "ON g.id = p.group_id WHERE p.participant_code = ? AND "
                        "p.round_number = 1", code)


def test_the_deadline_is_stored_when_the_page_is_entered(responders, dbfile, clock):
    for code in responders:
        assert dbfile.participant(code)["deadline"] == clock.now + TIMEOUT


@pytest.mark.parametrize(("elapsed", "left"), [(0, 120.0), (30, 90.0), (119.5, 0.5),
                                               (120, 0.0), (500, 0.0)])
def test_seconds_left_counts_down(responders, driver, clock, elapsed, left):
    clock.advance(elapsed)
    assert driver.look(responders[0]).seconds_left == left


def test_pages_without_a_timeout_have_no_countdown(engine, driver):
    code = driver.codes(engine.create_session("my_session", 4, seed=8))[0]
    assert driver.look(code).seconds_left is None


def test_a_timeout_claimed_early_is_validated_like_any_submit(engine, driver, dbfile, clock,
                                                              responders):
    code = responders[0]
    clock.advance(30)
    before = dbfile.snapshot()

    refused = engine.submit(code, driver.look(code).index, {}, timed_out=True)

    assert (refused.status, refused.errors) == (
        "invalid", {"offer_accepted": "Please answer this question."})
    assert dbfile.snapshot() == before
    accepted_result = engine.submit(code, driver.look(code).index, {"offer_accepted": "1"},
                                    timed_out=True)
    assert (accepted_result.status, accepted_result.timed_out) == ("advanced", False)
    assert accepted(dbfile, code) == 1
    assert respond_visit(dbfile, code)["timed_out"] == 0


def test_a_timeout_claimed_within_the_grace_is_accepted(engine, driver, dbfile, clock,
                                                        responders):
    code = responders[0]
    clock.advance(TIMEOUT - GRACE / 2)

    result = engine.submit(code, driver.look(code).index, {"offer_accepted": "1"},
                           timed_out=True)

    assert (result.status, result.timed_out) == ("advanced", True)
    assert accepted(dbfile, code) == 0, "the timeout submission wins over the form"
    assert respond_visit(dbfile, code)["timed_out"] == 1


def test_nothing_expires_before_the_deadline_and_its_grace(engine, dbfile, clock, responders):
    before = dbfile.snapshot()
    for elapsed in (0, TIMEOUT - 1, TIMEOUT, TIMEOUT + GRACE / 2):
        clock.now = dbfile.participant(responders[0])["deadline"] - TIMEOUT + elapsed
        assert engine.expire_timeouts() == 0
    assert dbfile.snapshot() == before


def test_expired_pages_are_submitted_with_their_timeout_values(engine, driver, dbfile, clock,
                                                               responders):
    inboxes = {code: engine.hub.subscribe(f"participant:{code}") for code in responders}
    clock.advance(TIMEOUT + GRACE)

    assert engine.expire_timeouts() == 2

    for code in responders:
        assert accepted(dbfile, code) == 0
        visit = respond_visit(dbfile, code)
        assert (visit["timed_out"], visit["seconds"]) == (1, TIMEOUT + GRACE)
        assert visit["submitted_at"] is not None
        row = dbfile.participant(code)
        assert (row["page"], row["deadline"]) == ("Results", None)
        assert inboxes[code].get_nowait() == {"type": "advance"}
    payoffs = dbfile.rows("SELECT payoff FROM ultimatum_player WHERE round_number = 1")
    assert [row["payoff"] for row in payoffs] == [0, 0, 0, 0]
    assert engine.expire_timeouts() == 0


def test_a_timeout_is_submitted_once_when_two_workers_sweep_at_the_same_moment(
        engine, open_engine, sample, dbfile, clock, responders):
    """Two server processes on one database (``labctl run --workers 2``: a store each, so
    connections of their own) both sweeping at the same moment, as if both held the sweeper's
    lock: each page is still submitted once, under its session's lock."""
    other_worker = open_engine(sample)
    clock.advance(TIMEOUT + GRACE)
    barrier = threading.Barrier(2, timeout=30)
    submitted: list[object] = [None, None]

    def sweep(index: int, worker) -> None:
        barrier.wait()
        try:
            submitted[index] = worker.expire_timeouts()
        except Exception as exc:  # reported by the assertion below
            submitted[index] = exc

    threads = [threading.Thread(target=sweep, args=(i, w), daemon=True)
               for i, w in enumerate((engine, other_worker))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(submitted) in ([0, 2], [1, 1]), submitted  # type: ignore[type-var]
    for code in responders:
        visits = dbfile.rows("SELECT v.timed_out FROM page_visits v JOIN participants p ON "
                             "p.id = v.participant_id WHERE p.code = ? AND v.page = 'Respond' "
                             "AND v.round_number = 1", code)
        assert [visit["timed_out"] for visit in visits] == [1]
        assert dbfile.participant(code)["page"] == "Results"
    assert engine.expire_timeouts() == 0


def test_a_submit_after_expiry_is_stale(engine, driver, dbfile, clock, responders):
    code = responders[0]
    token = driver.look(code).index
    clock.advance(TIMEOUT + GRACE)
    engine.expire_timeouts()
    after = dbfile.snapshot()

    assert engine.submit(code, token, {"offer_accepted": "1"}).status == "stale"
    assert dbfile.snapshot() == after


TIMED_APP = """\
import labctl
from labctl import fields

app = labctl.App(players_per_group=None)


class Player(labctl.Player):
    guess = fields.Integer(min=0, max=10, initial={initial})
    note = fields.Text(required=False)
    ran_out = fields.Boolean(required=False)


class Guess(labctl.Page):
    form_fields = ["guess", "note"]
    timeout_seconds = 10
    timeout_submission = {submission!r}

    @staticmethod
    def before_next_page(player, timed_out):
        player.ran_out = timed_out


class Done(labctl.Page):
    pass


page_sequence = [Guess, Done]
"""


@pytest.mark.parametrize(("initial", "submission", "stored"), [
    (None, {"guess": 7, "note": "late"}, {"guess": 7, "note": "late"}),
    (5, {}, {"guess": 5, "note": None}),
    (None, {}, {"guess": None, "note": None}),
])
def test_unlisted_fields_time_out_with_their_initial_value(make_project, open_engine, driver_of,
                                                           dbfile, clock, initial, submission,
                                                           stored):
    project = make_project({"timed": TIMED_APP.format(initial=initial, submission=submission)},
                           'name="demo", app_sequence=["timed"]')
    engine = open_engine(project)
    driver = driver_of(engine)
    code = driver.codes(engine.create_session("demo", 1))[0]
    assert driver.look(code).seconds_left == 10

    clock.advance(10 + GRACE)
    assert engine.expire_timeouts() == 1

    assert dbfile.one("SELECT guess, note, ran_out FROM timed_player") == {**stored, "ran_out": 1}
    assert driver.look(code).page == "Done"


def test_before_next_page_is_told_when_the_page_did_not_time_out(make_project, open_engine,
                                                                  driver_of, dbfile):
    project = make_project({"timed": TIMED_APP.format(initial=None, submission={})},
                           'name="demo", app_sequence=["timed"]')
    engine = open_engine(project)
    driver = driver_of(engine)
    code = driver.codes(engine.create_session("demo", 1))[0]

    driver.advance(code, {"guess": "3"})

    assert dbfile.one("SELECT guess, ran_out FROM timed_player") == {"guess": 3, "ran_out": 0}
