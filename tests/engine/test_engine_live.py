"""Live methods in the engine: one transaction per message, deliveries after the commit to
the addressed members who are on the live page, stale pages refused, payloads and rates
limited, and a failing method that leaves no trace but the app error the monitor shows."""

from __future__ import annotations

import json
import queue

import pytest
from live_counter import APP, SESSION_TYPE

from labctl.engine.live import FAILED, MAX_PAYLOAD_BYTES, RATE_BURST, LiveRefused
from labctl.hub import Channel

pytestmark = pytest.mark.both_stores

COUNT, RESULTS = 0, 1


@pytest.fixture
def live(make_project, open_engine, driver_of):
    """A started session of the counter app: its engine, the codes, and each one's inbox."""
    engine = open_engine(make_project({"counter": APP}, SESSION_TYPE))
    session = engine.create_session("counter")
    codes = [row["code"] for row in engine.participant_rows(session)]
    driver = driver_of(engine)
    for code in codes:
        driver.look(code)  # starts them on Count
    inboxes = [engine.hub.subscribe(Channel.live(code)) for code in codes]
    return engine, codes, inboxes, driver


def drained(inbox: queue.Queue) -> list[dict]:
    found = []
    while not inbox.empty():
        found.append(inbox.get_nowait())
    return found


def test_a_click_is_saved_and_reaches_every_member_after_the_commit(live, dbfile):
    engine, codes, inboxes, _ = live

    message_id = engine.live_message(codes[0], COUNT, {"kind": "click"})

    for inbox in inboxes:
        [delivery] = drained(inbox)
        assert delivery["type"] == "live" and delivery["re"] == message_id
        assert delivery["data"] == {"total": 1, "by": 1}
    assert dbfile.value("SELECT total FROM counter_group") == 1
    assert dbfile.value("SELECT clicks FROM counter_player WHERE id_in_group = 1") == 1
    rows = dbfile.rows("SELECT direction, participant_code, reply_to, payload, recipients "
                       "FROM live_messages ORDER BY id")
    assert rows[0] == {"direction": "in", "participant_code": codes[0], "reply_to": None,
                       "payload": '{"kind": "click"}', "recipients": "1,2,3"}
    [out] = rows[1:]  # the payload for the whole group is stored once...
    assert json.loads(out.pop("payload")) == {"total": 1, "by": 1}  # jsonb orders its keys
    assert out == {"direction": "out", "participant_code": None, "reply_to": message_id,
                   "recipients": "1,2,3"}
    delivery_id = dbfile.value("SELECT id FROM live_messages WHERE direction = 'out'")
    assert dbfile.rows("SELECT participant_code, delivery_id, id_in_group, step, page FROM "
                       "live_recipients ORDER BY id_in_group") == [  # ...with who it reached
        {"participant_code": code, "delivery_id": delivery_id, "id_in_group": n,
         "step": COUNT, "page": "Count"} for n, code in enumerate(codes, start=1)]


def test_a_payload_for_one_member_reaches_only_that_member(live):
    engine, codes, inboxes, _ = live

    engine.live_message(codes[0], COUNT, {"kind": "whisper", "to": 3})

    assert [len(drained(inbox)) for inbox in inboxes] == [0, 0, 1]


def test_a_payload_per_member_is_stored_once_each_and_reaches_its_member_only(live, dbfile):
    engine, codes, inboxes, _ = live

    message_id = engine.live_message(codes[0], COUNT, {"kind": "each"})

    for n, inbox in enumerate(inboxes, start=1):
        [delivery] = drained(inbox)
        assert delivery["data"] == {"you": n} and delivery["re"] == message_id
        assert json.loads(delivery.text) == delivery  # the JSON its sockets are sent
    assert dbfile.rows("SELECT payload, recipients FROM live_messages WHERE direction = 'out' "
                       "ORDER BY id") == [{"payload": json.dumps({"you": n}),
                                           "recipients": str(n)} for n in (1, 2, 3)]


def test_the_log_reads_back_one_row_per_delivery_to_each_member(live):
    engine, codes, _, driver = live
    driver.advance(codes[1], {"note": "done"})  # off the live page: reached by nothing
    click = engine.live_message(codes[0], COUNT, {"kind": "click"})
    each = engine.live_message(codes[2], COUNT, {"kind": "each"})

    with engine.store.reading():
        session_code = engine.store.participant_by_code(codes[0])["session_code"]
        rows = engine.store.live_messages(session_code)
    assert [(r["id"] - click, r["direction"], r["participant_code"], r["id_in_group"],
             r["reply_to"], r["recipients"]) for r in rows] == [
        (0, "in", codes[0], 1, None, "1,2,3"),
        (1, "out", codes[0], 1, click, None), (1, "out", codes[2], 3, click, None),
        (2, "in", codes[2], 3, None, "1,2,3"),
        (3, "out", codes[0], 1, each, None), (4, "out", codes[2], 3, each, None)]
    assert {(r["page"], r["step"]) for r in rows} == {("Count", COUNT)}


def test_deliveries_arrive_in_commit_order(live):
    engine, codes, inboxes, _ = live

    for sender in [0, 1, 2, 0, 1]:
        engine.live_message(codes[sender], COUNT, {"kind": "click"})

    for inbox in inboxes:
        seen = drained(inbox)
        assert [d["data"]["total"] for d in seen] == [1, 2, 3, 4, 5]
        assert [d["id"] for d in seen] == sorted(d["id"] for d in seen)


def test_a_member_who_moved_on_gets_nothing_and_their_stale_page_is_refused(live, dbfile):
    engine, codes, inboxes, driver = live
    driver.advance(codes[2], {"note": "done"})
    before = dbfile.snapshot()

    with pytest.raises(LiveRefused, match="no longer yours"):
        engine.live_message(codes[2], COUNT, {"kind": "click"})
    assert dbfile.snapshot() == before

    engine.live_message(codes[0], COUNT, {"kind": "click"})
    assert [len(drained(inbox)) for inbox in inboxes] == [1, 1, 0]
    assert dbfile.value("SELECT recipients FROM live_messages WHERE direction = 'out'") == (
        "1,2")
    assert dbfile.value("SELECT count(*) FROM live_recipients") == 2


@pytest.mark.parametrize("step", [RESULTS, -1, None, "0", True])
def test_a_message_for_another_step_is_refused(live, dbfile, step):
    engine, codes, _, _ = live

    with pytest.raises(LiveRefused, match="no longer yours"):
        engine.live_message(codes[0], step, {"kind": "click"})
    assert dbfile.value("SELECT count(*) FROM live_messages") == 0


def test_a_page_without_a_live_method_is_refused(live):
    engine, codes, _, driver = live
    driver.advance(codes[0], {"note": ""})

    with pytest.raises(LiveRefused, match="has no live method"):
        engine.live_message(codes[0], RESULTS, {})


def test_a_failing_live_method_rolls_back_and_is_recorded_at_its_line(live, dbfile):
    engine, codes, inboxes, _ = live
    engine.live_message(codes[0], COUNT, {"kind": "click"})
    drained(inboxes[0])

    with pytest.raises(LiveRefused) as refused:
        engine.live_message(codes[1], COUNT, {"kind": "boom"})

    assert str(refused.value) == FAILED  # the page's message: no traceback, no file
    assert dbfile.value("SELECT total FROM counter_group") == 1
    assert dbfile.value("SELECT count(*) FROM live_messages") == 2  # the click, its payload
    assert dbfile.value("SELECT count(*) FROM live_recipients") == 3  # ...and who it reached
    assert drained(inboxes[0]) == []
    error = dbfile.one("SELECT * FROM app_errors WHERE participant_code = ?", codes[1])
    assert error["location"].endswith("counter/__init__.py:33")  # the raise
    assert "live_method of counter, page Count raised RuntimeError: the counter broke" in (
        error["message"])


@pytest.mark.parametrize(("kind", "says"), [
    ("bad", "returned a payload for 7, which is no id_in_group of the group ([1, 2, 3])"),
    ("nojson", "payload for 0 is not JSON"),
])
def test_a_wrong_return_is_the_researchers_error_at_the_live_method(live, dbfile, kind, says):
    engine, codes, _, _ = live

    with pytest.raises(LiveRefused):
        engine.live_message(codes[0], COUNT, {"kind": kind})

    error = dbfile.one("SELECT * FROM app_errors WHERE participant_code = ?", codes[0])
    assert says in error["message"]
    assert error["location"].endswith("counter/__init__.py:21")  # its @staticmethod
    assert dbfile.value("SELECT count(*) FROM live_messages") == 0


def nested(depth: int) -> object:
    value: object = 1
    for _ in range(depth):
        value = [value]
    return value


@pytest.mark.parametrize(("data", "says"), [
    ("x" * MAX_PAYLOAD_BYTES, "under 64 KiB"),
    (nested(70), "nest at most 64"),
    ({"n": float("nan")}, "must be JSON"),
    ({1, 2}, "must be JSON"),
])
def test_an_oversized_deep_or_non_json_message_is_refused(live, dbfile, data, says):
    engine, codes, _, _ = live

    with pytest.raises(LiveRefused, match=says):
        engine.live_message(codes[0], COUNT, data)
    assert dbfile.value("SELECT count(*) FROM live_messages") == 0


def test_each_participant_is_rate_limited_and_recovers_with_time(live, clock):
    engine, codes, _, _ = live
    for _ in range(int(RATE_BURST)):
        engine.live_message(codes[0], COUNT, {})

    with pytest.raises(LiveRefused, match="too many live messages"):
        engine.live_message(codes[0], COUNT, {})
    engine.live_message(codes[1], COUNT, {})  # another participant is not slowed down

    clock.advance(0.125)  # two and a half tokens come back in an eighth of a second
    engine.live_message(codes[0], COUNT, {})
    engine.live_message(codes[0], COUNT, {})
    with pytest.raises(LiveRefused, match="too many"):
        engine.live_message(codes[0], COUNT, {})


def test_a_page_that_reconnects_gets_what_it_missed_on_this_page_only(live):
    engine, codes, _, _ = live
    first = engine.live_message(codes[0], COUNT, {"kind": "click"})
    engine.live_message(codes[1], COUNT, {"kind": "click"})

    missed = engine.live_deliveries(codes[2], after=0)
    assert [(d.reply_to, d.data["total"]) for d in missed] == [(first, 1), (first + 2, 2)]
    assert engine.live_deliveries(codes[2], after=missed[0].id) == missed[1:]


def test_a_timeout_and_the_experimenters_advance_move_a_live_page_on(live, clock):
    engine, codes, _, driver = live
    engine.admin_advance(codes[0])
    clock.advance(601)  # Count's timeout_seconds is 600

    assert engine.expire_timeouts() == 2
    assert [driver.look(code).page for code in codes] == ["Results"] * 3
    with pytest.raises(LiveRefused, match="no longer yours"):
        engine.live_message(codes[1], COUNT, {"kind": "click"})
