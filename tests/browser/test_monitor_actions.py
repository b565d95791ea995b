"""The experimenter's actions in headless Chromium against ``labctl run`` (gevent, own
process): Release asks first and says what it implies; an app error it causes shows in the
monitor with its file:line, and the participant's page recovers by itself once the
experimenter has acted; the monitor fits a lab screen and a phone; a bad batch edit is kept.
"""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.slow  # headless Chromium against labctl run in its own process

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips with the reason (or fails under CI)
    expect = None

#: how long a push may take to reach a page (ms)
UPDATE_TIMEOUT_MS = 10_000


@pytest.fixture
def lab(sample_project, lab_process):
    """``labctl run my_session -n 2``: one trust group, participant 1 the trustor."""
    return lab_process(sample_project, "my_session", "-n", "2")


def log_in(page, base_url: str, password: str, next_path: str) -> None:
    page.goto(f"{base_url}/admin/login?next={next_path}")
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base_url}{next_path}")


def failed_load(problem: str) -> bool:
    """The app-error page is served with status 500: Chromium logs that load as an error."""
    return "status of 500" in problem


def test_release_asks_first_and_the_page_it_breaks_recovers_after_retry(lab, open_page):
    trustor_code, trustee_code = lab.codes
    monitor, monitor_problems = open_page()
    session_path = f"/admin/sessions/{lab.session_code}"
    log_in(monitor, lab.base_url, lab.password, session_path)
    trustee, trustee_problems = open_page()
    trustee.goto(f"{lab.base_url}/p/{trustee_code}/")
    expect(trustee.locator("#wait-page")).to_be_visible()

    row = monitor.locator(f'#participants tr[data-code="{trustee_code}"]')
    release = row.locator("button", has_text="Release wait page")
    expect(release).to_be_visible(timeout=UPDATE_TIMEOUT_MS)
    release.click()
    dialog = monitor.locator("#release-dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Still missing: #1")
    expect(dialog).to_contain_text("run without the answers #1 have not given yet")
    monitor.click("#release-cancel")
    expect(dialog).to_be_hidden()
    monitor.wait_for_timeout(300)
    expect(row.locator("td").nth(7)).to_have_text("waiting for #1")  # nothing was done

    release.click()
    monitor.click("#release-confirm")
    monitor.wait_for_url(f"{lab.base_url}{session_path}")
    # the trustee's wait page moves on by itself, to SendBack, whose code fails: no sent amount
    expect(trustee.locator("#app-error")).to_be_visible(timeout=UPDATE_TIMEOUT_MS)
    expect(trustee.locator("h1")).to_have_text("Please wait a moment")
    assert "Traceback" not in trustee.content() and "__init__.py" not in trustee.content()
    error = row.locator(".app-error")
    expect(error).to_contain_text(re.compile(r"App error at trust/__init__\.py:\d+: "
                                             r"vars_for_template of trust, page SendBack "
                                             r"raised TypeError"), timeout=UPDATE_TIMEOUT_MS)
    trustee.wait_for_timeout(500)
    expect(trustee.locator("#app-error")).to_be_visible()  # waits: nothing has changed yet

    trustor, trustor_problems = open_page()
    trustor.goto(f"{lab.base_url}/p/{trustor_code}/")
    trustor.fill("#id_sent_amount", "2.00")
    trustor.click("#next-button")
    row.locator("button", has_text="Retry page").click()
    monitor.wait_for_url(f"{lab.base_url}{session_path}")
    # the trustee's page loads SendBack again by itself, and now it works
    expect(trustee.locator("#id_sent_back_amount")).to_be_visible(timeout=UPDATE_TIMEOUT_MS)
    expect(trustee.locator("main")).to_contain_text("EUR 6.00")
    expect(row.locator(".app-error")).to_have_count(0)
    expect(monitor.locator("#actions tbody tr")).to_have_count(2)
    assert monitor_problems.all() == []
    assert trustee_problems.all(failed_load) == []
    assert trustor_problems.all() == []


@pytest.mark.parametrize("viewport", [{"width": 1366, "height": 768},
                                      {"width": 390, "height": 844}])
def test_the_monitor_fits_its_card_on_a_lab_screen_and_a_phone(lab, open_page, viewport):
    _, trustee_code = lab.codes
    monitor, problems = open_page(viewport=viewport)
    session_path = f"/admin/sessions/{lab.session_code}"
    log_in(monitor, lab.base_url, lab.password, session_path)
    trustee, _ = open_page()
    trustee.goto(f"{lab.base_url}/p/{trustee_code}/")  # waiting for #1: the longest row
    row = monitor.locator(f'#participants tr[data-code="{trustee_code}"]')
    expect(row.locator("button")).to_have_text("Release wait page", timeout=UPDATE_TIMEOUT_MS)
    # measured in one script run: the monitor redraws a row when its participant's state
    # changes, and a box asked for between two redraws may belong to a row just replaced
    widths = monitor.evaluate("""(code) => {
        const card = document.getElementById("main");
        const button = document.querySelector(`#participants tr[data-code="${code}"] button`);
        return {card: [card.scrollWidth, card.clientWidth],
                page: [document.documentElement.scrollWidth, window.innerWidth],
                button: button.getBoundingClientRect().right};
    }""", trustee_code)
    assert widths["card"][0] <= widths["card"][1], widths
    assert widths["page"][0] <= widths["page"][1], widths
    assert 0 < widths["button"] <= viewport["width"], widths
    expect(row.locator("td").nth(9)).to_have_text("EUR 0.00")  # after the Connection cell
    assert problems.all() == []


def test_a_bad_batch_edit_is_kept_with_its_error_beside_it(lab, open_page):
    admin, problems = open_page()
    log_in(admin, lab.base_url, lab.password, "/admin/")
    typed = '{"next_treatment": 3, "note": "half'
    admin.fill("#batch-my_session", typed)
    # the sample project has several batches: press the Save of my_session's form
    admin.locator("form.batch-data", has=admin.locator("#batch-my_session")).locator(
        "button[type=submit]").click()
    error = admin.locator("#batch-my_session-error")
    expect(error).to_contain_text("not valid JSON")
    expect(admin.locator("#batch-my_session")).to_have_value(typed)
    assert problems.all(lambda p: "status of 422" in p) == []


def test_a_page_without_timeout_values_is_advanced_with_answers_typed_in_the_monitor(
        sample_project, lab_process, open_page):
    """The prisoner's dilemma's Decide page has no timeout value: a participant whose PC froze
    there would block their pair for good. The monitor offers a field per missing answer; a
    wrong answer is refused with its message, a good one moves the participant on, and what
    was being typed survives the monitor's live updates."""
    lab = lab_process(sample_project, "pd_chat", "-n", "2")
    frozen_code, other_code = lab.codes
    monitor, _ = open_page()
    session_path = f"/admin/sessions/{lab.session_code}"
    log_in(monitor, lab.base_url, lab.password, session_path)
    frozen, _ = open_page()
    frozen.goto(f"{lab.base_url}/p/{frozen_code}/")
    expect(frozen.locator("#id_choice_0, input[name=choice]").first).to_be_visible()

    row = monitor.locator(f'#participants tr[data-code="{frozen_code}"]')
    answer = row.locator("input[name='answer:choice']")
    expect(answer).to_be_visible(timeout=UPDATE_TIMEOUT_MS)
    expect(row.locator(".cannot-advance")).to_contain_text("type an answer for each below")
    answer.fill("maybe")
    other, _ = open_page()  # the other participant starts: the monitor's rows are rebuilt
    other.goto(f"{lab.base_url}/p/{other_code}/")
    other_row = monitor.locator(f'#participants tr[data-code="{other_code}"]')
    expect(other_row.locator("td").nth(7)).to_have_text("playing", timeout=UPDATE_TIMEOUT_MS)
    expect(answer).to_have_value("maybe")

    row.locator("button", has_text="Advance with these answers").click()
    expect(monitor.locator("body")).to_contain_text("choice: ", timeout=UPDATE_TIMEOUT_MS)
    monitor.goto(f"{lab.base_url}{session_path}")
    answer = monitor.locator(f'#participants tr[data-code="{frozen_code}"] '
                             "input[name='answer:choice']")
    expect(answer).to_be_visible(timeout=UPDATE_TIMEOUT_MS)  # refused: still on Decide
    answer.fill("C")
    monitor.locator(f'#participants tr[data-code="{frozen_code}"] button',
                    has_text="Advance with these answers").click()
    monitor.wait_for_url(f"{lab.base_url}{session_path}")
    expect(frozen.locator("#wait-page")).to_be_visible(timeout=UPDATE_TIMEOUT_MS)
    expect(monitor.locator(f'#participants tr[data-code="{frozen_code}"] td').nth(7)
           ).to_contain_text("waiting", timeout=UPDATE_TIMEOUT_MS)
