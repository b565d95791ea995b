"""The demo page in Chromium: one click, and two frames play a trust game to the end."""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # headless Chromium

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips with the reason (or fails under CI)
    expect = None

TRUST_PAIR = '''
SESSION_TYPES.append(SessionType(
    name="trust_pair", display_name="Trust game for one pair", fixed_pay=1000, currency="EUR",
    app_sequence=["trust"], num_participants=2, params={"trust_multiplier": 3},
    doc="One trust game between two people.",
))
'''


@pytest.fixture
def trust_pair(sample_project: Path) -> Path:
    """The sample project with a session type of one trust game for two."""
    with (sample_project / "sessions.py").open("a", encoding="utf-8") as sessions:
        sessions.write(TRUST_PAIR)
    return sample_project


def test_two_frames_play_a_trust_game_to_the_end(trust_pair, live_server, open_page) -> None:
    lab = live_server(project=trust_pair, session_type="trust_pair", n=2)
    page, problems = open_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{lab.base_url}/admin/demo/")
    row = page.locator("#demo-session-types tr", has_text="trust_pair")
    expect(row).to_contain_text("One trust game between two people.")
    row.get_by_role("button", name="Play trust_pair").click()
    expect(page.locator("#demo-grid iframe")).to_have_count(2)

    trustor = page.frame_locator('iframe[name="participant-1"]')
    trustee = page.frame_locator('iframe[name="participant-2"]')
    expect(trustee.locator("#wait-page")).to_be_visible()
    trustor.locator('input[name="sent_amount"]').fill("4.00")
    trustor.get_by_role("button", name="Next").click()
    # the trustee's frame moves on by itself once the trustor has sent
    trustee.locator('input[name="sent_back_amount"]').fill("5.00")
    trustee.get_by_role("button", name="Next").click()
    for frame, earned in ((trustor, "EUR 11.00"), (trustee, "EUR 17.00")):
        expect(frame.locator("table.results")).to_contain_text(earned)
        frame.get_by_role("button", name="Next").click()
        expect(frame.locator("main")).to_have_attribute("data-kind", "finished")
    rows = {row["id_in_session"]: row for row in lab.engine.participant_rows(
        page.url.rstrip("/").rsplit("/", 1)[-1])}
    assert all(row["finished_at"] for row in rows.values()) and len(rows) == 2
    assert problems.csp_violations == [] and problems.page_errors == []


def test_the_demo_tab_is_behind_the_admin_login(live_server, open_page) -> None:
    lab = live_server(admin_password="correct horse battery")
    page, _ = open_page()
    page.goto(f"{lab.base_url}/admin/demo/")
    expect(page.locator("input[type=password]")).to_be_visible()
    page.locator("input[type=password]").fill("correct horse battery")
    page.locator("input[type=password]").press("Enter")
    expect(page.locator("#demo-session-types")).to_contain_text("my_session")
    expect(page.get_by_role("link", name="Demo")).to_be_visible()  # the admin's tab
