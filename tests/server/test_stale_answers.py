"""A form sent for a page the participant has already left changes nothing, and the page it is
answered with says why: the experimenter moved them on, the page's time ran out, the page was
already answered (another window, or an earlier attempt), or the form was never for a page
they were on. Nothing vanishes silently, and nothing is stored on the wrong page."""

from __future__ import annotations

import time

import pytest
from browserless import (
    RESPOND_1,
    SEND,
    TRUST_RESULTS_WAIT,
    LabDb,
    SampleBot,
    assert_current_page,
    parse_page,
    play,
)

from labctl.server.participant import STALE_NOTICES

pytestmark = pytest.mark.both_stores

NOTICE_ID = 'id="page-notice"'


@pytest.fixture
def lab(shared_server, participants_of):
    server = shared_server()
    people = participants_of(server.base_url, server.codes)
    for person in people:
        assert person.get().status == 200
    return server, people, LabDb.of(server.engine.store)


def notice_of(response) -> str:
    """The text of the page's notice (one paragraph), or '' when the page has none."""
    if NOTICE_ID not in response.text:
        return ""
    return response.text.split(NOTICE_ID, 1)[1].split("<p>", 1)[1].split("</p>", 1)[0]


def test_a_form_sent_after_the_experimenter_advanced_says_so_and_saves_nothing(lab):
    server, people, db = lab
    trustor = people[0]
    send = trustor.get()
    assert send.step == SEND
    server.engine.admin_advance(trustor.code, server.session_code, SEND)
    before = db.snapshot()

    response = trustor.post(trustor.form(send, {"sent_amount": "7.00"}))

    shown = assert_current_page(response, trustor)
    assert shown.step == TRUST_RESULTS_WAIT
    assert notice_of(response) == STALE_NOTICES["experimenter"]
    assert "experimenter moved you on" in notice_of(response)
    assert db.snapshot() == before
    assert db.group_of("trust", trustor.code)["sent_amount"] == 0  # the timeout value


def test_a_form_sent_twice_says_the_page_was_already_answered(lab):
    _server, people, db = lab
    trustor = people[0]
    send = trustor.get()
    first = trustor.post(trustor.form(send, {"sent_amount": "3.00"}))
    assert first.status_code == 200 and notice_of(first) == ""
    before = db.snapshot()

    again = trustor.post(trustor.form(send, {"sent_amount": "9.00"}))  # another window's form

    assert assert_current_page(again, trustor).kind == "wait"
    assert notice_of(again) == STALE_NOTICES["answered"]
    assert db.snapshot() == before
    assert db.group_of("trust", trustor.code)["sent_amount"] == 300


def test_a_form_for_a_page_never_shown_says_it_was_not_for_this_page(lab):
    _server, people, db = lab
    trustor = people[0]
    send = trustor.get()
    before = db.snapshot()
    for step in ("99", "abc", str(SEND + 1)):
        response = trustor.post(trustor.form(send, {"sent_amount": "3.00"}, step=step))
        assert assert_current_page(response, trustor).step == SEND
        assert notice_of(response) == STALE_NOTICES["not_shown"]
    assert db.snapshot() == before


def test_an_ordinary_page_has_no_notice(lab):
    _server, people, _db = lab
    response = people[0].http.get(people[0].url, timeout=10)
    assert response.status_code == 200 and NOTICE_ID not in response.text


def test_a_form_sent_after_the_page_timed_out_says_time_ran_out(live_server, participants_of):
    lab = live_server()
    people = participants_of(lab.base_url, lab.codes)
    pages = play(people, SampleBot(lab.codes), stop_step=RESPOND_1)
    responder = next(p for p in people if pages[p.code].step == RESPOND_1)
    page = pages[responder.code]
    db = LabDb.of(lab.engine.store)
    db.execute("UPDATE participants SET deadline = ? WHERE code = ?",
               (time.time() - 10, responder.code))
    assert lab.engine.expire_timeouts() >= 1
    before = db.snapshot()

    response = responder.post(responder.form(page, {"offer_accepted": "1"}))

    assert response.status_code == 200
    assert notice_of(response) == STALE_NOTICES["timeout"]
    assert parse_page(response).step != RESPOND_1
    assert db.snapshot() == before
    assert db.group_of("ultimatum", responder.code)["offer_accepted"] == 0
