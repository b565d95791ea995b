"""Double auction: buyers and sellers trade one unit each in a live market with a time limit.

Each market is a group (all participants by default; the session type's `market_size` param
splits them into markets of that many). Odd ids in a market are buyers, even ids sellers. At
the start each buyer draws a value and each seller a cost (seeded by the session code, so a
session's draws repeat). Traders post a price (buyers a bid of at most their value, sellers an
ask of at least their cost; a new order replaces their standing one). The server matches:

    a bid >= the lowest ask trades with that ask, at the ask's price
    an ask <= the highest bid trades with that bid, at the bid's price
    (between equal prices, the earlier order trades first)

Each trader trades at most one unit per period. Orders stand until the market closes: a trader
who leaves the page early may still trade. Payoffs, set in the same transaction as the trade:

    buyer:  value - price          seller: price - cost          no trade: 0

The order book and the trades are shown live on every trader's screen (static/market.js).
"""

import random

import labctl
from labctl import fields


class C:
    TRADING_SECONDS = 120
    VALUE_MIN, VALUE_MAX = 500, 1500  # buyers' values, in cents
    COST_MIN, COST_MAX = 200, 1200  # sellers' costs, in cents
    PRICE_STEP = 10  # values and costs are multiples of 10 cents
    BUYER, SELLER = "buyer", "seller"


app = labctl.App(players_per_group=None)


class Player(labctl.Player):
    side = fields.Choice(choices=[C.BUYER, C.SELLER], required=False,
                         doc="buyer (odd id in the market) or seller (even id)")
    value = fields.Money(required=False, doc="a buyer's value, or a seller's cost, of the unit")
    order_price = fields.Money(required=False, doc="the trader's standing order, if any")
    order_time = fields.Integer(required=False, doc="the order's sequence number in the market")
    trade_price = fields.Money(required=False, doc="the price the unit traded at, if it did")
    partner = fields.Integer(required=False, doc="id_in_group of the trader it traded with")


class Group(labctl.Group):
    orders = fields.Integer(initial=0, doc="orders posted so far (their sequence numbers)")


def creating_session(subsession):
    size = subsession.session.params.get("market_size")
    if size:
        numbers = [n for row in subsession.get_group_matrix() for n in row]
        subsession.set_group_matrix([numbers[i:i + size] for i in range(0, len(numbers), size)])
    rng = random.Random(f"{subsession.session.code}-{subsession.round_number}")
    for player in subsession.get_players():
        if player.id_in_group % 2:
            player.side = C.BUYER
            player.value = rng.randrange(C.VALUE_MIN, C.VALUE_MAX + 1, C.PRICE_STEP)
        else:
            player.side = C.SELLER
            player.value = rng.randrange(C.COST_MIN, C.COST_MAX + 1, C.PRICE_STEP)


def market_state(group):
    """What every trader sees: the standing orders, best first, and the trades."""
    players = group.get_players()
    open_orders = [p for p in players if p.order_price is not None and p.trade_price is None]
    bids = sorted((p for p in open_orders if p.side == C.BUYER),
                  key=lambda p: (-p.order_price, p.order_time))
    asks = sorted((p for p in open_orders if p.side == C.SELLER),
                  key=lambda p: (p.order_price, p.order_time))
    trades = sorted((p for p in players if p.side == C.BUYER and p.trade_price is not None),
                    key=lambda p: p.order_time)
    return {
        "bids": [{"id": p.id_in_group, "price": p.order_price} for p in bids],
        "asks": [{"id": p.id_in_group, "price": p.order_price} for p in asks],
        "trades": [{"buyer": p.id_in_group, "seller": p.partner, "price": p.trade_price}
                   for p in trades],
    }


def refusal(player, price):
    """Why this order cannot be posted, or None."""
    if player.trade_price is not None:
        return "You have already traded your unit."
    if not isinstance(price, int) or isinstance(price, bool) or price <= 0:
        return "Please enter a price above zero."
    if player.side == C.BUYER and price > player.value:
        return "You cannot bid more than your value."
    if player.side == C.SELLER and price < player.value:
        return "You cannot ask less than your cost."
    return None


def match(player):
    """Trade the player's new order with the best standing order of the other side, if they
    cross: at the standing order's price."""
    others = [p for p in player.get_others_in_group()
              if p.side != player.side and p.order_price is not None and p.trade_price is None]
    if player.side == C.BUYER:
        crossing = [p for p in others if p.order_price <= player.order_price]
        best = min(crossing, key=lambda p: (p.order_price, p.order_time), default=None)
    else:
        crossing = [p for p in others if p.order_price >= player.order_price]
        best = min(crossing, key=lambda p: (-p.order_price, p.order_time), default=None)
    if best is None:
        return
    buyer, seller = (player, best) if player.side == C.BUYER else (best, player)
    for trader, other in ((buyer, seller), (seller, buyer)):
        trader.trade_price = best.order_price
        trader.partner = other.id_in_group
    buyer.payoff = buyer.value - buyer.trade_price
    seller.payoff = seller.trade_price - seller.value


class Market(labctl.Page):
    timeout_seconds = C.TRADING_SECONDS
    timer_text = "Time left in the market:"

    @staticmethod
    def js_vars(player):
        return {"id": player.id_in_group, "side": player.side, "value": player.value}

    @staticmethod
    def live_method(player, data):
        if not isinstance(data, dict) or "price" not in data:
            return {player.id_in_group: market_state(player.group)}  # liveSend({}): the state
        problem = refusal(player, data["price"])
        if problem:
            return {player.id_in_group: {"error": problem}}
        group = player.group
        group.orders += 1
        player.order_price = data["price"]
        player.order_time = group.orders
        match(player)
        return {0: market_state(group)}


class ResultsWait(labctl.WaitPage):
    body_text = "Waiting for the market to close."


class Results(labctl.Page):
    @staticmethod
    def vars_for_template(player):
        return {"traded": player.trade_price is not None}


page_sequence = [Market, ResultsWait, Results]
