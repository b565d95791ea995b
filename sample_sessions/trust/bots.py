"""Bots for the trust game: the trustor sends EUR 4.00, the trustee returns EUR 3.00; each
checks its payoff to the cent."""

from labctl.bots import Bot, Submission, expect

from . import C, Results, Send, SendBack, multiplier

SENT, SENT_BACK = 400, 300  # cents


def typed(cents):
    """An amount in cents as a participant types it: 1201 -> "12.01"."""
    return f"{cents // 100}.{cents % 100:02d}"


class PlayerBot(Bot):
    def play_round(self):
        received = SENT * multiplier(self.session)
        if self.player.role == "trustor":
            yield Submission(Send, {"sent_amount": typed(C.ENDOWMENT + 1)},
                             error=f"at most {typed(C.ENDOWMENT)}")
            yield Send, {"sent_amount": typed(SENT)}
        else:
            too_much = typed(received + 1)
            yield Submission(SendBack, {"sent_back_amount": too_much},
                             error="cannot send back more than you received")
            # checked once SendBack is shown: before that the trustor may not have sent yet
            expect(self.group.sent_amount == SENT,
                   f"the trustee sees {self.group.sent_amount} sent, not {SENT}")
            yield SendBack, {"sent_back_amount": typed(SENT_BACK)}
        yield Results
        if self.player.role == "trustor":
            expected = C.ENDOWMENT - SENT + SENT_BACK
        else:
            expected = C.ENDOWMENT + received - SENT_BACK
        expect(self.player.payoff == expected,
               f"{self.player.role} payoff {self.player.payoff}, expected {expected}")
