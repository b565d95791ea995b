"""Bots for the double auction: every buyer bids its value and every seller asks its cost
through the live page, then leaves the market. The bots check what came back and, on the
results page, that each trade paid value - price and price - cost and left no crossing orders."""

from labctl.bots import Bot, expect

from . import C, Market, Results


class PlayerBot(Bot):
    def play_round(self):
        (state,) = self.live({})
        expect("bids" in state and "asks" in state, f"no order book in {state}")
        (refused,) = self.live({"price": 0})
        expect(refused, "==", {"error": "Please enter a price above zero."})
        replies = self.live({"price": self.player.value})
        expect(len(replies) >= 1, "no reply to an order")
        book = replies[0]
        expect(all(set(order) == {"id", "price"} for order in book["bids"] + book["asks"]),
               f"orders show only trader and price: {book}")
        yield Market
        yield Results
        me = self.player
        if me.trade_price is None:
            expect(me.payoff, 0)
            return
        expect(C.COST_MIN <= me.trade_price <= C.VALUE_MAX, f"price {me.trade_price}")
        if me.side == C.BUYER:
            expect(me.payoff, me.value - me.trade_price)
            expect(me.trade_price <= me.value, "a buyer paid more than its value")
        else:
            expect(me.payoff, me.trade_price - me.value)
            expect(me.trade_price >= me.value, "a seller sold below its cost")
        partner = self.group.get_player_by_id(me.partner)
        expect(partner.partner, me.id_in_group)
        expect(partner.trade_price, me.trade_price)
        open_orders = [p for p in self.group.get_players()
                       if p.trade_price is None and p.order_price is not None]
        best_bid = max((p.order_price for p in open_orders if p.side == C.BUYER), default=0)
        best_ask = min((p.order_price for p in open_orders if p.side == C.SELLER),
                       default=C.VALUE_MAX + 1)
        expect(best_bid < best_ask, f"crossing orders left untraded: {best_bid} >= {best_ask}")
