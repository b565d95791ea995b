"""The admin report tab in headless Chromium against ``labctl run``: the trust game's report
(amounts sent so far, a bar chart drawn as SVG by labctl-report.js) updates by itself while a
trustor submits in another browser, without a reload, a CSP violation or a script error."""

from __future__ import annotations

import pytest
from report_project import with_report

pytestmark = pytest.mark.slow  # headless Chromium against labctl run in its own process

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips with the reason (or fails under CI)
    expect = None

UPDATE_TIMEOUT_MS = 10_000
MARKER = "window.__labctlReportMarker"


@pytest.fixture
def lab(sample_project, lab_process):
    """``labctl run my_session -n 2`` with a report on the trust game."""
    return lab_process(with_report(sample_project), "my_session", "-n", "2")


def test_the_report_tab_updates_live_with_a_chart(lab, open_page):
    monitor, problems = open_page()
    session_path = f"/admin/sessions/{lab.session_code}"
    monitor.goto(f"{lab.base_url}/admin/login?next={session_path}")
    monitor.fill("#password", lab.password)
    monitor.click("button[type=submit]")
    monitor.wait_for_url(f"{lab.base_url}{session_path}")
    expect(monitor.locator("#report-tabs a")).to_have_text(["trust"])
    report = monitor.locator("#admin-report")
    expect(report.locator("#sent-count")).to_have_text("0 of 1 trustors have sent")
    chart = report.locator("svg.labctl-chart")
    expect(chart).to_have_attribute("data-points", "0")
    expect(chart.locator("text")).to_contain_text(["No data yet"])
    expect(monitor.locator("#live-state")).to_have_text("Updates live.")
    monitor.evaluate(f"{MARKER} = 'the same document'")

    trustor, trustor_problems = open_page()
    trustor.goto(f"{lab.base_url}/p/{lab.codes[0]}/")
    trustor.fill("#id_sent_amount", "3.00")
    trustor.click("#next-button")
    expect(trustor.locator("#wait-page")).to_be_visible()

    expect(report.locator("#sent-count")).to_have_text("1 of 1 trustors have sent",
                                                       timeout=UPDATE_TIMEOUT_MS)
    expect(chart).to_have_attribute("data-points", "1")
    expect(chart.locator("rect")).to_have_count(1)
    assert chart.get_attribute("aria-label") == "Amounts sent: 300"
    assert monitor.evaluate(MARKER) == "the same document", "the admin page was reloaded"
    assert problems.all() == []
    assert trustor_problems.all() == []
