"""Wait pages over a real WebSocket: the waiting participant hears of the release within moments
of the other member's submit, only their own group is released, and the position endpoint (the
polling fallback) tells the same."""

from __future__ import annotations

import time

import browserless
import pytest
import requests
import websocket
from browserless import (
    SEND_BACK,
    TRUST_RESULTS,
    TRUST_RESULTS_WAIT,
    WAIT_FOR_TRUSTOR,
    LabDb,
    Participant,
)

pytestmark = pytest.mark.both_stores

#: how long a release may take to reach a waiting participant's socket
RELEASE_SECONDS = 3.0
#: how long a socket must stay quiet to show that nothing was sent to it
QUIET_SECONDS = 0.5


def next_message(ws: websocket.WebSocket, seconds: float = RELEASE_SECONDS) -> dict:
    return browserless.next_message(ws, seconds)


def assert_quiet(ws: websocket.WebSocket) -> None:
    ws.settimeout(QUIET_SECONDS)
    with pytest.raises(websocket.WebSocketTimeoutException):
        print("unexpected message:", ws.recv())


def check_trust_releases(people: list[Participant], ws_base: str, session_code: str,
                         db: LabDb) -> None:
    """Both trust wait pages release over the socket, one group at a time."""
    pages = {p.code: p.get() for p in people}
    groups = db.groups("trust", session_code, 1)
    by_code = {p.code: p for p in people}
    trustor, trustee = by_code[groups[0]["trustor"]], by_code[groups[0]["trustee"]]
    other_trustor, other_trustee = by_code[groups[1]["trustor"]], by_code[groups[1]["trustee"]]
    assert pages[trustor.code].kind == "page" and pages[trustor.code].step == 0
    assert pages[trustee.code].kind == "wait", pages[trustee.code]
    assert pages[trustee.code].step == WAIT_FOR_TRUSTOR
    waiting = {"step": WAIT_FOR_TRUSTOR, "page": "WaitForTrustor", "finished": False}
    assert trustee.position() == waiting

    sockets = {code: websocket.create_connection(f"{ws_base}/p/{code}/ws",
                                                 timeout=RELEASE_SECONDS)
               for code in (trustee.code, other_trustee.code)}
    try:
        assert next_message(sockets[trustee.code]) == {"type": "position", **waiting}
        assert next_message(sockets[other_trustee.code]) == {"type": "position", **waiting}

        submitted = time.monotonic()
        assert trustor.submit({"sent_amount": "4.00"}).status_code == 200
        assert next_message(sockets[trustee.code]) == {"type": "advance"}
        assert time.monotonic() - submitted < RELEASE_SECONDS
        assert_quiet(sockets[other_trustee.code])  # the other group is still waiting
    finally:
        for ws in sockets.values():
            ws.close()

    assert trustee.position() == {"step": SEND_BACK, "page": "SendBack", "finished": False}
    assert other_trustee.position() == waiting
    page = trustee.get()
    assert (page.kind, page.step, list(page.fields)) == ("page", SEND_BACK, ["sent_back_amount"])
    assert "you received <strong>EUR 12.00</strong>" in page.html

    # the trustor went on to the results wait page; the trustee's answer releases them
    assert trustor.position()["step"] == TRUST_RESULTS_WAIT
    ws = websocket.create_connection(f"{ws_base}/p/{trustor.code}/ws", timeout=RELEASE_SECONDS)
    try:
        assert next_message(ws)["step"] == TRUST_RESULTS_WAIT
        assert trustee.submit({"sent_back_amount": "5.00"}, page).status_code == 200
        assert next_message(ws) == {"type": "advance"}
    finally:
        ws.close()
    assert trustor.position()["step"] == TRUST_RESULTS
    assert trustee.position()["step"] == TRUST_RESULTS
    assert "<strong>EUR 11.00</strong>" in trustor.get().html  # 10.00 - 4.00 + 5.00
    assert other_trustor.position()["step"] == 0


def test_a_wait_page_is_released_over_its_websocket(live_server, participants_of):
    lab = live_server()
    check_trust_releases(participants_of(lab.base_url, lab.codes),
                         lab.base_url.replace("http://", "ws://"), lab.session_code,
                         LabDb.of(lab.engine.store))


@pytest.mark.slow  # labctl run as a process
def test_a_wait_page_is_released_over_its_websocket_under_gevent(sample_project, lab_process,
                                                                 participants_of):
    lab = lab_process(sample_project, "my_session", "-n", "4")
    check_trust_releases(participants_of(lab.base_url, lab.codes),
                         lab.base_url.replace("http://", "ws://"), lab.session_code,
                         LabDb(sample_project / "labctl.db"))


def test_a_socket_opened_after_the_release_starts_at_the_new_step(live_server,
                                                                  participants_of):
    lab = live_server()
    # fixed matching: participants 1 and 2 play together
    trustor, trustee = participants_of(lab.base_url, lab.codes[:2])
    assert trustee.get().kind == "wait"
    assert trustor.submit({"sent_amount": "1.00"}).status_code == 200
    ws = websocket.create_connection(lab.ws_url(trustee.code), timeout=RELEASE_SECONDS)
    try:
        assert next_message(ws) == {"type": "position", "step": SEND_BACK, "page": "SendBack",
                                    "finished": False}
    finally:
        ws.close()


def test_a_socket_for_an_unknown_code_is_closed_as_a_policy_violation(live_server):
    lab = live_server()
    ws = websocket.create_connection(lab.ws_url("not-a-participant"), timeout=RELEASE_SECONDS)
    try:
        opcode, data = ws.recv_data(control_frame=True)
    finally:
        ws.close()
    assert opcode == websocket.ABNF.OPCODE_CLOSE
    assert int.from_bytes(data[:2], "big") == 1008
    assert data[2:] == b"unknown participant"


def test_the_position_of_an_unknown_code_is_a_404(live_server):
    lab = live_server()
    response = requests.get(lab.url("not-a-participant", "position"), timeout=RELEASE_SECONDS)
    assert response.status_code == 404
    assert "does not belong to any participant" in response.text
