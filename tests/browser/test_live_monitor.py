"""The experimenter's side in headless Chromium against ``labctl run`` (gevent, own process):
the live monitor updates its table by itself while a participant plays in another browser, and
a lab PC waiting at its seat URL moves into the session the experimenter opens in the room.

(Named apart from ``tests/server/test_monitor.py``: the test folders are not packages, so two
test modules with one name cannot both be collected.)

A marker set on ``window`` must survive until the end: it proves the monitor never reloaded.
"""

from __future__ import annotations

import json
import re
import time

import pytest

pytestmark = pytest.mark.slow  # headless Chromium against labctl run in its own process

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips with the reason (or fails under CI)
    expect = None

#: how long the monitor may take to show a participant's move (ms)
UPDATE_TIMEOUT_MS = 10_000
MARKER = "window.__labctlMonitorMarker"


def no_problem(_: str) -> bool:
    return False


@pytest.fixture
def lab(sample_project, lab_process):
    """``labctl run my_session -n 2``: one trust group, participant 1 the trustor."""
    return lab_process(sample_project, "my_session", "-n", "2")


def frames_of(page) -> list[list[dict]]:
    """Records the messages each WebSocket of ``page`` receives (one list per socket)."""
    sockets: list[list[dict]] = []

    def on_socket(socket) -> None:
        received: list[dict] = []
        sockets.append(received)

        def on_frame(payload) -> None:
            try:
                received.append(json.loads(payload))
            except (TypeError, ValueError):
                received.append({"raw": payload})

        socket.on("framereceived", on_frame)

    page.on("websocket", on_socket)
    return sockets


def log_in(page, base_url: str, password: str, next_path: str) -> None:
    page.goto(f"{base_url}/admin/login?next={next_path}")
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base_url}{next_path}")


def wait_for_update(page, sockets: list[list[dict]], seen: int, seconds: float = 5) -> None:
    """Wait (bounded) until the monitor's socket has had more than ``seen`` updates. Waits
    through the page: Playwright hands over the frames it received only while one of its
    calls runs, never during a plain ``time.sleep``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if sum(m.get("type") == "update" for s in sockets for m in s) > seen:
            return
        page.wait_for_timeout(50)
    raise AssertionError(f"no update on the monitor's socket within {seconds} s: {sockets}")


def test_the_monitor_shows_a_participants_move_without_a_reload(lab, open_page):
    monitor, monitor_problems = open_page()
    sockets = frames_of(monitor)
    session_path = f"/admin/sessions/{lab.session_code}"
    log_in(monitor, lab.base_url, lab.password, session_path)
    expect(monitor.locator("#live-state")).to_have_text("Updates live.")
    trustor_code, trustee_code = lab.codes
    row = monitor.locator(f'#participants tr[data-code="{trustor_code}"]')
    cells = row.locator("td")
    expect(cells.nth(7)).to_have_text("not started")
    deadline = time.monotonic() + 5
    while not sockets or not sockets[0]:  # the monitor's socket is open and has answered
        assert time.monotonic() < deadline, "the monitor opened no WebSocket within 5 s"
        monitor.wait_for_timeout(50)
    assert sockets[0][0] == {"type": "update"}
    monitor.evaluate(f"{MARKER} = 'the same document'")

    trustor, trustor_problems = open_page()
    trustor.goto(f"{lab.base_url}/p/{trustor_code}/")
    expect(trustor.locator("h1")).to_have_text("Trust game: your decision")
    expect(cells.nth(5)).to_have_text("Send", timeout=UPDATE_TIMEOUT_MS)
    expect(cells.nth(7)).to_have_text("playing")
    expect(cells.nth(3)).to_have_text("trust")
    expect(row.locator("button")).to_have_text("Advance")

    updates = sum(m.get("type") == "update" for s in sockets for m in s)
    trustor.fill("#id_sent_amount", "3.00")
    trustor.click("#next-button")
    expect(trustor.locator("#wait-page")).to_be_visible()
    wait_for_update(monitor, sockets, updates)
    # the trustee has not come yet: the trustor waits for them at the first wait page
    expect(cells.nth(5)).to_have_text("WaitForTrustor", timeout=UPDATE_TIMEOUT_MS)
    expect(cells.nth(7)).to_have_text("waiting for #2")
    expect(cells.nth(7)).to_have_class("status-waiting")
    expect(row.locator("button")).to_have_text("Release wait page")
    trustee_row = monitor.locator(f'#participants tr[data-code="{trustee_code}"] td')
    expect(trustee_row.nth(7)).to_have_text("not started")
    expect(trustee_row.nth(10).locator("button")).to_have_count(0)

    assert monitor.evaluate(MARKER) == "the same document", "the monitor was reloaded"
    assert monitor.url == f"{lab.base_url}{session_path}"
    assert monitor_problems.all(no_problem) == []
    assert trustor_problems.all(no_problem) == []


def test_an_advance_button_drawn_by_the_live_monitor_works(lab, open_page):
    """The rows the script redraws carry working forms (the CSRF token from the page)."""
    monitor, problems = open_page()
    session_path = f"/admin/sessions/{lab.session_code}"
    log_in(monitor, lab.base_url, lab.password, session_path)
    trustor_code, _ = lab.codes
    row = monitor.locator(f'#participants tr[data-code="{trustor_code}"]')
    # served without a button (not started): any button later on was drawn by the script
    expect(row.locator("td").nth(7)).to_have_text("not started")
    expect(row.locator("button")).to_have_count(0)
    trustor, _ = open_page()
    trustor.goto(f"{lab.base_url}/p/{trustor_code}/")
    expect(trustor.locator("h1")).to_have_text("Trust game: your decision")
    expect(row.locator("button")).to_have_text("Advance", timeout=UPDATE_TIMEOUT_MS)
    assert row.locator("td").nth(2).locator("a").get_attribute("href") == f"/p/{trustor_code}/"

    row.locator("button").click()
    monitor.wait_for_url(f"{lab.base_url}{session_path}")
    actions = monitor.locator("#actions tbody tr td")
    expect(actions.nth(1)).to_have_text(trustor_code)
    expect(actions.nth(2)).to_have_text("advance")
    expect(actions.nth(3)).to_have_text("trust, page Send")
    expect(row.locator("td").nth(5)).to_have_text("WaitForTrustor")  # the trustee is not here
    assert problems.all(no_problem) == []


def test_a_waiting_seat_moves_into_the_session_opened_in_its_room(lab, open_page):
    seat, seat_problems = open_page()
    seat.goto(f"{lab.base_url}/room/lab1/PC03/")
    expect(seat.locator("#wait-page")).to_contain_text("Seat PC03: please wait")
    deadline = time.monotonic() + 5
    sockets = frames_of(seat)
    seat.reload()  # listen from a known moment: the reloaded page's socket
    expect(seat.locator("#wait-page")).to_be_visible()
    while not sockets or not sockets[-1]:
        assert time.monotonic() < deadline, "the seat's page opened no WebSocket within 5 s"
        seat.wait_for_timeout(50)
    seat_socket = sockets[-1]
    assert seat_socket[0] == {"type": "position", "step": -1}

    admin, admin_problems = open_page()
    log_in(admin, lab.base_url, lab.password, "/admin/")
    admin.fill("#participants", "2")
    admin.select_option("#room", "lab1")
    admin.click("#create-session button[type=submit]")
    admin.wait_for_url(re.compile(r".*/admin/sessions/\w+$"))
    expect(admin.locator("p.muted code").nth(1)).to_have_text("lab1")

    # the seat's page moves on by itself to the first page of its participant
    expect(seat.locator("h1")).to_have_text("Trust game: your decision",
                                            timeout=UPDATE_TIMEOUT_MS)
    assert re.fullmatch(rf"{re.escape(lab.base_url)}/p/[\w-]+/", seat.url), seat.url
    # the participant's form page opens a socket of its own: the seat's is the one before it
    assert {"type": "advance"} in seat_socket
    code = seat.url.rstrip("/").rsplit("/", 1)[1]
    row = admin.locator(f'#participants tr[data-code="{code}"] td')
    expect(row.nth(1)).to_have_text("PC03", timeout=UPDATE_TIMEOUT_MS)
    expect(row.nth(5)).to_have_text("Send")
    assert seat_problems.all(no_problem) == []
    assert admin_problems.all(no_problem) == []
