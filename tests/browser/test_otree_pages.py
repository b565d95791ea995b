"""An oTree-spelt page in Chromium, as oTree's sample games write it: extending
"global/Page.html", laid out with style attributes, with a bare {{ chat }} between two players.
It must look as written (the styles apply), chat, and raise no script error or CSP violation.
"""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # headless Chromium against labctl run in its own process

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips with the reason (or fails under CI)
    expect = None

SESSIONS_PY = """\
from labctl import SessionType

SESSION_TYPES = [SessionType(name="pair", app_sequence=["talk"], num_participants=2)]
"""
TALK_INIT = """\
import labctl
from labctl import Page, fields


class C:
    PLAYERS_PER_GROUP = 2
    NUM_ROUNDS = 1


class Player(labctl.Player):
    decision = fields.Choice(choices=[["Cooperate", "Cooperate"], ["Defect", "Defect"]],
                             widget="radio")


class Decision(Page):
    form_model = "player"
    form_fields = ["decision"]


page_sequence = [Decision]
"""
DECISION_HTML = """\
{{ extends "global/Page.html" }}
{{ block title }}Your Choice{{ endblock }}
{{ block content }}
    <table id="matrix" class="table" style="width: 321px; margin: auto">
        <tr><td><span id="turned"
            style="display: inline-block; transform: rotate(-90deg)">You</span></td></tr>
    </table>
    {{ formfields }}
    {{ chat }}
    {{ next_button }}
{{ endblock }}
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    (root / "talk").mkdir(parents=True)
    (root / "sessions.py").write_text(SESSIONS_PY, encoding="utf-8")
    (root / "talk" / "__init__.py").write_text(TALK_INIT, encoding="utf-8")
    (root / "talk" / "Decision.html").write_text(DECISION_HTML, encoding="utf-8")
    return root


def test_an_otree_page_with_styles_and_a_bare_chat_works_as_written(project, lab_process,
                                                                    open_page):
    lab = lab_process(project, "pair", "-n", "2")
    people = [open_page() for _ in lab.codes]
    for (page, _), code in zip(people, lab.codes, strict=True):
        page.goto(f"{lab.base_url}/p/{code}/")
        expect(page.locator("h1")).to_have_text("Your Choice")
    (first, first_problems), (second, second_problems) = people

    # the style attributes apply
    assert first.locator("#matrix").evaluate("e => getComputedStyle(e).width") == "321px"
    assert first.locator("#turned").evaluate("e => getComputedStyle(e).transform") != "none"

    # the bare {{ chat }} is the group's chat: a message reaches the partner
    for page in (first, second):
        expect(page.locator("[data-labctl-chat=group]")).to_have_attribute(
            "data-labctl-chat-state", "open")
    box = first.locator("[data-labctl-chat=group] input")
    box.fill("Shall we cooperate?")
    box.press("Enter")
    expect(second.locator("[data-labctl-chat=group] li")).to_contain_text(
        ["Shall we cooperate?"])

    first.get_by_label("Cooperate").check()
    first.click("#next-button")
    expect(first.locator("h1")).not_to_have_text("Your Choice")
    assert first_problems.all() == [] and second_problems.all() == []
