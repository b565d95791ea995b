"""Timed pages: the ultimatum responder has 120 s. Before the deadline a "timed out" submit is
an ordinary submit (validated; nothing saved when invalid); once it has passed, the page is
submitted with its timeout values, by the server's sweep or by the browser's own timer."""

from __future__ import annotations

import json
import time

import pytest
import websocket
from browserless import (
    HTTP_TIMEOUT,
    RESPOND_1,
    RESULTS_1,
    RESULTS_WAIT_1,
    SEND,
    LabDb,
    Participant,
    SampleBot,
    parse_page,
    play,
)

pytestmark = pytest.mark.both_stores

TIMEOUT_SECONDS = 120


def responders_at_respond(lab, participants_of) -> tuple[list[Participant], dict, LabDb]:
    people = participants_of(lab.base_url, lab.codes)
    pages = play(people, SampleBot(lab.codes), stop_step=RESPOND_1)
    responders = [p for p in people if pages[p.code].step == RESPOND_1]
    assert len(responders) == 2
    return responders, pages, LabDb.of(lab.engine.store)


def pass_deadline(db: LabDb, code: str) -> None:
    """Move a participant's deadline 10 s into the past, beyond the grace for clock skew."""
    db.execute("UPDATE participants SET deadline = ? WHERE code = ?", (time.time() - 10, code))


def test_the_timed_page_shows_its_time_left(live_server, participants_of):
    lab = live_server()
    responders, pages, db = responders_at_respond(lab, participants_of)
    page = pages[responders[0].code]
    seconds = int(page.html.split('data-seconds-left="')[1].split('"')[0])
    assert TIMEOUT_SECONDS - 5 <= seconds <= TIMEOUT_SECONDS
    deadline = db.participant(responders[0].code)["deadline"]
    assert abs(deadline - TIMEOUT_SECONDS - time.time()) < 10


def test_a_timed_out_submit_before_the_deadline_is_validated_as_usual(live_server,
                                                                      participants_of):
    lab = live_server()
    responders, pages, db = responders_at_respond(lab, participants_of)
    responder, page = responders[0], pages[responders[0].code]
    before = db.snapshot()

    response = responder.post(responder.form(page, {}, timed_out="1"))
    assert response.status_code == 422
    assert parse_page(response).errors == {"offer_accepted": "Please answer this question."}
    assert db.snapshot() == before
    assert db.group_of("ultimatum", responder.code)["offer_accepted"] is None
    assert db.visit(responder.code, RESPOND_1)["timed_out"] == 0

    # a valid answer marked as timed out, early, counts as an answer, not as a timeout
    response = responder.post(responder.form(page, {"offer_accepted": "1"}, timed_out="1"))
    assert response.status_code == 200
    assert db.group_of("ultimatum", responder.code)["offer_accepted"] == 1
    visit = db.visit(responder.code, RESPOND_1)
    assert visit["submitted_at"] is not None and visit["timed_out"] == 0


def test_a_page_without_a_timeout_ignores_the_timed_out_flag(live_server, participants_of):
    lab = live_server()
    trustor = participants_of(lab.base_url, lab.codes[:1])[0]
    page = trustor.get()
    db = LabDb.of(lab.engine.store)
    assert db.participant(trustor.code)["deadline"] is None
    assert trustor.post(trustor.form(page, {"sent_amount": "x"}, timed_out="1")
                        ).status_code == 422
    assert trustor.post(trustor.form(page, {"sent_amount": "1.00"}, timed_out="1")
                        ).status_code == 200
    assert db.visit(trustor.code, SEND)["timed_out"] == 0


def test_the_sweep_submits_a_page_past_its_deadline_with_its_timeout_values(live_server,
                                                                           participants_of):
    lab = live_server()
    responders, pages, db = responders_at_respond(lab, participants_of)
    late, other = responders
    proposer = next(g["proposer"] for g in db.groups("ultimatum", lab.session_code, 1)
                    if g["responder"] == late.code)
    assert db.participant(proposer)["step"] == RESULTS_WAIT_1
    assert lab.engine.expire_timeouts() == 0  # nobody is late yet
    pass_deadline(db, late.code)

    ws = websocket.create_connection(lab.ws_url(proposer), timeout=HTTP_TIMEOUT)
    try:
        assert json.loads(ws.recv())["step"] == RESULTS_WAIT_1
        assert lab.engine.expire_timeouts() == 1
        assert json.loads(ws.recv()) == {"type": "advance"}  # the proposer is released too
    finally:
        ws.close()

    assert db.participant(late.code)["step"] == RESULTS_1
    assert db.participant(proposer)["step"] == RESULTS_1
    assert db.group_of("ultimatum", late.code)["offer_accepted"] == 0
    visit = db.visit(late.code, RESPOND_1)
    assert visit["timed_out"] == 1 and visit["submitted_at"] is not None
    assert db.player("ultimatum", late.code)["payoff"] == 0
    assert db.player("ultimatum", proposer)["payoff"] == 0
    assert "<strong>rejected</strong>" in late.get().html
    # the other responder still has their time
    assert db.participant(other.code)["step"] == RESPOND_1
    assert db.visit(other.code, RESPOND_1)["submitted_at"] is None
    assert lab.engine.expire_timeouts() == 0

    # the late responder's old form, posted now, is stale and changes nothing
    before = db.snapshot()
    stale = late.post(late.form(pages[late.code], {"offer_accepted": "1"}))
    assert stale.status_code == 200
    assert db.snapshot() == before


def test_the_browsers_timed_out_submit_after_the_deadline_uses_the_timeout_values(
        live_server, participants_of):
    lab = live_server()
    responders, pages, db = responders_at_respond(lab, participants_of)
    late = responders[0]
    pass_deadline(db, late.code)
    # the browser's timer posts whatever is in the form; the timeout values win
    response = late.post(late.form(pages[late.code], {"offer_accepted": "1"}, timed_out="1"))
    assert response.status_code == 200
    assert db.group_of("ultimatum", late.code)["offer_accepted"] == 0
    assert db.visit(late.code, RESPOND_1)["timed_out"] == 1
    assert db.participant(late.code)["step"] == RESULTS_1
    assert lab.engine.expire_timeouts() == 0


@pytest.mark.slow  # labctl run as a process
def test_labctl_run_sweeps_late_pages_by_itself(sample_project, lab_process, participants_of):
    lab = lab_process(sample_project, "my_session", "-n", "4")
    people = participants_of(lab.base_url, lab.codes)
    pages = play(people, SampleBot(lab.codes), stop_step=RESPOND_1)
    late = next(p for p in people if pages[p.code].step == RESPOND_1)
    db = LabDb(sample_project / "labctl.db")
    ws = websocket.create_connection(
        lab.base_url.replace("http://", "ws://") + f"/p/{late.code}/ws", timeout=HTTP_TIMEOUT)
    try:
        assert json.loads(ws.recv())["step"] == RESPOND_1
        pass_deadline(db, late.code)
        started = time.monotonic()
        message = json.loads(ws.recv())  # the sweep runs every second
        assert message == {"type": "advance"}
        assert time.monotonic() - started < 5
    finally:
        ws.close()
    assert late.position()["step"] == RESULTS_1
    assert db.group_of("ultimatum", late.code)["offer_accepted"] == 0
    assert db.visit(late.code, RESPOND_1)["timed_out"] == 1
