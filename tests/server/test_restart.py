"""A lab server killed mid-session (SIGKILL, as in a power cut) loses nothing: every answer
submitted before the kill is in the database, and after ``labctl run --resume`` every
participant continues from their link on the page they were on, to the end of the session."""

from __future__ import annotations

import json
import re
import threading
import time
from urllib.parse import urlparse

import pytest
import requests
import websocket
from browserless import (
    DEMOGRAPHICS,
    ENDOWMENT,
    FINISHED,
    FIXED_PAY,
    HTTP_TIMEOUT,
    OFFER_1,
    OFFER_2,
    OPINIONS,
    RESPOND_1,
    RESPOND_2,
    RESULTS_WAIT_1,
    SEND,
    SEND_BACK,
    TRUST_MULTIPLIER,
    TRUST_RESULTS_WAIT,
    LabDb,
    Participant,
    SampleBot,
    admin_login,
    eur,
    play,
    stored_form,
)

pytestmark = pytest.mark.slow  # kills labctl run and starts it again with --resume


def test_a_killed_server_resumes_with_every_answer_and_every_participant_in_place(
        sample_project, lab_process, participants_of):
    lab = lab_process(sample_project, "my_session", "-n", "4")
    people = participants_of(lab.base_url, lab.codes)
    bot = SampleBot(lab.codes)
    # through the trust game and into ultimatum round 1: the proposers have offered and wait
    # for the responders, who have the offer in front of them
    pages = play(people, bot, stop_step=RESPOND_1)
    where = {code: (page.kind, page.step, page.title) for code, page in pages.items()}
    assert sorted(where.values()) == sorted(
        2 * [("page", RESPOND_1, "Ultimatum game, round 1: the offer")]
        + 2 * [("wait", RESULTS_WAIT_1, "Please wait")])
    assert len(bot.submitted) == 2 + 2 + 4 + 2  # Send, SendBack, 4 trust Results, 2 Offers

    lab.kill()

    db = LabDb(sample_project / "labctl.db")
    for entry in bot.submitted:
        assert db.visit(entry.code, entry.step)["submitted_at"] is not None, entry
        for name, typed in entry.values.items():
            assert db.stored_answer(entry.code, entry.step, name) == stored_form(name, typed)
    for code, (_kind, step, _title) in where.items():
        row = db.participant(code)
        assert (row["step"], row["finished_at"]) == (step, None)
        assert db.visit(code, step)["submitted_at"] is None

    again = lab_process(sample_project, "--resume", port=urlparse(lab.base_url).port)
    assert (again.session_code, again.codes) == (lab.session_code, lab.codes)
    assert again.base_url == lab.base_url  # the same links
    for person in people:
        page = person.get()
        assert (page.kind, page.step, page.title) == where[person.code]
        assert page.csrf_token == pages[person.code].csrf_token  # tokens survive a restart

    # a responder's page loaded before the kill is accepted after it, and the release of the
    # waiting proposer reaches their socket on the new server
    responder = next(p for p in people if where[p.code][0] == "page")
    proposer = next(group["proposer"] for group in db.groups("ultimatum", lab.session_code, 1)
                    if group["responder"] == responder.code)
    ws = websocket.create_connection(
        lab.base_url.replace("http://", "ws://") + f"/p/{proposer}/ws", timeout=5)
    try:
        assert json.loads(ws.recv())["step"] == RESULTS_WAIT_1
        bot.submit(responder, pages[responder.code])
        assert json.loads(ws.recv()) == {"type": "advance"}
    finally:
        ws.close()

    finished = play(people, bot)
    expected = bot.expected_bonuses(db, lab.session_code)
    for code, page in finished.items():
        assert page.payment_total == eur(FIXED_PAY + expected[code])
        assert db.participant(code)["step"] == FINISHED
    assert len(bot.submitted) == 32

    closed = requests.get(f"{again.base_url}/admin/", timeout=HTTP_TIMEOUT,
                          allow_redirects=False)
    assert closed.status_code == 302  # labctl run always puts the admin behind its password
    admin = admin_login(again.base_url, again.password)
    sheet = admin.get(f"{again.base_url}/admin/sessions/{lab.session_code}/payments",
                      timeout=HTTP_TIMEOUT)
    total = re.search(r'id="payments-total">([^<]+)<', sheet.text).group(1)
    assert total == eur(sum(FIXED_PAY + bonus for bonus in expected.values()))


#: the answer each form page of the sample session saves, by step: (app, record, field)
ANSWER_OF_STEP = {SEND: ("trust", "group", "sent_amount"),
                  SEND_BACK: ("trust", "group", "sent_back_amount"),
                  OFFER_1: ("ultimatum", "group", "amount_offered"),
                  RESPOND_1: ("ultimatum", "group", "offer_accepted"),
                  OFFER_2: ("ultimatum", "group", "amount_offered"),
                  RESPOND_2: ("ultimatum", "group", "offer_accepted"),
                  DEMOGRAPHICS: ("questionnaire", "player", "age"),
                  OPINIONS: ("questionnaire", "player", "trust_general")}
PLAYERS = 8
KILL_AFTER_SUBMITS = 24


def play_until_stopped(participant: Participant, bot: SampleBot, stop: threading.Event,
                       failures: list[BaseException]) -> None:
    """Answer every page as fast as possible until the server dies (or ``stop``)."""
    for _ in range(200):
        if stop.is_set():
            return
        try:
            page = participant.get()
            if page.kind == "finished":
                return
            if page.kind == "page":
                bot.submit(participant, page)
            else:
                time.sleep(0.01)
        except requests.RequestException:
            return  # the server was killed, perhaps in the middle of its answer
        except BaseException as exc:  # reported by the test
            failures.append(exc)
            return


def assert_consistent(db: LabDb, session_code: str) -> None:
    """Every submitted form page has its answer saved, and no answer exists without its
    submitted page visit; everyone's current page has an open visit; every released wait
    page ran its payoffs."""
    for person in db.query("SELECT * FROM participants WHERE session_code = ?",
                           (session_code,)):
        visits = {v["step"]: v for v in db.query(
            "SELECT * FROM page_visits WHERE participant_id = ?", (person["id"],))}
        if person["finished_at"] is None:
            assert visits[person["step"]]["submitted_at"] is None, person
        for step, visit in visits.items():
            assert (visit["submitted_at"] is not None) == (step < person["step"]), visit
        for step, (app, record, name) in ANSWER_OF_STEP.items():
            if step not in visits:
                continue  # a page this participant is not shown
            round_number = visits[step]["round_number"]
            row = db.player(app, person["code"], round_number)
            if record == "group":
                row = db.group_of(app, person["code"], round_number)
            saved = row[name] is not None
            assert saved == (visits[step]["submitted_at"] is not None), (person, step, row)
    for release in db.query("SELECT * FROM wait_releases WHERE session_code = ? AND step = ?",
                            (session_code, TRUST_RESULTS_WAIT)):
        group_id = int(release["group_key"].split(":")[1])
        group = db.query("SELECT * FROM trust_group WHERE id = ?", (group_id,))[0]
        players = db.query("SELECT role, payoff FROM trust_player WHERE group_id = ?",
                           (group_id,))
        payoff = {p["role"]: p["payoff"] for p in players}
        sent, back = group["sent_amount"], group["sent_back_amount"]
        assert payoff == {"trustor": ENDOWMENT - sent + back,
                          "trustee": ENDOWMENT + TRUST_MULTIPLIER * sent - back}


def test_a_server_killed_amid_concurrent_submits_restarts_consistent(
        sample_project, lab_process, participants_of):
    lab = lab_process(sample_project, "my_session", "-n", str(PLAYERS))
    people = participants_of(lab.base_url, lab.codes)
    bot = SampleBot(lab.codes)
    stop, failures = threading.Event(), []
    threads = [threading.Thread(target=play_until_stopped, args=(p, bot, stop, failures),
                                daemon=True) for p in people]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 20
    while len(bot.submitted) < KILL_AFTER_SUBMITS and time.monotonic() < deadline:
        time.sleep(0.005)
    lab.kill()  # while submits are in flight
    stop.set()
    for thread in threads:
        thread.join(timeout=HTTP_TIMEOUT)
    assert not failures, failures
    assert len(bot.submitted) >= KILL_AFTER_SUBMITS

    db = LabDb(sample_project / "labctl.db")
    assert_consistent(db, lab.session_code)
    for entry in bot.submitted:  # answered before the kill, so saved
        for name, typed in entry.values.items():
            assert db.stored_answer(entry.code, entry.step, name) == stored_form(name, typed)

    lab_process(sample_project, "--resume", port=urlparse(lab.base_url).port)
    finished = play(people, bot)
    assert_consistent(db, lab.session_code)
    for code, page in finished.items():
        assert page.payment_total == eur(FIXED_PAY + db.participant(code)["bonus"])
    payoffs = db.query("SELECT participant_code, SUM(payoff) AS s FROM (SELECT "
                       "participant_code, payoff FROM trust_player UNION ALL SELECT "
                       "participant_code, payoff FROM ultimatum_player) GROUP BY "
                       "participant_code")
    assert {row["participant_code"]: row["s"] for row in payoffs} == {
        code: db.participant(code)["bonus"] for code in lab.codes}
