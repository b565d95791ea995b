"""Rooms over real HTTP and WebSockets: lab PCs open their seat URL before any session exists,
wait, and join the session the experimenter then opens in the room (through the admin's create
form), one participant per seat for good.

The sample project's room ``lab1`` ("Economics lab") has the seats PC01..PC08.
"""

from __future__ import annotations

import html
import re
import time

import browserless
import pytest
import requests
import websocket
from browserless import HTTP_TIMEOUT, SEND, WAIT_FOR_TRUSTOR, LabDb, Participant, admin_login

PASSWORD = "rooms-test-password"
SEATS = [f"PC{n:02d}" for n in range(1, 9)]
#: how long opening a session may take to reach a waiting seat's socket
OPEN_SECONDS = 3.0


@pytest.fixture
def lab(live_server):
    """A lab server with the admin behind a password; its own session (4 participants, no
    room) leaves the room closed."""
    return live_server(admin_password=PASSWORD)


def ws_base(base_url: str) -> str:
    return base_url.replace("http://", "ws://")


def next_message(ws: websocket.WebSocket, seconds: float = OPEN_SECONDS) -> dict:
    return browserless.next_message(ws, seconds)


def close_frame(ws: websocket.WebSocket) -> tuple[int, bytes]:
    """(status code, reason) of the close frame the server sends first."""
    opcode, data = ws.recv_data(control_frame=True)
    assert opcode == websocket.ABNF.OPCODE_CLOSE, (opcode, data)
    return int.from_bytes(data[:2], "big"), data[2:]


def seat_url(base_url: str, label: str, room: str = "lab1") -> str:
    return f"{base_url}/room/{room}/{label}/"


def visit_seat(http: requests.Session, base_url: str, label: str,
               room: str = "lab1") -> requests.Response:
    return http.get(seat_url(base_url, label, room), timeout=HTTP_TIMEOUT,
                    allow_redirects=False)


def room_status(base_url: str, room: str = "lab1") -> requests.Response:
    return requests.get(f"{base_url}/room/{room}/status", timeout=HTTP_TIMEOUT)


def participant_of(response: requests.Response) -> str:
    """The participant code a seat URL redirected to."""
    assert response.status_code == 303, (response.status_code, response.text[:500])
    found = re.fullmatch(r"/p/([\w-]+)/", response.headers["Location"])
    assert found, response.headers["Location"]
    return found.group(1)


def admin_token(http: requests.Session, base_url: str) -> str:
    page = http.get(f"{base_url}/admin/", timeout=HTTP_TIMEOUT, allow_redirects=False)
    assert page.status_code == 200, page.status_code
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


def open_room_session(base_url: str, participants: str, room: str = "lab1") -> str:
    """Create a session in the room through the admin's form; returns its code."""
    http = admin_login(base_url, PASSWORD)
    response = http.post(f"{base_url}/admin/sessions", data={
        "csrf_token": admin_token(http, base_url), "session_type": "my_session",
        "participants": participants, "room": room}, timeout=HTTP_TIMEOUT,
        allow_redirects=False)
    assert response.status_code == 303, response.text[:500]
    found = re.fullmatch(r"/admin/sessions/(\w+)", response.headers["Location"])
    assert found, response.headers["Location"]
    return found.group(1)


def test_waiting_seats_join_the_session_opened_in_their_room(lab):
    db = LabDb.of(lab.engine.store)
    seats = {label: requests.Session() for label in ("PC01", "PC02")}
    for label, http in seats.items():
        page = visit_seat(http, lab.base_url, label)
        assert page.status_code == 200
        assert '<div class="waiting" id="wait-page" data-step="-1"' in page.text
        assert f'data-ws-url="/room/lab1/{label}/ws"' in page.text
        assert f'data-position-url="/room/lab1/status?seat={label}"' in page.text
        assert "Welcome to Economics lab" in page.text
        assert f"Seat {label}: please wait, the session will start in a moment." in page.text
    status = room_status(lab.base_url)
    assert (status.status_code, status.json()) == (200, {"step": -1, "open": False})
    assert status.headers["Cache-Control"] == "no-store"
    assert db.query("SELECT COUNT(*) AS n FROM participants WHERE label IS NOT NULL") == [
        {"n": 0}]  # waiting creates nobody

    sockets = {label: websocket.create_connection(
        f"{ws_base(lab.base_url)}/room/lab1/{label}/ws", timeout=OPEN_SECONDS)
        for label in seats}
    try:
        for ws in sockets.values():
            assert next_message(ws) == {"type": "position", "step": -1}

        opened = time.monotonic()
        session = open_room_session(lab.base_url, "2")
        for label, ws in sockets.items():
            assert next_message(ws) == {"type": "advance"}, label
        assert time.monotonic() - opened < OPEN_SECONDS
    finally:
        for ws in sockets.values():
            ws.close()

    assert room_status(lab.base_url).json() == {"step": 0, "open": True}
    joined = {label: participant_of(visit_seat(http, lab.base_url, label))
              for label, http in seats.items()}
    assert joined["PC01"] != joined["PC02"]
    rows = {row["code"]: row for row in db.query(
        "SELECT code, label, session_code FROM participants WHERE session_code = ?", (session,))}
    assert set(rows) == set(joined.values())  # the 2 participants of the new session
    for label, code in joined.items():
        assert rows[code]["label"] == label
    assert session != lab.session_code
    assert all(row["label"] is None for row in db.query(
        "SELECT label FROM participants WHERE session_code = ?", (lab.session_code,)))

    # a seat keeps its participant: reloads, and a fresh browser with no cookies
    for label, http in seats.items():
        for _ in range(3):
            assert participant_of(visit_seat(http, lab.base_url, label)) == joined[label]
        assert participant_of(visit_seat(requests.Session(), lab.base_url, label)) == \
            joined[label]
    assert db.query("SELECT COUNT(*) AS n FROM participants WHERE session_code = ?",
                    (session,)) == [{"n": 2}]

    # the participant pages: the first seat is the trustor, the second waits for them
    trustor, trustee = (Participant(lab.base_url, joined[label]) for label in ("PC01", "PC02"))
    assert (trustor.get().kind, trustor.get().step) == ("page", SEND)
    assert (trustee.get().kind, trustee.get().step) == ("wait", WAIT_FOR_TRUSTOR)

    # a socket opened now hears at once that the room is open
    ws = websocket.create_connection(f"{ws_base(lab.base_url)}/room/lab1/PC01/ws",
                                     timeout=OPEN_SECONDS)
    try:
        assert next_message(ws) == {"type": "position", "step": 0}
    finally:
        ws.close()

    # a third seat finds the 2-person session full
    full = visit_seat(requests.Session(), lab.base_url, "PC03")
    assert full.status_code == 409
    assert "The session is full" in full.text
    assert "Every place in this session is taken" in full.text
    assert db.query("SELECT label FROM participants WHERE session_code = ? ORDER BY "
                    "id_in_session", (session,)) == [{"label": "PC01"}, {"label": "PC02"}]

    # the monitor of the room session names the seats
    http = admin_login(lab.base_url, PASSWORD)
    monitor = http.get(f"{lab.base_url}/admin/sessions/{session}", timeout=HTTP_TIMEOUT)
    assert "room <code>lab1</code>" in monitor.text
    for label, code in joined.items():
        assert re.search(rf'<tr data-code="{code}">\s*<td class="num" data-label="#">\d</td>\s*'
                         rf'<td data-label="Label">{label}</td>', monitor.text), label


def test_an_unknown_seat_is_a_404_that_leads_to_the_seat_picker(lab):
    open_room_session(lab.base_url, "2")
    db = LabDb.of(lab.engine.store)
    before = db.snapshot()
    for label in ("PC99", "pc01", "-"):
        response = visit_seat(requests.Session(), lab.base_url, label)
        assert response.status_code == 404, label
        text = html.unescape(response.text)
        assert f"'{label}' is not a seat of room 'Economics lab'" in text
        assert "Please check the label and try again." in text
        assert 'href="/room/lab1/"' in response.text
    assert db.snapshot() == before


def test_an_unknown_room_is_a_404(lab):
    for path in ("/room/nosuchroom/", "/room/nosuchroom/PC01/"):
        response = requests.get(lab.base_url + path, timeout=HTTP_TIMEOUT,
                                allow_redirects=False)
        assert response.status_code == 404, path
        assert "There is no room &#39;nosuchroom&#39; in this lab." in response.text
    status = room_status(lab.base_url, "nosuchroom")
    assert (status.status_code, status.json()) == (404, {"error": "no room 'nosuchroom'"})
    ws = websocket.create_connection(f"{ws_base(lab.base_url)}/room/nosuchroom/PC01/ws",
                                     timeout=OPEN_SECONDS)
    try:
        assert close_frame(ws) == (1008, b"unknown room")
    finally:
        ws.close()


def test_the_seat_picker_lists_the_seats_and_leads_to_the_seat_url(lab):
    picker = requests.get(f"{lab.base_url}/room/lab1/", timeout=HTTP_TIMEOUT)
    assert picker.status_code == 200
    assert "<h1>Economics lab</h1>" in picker.text
    assert re.findall(r'<option value="(PC\d\d)">\1</option>', picker.text) == SEATS
    form = re.search(r'<form method="get" action="([^"]+)">', picker.text)
    assert form and form.group(1) == "/room/lab1/seat"
    assert 'name="label"' in picker.text

    chosen = requests.get(f"{lab.base_url}/room/lab1/seat", params={"label": "PC07"},
                          timeout=HTTP_TIMEOUT, allow_redirects=False)
    assert chosen.status_code == 303
    assert chosen.headers["Location"] == "/room/lab1/PC07/"
    # followed: the seat's wait page (no session in the room yet)
    followed = requests.get(f"{lab.base_url}/room/lab1/seat", params={"label": "PC07"},
                            timeout=HTTP_TIMEOUT)
    assert followed.url == seat_url(lab.base_url, "PC07")
    assert 'data-ws-url="/room/lab1/PC07/ws"' in followed.text
    # nothing chosen: back to an "unknown seat" page, not a server error
    unchosen = requests.get(f"{lab.base_url}/room/lab1/seat", params={"label": ""},
                            timeout=HTTP_TIMEOUT)
    assert unchosen.status_code == 404
    assert "is not a seat" in unchosen.text
    # the admin's sessions page points to the picker
    http = admin_login(lab.base_url, PASSWORD)
    sessions = http.get(f"{lab.base_url}/admin/", timeout=HTTP_TIMEOUT)
    assert f'href="/room/lab1/">{lab.base_url}/room/lab1/</a>' in sessions.text
    assert re.search(r'<td class="num">8</td>\s*<td><a href="/admin/rooms/lab1">', sessions.text)


@pytest.mark.slow  # labctl run as a process
def test_labctl_run_in_a_room_prints_the_room_url_and_seats_join(sample_project, lab_process):
    lab = lab_process(sample_project, "my_session", "--room", "lab1", "-n", "2")
    room_url = f"{lab.base_url}/room/lab1/"
    assert f"Room:     {room_url}   (seat URLs: {room_url}LABEL/, e.g. {room_url}PC01/; "\
           "8 seats)" in lab.output, lab.output
    assert len(lab.codes) == 2, lab.output

    picker = requests.get(room_url, timeout=HTTP_TIMEOUT)
    assert re.findall(r'<option value="(PC\d\d)">', picker.text) == SEATS
    assert room_status(lab.base_url).json() == {"step": 0, "open": True}
    http = requests.Session()
    code = participant_of(visit_seat(http, lab.base_url, "PC05"))
    assert code == lab.codes[0]  # the first free participant
    assert participant_of(visit_seat(http, lab.base_url, "PC05")) == code
    assert participant_of(visit_seat(requests.Session(), lab.base_url, "PC06")) == lab.codes[1]
    assert visit_seat(requests.Session(), lab.base_url, "PC07").status_code == 409
    assert LabDb(sample_project / "labctl.db").participant(code)["label"] == "PC05"
    assert Participant(lab.base_url, code).get().step == SEND

    # under gevent too, a seat's socket says the room is open
    ws = websocket.create_connection(f"{ws_base(lab.base_url)}/room/lab1/PC05/ws",
                                     timeout=OPEN_SECONDS)
    try:
        assert next_message(ws) == {"type": "position", "step": 0}
    finally:
        ws.close()
