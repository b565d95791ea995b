"""Two traders of the sample double auction in two headless Chromium browsers against
``labctl run``: each sees the other's order as it is posted, one trade appears on both screens,
and each is paid what the trade earned (buyer: value - price, seller: price - cost)."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.slow  # headless Chromium against labctl run in its own process

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips with the reason (or fails under CI)
    expect = None

#: how long a live update may take to show on the other screen (ms)
LIVE_TIMEOUT_MS = 10_000


def shown(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


@pytest.fixture
def lab(sample_project, lab_process):
    """The market with every cost below every value, so the two can always trade."""
    init = sample_project / "double_auction" / "__init__.py"
    init.write_text(init.read_text().replace("COST_MIN, COST_MAX = 200, 1200",
                                             "COST_MIN, COST_MAX = 200, 400"))
    return lab_process(sample_project, "market", "-n", "2")


def test_two_traders_see_each_others_orders_and_one_trade_with_its_payoffs(lab, open_page):
    (buyer, buyer_problems), (seller, seller_problems) = open_page(), open_page()
    buyer.goto(f"{lab.base_url}/p/{lab.codes[0]}/")
    seller.goto(f"{lab.base_url}/p/{lab.codes[1]}/")
    assert buyer.evaluate("js_vars.side") == "buyer"
    assert seller.evaluate("js_vars.side") == "seller"
    value, cost = buyer.evaluate("js_vars.value"), seller.evaluate("js_vars.value")
    ask = cost + 50

    seller.fill("#order-price", shown(ask))
    seller.click("#order-send")
    expect(buyer.locator("#market-asks li")).to_have_text(
        [f"{shown(ask)} by trader 2"], timeout=LIVE_TIMEOUT_MS)
    expect(seller.locator("#market-asks li")).to_have_text([f"{shown(ask)} by trader 2 (you)"])
    buyer.fill("#order-price", shown(value))
    buyer.press("#order-price", "Enter")

    trade = f"{shown(ask)}: trader 1 bought from trader 2"
    expect(buyer.locator("#market-trades li")).to_have_text([trade + " (you)"],
                                                            timeout=LIVE_TIMEOUT_MS)
    expect(seller.locator("#market-trades li")).to_have_text([trade + " (you)"],
                                                             timeout=LIVE_TIMEOUT_MS)
    expect(buyer.locator("#market-asks li")).to_have_count(0)
    expect(buyer.locator("#market-message")).to_have_text(
        f"You traded at {shown(ask)} and earn {shown(value - ask)}.")
    expect(seller.locator("#market-message")).to_have_text(
        f"You traded at {shown(ask)} and earn {shown(ask - cost)}.")

    for page in (buyer, seller):
        page.click("button[type=submit]")
    for page, earned in ((buyer, value - ask), (seller, ask - cost)):
        expect(page.locator("h1")).to_have_text("Market results", timeout=LIVE_TIMEOUT_MS)
        row = page.locator("tr", has_text="Your earnings")
        expect(row).to_contain_text(re.compile(rf"EUR\s*{re.escape(shown(earned))}"))
    assert buyer_problems.all() == [] and seller_problems.all() == []
