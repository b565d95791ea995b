"""Bots for the ultimatum game: offers of 3.00 and 4.00, accepted in round 1, rejected in 2."""

from labctl.bots import Bot, expect

from . import C, Offer, Respond, Results

OFFERS = {1: 300, 2: 400}
ACCEPTS = {1: True, 2: False}


class PlayerBot(Bot):
    def play_round(self):
        offer, accepted = OFFERS[self.round_number], ACCEPTS[self.round_number]
        if self.player.role == "proposer":
            yield Offer, {"amount_offered": f"{offer / 100:.2f}"}
        else:
            expect(self.group.amount_offered == offer,
                   f"the responder sees an offer of {self.group.amount_offered}, not {offer}")
            yield Respond, {"offer_accepted": "1" if accepted else "0"}
        yield Results
        if self.player.role == "proposer":
            expected = C.PIE - offer if accepted else 0
        else:
            expected = offer if accepted else 0
        expect(self.player.payoff == expected,
               f"{self.player.role} payoff in round {self.round_number} is "
               f"{self.player.payoff}, expected {expected}")
