"""The experimenter chat in Chromium: the participant types and sends from their page (the
page's own form is not submitted), the experimenter's answer appears on the open page without
a reload, and a reload shows the whole conversation again; no script error or CSP violation."""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # headless Chromium against a lab server

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips with the reason (or fails under CI)
    expect = None

FILES = {
    "sessions.py": "from labctl import SessionType\n\nSESSION_TYPES = [SessionType("
                   'name="demo", app_sequence=["game"], num_participants=1)]\n',
    "game/__init__.py": "import labctl\n\napp = labctl.App(players_per_group=None)\n\n\n"
                        "class Ask(labctl.Page):\n    pass\n\n\npage_sequence = [Ask]\n",
    "game/Ask.html": "{% block title %}Task{% endblock %}{% block scripts %}<script src=\""
                     "{{ static_url('labctl-experimenter-chat.js') }}\" defer></script>"
                     "{% endblock %}{% block content %}{{ experimenter_chat() }}"
                     "{{ next_button() }}{% endblock %}",
}


def test_a_participant_chats_with_the_experimenter_in_the_browser(live_server, open_page,
                                                                  tmp_path: Path):
    root = tmp_path / "project"
    for name, text in FILES.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    lab = live_server(root, "demo", 1)
    (code,) = lab.codes
    page, problems = open_page()
    page.goto(f"{lab.base_url}/p/{code}/")
    chat = page.locator("[data-labctl-experimenter-chat]")

    chat.locator("input").fill("I need help")
    chat.locator("input").press("Enter")

    expect(chat.locator("li.from-participant")).to_have_text("You: I need help")
    expect(page.locator("h1")).to_have_text("Task")  # the page's own form was not sent
    lab.engine.chat_with_participant(lab.session_code, code, "On my way")
    expect(chat.locator("li.from-experimenter")).to_have_text("Experimenter: On my way")

    page.reload()
    expect(page.locator("[data-labctl-experimenter-chat] li")).to_have_count(2)
    assert problems.all() == []
