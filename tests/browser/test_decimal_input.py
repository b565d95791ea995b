"""A participant types an amount with a decimal comma or point in Chromium, in German and in
English: what the server stores is exactly what was typed.

Chromium posts "4,50" typed into an ``<input type="number">`` as 450, whatever the browser's
language; labctl's amount and decimal inputs are text inputs the server reads with the session's
locale. The server is ``labctl run`` in its own process, on a small project written here with
a German and an English session type; the stored values are read from its database.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # headless Chromium against labctl run in its own process

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips with the reason (or fails under CI)
    expect = None

SESSIONS_PY = """\
from labctl import SessionType

SESSION_TYPES = [
    SessionType(name="german", app_sequence=["amounts"], currency="EUR", locale="de_DE"),
    SessionType(name="english", app_sequence=["amounts"], currency="EUR", locale="en"),
]
"""
AMOUNTS_INIT = """\
import labctl
from labctl import fields

app = labctl.App(players_per_group=None, num_rounds=1)


class Player(labctl.Player):
    amount = fields.Money(min=0, max=1000000, label="How much do you pay?")
    share = fields.Decimal(min=0, max=10, places=3, label="Which share?")
    count = fields.Integer(min=0, max=100, label="How many?")
    tip = fields.Money(min=0, max=1000, initial=250, label="Tip")


class Ask(labctl.Page):
    form_fields = ["amount", "share", "count", "tip"]


class Done(labctl.Page):
    pass


page_sequence = [Ask, Done]
"""
ASK_HTML = "{% block title %}Amounts{% endblock %}\n{% block content %}\n{{ formfields() }}\n" \
           "{{ next_button() }}\n{% endblock %}\n"
DONE_HTML = "{% block title %}Done{% endblock %}\n{% block content %}<p>Thanks.</p>" \
            "{% endblock %}\n"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    (root / "amounts").mkdir(parents=True)
    (root / "sessions.py").write_text(SESSIONS_PY, encoding="utf-8")
    (root / "amounts" / "__init__.py").write_text(AMOUNTS_INIT, encoding="utf-8")
    (root / "amounts" / "Ask.html").write_text(ASK_HTML, encoding="utf-8")
    (root / "amounts" / "Done.html").write_text(DONE_HTML, encoding="utf-8")
    return root


@pytest.fixture
def in_language(browser) -> Iterator[Callable[[str], tuple[object, list[str]]]]:
    """``in_language("de-DE")``: a page in a fresh context whose browser language is that one
    (navigator.language, Accept-Language, number formats), with its script errors."""
    contexts = []

    def make(locale: str) -> tuple[object, list[str]]:
        context = browser.new_context(locale=locale)
        contexts.append(context)
        context.set_default_timeout(10_000)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on("console", lambda message: errors.append(message.text)
                if message.type == "error" and "status of 4" not in message.text else None)
        assert page.evaluate("navigator.language") == locale
        return page, errors

    yield make
    for context in contexts:
        context.close()


def stored(project: Path) -> list[dict]:
    """The players' answers as the server stored them, in participant order."""
    with sqlite3.connect(f"file:{project / 'labctl.db'}?mode=ro", uri=True) as db:
        db.row_factory = sqlite3.Row
        return [dict(row) for row in db.execute(
            "SELECT amount, share, count, tip FROM amounts_player ORDER BY participant_id")]


def type_answers(page, answers: dict[str, str]) -> None:
    """Type as a participant does, key by key (``fill`` would bypass the browser's input
    handling, which is what loses the separator)."""
    for name, text in answers.items():
        box = page.locator(f"#id_{name}")
        box.fill("")
        box.press_sequentially(text)
    page.click("#next-button")


@pytest.mark.parametrize("browser_language", ["de-DE", "en-US"])
@pytest.mark.parametrize("session_type", ["german", "english"])
def test_a_comma_and_a_point_are_both_stored_exactly(project, lab_process, in_language,
                                                     browser_language, session_type):
    lab = lab_process(project, session_type, "-n", "2")
    comma, point = lab.codes
    for code, answers in ((comma, {"amount": "4,50", "share": "0,125", "count": "7"}),
                          (point, {"amount": "4.50", "share": "0.125", "count": "7"})):
        page, errors = in_language(browser_language)
        page.goto(f"{lab.base_url}/p/{code}/")
        type_answers(page, answers)
        expect(page.locator("h1")).to_have_text("Done")
        assert errors == []
    assert stored(project) == [{"amount": 450, "share": "0.125", "count": 7, "tip": 250}] * 2


@pytest.mark.parametrize("browser_language", ["de-DE", "en-US"])
def test_an_ambiguous_answer_is_refused_and_shown_back_as_typed(project, lab_process,
                                                                in_language, browser_language):
    lab = lab_process(project, "german", "-n", "1")
    page, errors = in_language(browser_language)
    page.goto(f"{lab.base_url}/p/{lab.codes[0]}/")
    # the initial value is shown with the session's mark
    expect(page.locator("#id_tip")).to_have_value("2,50")
    type_answers(page, {"amount": "1.234", "share": "1.234", "count": "4,5", "tip": "1,5"})

    expect(page.locator("#error-amount")).to_have_text(
        '"1.234" could mean 1234 or 1,234: type 1234 without a thousands separator, or 1,234 '
        "with a decimal comma.")
    expect(page.locator("#error-share")).to_have_text(
        '"1.234" could mean 1234 or 1,234: type 1234 without a thousands separator, or 1,234 '
        "with a decimal comma.")
    expect(page.locator("#error-count")).to_have_text("Please enter a whole number.")
    for name, typed in (("amount", "1.234"), ("share", "1.234"), ("count", "4,5"),
                        ("tip", "1,5")):
        expect(page.locator(f"#id_{name}")).to_have_value(typed)
    assert stored(project) == [{"amount": None, "share": None, "count": None, "tip": 250}]

    type_answers(page, {"amount": "1234", "share": "1,234", "count": "4", "tip": "1,5"})
    expect(page.locator("h1")).to_have_text("Done")
    assert errors == []
    assert stored(project) == [{"amount": 123400, "share": "1.234", "count": 4, "tip": 150}]
    assert Decimal(stored(project)[0]["share"]) == Decimal("1.234")
