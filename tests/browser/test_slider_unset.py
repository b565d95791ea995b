"""A slider with no default position in Chromium: it shows no thumb and posts nothing until the
participant moves it; Next before that keeps the page and says what to do (the server would
refuse it too), and the value moved to is what is stored."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # headless Chromium against labctl run in its own process

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips with the reason (or fails under CI)
    expect = None

FILES = {
    "sessions.py": "from labctl import SessionType\n\nSESSION_TYPES = [SessionType("
                   'name="rate", app_sequence=["rating"])]\n',
    "rating/__init__.py": """\
import labctl
from labctl import fields

app = labctl.App(players_per_group=None)


class Player(labctl.Player):
    liking = fields.Integer(min=0, max=10, widget="slider", label="How much do you like it?")


class Ask(labctl.Page):
    form_fields = ["liking"]


class Done(labctl.Page):
    pass


page_sequence = [Ask, Done]
""",
    "rating/Ask.html": "{% block title %}Rate{% endblock %}\n{% block content %}"
                       "{{ formfields() }}{{ next_button() }}{% endblock %}\n",
    "rating/Done.html": "{% block title %}Done{% endblock %}\n{% block content %}<p>Thanks."
                        "</p>{% endblock %}\n",
}


def _stored(project: Path) -> list:
    with sqlite3.connect(f"file:{project / 'labctl.db'}?mode=ro", uri=True) as db:
        return [row[0] for row in db.execute("SELECT liking FROM rating_player")]


def test_an_untouched_slider_is_refused_until_moved(tmp_path, lab_process, open_page):
    project = tmp_path / "project"
    for name, text in FILES.items():
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        (project / name).write_text(text, encoding="utf-8")
    lab = lab_process(project, "rate", "-n", "1")
    page, problems = open_page()
    page.goto(f"{lab.base_url}/p/{lab.codes[0]}/")
    expect(page.locator(".slider.unset")).to_have_count(1)

    page.click("#next-button")

    expect(page.locator("#field-liking .error")).to_have_text(
        "Please move the slider to give your answer.")
    expect(page.locator("h1")).to_have_text("Rate")
    assert _stored(project) == [None]

    page.focus("#id_liking")
    for _ in range(3):
        page.keyboard.press("ArrowRight")  # from the middle, where the hidden thumb sits
    expect(page.locator(".slider.unset")).to_have_count(0)
    page.click("#next-button")

    expect(page.locator("h1")).to_have_text("Done")
    assert _stored(project) == [8]
    assert problems.all() == []
