"""A wait page's ``live_method`` in the engine (oTree 6): one transaction per message, like a
page's; its deliveries reach only the members waiting on that same wait page (not those on a
live page of the round, nor a page's deliveries the waiting ones); a message from anyone not
waiting there is refused; a live message never releases the wait page, and once it releases,
the waiting page's late messages are refused as stale."""

from __future__ import annotations

import pytest
from live_lobby import INTRO, LOBBY, RESULTS, lobby_project
from test_engine_live import drained

from labctl.engine.live import FAILED, LiveRefused
from labctl.hub import Channel
from labctl.validation import validate_project

pytestmark = pytest.mark.both_stores


@pytest.fixture
def lobby(tmp_path, load, open_engine, driver_of):
    """Members 1 and 2 waiting in the Lobby, member 3 still on the Intro (a live page)."""
    project = load(lobby_project(tmp_path / "project"))
    assert validate_project(project) == []
    engine = open_engine(project)
    session = engine.create_session("lobby")
    codes = [row["code"] for row in engine.participant_rows(session)]
    driver = driver_of(engine)
    for code in codes:
        driver.look(code)
    for code in codes[:2]:
        assert driver.advance(code, {"note": ""}).index == LOBBY
    inboxes = [engine.hub.subscribe(Channel.live(code)) for code in codes]
    return engine, codes, inboxes, driver


def test_a_wave_is_saved_and_reaches_the_members_waiting_there_only(lobby, dbfile):
    engine, codes, inboxes, _ = lobby

    message_id = engine.live_message(codes[0], LOBBY, {"kind": "wave"})

    for inbox in inboxes[:2]:
        [delivery] = drained(inbox)
        assert (delivery["re"], delivery["data"]) == (message_id, {"waves": 1, "by": 1})
    assert drained(inboxes[2]) == []  # on the Intro, a live page of the same round
    assert dbfile.value("SELECT waves FROM lobby_group") == 1
    assert dbfile.rows("SELECT direction, participant_code, page, step, recipients FROM "
                       "live_messages ORDER BY id") == [
        {"direction": "in", "participant_code": codes[0], "page": "Lobby", "step": LOBBY,
         "recipients": "1,2,3"},
        {"direction": "out", "participant_code": None, "page": "Lobby", "step": LOBBY,
         "recipients": "1,2"}]
    assert dbfile.rows("SELECT participant_code, step, page FROM live_recipients ORDER BY "
                       "id_in_group") == [{"participant_code": code, "step": LOBBY,
                                           "page": "Lobby"} for code in codes[:2]]


def test_a_pages_deliveries_do_not_reach_the_wait_page(lobby):
    engine, codes, inboxes, _ = lobby

    engine.live_message(codes[2], INTRO, {})

    assert [len(drained(inbox)) for inbox in inboxes] == [0, 0, 1]


def test_a_whisper_reaches_one_waiting_member(lobby):
    engine, codes, inboxes, _ = lobby

    engine.live_message(codes[1], LOBBY, {"kind": "whisper", "to": 1})

    first, second, third = (drained(inbox) for inbox in inboxes)
    assert ([d["data"] for d in first], second, third) == ([{"from": 2}], [], [])


def test_a_member_not_waiting_there_is_refused_and_nothing_is_stored(lobby, dbfile):
    engine, codes, _, _ = lobby
    before = dbfile.snapshot()

    with pytest.raises(LiveRefused, match="no longer yours"):
        engine.live_message(codes[2], LOBBY, {"kind": "wave"})  # still on the Intro

    assert dbfile.snapshot() == before


def test_a_failing_live_method_on_a_wait_page_rolls_back(lobby, dbfile):
    engine, codes, inboxes, _ = lobby

    with pytest.raises(LiveRefused) as refused:
        engine.live_message(codes[0], LOBBY, {"kind": "boom"})

    assert str(refused.value) == FAILED
    assert dbfile.value("SELECT waves FROM lobby_group") == 0
    assert dbfile.value("SELECT count(*) FROM live_messages") == 0
    assert [drained(inbox) for inbox in inboxes] == [[], [], []]
    error = dbfile.one("SELECT * FROM app_errors WHERE participant_code = ?", codes[0])
    assert "live_method of lobby, page Lobby raised RuntimeError: the lobby broke" in (
        error["message"])


def test_a_live_message_never_releases_and_the_release_makes_late_ones_stale(lobby):
    engine, codes, _, driver = lobby
    engine.live_message(codes[0], LOBBY, {"kind": "wave"})
    engine.live_message(codes[1], LOBBY, {"kind": "wave"})
    assert [driver.look(code).index for code in codes] == [LOBBY, LOBBY, INTRO]

    driver.advance(codes[2], {"note": ""})  # the last one arrives: all three released

    assert [driver.look(code).index for code in codes] == [RESULTS] * 3
    with pytest.raises(LiveRefused, match="no longer yours"):
        engine.live_message(codes[0], LOBBY, {"kind": "wave"})


def test_a_waiting_page_that_reconnects_gets_what_it_missed_there(lobby):
    engine, codes, _, _ = lobby
    first = engine.live_message(codes[0], LOBBY, {"kind": "wave"})
    engine.live_message(codes[2], INTRO, {})  # a page's delivery: not the wait page's

    missed = engine.live_deliveries(codes[1], after=0)

    assert [(d.reply_to, d.data) for d in missed] == [(first, {"waves": 1, "by": 1})]
