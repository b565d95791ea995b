"""The sample live apps through the engine's live messages and a real SQLite store: the double
auction's order book, matching and payoffs, and the volunteer's dilemma's first click."""

from __future__ import annotations

import queue

import pytest

from labctl.hub import Channel

pytestmark = pytest.mark.both_stores

MARKET, WAIT, RESULTS = 0, 1, 2


def drained(inbox: queue.Queue) -> list[object]:
    found = []
    while not inbox.empty():
        found.append(inbox.get_nowait()["data"])
    return found


@pytest.fixture
def market(engine, driver, dbfile):
    """A market of four (1 and 3 buy, 2 and 4 sell) with values and costs set by the test."""
    session = engine.create_session("market", 4)
    codes = [row["code"] for row in engine.participant_rows(session)]
    for code in codes:
        driver.look(code)
    for id_in_group, value in {1: 900, 2: 300, 3: 700, 4: 600}.items():
        dbfile.execute("UPDATE double_auction_player SET value = ? WHERE id_in_group = ?",
                       value, id_in_group)
    inboxes = [engine.hub.subscribe(Channel.live(code)) for code in codes]
    return engine, codes, inboxes


def test_a_crossing_bid_trades_at_the_standing_asks_price_for_everyone_to_see(market, dbfile):
    engine, codes, inboxes = market

    engine.live_message(codes[3], MARKET, {"price": 650})  # seller 4 asks 6.50
    engine.live_message(codes[1], MARKET, {"price": 640})  # seller 2 undercuts: 6.40
    engine.live_message(codes[2], MARKET, {"price": 500})  # buyer 3 bids 5.00: no trade
    engine.live_message(codes[0], MARKET, {"price": 800})  # buyer 1 bids 8.00: takes 6.40

    for inbox in inboxes:
        *_, last = drained(inbox)
        assert last == {"bids": [{"id": 3, "price": 500}], "asks": [{"id": 4, "price": 650}],
                        "trades": [{"buyer": 1, "seller": 2, "price": 640}]}
    rows = dbfile.rows("SELECT id_in_group, trade_price, partner, payoff FROM "
                       "double_auction_player ORDER BY id_in_group")
    assert [(r["trade_price"], r["partner"], r["payoff"]) for r in rows] == [
        (640, 2, 900 - 640), (640, 1, 640 - 300), (None, None, 0), (None, None, 0)]


def test_an_ask_below_the_best_bid_trades_at_the_bids_price(market, dbfile):
    engine, codes, _ = market

    engine.live_message(codes[2], MARKET, {"price": 690})  # buyer 3
    engine.live_message(codes[3], MARKET, {"price": 600})  # seller 4 asks less: trades at 6.90

    assert dbfile.value("SELECT payoff FROM double_auction_player WHERE id_in_group = 4") == 90
    assert dbfile.value("SELECT payoff FROM double_auction_player WHERE id_in_group = 3") == 10


@pytest.mark.parametrize(("sender", "data", "says"), [
    (0, {"price": 901}, "You cannot bid more than your value."),
    (1, {"price": 299}, "You cannot ask less than your cost."),
    (0, {"price": "8.00"}, "Please enter a price above zero."),
    (0, {"price": True}, "Please enter a price above zero."),
])
def test_an_order_a_trader_may_not_post_is_told_to_that_trader_only(market, dbfile, sender,
                                                                     data, says):
    engine, codes, inboxes = market

    engine.live_message(codes[sender], MARKET, data)

    assert drained(inboxes[sender]) == [{"error": says}]
    assert all(drained(inbox) == [] for inbox in inboxes if inbox is not inboxes[sender])
    assert dbfile.value("SELECT count(*) FROM double_auction_player "
                        "WHERE order_price IS NOT NULL") == 0


def test_a_trader_who_traded_cannot_trade_again_and_liveSend_empty_returns_the_state(market):
    engine, codes, inboxes = market
    engine.live_message(codes[1], MARKET, {"price": 300})
    engine.live_message(codes[0], MARKET, {"price": 300})
    for inbox in inboxes:
        drained(inbox)

    engine.live_message(codes[0], MARKET, {"price": 600})
    engine.live_message(codes[0], MARKET, {})

    refused, state = drained(inboxes[0])
    assert refused == {"error": "You have already traded your unit."}
    assert state["trades"] == [{"buyer": 1, "seller": 2, "price": 300}]


def test_market_size_splits_a_session_into_markets(engine, dbfile):
    session = engine.create_session("market", 12)

    sizes = dbfile.rows("SELECT count(*) AS n FROM double_auction_player p JOIN participants t "
                        "ON t.id = p.participant_id WHERE t.session_code = ? GROUP BY "
                        "p.group_id ORDER BY n DESC", session)
    assert [row["n"] for row in sizes] == [10, 2]


def test_the_first_volunteer_ends_the_round_for_the_whole_group(engine, driver, dbfile):
    session = engine.create_session("volunteer", 3)
    codes = [row["code"] for row in engine.participant_rows(session)]
    for code in codes:
        driver.look(code)
    inboxes = [engine.hub.subscribe(Channel.live(code)) for code in codes]

    engine.live_message(codes[0], 0, {})  # a page loads: nobody volunteered yet
    engine.live_message(codes[1], 0, {"volunteer": True})
    engine.live_message(codes[2], 0, {"volunteer": True})  # too late: records nothing

    finished = {"finished": True}
    assert [drained(inbox) for inbox in inboxes] == [[finished], [finished],
                                                     [finished, finished]]
    for code in codes:
        driver.submit(code)
    assert [r["payoff"] for r in dbfile.rows(
        "SELECT payoff FROM volunteer_dilemma_player ORDER BY id_in_group")] == [1000, 600, 1000]
