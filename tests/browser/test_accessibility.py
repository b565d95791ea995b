"""Every kind of page a participant, a seat or the experimenter sees, checked by axe-core in
headless Chromium; the contrast of field outlines and the focus ring; the focus after a refused
form.

axe-core is the copy bundled in the ``axe-playwright-python`` package (the ``test`` extra), so
no page or test ever loads a script from the network. Playwright injects it outside the page's
Content Security Policy (as an evaluated script: a script tag, even Playwright's, is refused by
it). A violation of impact "serious" or "critical" fails the test, listed
with the elements it was found on.
"""

from __future__ import annotations

import functools
import importlib.util
import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # headless Chromium against a live server

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips with the reason (or fails under CI)
    expect = None

PASSWORD = "accessibility-admin"
FAILING_IMPACTS = ("serious", "critical")
#: WCAG 1.4.11: what shows where to type, and where the focus is, needs 3:1 against its background
NON_TEXT_CONTRAST = 3.0
#: a session type of the sample apps that starts at the questionnaire, and one at the ultimatum
EXTRA_SESSION_TYPES = """
SESSION_TYPES += [
    SessionType(name="questionnaire_only", app_sequence=["questionnaire"], fixed_pay=1000,
                currency="EUR", num_participants=1),
    SessionType(name="ultimatum_only", app_sequence=["ultimatum"], fixed_pay=1000,
                currency="EUR", num_participants=2),
]
"""


def refused(problem: str) -> bool:
    """A refused form comes back as 422, which Chromium logs as a console error."""
    return "status of 422" in problem


@functools.cache
def axe_source() -> str:
    spec = importlib.util.find_spec("axe_playwright_python")
    if spec is None or not spec.submodule_search_locations:
        pytest.fail("axe-core is missing: pip install -e '.[test]' (axe-playwright-python)")
    path = Path(next(iter(spec.submodule_search_locations))) / "axe.min.js"
    return path.read_text(encoding="utf-8")


def serious_violations(page) -> list[str]:
    """axe-core's serious and critical violations on the page as it is now, one line each."""
    # evaluated through the DevTools protocol: a script tag would be refused by the page's CSP
    page.evaluate(axe_source())
    results = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    return [f"{page.url}: {v['id']} ({v['impact']}): {v['help']} at "
            + "; ".join(" ".join(node["target"]) for node in v["nodes"])
            for v in results["violations"] if v["impact"] in FAILING_IMPACTS]


def contrast(first: str, second: str) -> float:
    """WCAG contrast ratio of two computed CSS colours (``rgb(r, g, b)``)."""
    def luminance(colour: str) -> float:
        channels = [int(c) / 255 for c in re.findall(r"\d+", colour)[:3]]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
                  for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    light, dark = sorted((luminance(first), luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


@pytest.fixture
def lab(sample_project, live_server):
    with (sample_project / "sessions.py").open("a", encoding="utf-8") as handle:
        handle.write(EXTRA_SESSION_TYPES)
    return live_server(admin_password=PASSWORD)


def participant(lab, session_type: str, n: int) -> list[str]:
    code = lab.engine.create_session(session_type, n, seed=3)
    return [row["code"] for row in lab.engine.participant_rows(code)]


def log_in(page, base_url: str, next_path: str) -> None:
    page.goto(f"{base_url}/admin/login?next={next_path}")
    assert serious_violations(page) == []
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base_url}{next_path}")


def test_the_questionnaire_a_refused_form_and_the_finished_page_pass_axe(lab, open_page):
    (code,) = participant(lab, "questionnaire_only", 1)
    page, problems = open_page()
    page.goto(lab.url(code))
    expect(page.locator("#id_age")).to_be_visible()  # number, radio and text fields
    found = serious_violations(page)
    page.click("#next-button")  # nothing filled in: refused
    expect(page.locator("#form-errors")).to_be_visible()
    found += serious_violations(page)
    page.fill("#id_age", "30")
    page.check("input[name=gender][value=female]")
    page.fill("#id_field_of_study", "economics")
    page.click("#next-button")
    expect(page.locator("textarea#id_comments")).to_be_visible()  # radios and a text area
    found += serious_violations(page)
    page.check("input[name=trust_general][value='4']")
    page.click("#next-button")
    expect(page.locator("#id_comments")).to_have_count(0)  # the finished page
    found += serious_violations(page)
    assert found == []
    assert problems.all(refused) == []


def test_a_money_field_and_a_wait_page_pass_axe(lab, open_page):
    found = []
    for code in lab.codes[:2]:  # the trustor's Send page and the trustee's wait page
        page, problems = open_page()
        page.goto(lab.url(code))
        expect(page.locator("#page-form, #wait-page").first).to_be_visible()
        found += serious_violations(page)
        assert problems.all() == []
    assert found == []


def test_a_yes_no_question_passes_axe(lab, open_page):
    codes = participant(lab, "ultimatum_only", 2)
    for code in codes:
        with lab.engine.view(code) as view:
            if view.step.name == "Offer":
                assert lab.engine.submit(code, view.index,
                                         {"amount_offered": "4.00"}).status == "advanced"
    found = []
    for code in codes:
        page, problems = open_page()
        page.goto(lab.url(code))
        expect(page.locator("#page-form, #wait-page").first).to_be_visible()
        found += serious_violations(page)
        assert problems.all() == []
    assert found == []


def test_room_pages_the_admin_and_an_error_page_pass_axe(lab, open_page):
    page, _ = open_page()
    found = []
    for path in ("/room/lab1/", "/room/lab1/PC03/", "/p/no-such-participant/", "/nothing-here"):
        page.goto(lab.base_url + path)
        found += serious_violations(page)
    log_in(page, lab.base_url, "/admin/")
    found += serious_violations(page)
    page.goto(f"{lab.base_url}/admin/sessions/{lab.session_code}")
    expect(page.locator("#participants")).to_be_visible()
    found += serious_violations(page)
    assert found == []


def test_a_refused_form_puts_the_focus_on_the_first_wrong_field_with_its_error(lab,
                                                                            open_page):
    (code,) = participant(lab, "questionnaire_only", 1)
    page, problems = open_page()
    page.goto(lab.url(code))
    page.fill("#id_field_of_study", "economics")  # age and gender left empty
    page.click("#next-button")
    expect(page.locator("#form-errors")).to_be_visible()
    expect(page.locator("#id_age")).to_be_focused()
    expect(page.locator("#id_age")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("input[name=gender]").first).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#id_field_of_study")).not_to_have_attribute("aria-invalid", "true")
    described = page.locator("#id_age").get_attribute("aria-describedby").split()
    assert page.locator(f"#{described[0]}").inner_text().strip() != ""
    assert page.locator(f"#{described[0]}").get_attribute("class") == "error"
    assert problems.all(refused) == []


def test_field_outlines_and_the_focus_ring_stand_out_from_the_page(lab, open_page):
    (code,) = participant(lab, "questionnaire_only", 1)
    page, _ = open_page()
    page.goto(lab.url(code))
    background = page.evaluate(
        "getComputedStyle(document.getElementById('main')).backgroundColor")
    for selector in ("#id_age", "#id_field_of_study", "#next-button"):
        page.focus(selector)
        style = page.evaluate(
            """(selector) => { const s = getComputedStyle(document.querySelector(selector));
            return {border: s.borderTopColor, outline: s.outlineColor,
                    outlineStyle: s.outlineStyle}; }""", selector)
        assert style["outlineStyle"] != "none", selector
        assert contrast(style["outline"], background) >= NON_TEXT_CONTRAST, (selector, style)
        if selector != "#next-button":  # a button is its filled background
            assert contrast(style["border"], background) >= NON_TEXT_CONTRAST, (selector, style)


def test_the_check_finds_a_serious_violation_where_there_is_one(open_page):
    """So that an empty list above means axe ran and found nothing, not that it never ran."""
    page, _ = open_page()
    page.set_content('<html lang="en"><title>t</title><main><img src="data:,">'
                     '<input type="text"></main></html>')
    found = serious_violations(page)
    assert any("image-alt (critical)" in line for line in found), found
    assert any("label (critical)" in line for line in found), found
