"""A live page in headless Chromium against ``labctl run``: the counter of
``tests/live_counter.py`` with its script in the app's ``static/`` folder. Two players click
and both see the count; a reload restores it (``liveSend({})`` on load); a failing live method
reaches the page's ``labctl.live.onError`` and changes nothing; where WebSockets are blocked the
page sends over HTTP and polls, and still sees the others' clicks."""

from __future__ import annotations

import pytest
from live_counter import COUNT_HTML, counter_project

from labctl.engine.live import FAILED

pytestmark = pytest.mark.slow  # headless Chromium against labctl run in its own process

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips with the reason (or fails under CI)
    expect = None

#: how long a live update may take to show on another screen (ms)
LIVE_TIMEOUT_MS = 10_000

COUNTER_JS = """\
function liveRecv(data) {
  if ("total" in data) { document.getElementById("total").textContent = String(data.total); }
}
labctl.live.onError = function (message) {
  document.getElementById("live-error").textContent = message;
};
document.getElementById("click").addEventListener("click", function () {
  liveSend({ kind: "click" });
});
document.getElementById("boom").addEventListener("click", function () {
  liveSend({ kind: "boom" });
});
liveSend({});
"""

PAGE = COUNT_HTML.replace(
    "{% block content %}",
    "{% block scripts %}<script src=\"{{ static('counter.js') }}\" defer></script>"
    "{% endblock %}\n{% block content %}\n"
    '<p id="live-error"></p><button type="button" id="boom">Break it</button>')


@pytest.fixture
def lab(tmp_path, lab_process):
    project = counter_project(tmp_path / "project", {"counter/Count.html": PAGE,
                                                     "counter/static/counter.js": COUNTER_JS})
    return lab_process(project, "counter", "-n", "3")


def open_player(open_page, lab, index: int, websockets: bool = True):
    page, problems = open_page()
    if not websockets:
        page.add_init_script("delete window.WebSocket;")  # as behind a proxy that drops them
    page.goto(f"{lab.base_url}/p/{lab.codes[index]}/")
    expect(page.locator("#total")).to_have_text("0", timeout=LIVE_TIMEOUT_MS)
    return page, problems


def test_two_players_click_and_both_see_the_count_and_a_reload_restores_it(lab, open_page):
    (first, first_problems), (second, second_problems) = (open_player(open_page, lab, i)
                                                          for i in (0, 1))

    first.click("#click")
    first.click("#click")
    second.click("#click")

    for page in (first, second):
        expect(page.locator("#total")).to_have_text("3", timeout=LIVE_TIMEOUT_MS)
    second.reload()
    expect(second.locator("#total")).to_have_text("3", timeout=LIVE_TIMEOUT_MS)
    assert first_problems.all() == [] and second_problems.all() == []


def test_a_failing_live_method_reaches_the_pages_error_callback_and_changes_nothing(
        lab, open_page):
    (first, problems), (second, _) = (open_player(open_page, lab, i) for i in (0, 1))
    first.click("#click")
    expect(second.locator("#total")).to_have_text("1", timeout=LIVE_TIMEOUT_MS)

    first.click("#boom")

    expect(first.locator("#live-error")).to_have_text(FAILED, timeout=LIVE_TIMEOUT_MS)
    second.click("#click")
    for page in (first, second):  # the failed +100 was rolled back
        expect(page.locator("#total")).to_have_text("2", timeout=LIVE_TIMEOUT_MS)
    assert problems.all() == []


def test_where_websockets_are_blocked_the_page_sends_over_http_and_polls(lab, open_page):
    (first, _), (blocked, problems) = (open_player(open_page, lab, 0),
                                       open_player(open_page, lab, 1, websockets=False))

    blocked.click("#click")
    expect(first.locator("#total")).to_have_text("1", timeout=LIVE_TIMEOUT_MS)
    first.click("#click")
    expect(blocked.locator("#total")).to_have_text("2", timeout=LIVE_TIMEOUT_MS)
    assert problems.all() == []
