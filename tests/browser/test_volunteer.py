"""oTree's live volunteer's dilemma in three headless Chromium browsers against ``labctl run``:
one click on "Volunteer" moves every member of the group on, with oTree's payoffs."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.slow  # headless Chromium against labctl run in its own process

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips with the reason (or fails under CI)
    expect = None

#: how long the other pages may take to move on by themselves (ms)
MOVE_ON_TIMEOUT_MS = 10_000


@pytest.fixture
def lab(sample_project, lab_process):
    return lab_process(sample_project, "volunteer", "-n", "3")


def test_the_first_volunteer_ends_the_round_on_every_screen(lab, open_page):
    opened = [open_page() for _ in lab.codes]
    for (page, _), code in zip(opened, lab.codes, strict=True):
        page.goto(f"{lab.base_url}/p/{code}/")
        expect(page.locator("#volunteer")).to_be_visible()

    opened[1][0].click("#volunteer")

    for index, (page, problems) in enumerate(opened):
        expect(page.locator("h1")).to_have_text("Results", timeout=MOVE_ON_TIMEOUT_MS)
        earned = "6.00" if index == 1 else "10.00"
        expect(page.locator("main")).to_contain_text(re.compile(rf"EUR\s*{earned}"))
        assert problems.all() == []
    expect(opened[1][0].locator("main")).to_contain_text("You volunteered.")
    expect(opened[0][0].locator("main")).to_contain_text("Someone in your group volunteered.")
