"""The sample session played in German in headless Chromium against ``labctl run``: every text
of labctl on the way is German (the button, the wait page, the timer, a form message with an
amount typed with a decimal comma, the end page with the payment in ``10,00 €``); and an Arabic
page laid out right to left, with a screenshot kept in the test's folder."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # headless Chromium against labctl run in its own process

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips with the reason (or fails under CI)
    expect = None

GERMAN = ('SessionType(name="my_session_de", fixed_pay=1000, currency="EUR", '
          'app_sequence=["trust", "ultimatum", "questionnaire"], num_participants=4, '
          'params={"trust_multiplier": 3}, language="de")')
#: what a German participant types, by field (amounts with a decimal comma)
TYPED = {"sent_amount": "3,00", "sent_back_amount": "1,50", "amount_offered": "4,00",
         "age": "25", "field_of_study": "Volkswirtschaftslehre", "comments": "Alles gut."}
PLAY_SECONDS = 90
NBSP = "\xa0"


def with_session_type(project: Path, declaration: str) -> Path:
    sessions = project / "sessions.py"
    sessions.write_text(sessions.read_text(encoding="utf-8")
                        + f"\nSESSION_TYPES += [{declaration}]\n", encoding="utf-8")
    return project


def answer(page) -> None:
    """Answer the page as a participant would: type the amounts, pick the first option."""
    for name, text in TYPED.items():
        box = page.locator(f"#id_{name}")
        if box.count():
            box.fill(text)
    for fieldset in page.locator("#page-form fieldset").all():
        fieldset.locator("input[type=radio]").first.check()
    for select in page.locator("#page-form select").all():
        select.select_option(index=1)
    step = page.locator("main").get_attribute("data-step")
    page.click("#next-button")
    # the answer is the next page: wait (bounded) until it has replaced this one
    page.wait_for_function("s => { const m = document.querySelector('main'); "
                           "return m && (m.dataset.step !== s || m.dataset.kind !== 'page'); }",
                           arg=step)


def test_the_sample_session_in_german_shows_every_labctl_text_in_german(
        sample_project, lab_process, open_page):
    lab = lab_process(with_session_type(sample_project, GERMAN), "my_session_de", "-n", "4")
    people = []
    for code in lab.codes:
        page, problems = open_page()
        page.goto(f"{lab.base_url}/p/{code}/")
        people.append((page, problems))
    trustor, trustee = people[0][0], people[1][0]
    expect(trustor.locator("html")).to_have_attribute("lang", "de")

    # the trustor's page: the button, and a refused amount typed with a decimal comma
    expect(trustor.locator("#next-button")).to_have_text("Weiter")
    trustor.locator("#id_sent_amount").fill("12,50")
    trustor.click("#next-button")
    expect(trustor.locator("#error-sent_amount")).to_have_text(
        "Bitte geben Sie einen Wert von höchstens 10,00 ein.")
    expect(trustor.locator("#form-errors")).to_contain_text(
        "Bitte korrigieren Sie die unten markierten Antworten.")

    # the trustee waits for the trustor, in German
    expect(trustee.locator("h1")).to_have_text("Bitte warten")
    expect(trustee.locator("#wait-hint")).to_have_text(
        "Diese Seite geht von selbst weiter; Sie müssen sie nicht neu laden.")

    seen_timer = False
    deadline = time.monotonic() + PLAY_SECONDS
    finished: set[int] = set()
    while len(finished) < len(people) and time.monotonic() < deadline:
        moved = False
        for number, (page, _problems) in enumerate(people):
            if number in finished:
                continue
            if page.locator("#payment").count():
                finished.add(number)
                continue
            if page.locator("#page-form").count():
                if page.locator(".timer").count():
                    expect(page.locator(".timer")).to_contain_text("Verbleibende Zeit:")
                    seen_timer = True
                answer(page)
                moved = True
        if not moved:
            people[0][0].wait_for_timeout(200)  # everyone waits: the wait pages move on
    assert len(finished) == len(people), f"finished: {sorted(finished)} in {PLAY_SECONDS} s"
    assert seen_timer  # the ultimatum responder's page has a timer

    end = people[0][0]
    expect(end.locator("h1")).to_have_text("Vielen Dank für Ihre Teilnahme")
    expect(end.locator("#payment th").first).to_have_text("Teilnahmevergütung")
    expect(end.locator("#payment td").first).to_have_text(f"10,00{NBSP}€")
    total = end.locator("#payment-total").inner_text()
    assert total.endswith(f"{NBSP}€") and "," in total, total
    refused = lambda problem: "status of 422" in problem  # noqa: E731 (the refused 12,50)
    for _page, problems in people:
        assert problems.all(ignore=refused) == []


def test_an_arabic_page_is_laid_out_right_to_left(sample_project, live_server, open_page,
                                                  tmp_path):
    arabic = GERMAN.replace('"my_session_de"', '"arabic"').replace('"de"', '"ar"')
    lab = live_server(project=with_session_type(sample_project, arabic), session_type="arabic")
    page, problems = open_page(viewport={"width": 800, "height": 600})
    page.goto(lab.url(lab.codes[0]))
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    assert page.evaluate("getComputedStyle(document.documentElement).direction") == "rtl"
    assert page.evaluate("getComputedStyle(document.querySelector('h1')).direction") == "rtl"
    # right to left: the button sits at the right of the form, not at its left
    form = page.locator("#page-form").bounding_box()
    button = page.locator("#next-button").bounding_box()
    assert button["x"] + button["width"] > form["x"] + form["width"] / 2
    shot = tmp_path / "arabic-page.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 1000
    assert problems.all() == []
