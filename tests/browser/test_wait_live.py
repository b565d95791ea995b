"""A wait page with a ``live_method`` in headless Chromium against ``labctl run``: the lobby of
``tests/live_lobby.py``, its script in the app's ``static/`` folder. Two players waiting for the
third wave to each other with liveSend and see it with liveRecv; when the third arrives, the
wait page releases them together, as any wait page does."""

from __future__ import annotations

import pytest
from live_lobby import lobby_project

pytestmark = pytest.mark.slow  # headless Chromium against labctl run in its own process

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips with the reason (or fails under CI)
    expect = None

#: how long a live update or a release may take to show on another screen (ms)
LIVE_TIMEOUT_MS = 10_000


@pytest.fixture
def lab(tmp_path, lab_process):
    return lab_process(lobby_project(tmp_path / "project"), "lobby", "-n", "3")


def open_player(open_page, lab, index: int):
    page, problems = open_page()
    page.goto(f"{lab.base_url}/p/{lab.codes[index]}/")
    expect(page.locator("#next-button")).to_be_visible(timeout=LIVE_TIMEOUT_MS)
    return page, problems


def test_two_waiting_players_wave_to_each_other_and_are_released_together(lab, open_page):
    players = [open_player(open_page, lab, i) for i in range(3)]
    (first, _), (second, _), (third, _) = players
    for page in (first, second):
        page.click("#next-button")
        expect(page.locator("#waves")).to_have_text("0", timeout=LIVE_TIMEOUT_MS)  # on load

    first.click("#wave")
    for page in (first, second):
        expect(page.locator("#waves")).to_have_text("1", timeout=LIVE_TIMEOUT_MS)
    expect(second.locator("#heard")).to_have_text("wave from 1", timeout=LIVE_TIMEOUT_MS)
    second.click("#wave")
    expect(first.locator("#heard")).to_have_text("wave from 2", timeout=LIVE_TIMEOUT_MS)
    expect(first.locator("#waves")).to_have_text("2", timeout=LIVE_TIMEOUT_MS)
    expect(first.locator("#wait-page")).to_be_visible()  # waving released nobody

    third.click("#next-button")

    for page, _ in players:
        expect(page.locator("#done")).to_be_visible(timeout=LIVE_TIMEOUT_MS)
    assert [problems.all() for _, problems in players] == [[], [], []]
