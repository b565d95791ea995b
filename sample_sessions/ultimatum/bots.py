"""Bots for the ultimatum game: offers of EUR 3.00 and 4.00, accepted in round 1 and rejected in
round 2; each bot checks its payoff to the cent."""

from labctl.bots import Bot, Submission, expect

from . import C, Offer, Respond, Results

OFFERS = {1: 300, 2: 400}  # cents, by round
ACCEPTS = {1: True, 2: False}


def typed(cents):
    """An amount in cents as a participant types it: 1001 -> "10.01"."""
    return f"{cents // 100}.{cents % 100:02d}"


class PlayerBot(Bot):
    def play_round(self):
        offer = OFFERS.get(self.round_number, 500)
        accepted = ACCEPTS.get(self.round_number, True)
        if self.player.role == "proposer":
            yield Submission(Offer, {"amount_offered": typed(C.PIE + 1)},
                             error=f"at most {typed(C.PIE)}")
            yield Offer, {"amount_offered": typed(offer)}
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
