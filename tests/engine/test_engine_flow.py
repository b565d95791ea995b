"""The sample session from start to finish: page order, display conditions, payoffs, payments.

Four participants play trust, ultimatum round 1 and 2, and the questionnaire. Expected payoffs
are computed from the answers the bot gives (``SampleBot``) with the sample's own formulas, and
checked exactly, in EUR cents, in the database, in ``engine.payments`` and on the final page.
"""

from __future__ import annotations

from typing import NamedTuple

import pytest

pytestmark = pytest.mark.both_stores

TRUSTOR_PAGES = ["Send", "Results"]
TRUSTEE_PAGES = ["SendBack", "Results"]
PROPOSER_PAGES = ["Offer", "Results"]
RESPONDER_PAGES = ["Respond", "Results"]
QUESTIONNAIRE_PAGES = ["Demographics", "Opinions"]
#: steps: trust 0-4, ultimatum round 1 5-9, round 2 10-14, questionnaire 15-16
TOTAL_STEPS = 17


class Played(NamedTuple):
    session: str
    codes: list[str]
    shown: dict  # participant code -> the pages they were shown, in order


@pytest.fixture
def played(engine, driver, bot):
    """A sample session played to the end."""
    session = engine.create_session("my_session", 4, seed=2024)
    codes = driver.codes(session)
    return Played(session, codes, driver.play(session, bot.answer))


def test_a_new_session_starts_every_participant_on_their_first_page(engine, driver, dbfile):
    session = engine.create_session("my_session", 4, seed=1)
    codes = driver.codes(session)
    assert [row["step"] for row in dbfile.rows("SELECT step FROM participants")] == [-1] * 4

    seen = [driver.look(code) for code in codes]

    assert [(s.kind, s.page, s.role) for s in seen] == [
        ("page", "Send", "trustor"), ("wait", "WaitForTrustor", "trustee"),
        ("page", "Send", "trustor"), ("wait", "WaitForTrustor", "trustee")]
    assert [s.waiting_for for s in seen] == [0, 1, 0, 1]
    assert seen[0].fields == ("sent_amount",)
    assert [dbfile.participant(code)["step"] for code in codes] == [0, 1, 0, 1]
    assert all(dbfile.participant(code)["started_at"] for code in codes)


def test_everybody_finishes(played, engine, dbfile):
    for code in played.codes:
        row = dbfile.participant(code)
        assert (row["step"], row["page"], row["app"]) == (TOTAL_STEPS, None, None)
        assert row["finished_at"] is not None
        assert engine.position(code) == {"step": TOTAL_STEPS, "page": None, "finished": True}


def test_each_role_sees_only_its_pages(played, dbfile):
    matrices = dbfile.group_matrices("ultimatum", played.session)
    for number, code in enumerate(played.codes, start=1):
        trust = TRUSTOR_PAGES if number in (1, 3) else TRUSTEE_PAGES
        ultimatum = [PROPOSER_PAGES if number == groups_row[0] else RESPONDER_PAGES
                     for round_number in (1, 2)
                     for groups_row in matrices[round_number] if number in groups_row]
        expected = trust + ultimatum[0] + ultimatum[1] + QUESTIONNAIRE_PAGES
        assert [seen.page for seen in played.shown[code]] == expected
        assert [(seen.app, seen.round_number) for seen in played.shown[code]] == [
            ("trust", 1), ("trust", 1), ("ultimatum", 1), ("ultimatum", 1),
            ("ultimatum", 2), ("ultimatum", 2), ("questionnaire", 1), ("questionnaire", 1)]


def test_display_conditions_keep_pages_out_of_the_visits(played, dbfile):
    trust_pages = {number: [row["page"] for row in dbfile.rows(
        "SELECT v.page FROM page_visits v JOIN participants p ON p.id = v.participant_id "
        "WHERE p.id_in_session = ? AND v.app = 'trust' ORDER BY v.step", number)]
        for number in range(1, 5)}
    assert trust_pages[1] == trust_pages[3] == ["Send", "WaitForTrustor", "ResultsWait",
                                                "Results"]
    assert trust_pages[2] == trust_pages[4] == ["WaitForTrustor", "SendBack", "ResultsWait",
                                                "Results"]


def test_trust_payoffs_follow_the_sample_formulas(played, bot, dbfile):
    payoffs = {row["number"]: row["payoff"] for row in dbfile.rows(
        "SELECT p.id_in_session AS number, t.payoff FROM trust_player t "
        "JOIN participants p ON p.id = t.participant_id WHERE t.session_code = ?",
        played.session)}
    assert payoffs == bot.trust_payoffs() == {1: 1100, 2: 1700, 3: 0, 4: 4000}
    groups = dbfile.rows("SELECT sent_amount, sent_back_amount FROM trust_group "
                         "WHERE session_code = ? ORDER BY id_in_subsession", played.session)
    assert groups == [{"sent_amount": 400, "sent_back_amount": 500},
                      {"sent_amount": 1000, "sent_back_amount": 0}]


def test_ultimatum_payoffs_follow_the_sample_formulas(played, bot, dbfile):
    session = played.session
    matrices = dbfile.group_matrices("ultimatum", session)
    expected = bot.ultimatum_payoffs(matrices)
    payoffs = dict.fromkeys(range(1, 5), 0)
    for row in dbfile.rows(
            "SELECT p.id_in_session AS number, u.payoff FROM ultimatum_player u "
            "JOIN participants p ON p.id = u.participant_id WHERE u.session_code = ?", session):
        payoffs[row["number"]] += row["payoff"]
    assert payoffs == expected
    stored = dbfile.rows("SELECT round_number, amount_offered, offer_accepted FROM "
                         "ultimatum_group WHERE session_code = ? ORDER BY round_number, "
                         "id_in_subsession", session)
    assert stored == [
        {"round_number": rnd, "amount_offered": bot.offer(proposer, rnd),
         "offer_accepted": int(bot.accepts(responder, rnd))}
        for rnd in (1, 2) for proposer, responder in matrices[rnd]]


def test_payment_is_fixed_pay_plus_the_bonus(played, engine, bot, driver, dbfile):
    session, codes = played.session, played.codes
    expected_bonus = {
        number: bot.trust_payoffs()[number] + ultimatum
        for number, ultimatum in bot.ultimatum_payoffs(
            dbfile.group_matrices("ultimatum", session)).items()}

    payments = engine.payments(session)

    assert [(p.id_in_session, p.bonus, p.bonus_money, p.fixed_pay, p.total, p.finished)
            for p in payments] == [
        (n, expected_bonus[n], expected_bonus[n], 1000, 1000 + expected_bonus[n], True)
        for n in range(1, 5)]
    assert all(p.currency == "EUR" and not p.points for p in payments)
    assert {row["id_in_session"]: row["bonus"] for row in dbfile.rows(
        "SELECT id_in_session, bonus FROM participants")} == expected_bonus
    finished = [driver.look(code) for code in codes]
    assert [(s.kind, s.bonus, s.total_pay) for s in finished] == [
        ("finished", expected_bonus[n], 1000 + expected_bonus[n]) for n in range(1, 5)]


def test_questionnaire_answers_are_stored_typed(played, dbfile):
    rows = dbfile.rows("SELECT p.id_in_session AS number, q.age, q.gender, q.field_of_study, "
                       "q.trust_general, q.comments FROM questionnaire_player q "
                       "JOIN participants p ON p.id = q.participant_id ORDER BY number")
    assert rows == [{"number": n, "age": 20 + n, "gender": "diverse",
                     "field_of_study": f"economics {n}", "trust_general": n, "comments": None}
                    for n in range(1, 5)]


def test_vars_for_template_reach_the_page(engine, driver):
    session = engine.create_session("my_session", 4, seed=3)
    trustor, trustee = driver.codes(session)[:2]
    driver.look(trustee)
    driver.advance(trustor, {"sent_amount": "2.50"})

    seen = driver.look(trustee)

    assert (seen.page, seen.extra) == ("SendBack", {"received": 750, "multiplier": 3})
