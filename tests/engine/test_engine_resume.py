"""Restarting: a new Engine on the same database file continues every participant where they were.

Half of the sample session is played (trust, then round 1 of the ultimatum up to the responders'
Respond page, with the proposers waiting), the first engine is closed (or simply abandoned, as a
killed server would leave it), and a second engine over a freshly loaded copy of the project
takes over.
"""

from __future__ import annotations

from typing import NamedTuple

import pytest

pytestmark = pytest.mark.both_stores

ELAPSED = 50


class Restarted(NamedTuple):
    driver: object  # the driver of the second engine
    session: str
    before: dict  # participant code -> what they saw just before the restart


@pytest.fixture(params=["closed", "abandoned"])
def restarted(request, engine, driver, bot, clock, sample, load, open_engine, driver_of):
    """The second engine, after half a session on the first one."""
    session = engine.create_session("my_session", 4, seed=31)
    driver.play(session, bot.answer, stop=lambda seen: seen.page == "Respond")
    clock.advance(ELAPSED)
    before = {code: driver.look(code) for code in driver.codes(session)}
    if request.param == "closed":
        engine.store.close()
    fresh = load(sample.root)
    assert fresh.package != sample.package
    return Restarted(driver_of(open_engine(fresh)), session, before)


def test_each_participant_is_on_the_same_page_with_the_same_data(restarted):
    driver, session, before = restarted

    after = {code: driver.look(code) for code in driver.codes(session)}

    assert after == before
    assert sorted(seen.page for seen in after.values()) == [
        "Respond", "Respond", "ResultsWait", "ResultsWait"]
    assert {seen.seconds_left for seen in after.values() if seen.page == "Respond"} == {
        120.0 - ELAPSED}


def test_group_data_survives_the_restart(restarted, bot):
    driver, _, before = restarted
    responder = next(code for code, seen in before.items() if seen.page == "Respond")

    with driver.engine.view(responder) as view:
        offered = view.group.amount_offered
        proposer = view.group.get_player_by_role("proposer").participant.id_in_session
        trust = view.player.participant.payoff

    assert offered == bot.offer(proposer, 1)
    assert trust == bot.trust_payoffs()[before[responder].id_in_session]


def test_the_session_finishes_correctly_after_the_restart(restarted, bot, dbfile):
    driver, session, _ = restarted

    driver.play(session, bot.answer)

    matrices = dbfile.group_matrices("ultimatum", session)
    expected = {number: bot.trust_payoffs()[number] + ultimatum
                for number, ultimatum in bot.ultimatum_payoffs(matrices).items()}
    payments = driver.engine.payments(session)
    assert [(p.id_in_session, p.bonus, p.total, p.finished) for p in payments] == [
        (n, expected[n], 1000 + expected[n], True) for n in range(1, 5)]
    assert dbfile.value("SELECT COUNT(*) FROM wait_releases WHERE session_code = ?",
                        session) == 2 + 2 + 4 + 4  # trust 2 wait pages x 2 groups, then x 2 rounds


def test_a_stale_token_from_before_the_restart_is_still_stale(restarted, dbfile):
    driver, _, before = restarted
    proposer = next(code for code, seen in before.items() if seen.page == "ResultsWait")
    snapshot = dbfile.snapshot()

    result = driver.engine.submit(proposer, before[proposer].index - 3, {"amount_offered": "1"})

    assert result.status == "stale"
    assert dbfile.snapshot() == snapshot


class Killed(BaseException):
    """Stands for the process dying in the middle of a transaction."""


@pytest.mark.parametrize("writes_before_the_kill", [0, 1, 3])
def test_a_submit_killed_halfway_leaves_nothing_behind(engine, driver, dbfile, sample, load,
                                                       open_engine, driver_of, bot,
                                                       writes_before_the_kill):
    session = engine.create_session("my_session", 4, seed=31)
    trustor, trustee = driver.codes(session)[:2]
    driver.look(trustee)
    driver.advance(trustor, {"sent_amount": "2.00"})
    assert driver.look(trustee).page == "SendBack"
    before = dbfile.snapshot()
    writes = []
    store = engine.store
    real_update = store.update_participant

    def update_then_die(*args, **kwargs):
        if len(writes) == writes_before_the_kill:
            raise Killed
        writes.append(args)
        return real_update(*args, **kwargs)

    store.update_participant = update_then_die
    with pytest.raises(Killed):
        driver.submit(trustee, {"sent_back_amount": "1.00"})

    assert dbfile.snapshot() == before
    restarted = driver_of(open_engine(load(sample.root)))
    assert restarted.advance(trustee, {"sent_back_amount": "1.00"}).page == "Results"
    assert restarted.look(trustor).page == "Results"
    assert dbfile.rows("SELECT sent_amount, sent_back_amount FROM trust_group WHERE "
                       "id_in_subsession = 1") == [{"sent_amount": 200, "sent_back_amount": 100}]
