"""Seats online in headless Chromium against ``labctl run`` (gevent, own process): the
monitor shows a participant's page online on its socket, and flags it the moment the
participant's tab is closed mid-session, without a reload; the tab opened again is online
again."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.slow  # headless Chromium against labctl run in its own process

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips with the reason (or fails under CI)
    expect = None

#: how long the monitor may take to show a change (ms); a bound, not a speed assertion
UPDATE_TIMEOUT_MS = 10_000
#: the Connection column of the monitor's participants table
CONNECTION = 8


@pytest.fixture
def lab(sample_project, lab_process):
    return lab_process(sample_project, "my_session", "-n", "2")


def log_in(page, base_url: str, password: str, next_path: str) -> None:
    page.goto(f"{base_url}/admin/login?next={next_path}")
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base_url}{next_path}")


def test_a_tab_closed_mid_session_is_flagged_in_the_monitor_and_its_return_seen(lab,
                                                                               open_page):
    monitor, monitor_problems = open_page()
    log_in(monitor, lab.base_url, lab.password, f"/admin/sessions/{lab.session_code}")
    expect(monitor.locator("#live-state")).to_have_text("Updates live.")
    code = lab.codes[0]
    cell = monitor.locator(f'#participants tr[data-code="{code}"] td').nth(CONNECTION)
    expect(cell).to_have_text("never connected")

    participant, _ = open_page()
    participant.goto(f"{lab.base_url}/p/{code}/")
    expect(cell).to_have_text(
        re.compile(r"^online \(socket\) since \d\d:\d\d:\d\d UTC"),
        timeout=UPDATE_TIMEOUT_MS)
    expect(cell).to_have_class(re.compile("presence-online"))

    participant.close()  # the tab is gone: no request follows the socket's close
    expect(cell).to_have_text(re.compile(r"^offline mid-session since "),
                              timeout=UPDATE_TIMEOUT_MS)
    expect(cell).to_have_class(re.compile("presence-dropped"))

    back, back_problems = open_page()
    back.goto(f"{lab.base_url}/p/{code}/")
    expect(cell).to_have_text(re.compile(r"^online \(socket\)"),
                              timeout=UPDATE_TIMEOUT_MS)
    assert monitor_problems.all() == []
    assert back_problems.all() == []
