"""The room's seat page in headless Chromium against ``labctl run --room`` (gevent, own
process): a lab PC that opens its seat's URL shows up online without a reload, and is flagged
the moment its tab is closed; the page follows the server's updates over its WebSocket
(``labctl-updates.js``, shared with the monitor)."""

from __future__ import annotations

import pytest
from test_seats_online import UPDATE_TIMEOUT_MS, log_in

pytestmark = pytest.mark.slow  # headless Chromium against labctl run in its own process

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips with the reason (or fails under CI)
    expect = None


@pytest.fixture
def lab(sample_project, lab_process):
    return lab_process(sample_project, "my_session", "-n", "2", "--room", "lab1")


def test_a_seat_that_opens_and_closes_its_page_is_seen_on_the_room_page(lab, open_page):
    admin, admin_problems = open_page()
    log_in(admin, lab.base_url, lab.password, "/admin/rooms/lab1")
    expect(admin.locator("#live-state")).to_have_text("Updates live.")
    expect(admin.locator("#seats-online")).to_have_text("0")

    seat, _ = open_page()
    seat.goto(f"{lab.base_url}/room/lab1/PC01/")
    row = admin.locator('#seats tr[data-seat="PC01"]')
    expect(row).to_contain_text("online", timeout=UPDATE_TIMEOUT_MS)
    expect(admin.locator("#seats-online")).to_have_text("1")

    seat.close()
    expect(admin.locator("#seats-online")).to_have_text("0", timeout=UPDATE_TIMEOUT_MS)
    assert admin_problems.all() == []
