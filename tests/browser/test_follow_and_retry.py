"""Every open page follows its participant, and a Next pressed while the server is down is sent
once it is back: headless Chromium against ``labctl run`` (its own process, gevent).

(a) the experimenter advances a participant whose form page is open: the page moves on by
itself; (b) a form sent for a page already left (another window answered it; or, with scripts
off, the experimenter moved them on) lands on the current page, which says why, and nothing is
stored on the wrong page; (c) the server is killed, Next is pressed: "Connection lost,
retrying" shows; the server is resumed on the same port with the same database: the same
submit goes through (its CSRF token still holds), the next page shows, and the answer is stored
once; (d) a wait page says when it cannot reach the server and recovers when it is back.
"""

from __future__ import annotations

import re
import sqlite3
import time
from urllib.parse import urlparse

import pytest
import requests

pytestmark = pytest.mark.slow  # headless Chromium against labctl run in its own process

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips with the reason (or fails under CI)
    expect = None

#: the trust game's first steps: the trustor's form, the wait for them (where the trustor waits
#: too until the trustee has opened their link), the trustee's form
SEND, WAIT_FOR_TRUSTOR, SEND_BACK = range(3)
#: how long a page may take to follow its participant, or a retried submit to go through (ms)
FOLLOW_MS = 10_000
RESUMED_MS = 30_000
HTTP_TIMEOUT = 10


def is_down_noise(problem: str) -> bool:
    """What Chromium logs by itself while the server is down (failed connections), and the
    favicon it asks for: not errors of the page's scripts."""
    return ("ERR_CONNECTION_REFUSED" in problem or "WebSocket connection" in problem
            or "favicon" in problem or "ERR_EMPTY_RESPONSE" in problem
            or "ERR_CONNECTION_RESET" in problem)


def main_step(page) -> str | None:
    return page.locator("main").get_attribute("data-step")


def query(project, sql: str, params: tuple = ()) -> list[dict]:
    with sqlite3.connect(project / "labctl.db") as conn:
        conn.row_factory = sqlite3.Row
        return [dict(row) for row in conn.execute(sql, params)]


def trust_group_of(project, code: str) -> dict:
    return query(project, "SELECT g.* FROM trust_group g JOIN trust_player p ON p.group_id = g.id "
                          "WHERE p.participant_code = ?", (code,))[0]


def trust_pair(lab) -> tuple[str, str]:
    """The codes of the trustor and the trustee of the first participant's group."""
    rows = lab.project_rows(
        "SELECT role, participant_code FROM trust_player WHERE group_id = (SELECT group_id "
        "FROM trust_player WHERE participant_code = ?)", (lab.codes[0],))
    roles = {row["role"]: row["participant_code"] for row in rows}
    return roles["trustor"], roles["trustee"]


def wait_until_following(page, sockets: list[list[str]], count: int) -> None:
    """Wait (bounded) until the page's socket number ``count`` has had the server's first
    message: from then on a move reaches the page."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        if len(sockets) >= count and sockets[count - 1]:
            return
        page.wait_for_timeout(50)
    raise AssertionError(f"the page opened no participant WebSocket that answered ({sockets})")


def record_sockets(page) -> list[list[str]]:
    """Per participant WebSocket the page opens: the frames it received."""
    sockets: list[list[str]] = []

    def on_socket(socket) -> None:
        if socket.url.endswith("/ws"):
            frames: list[str] = []
            sockets.append(frames)
            socket.on("framereceived", lambda payload: frames.append(payload))

    page.on("websocket", on_socket)
    return sockets


def admin_advance(lab, code: str, step: int) -> None:
    """The experimenter's Advance, through the admin's HTTP action (as the monitor sends it)."""
    http = requests.Session()
    login = http.get(f"{lab.base_url}/admin/login", timeout=HTTP_TIMEOUT)
    token = re.search(r'name="csrf_token" value="([^"]+)"', login.text).group(1)
    http.post(f"{lab.base_url}/admin/login", data={"csrf_token": token, "password": lab.password},
              timeout=HTTP_TIMEOUT)
    response = http.post(
        f"{lab.base_url}/admin/sessions/{lab.session_code}/participants/{code}/advance",
        data={"csrf_token": token, "step": str(step)}, timeout=HTTP_TIMEOUT)
    assert response.status_code == 200 and "has moved on" not in response.text, response.text
    assert query_step(lab, code) != step


def query_step(lab, code: str) -> int:
    return lab.project_rows("SELECT step FROM participants WHERE code = ?", (code,))[0]["step"]


@pytest.fixture
def lab(sample_project, lab_process):
    """``labctl run my_session -n 4``; participants 1 and 2 play the trust game together."""
    started = lab_process(sample_project, "my_session", "-n", "4")
    started.project = sample_project
    started.project_rows = lambda sql, params=(): query(sample_project, sql, params)
    return started


def test_an_open_form_page_follows_the_participant_when_the_experimenter_advances(
        lab, open_page):
    page, problems = open_page()
    sockets = record_sockets(page)
    trustor, _trustee = trust_pair(lab)
    page.goto(f"{lab.base_url}/p/{trustor}/")
    assert main_step(page) == str(SEND)
    page.evaluate("window.__notReloaded = true")
    wait_until_following(page, sockets, 1)

    admin_advance(lab, trustor, SEND)

    expect(page.locator("main")).to_have_attribute("data-step", str(WAIT_FOR_TRUSTOR),
                                                   timeout=FOLLOW_MS)
    assert page.evaluate("window.__notReloaded") is None  # a new document, loaded by itself
    assert trust_group_of(lab.project, trustor)["sent_amount"] == 0  # the timeout value
    assert problems.all(is_down_noise) == []


def test_a_form_answered_in_another_window_says_so_and_stores_nothing(lab, open_page):
    trustor, _trustee = trust_pair(lab)
    first, first_problems = open_page()
    second, second_problems = open_page()
    for page in (first, second):
        page.goto(f"{lab.base_url}/p/{trustor}/")
        assert main_step(page) == str(SEND)
    first.fill("#id_sent_amount", "3.00")
    first.click("#next-button")
    expect(first.locator("main")).to_have_attribute("data-step", str(WAIT_FOR_TRUSTOR))

    second.fill("#id_sent_amount", "9.00")
    second.click("#next-button")

    notice = second.locator("#page-notice")
    expect(notice).to_contain_text("had already been answered")
    expect(notice).to_have_attribute("role", "status")
    expect(second.locator("main")).to_have_attribute("data-step", str(WAIT_FOR_TRUSTOR))
    assert trust_group_of(lab.project, trustor)["sent_amount"] == 300
    assert first_problems.all(is_down_noise) == second_problems.all(is_down_noise) == []


def test_without_scripts_the_plain_form_works_and_a_late_one_says_the_experimenter_moved_you(
        lab, browser):
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        trustor, trustee = trust_pair(lab)
        page.goto(f"{lab.base_url}/p/{trustor}/")
        page.fill("#id_sent_amount", "4.00")
        page.click("#next-button")
        assert main_step(page) == str(WAIT_FOR_TRUSTOR)
        assert trust_group_of(lab.project, trustor)["sent_amount"] == 400

        page.goto(f"{lab.base_url}/p/{trustee}/")
        assert main_step(page) == str(SEND_BACK)
        admin_advance(lab, trustee, SEND_BACK)
        page.fill("#id_sent_back_amount", "1.00")
        page.click("#next-button")

        assert "The experimenter moved you on" in page.locator("#page-notice").inner_text()
        assert main_step(page) != str(SEND_BACK)
        assert trust_group_of(lab.project, trustor)["sent_back_amount"] == 0  # timeout value
    finally:
        context.close()


def test_next_pressed_while_the_server_is_down_goes_through_once_it_is_back(
        lab, lab_process, open_page):
    page, problems = open_page()
    sockets = record_sockets(page)
    trustor, _trustee = trust_pair(lab)
    page.goto(f"{lab.base_url}/p/{trustor}/")
    wait_until_following(page, sockets, 1)
    page.fill("#id_sent_amount", "3.00")
    lab.kill()

    page.click("#next-button")

    banner = page.locator("#connection-status")
    expect(banner).to_be_visible(timeout=FOLLOW_MS)
    expect(banner).to_have_text(re.compile("Connection lost, retrying"))
    expect(banner).to_have_attribute("role", "status")
    expect(page.locator("#next-button")).to_be_disabled()
    assert main_step(page) == str(SEND)  # still the page, not the browser's error page

    lab_process(lab.project, "--resume", port=urlparse(lab.base_url).port)

    expect(page.locator("main")).to_have_attribute("data-step", str(WAIT_FOR_TRUSTOR),
                                                   timeout=RESUMED_MS)
    expect(page.locator("#connection-status")).to_be_hidden()
    assert page.locator("#page-notice").count() == 0  # the first attempt to arrive counted
    assert trust_group_of(lab.project, trustor)["sent_amount"] == 300
    visits = lab.project_rows(
        "SELECT v.* FROM page_visits v JOIN participants p ON p.id = v.participant_id "
        "WHERE p.code = ? AND v.step = ?", (trustor, SEND))
    assert len(visits) == 1 and visits[0]["submitted_at"] and not visits[0]["timed_out"]
    assert problems.all(is_down_noise) == []


def test_a_wait_page_says_when_the_server_is_unreachable_and_recovers(
        lab, lab_process, open_page):
    page, problems = open_page()
    sockets = record_sockets(page)
    trustor, trustee = trust_pair(lab)
    page.goto(f"{lab.base_url}/p/{trustee}/")
    assert main_step(page) == str(WAIT_FOR_TRUSTOR)
    wait_until_following(page, sockets, 1)
    expect(page.locator("#wait-hint")).to_be_visible()

    lab.kill()

    banner = page.locator("#connection-status")
    expect(banner).to_be_visible(timeout=FOLLOW_MS)
    expect(banner).to_contain_text("Cannot reach the lab server")
    expect(page.locator("#wait-hint")).to_be_hidden()

    lab_process(lab.project, "--resume", port=urlparse(lab.base_url).port)

    expect(banner).to_be_hidden(timeout=RESUMED_MS)
    expect(page.locator("#wait-hint")).to_be_visible()
    token = re.search(r'name="csrf_token" value="([^"]+)"',
                      requests.get(f"{lab.base_url}/p/{trustor}/", timeout=HTTP_TIMEOUT).text)
    requests.post(f"{lab.base_url}/p/{trustor}/", timeout=HTTP_TIMEOUT, data={
        "csrf_token": token.group(1), "step": str(SEND), "timed_out": "0",
        "sent_amount": "2.00"})
    expect(page.locator("main")).to_have_attribute("data-step", str(SEND_BACK),
                                                   timeout=FOLLOW_MS)
    assert problems.all(is_down_noise) == []
