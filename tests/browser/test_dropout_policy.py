"""A seat goes offline mid-group, in headless Chromium against ``labctl run`` (gevent, its own
process, the once-a-second sweep): the session type declares
``Dropout(after_seconds=5, then="bot")``, so the bot answers for the participant whose tab
closed and their partner's wait page moves on by itself; when the participant opens their
link again they are on the page the group is at, play on themselves, and the return is logged.
"""

from __future__ import annotations

import sqlite3
import textwrap

import pytest

pytestmark = pytest.mark.slow  # headless Chromium against labctl run in its own process

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips with the reason (or fails under CI)
    expect = None

#: the dropout limit declared below, and how long the pages may take past it (ms): bounds
AFTER_SECONDS = 5
MOVE_TIMEOUT_MS = 20_000

PAIRS_APP = """\
import labctl
from labctl import fields

app = labctl.App(players_per_group=2, num_rounds=2)


class Player(labctl.Player):
    contribution = fields.Integer(min=0, max=10)


class Choose(labctl.Page):
    form_fields = ["contribution"]


class ResultsWait(labctl.WaitPage):
    pass


page_sequence = [Choose, ResultsWait]
"""


@pytest.fixture
def lab(tmp_path, lab_process):
    root = tmp_path / "dropouts"
    (root / "pairs").mkdir(parents=True)
    (root / "sessions.py").write_text(textwrap.dedent(f"""\
        import labctl
        from labctl import SessionType

        SESSION_TYPES = [SessionType(
            name="pairs", app_sequence=["pairs"], fixed_pay=500,
            dropout=labctl.Dropout(after_seconds={AFTER_SECONDS}, then="bot"))]
        """), encoding="utf-8")
    (root / "pairs" / "__init__.py").write_text(PAIRS_APP, encoding="utf-8")
    (root / "pairs" / "Choose.html").write_text(
        "{% block title %}Your choice{% endblock %}\n"
        "{% block content %}{{ formfields() }}{{ next_button() }}{% endblock %}\n",
        encoding="utf-8")
    lab = lab_process(root, "pairs", "-n", "2")
    lab.db = root / "labctl.db"
    return lab


def marker(page, name: str) -> str | None:
    return page.locator("main").get_attribute(f"data-{name}")


def test_the_bot_keeps_the_group_moving_and_the_return_is_handled(lab, open_page):
    stays, stays_problems = open_page()
    leaves, _ = open_page()
    stayer, leaver = lab.codes
    leaves.goto(f"{lab.base_url}/p/{leaver}/")
    expect(leaves.locator("#id_contribution")).to_be_visible()
    leaves.close()  # the PC froze: the tab is gone
    stays.goto(f"{lab.base_url}/p/{stayer}/")
    stays.fill("#id_contribution", "7")
    stays.click("#next-button")
    # the group moves on without them: the partner's page leaves the wait page by itself
    expect(stays.locator("main")).to_have_attribute("data-round", "2",
                                                    timeout=MOVE_TIMEOUT_MS)

    back, back_problems = open_page()
    back.goto(f"{lab.base_url}/p/{leaver}/")  # they are back: on the group's current page
    assert marker(back, "round") == "2"
    if marker(stays, "page") == "Choose":
        stays.fill("#id_contribution", "3")
        stays.click("#next-button")
    if marker(back, "page") == "Choose":
        back.fill("#id_contribution", "4")
        back.click("#next-button")
    for page in (stays, back):
        expect(page.locator("main")).to_have_attribute("data-kind", "finished",
                                                       timeout=MOVE_TIMEOUT_MS)
    with sqlite3.connect(lab.db) as conn:
        decided = dict(conn.execute(
            "SELECT p.code || ':' || v.round_number, v.decided_by FROM page_visits v "
            "JOIN participants p ON p.id = v.participant_id WHERE v.page = 'Choose'"))
        actions = [a for (a,) in conn.execute("SELECT action FROM admin_actions")]
    assert decided[f"{leaver}:1"] == "bot"
    assert decided[f"{stayer}:1"] == "participant"
    assert any(a.startswith("dropout: gone for 5 s; then bot") for a in actions)
    assert "returned: plays on from their current page" in actions
    assert stays_problems.all() == [] and back_problems.all() == []
