"""Starting with who showed up, through real HTTP and WebSockets: a room of four seats, three
of them waiting online; the admin's "start with the seats online" makes a session of two (the
trust game's groups are pairs), the third online seat is a spare (the spare page, the show-up
fee, logged), and a seat that arrives later is a spare too."""

from __future__ import annotations

import re

import pytest
import requests
import websocket
from browserless import HTTP_TIMEOUT, admin_login, next_message

PASSWORD = "present-password"
SECONDS = 5.0


@pytest.fixture
def lab(live_server, sample_project):
    (sample_project / "lab1_seats.txt").write_text("PC01\nPC02\nPC03\nPC04\n",
                                                   encoding="utf-8")
    return live_server(project=sample_project, admin_password=PASSWORD)


def waiting_seat(base_url: str, label: str) -> websocket.WebSocket:
    ws = websocket.create_connection(
        base_url.replace("http://", "ws://") + f"/room/lab1/{label}/ws", timeout=SECONDS)
    assert next_message(ws, SECONDS) == {"type": "position", "step": -1}  # no session yet
    return ws


def start_present(http: requests.Session, base_url: str) -> requests.Response:
    page = http.get(f"{base_url}/admin/rooms/lab1", timeout=HTTP_TIMEOUT)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    return http.post(f"{base_url}/admin/rooms/lab1/present",
                     data={"csrf_token": token, "session_type": "my_session"},
                     timeout=HTTP_TIMEOUT)


def test_three_of_four_seats_online_make_a_session_of_two_and_a_spare(lab):
    http = admin_login(lab.base_url, PASSWORD)
    seats = {label: waiting_seat(lab.base_url, label) for label in ("PC01", "PC02", "PC04")}
    started = start_present(http, lab.base_url)
    assert started.status_code == 200
    notice = re.search(r'id="room-notice" role="status">([^<]+)<', started.text).group(1)
    assert notice.startswith("3 of 4 seats online: session ")
    assert notice.endswith(" has 2 participants (PC01, PC02), a multiple of the group size 2; "
                           "1 spare (PC04), shown the spare page and paid the show-up fee.")
    code = re.search(r"session (\w+) has", notice).group(1)
    for ws in seats.values():  # each waiting seat is told the session opened
        assert next_message(ws, SECONDS)["type"] == "advance"
    rows = lab.engine.participant_rows(code)
    assert [(r["label"], r["spare"]) for r in rows] == [
        ("PC01", None), ("PC02", None), ("PC04", 1)]
    player = requests.get(f"{lab.base_url}/room/lab1/PC01/", timeout=HTTP_TIMEOUT)
    assert player.status_code == 200 and "you are a spare" not in player.text
    spare = requests.get(f"{lab.base_url}/room/lab1/PC04/", timeout=HTTP_TIMEOUT)
    assert "you are a spare" in spare.text
    assert 'id="payment-total">EUR 10.00<' in spare.text
    late = requests.get(f"{lab.base_url}/room/lab1/PC03/", timeout=HTTP_TIMEOUT)
    assert "you are a spare" in late.text  # arrived after the start: not turned away
    payments = {p.label: p for p in lab.engine.payments(code)}
    assert (payments["PC04"].paid, payments["PC04"].note) == (1000, "spare")
    assert payments["PC03"].note == "spare"
    log = [a["action"] for a in lab.engine.admin_actions(code)]
    assert any(a.startswith("sized to present: 3 of 4 seats online") for a in log)
    assert "spare: seat PC03 came after the start" in log
    for ws in seats.values():
        ws.close()


def test_too_few_seats_online_start_nothing_and_say_why(lab):
    http = admin_login(lab.base_url, PASSWORD)
    seat = waiting_seat(lab.base_url, "PC01")
    started = start_present(http, lab.base_url)
    error = re.search(r'id="room-error" role="alert">([^<]+)<', started.text).group(1)
    assert error == ("No session was started: 1 of the 4 seats of room &#39;lab1&#39; are "
                     "online, too few for a group of 2 in session type &#39;my_session&#39; "
                     "(wait until the lab PCs show their seat page, or start without "
                     "--present).")
    assert lab.engine.room_is_open("lab1") is False
    seat.close()
