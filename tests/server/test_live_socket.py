"""Live pages over real HTTP and real WebSockets: ``/p/<code>/live`` carries liveSend and
liveRecv; replies reach exactly the addressed players, a reconnecting page resumes where it
left, a stale page and bad input are refused with a message the page shows, and where
WebSockets are blocked the same works over ``/p/<code>/live/messages``."""

from __future__ import annotations

import json

import pytest
import requests
import websocket
from browserless import HTTP_TIMEOUT, Participant
from live_counter import counter_project

from labctl.engine.live import FAILED, RateLimits
from labctl.participant_urls import LIVE, LIVE_MESSAGES, participant_url

COUNT = 0


@pytest.fixture
def lab(live_server, tmp_path):
    """A 3-participant counter session on a real server, everyone on the live page."""
    server = live_server(project=counter_project(tmp_path / "project"), session_type="counter",
                         n=3)
    for code in server.codes:
        assert Participant(server.base_url, code).get().step == COUNT
    return server


class LivePage:
    """One participant's live socket, read with a timeout on every message."""

    def __init__(self, base_url: str, code: str, after: int = 0) -> None:
        url = participant_url(base_url.replace("http://", "ws://"), code, LIVE)
        self.ws = websocket.create_connection(f"{url}?after={after}", timeout=HTTP_TIMEOUT,
                                              origin=base_url)
        self.sent = 0

    def send(self, data, step: int = COUNT) -> int:
        self.sent += 1
        self.ws.send(json.dumps({"op": "send", "step": step, "data": data, "id": self.sent}))
        return self.sent

    def next(self) -> dict:
        message = json.loads(self.ws.recv())
        return message if message["type"] != "ping" else self.next()

    def until_answer(self, request_id: int) -> tuple[list[dict], dict]:
        """The deliveries before the answer to ``request_id``, and that answer."""
        seen = []
        for _ in range(100):
            message = self.next()
            if message["type"] in ("ack", "error") and message["id"] == request_id:
                return seen, message
            seen.append(message)
        raise AssertionError(f"no answer to {request_id} in 100 messages: {seen}")

    def nothing_pending(self) -> bool:
        """True when the next thing this socket hears is the answer to a ping."""
        self.ws.send(json.dumps({"op": "ping"}))
        return self.next() == {"type": "pong"}

    def close(self) -> None:
        self.ws.close()


@pytest.fixture
def pages(lab):
    opened: list[LivePage] = []

    def open_(index: int, after: int = 0) -> LivePage:
        page = LivePage(lab.base_url, lab.codes[index], after)
        opened.append(page)
        return page

    yield open_
    for page in opened:
        page.close()


def test_a_click_reaches_every_member_before_the_senders_ack(lab, pages):
    first, second, third = pages(0), pages(1), pages(2)

    deliveries, answer = first.until_answer(first.send({"kind": "click"}))

    assert answer["type"] == "ack"
    assert [d["data"] for d in deliveries] == [{"total": 1, "by": 1}]
    for other in (second, third):  # one payload for the group: one delivery id
        assert other.next() == {"type": "live", "id": deliveries[0]["id"], "re": answer["mid"],
                                "data": {"total": 1, "by": 1}}


def test_a_reply_to_one_member_reaches_only_that_member(lab, pages):
    first, second, third = pages(0), pages(1), pages(2)

    deliveries, answer = first.until_answer(first.send({"kind": "whisper", "to": 3}))

    assert (deliveries, answer["type"]) == ([], "ack")
    assert third.next()["data"] == {"from": 1}
    assert second.nothing_pending() and third.nothing_pending()


def test_state_on_load_answers_the_sender_alone(lab, pages):
    first, second = pages(0), pages(1)
    first.until_answer(first.send({"kind": "click"}))
    second.next()

    deliveries, _ = second.until_answer(second.send({}))

    assert [d["data"] for d in deliveries] == [{"total": 1, "clicks": 0}]
    assert first.nothing_pending()


def test_a_page_that_reconnects_gets_what_it_missed_once(lab, pages):
    first, third = pages(0), pages(2)
    first.until_answer(first.send({"kind": "click"}))
    seen = third.next()
    third.close()

    first.until_answer(first.send({"kind": "click"}))
    first.until_answer(first.send({"kind": "click"}))
    again = pages(2, after=seen["id"])

    assert [again.next()["data"]["total"] for _ in range(2)] == [2, 3]
    assert again.nothing_pending()


def test_a_stale_page_is_refused_and_nobody_hears_of_it(lab, pages):
    first, third = pages(0), pages(2)
    Participant(lab.base_url, lab.codes[2]).submit({"note": ""})  # third moves on

    _, answer = third.until_answer(third.send({"kind": "click"}))
    assert answer["type"] == "error" and "no longer yours" in answer["message"]

    deliveries, _ = first.until_answer(first.send({"kind": "click"}))
    assert deliveries[0]["data"] == {"total": 1, "by": 1}  # the refused click counted nothing
    assert third.nothing_pending()  # and the member who left gets nothing


def test_a_failing_live_method_tells_the_page_briefly_and_the_monitor_its_line(lab, pages):
    first = pages(0)

    _, answer = first.until_answer(first.send({"kind": "boom"}))

    assert answer == {"type": "error", "id": 1, "message": FAILED}
    [row] = [r for r in lab.engine.monitor(lab.session_code) if r.code == lab.codes[0]]
    assert row.app_error["location"].endswith("counter/__init__.py:33")
    assert "the counter broke" in row.app_error["message"]
    deliveries, answer = first.until_answer(first.send({}))  # the page goes on working
    assert deliveries[0]["data"] == {"total": 0, "clicks": 0}


@pytest.mark.parametrize(("raw", "says"), [
    ("not json", "must be JSON"),
    ("[1, 2]", "must be a JSON object"),
    (json.dumps({"op": "dance"}), "unknown op 'dance'"),
    (json.dumps({"op": "send", "step": COUNT, "data": "x" * 70_000}), "under 64 KiB"),
    ("[" * 100_000, "under 64 KiB"),
    ('{"op": "send", "step": 0, "data": ' + "[" * 70 + "1" + "]" * 70 + "}",
     "nest at most 64"),
])
def test_bad_input_is_answered_with_an_error_and_the_socket_stays(lab, pages, raw, says):
    first = pages(0)

    first.ws.send(raw)

    answer = first.next()
    assert answer["type"] == "error" and says in answer["message"]
    deliveries, ack = first.until_answer(first.send({}))
    assert ack["type"] == "ack" and deliveries


def test_a_page_sending_too_fast_is_refused_with_a_message(lab, pages):
    lab.engine.live_rates = RateLimits(per_second=1e-9, burst=3)  # no refill while it runs
    first = pages(0)
    for _ in range(3):
        first.send({"kind": "whisper", "to": 2})
    refused = first.send({"kind": "whisper", "to": 2})

    _, answer = first.until_answer(refused)

    assert answer["type"] == "error" and "too many live messages" in answer["message"]


def test_an_unknown_participant_gets_no_live_socket(lab):
    page = LivePage(lab.base_url, "no-such-code")

    assert page.ws.recv() == ""  # closed at once, nothing sent
    assert not page.ws.connected


# -- where WebSockets are blocked ----------------------------------------------------------------


def http_send(lab, index: int, body, **options) -> requests.Response:
    url = participant_url(lab.base_url, lab.codes[index], LIVE_MESSAGES)
    if body is not None:
        options["json"] = body
    return requests.post(url, timeout=HTTP_TIMEOUT, **options)


def http_deliveries(lab, index: int, after: int = 0) -> list[dict]:
    url = participant_url(lab.base_url, lab.codes[index], LIVE_MESSAGES)
    answer = requests.get(url, params={"after": after}, timeout=HTTP_TIMEOUT)
    assert answer.status_code == 200
    return answer.json()["deliveries"]


def test_over_http_a_message_runs_and_each_member_polls_their_deliveries(lab):
    answer = http_send(lab, 0, {"step": COUNT, "data": {"kind": "whisper", "to": 2}})

    assert answer.status_code == 200
    mid = answer.json()["mid"]
    [delivery] = http_deliveries(lab, 1)
    assert (delivery["re"], delivery["data"]) == (mid, {"from": 1})
    assert http_deliveries(lab, 1, after=delivery["id"]) == []
    assert http_deliveries(lab, 0) == [] and http_deliveries(lab, 2) == []


@pytest.mark.parametrize(("options", "status", "says"), [
    ({"data": "step=0", "headers": {"Content-Type": "application/x-www-form-urlencoded"}}, 409,
     "send the message as JSON"),
    ({"data": "{nope", "headers": {"Content-Type": "application/json"}}, 409, "must be JSON"),
    ({"json": {"step": 5, "data": {}}}, 409, "no longer yours"),
    ({"json": {"step": COUNT, "data": {"kind": "boom"}}}, 500, FAILED),
])
def test_over_http_a_refusal_is_a_clear_json_error(lab, options, status, says):
    answer = http_send(lab, 0, None, **options)

    assert answer.status_code == status
    assert says in answer.json()["error"]
    assert "Traceback" not in answer.text


def test_over_http_a_page_sending_too_fast_gets_429(lab):
    lab.engine.live_rates = RateLimits(per_second=1e-9, burst=3)
    answers = [http_send(lab, 0, {"step": COUNT, "data": {"kind": "whisper", "to": 2}})
               for _ in range(4)]

    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert "too many live messages" in answers[-1].json()["error"]


def test_only_a_live_page_loads_the_live_client(lab):
    live_page = requests.get(participant_url(lab.base_url, lab.codes[0]), timeout=HTTP_TIMEOUT)
    assert '<script src="/static/labctl-live.js"></script>' in live_page.text
    Participant(lab.base_url, lab.codes[0]).submit({"note": ""})
    results = requests.get(participant_url(lab.base_url, lab.codes[0]), timeout=HTTP_TIMEOUT)
    assert "labctl-live.js" not in results.text
    script = requests.get(f"{lab.base_url}/static/labctl-live.js", timeout=HTTP_TIMEOUT)
    assert script.status_code == 200 and "window.liveSend" in script.text


def test_a_full_delivery_queue_remembers_that_the_hub_dropped_a_delivery():
    from labctl.hub import InProcessHub
    from labctl.server.live_socket import DeliveryQueue

    hub, inbox = InProcessHub(), DeliveryQueue(2)
    hub.subscribe("live:x", inbox)

    delivered = [hub.publish("live:x", {"n": n}) for n in range(3)]

    assert delivered == [1, 1, 0] and inbox.overflowed


def test_a_delivery_committed_while_a_page_reconnects_arrives_once(lab, pages):
    """The socket subscribes to the hub, then reads what the page missed from the log: a
    delivery committed between the two is in both, and was sent twice. Forced here by a
    click run at that very moment (inside the log read)."""
    first = pages(0)
    read_log = lab.engine.live_deliveries
    clicked = []

    def click_then_read(code, after):
        if code == lab.codes[1] and not clicked:
            clicked.append(lab.engine.live_message(lab.codes[0], COUNT, {"kind": "click"}))
        return read_log(code, after)

    lab.engine.live_deliveries = click_then_read
    second = pages(1)

    delivery = second.next()
    assert delivery["data"] == {"total": 1, "by": 1} and delivery["re"] == clicked[0]
    assert second.nothing_pending()
    assert first.next()["data"] == {"total": 1, "by": 1}
