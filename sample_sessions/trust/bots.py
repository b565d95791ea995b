"""Bots for the trust game: each checks its payoff to the cent."""

from labctl.bots import Bot, Submission, expect

from . import C, Results, Send, SendBack, multiplier


class PlayerBot(Bot):
    def play_round(self):
        sent, back = 400, 300  # cents: the trustor sends EUR 4.00 and gets EUR 3.00 back
        if self.player.role == "trustor":
            yield Submission(Send, {"sent_amount": "10.01"}, error="at most 10.00")
            yield Send, {"sent_amount": "4.00"}
        else:
            received = sent * multiplier(self.session)
            yield Submission(SendBack, {"sent_back_amount": "12.01"},
                             error="cannot send back more than you received")
            expect(received == 1200, f"the trustee should receive 1200 cents, not {received}")
            yield SendBack, {"sent_back_amount": "3.00"}
        yield Results
        expected = (C.ENDOWMENT - sent + back if self.player.role == "trustor"
                    else C.ENDOWMENT + sent * multiplier(self.session) - back)
        expect(self.player.payoff == expected,
               f"{self.player.role} payoff {self.player.payoff}, expected {expected}")
