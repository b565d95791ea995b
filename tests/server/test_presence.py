"""Seats online, through real HTTP and WebSockets: the monitor and the room's seat page show who
is online (on a socket or polling), since when and when last heard; a page whose socket
closes mid-session is flagged in the monitor at once (its socket tells the monitor's)."""

from __future__ import annotations

import re

import pytest
import requests
import websocket
from browserless import HTTP_TIMEOUT, Participant, admin_login, next_message

PASSWORD = "presence-password"
#: how long a server-side event may take to reach a socket (a bound, not a speed assertion)
SECONDS = 5.0


@pytest.fixture
def lab(live_server):
    server = live_server(admin_password=PASSWORD)
    # a page load moments before a socket closes counts as moving to the next page for 3 s;
    # these tests close sockets right after loading, so only the close itself decides
    server.engine.presence.page_grace = 0
    return server


def ws_url(base_url: str, path: str) -> str:
    return base_url.replace("http://", "ws://") + path


def admin_socket(base_url: str, path: str, http: requests.Session) -> websocket.WebSocket:
    return websocket.create_connection(ws_url(base_url, path), timeout=SECONDS,
                                       cookie=f"session={http.cookies['session']}")


def monitor_rows(http, lab) -> dict[str, dict]:
    data = http.get(f"{lab.base_url}/admin/sessions/{lab.session_code}/monitor.json",
                    timeout=HTTP_TIMEOUT).json()
    return {row["code"]: row for row in data["participants"]}


def test_a_page_closed_mid_session_is_flagged_in_the_monitor_at_once(lab):
    http = admin_login(lab.base_url, PASSWORD)
    first, second = lab.codes[:2]
    Participant(lab.base_url, first).get()
    page = websocket.create_connection(ws_url(lab.base_url, f"/p/{first}/ws"), timeout=SECONDS)
    assert next_message(page, SECONDS)["type"] == "position"
    rows = monitor_rows(http, lab)
    assert rows[first]["presence"]["online"] is True
    assert rows[first]["presence"]["transport"] == "socket"
    assert rows[second]["presence"] is None  # never connected
    monitor = admin_socket(lab.base_url, f"/admin/sessions/{lab.session_code}/ws", http)
    assert next_message(monitor, SECONDS)["type"] == "update"  # the first message
    page.close()
    assert next_message(monitor, SECONDS)["type"] == "update"  # told of the close itself
    presence = monitor_rows(http, lab)[first]["presence"]
    assert (presence["online"], presence["dropped"], presence["transport"]) == (
        False, True, None)
    html = http.get(f"{lab.base_url}/admin/sessions/{lab.session_code}",
                    timeout=HTTP_TIMEOUT).text
    assert re.search(r'presence-dropped">offline mid-session since \d\d:\d\d:\d\d UTC; '
                     r"last heard \d\d:\d\d:\d\d UTC", html)
    monitor.close()


def test_a_page_that_polls_is_online_by_polling(lab):
    http = admin_login(lab.base_url, PASSWORD)
    participant = Participant(lab.base_url, lab.codes[2])
    participant.get()
    participant.position()  # a page whose socket is blocked polls its position
    presence = monitor_rows(http, lab)[lab.codes[2]]["presence"]
    assert (presence["online"], presence["transport"], presence["dropped"]) == (
        True, "polling", False)


def test_the_room_page_shows_each_seat_online_and_is_told_when_one_leaves(lab):
    http = admin_login(lab.base_url, PASSWORD)
    seats = {label: websocket.create_connection(ws_url(lab.base_url, f"/room/lab1/{label}/ws"),
                                                timeout=SECONDS)
             for label in ("PC01", "PC02", "PC03")}
    for ws in seats.values():
        assert next_message(ws, SECONDS)["type"] == "position"
    data = http.get(f"{lab.base_url}/admin/rooms/lab1/seats.json", timeout=HTTP_TIMEOUT).json()
    online = [s["label"] for s in data["seats"] if s["presence"] and s["presence"]["online"]]
    assert online == ["PC01", "PC02", "PC03"]
    assert len(data["seats"]) == 8
    page = http.get(f"{lab.base_url}/admin/rooms/lab1", timeout=HTTP_TIMEOUT).text
    assert '<strong id="seats-online">3</strong> of 8 seats online' in page
    room = admin_socket(lab.base_url, "/admin/rooms/lab1/ws", http)
    assert next_message(room, SECONDS)["type"] == "update"
    seats.pop("PC02").close()
    assert next_message(room, SECONDS)["type"] == "update"
    data = http.get(f"{lab.base_url}/admin/rooms/lab1/seats.json", timeout=HTTP_TIMEOUT).json()
    states = {s["label"]: s["presence"] for s in data["seats"]}
    assert states["PC02"]["online"] is False and states["PC01"]["online"] is True
    assert states["PC04"] is None
    for ws in [*seats.values(), room]:
        ws.close()


def test_the_room_page_needs_the_admin_login_and_a_real_room(lab):
    response = requests.get(f"{lab.base_url}/admin/rooms/lab1", timeout=HTTP_TIMEOUT,
                            allow_redirects=False)
    assert response.status_code == 302
    http = admin_login(lab.base_url, PASSWORD)
    missing = http.get(f"{lab.base_url}/admin/rooms/nosuch", timeout=HTTP_TIMEOUT)
    assert missing.status_code == 404 and "There is no room" in missing.text
