"""Bots for the dictator game: the dictator gives EUR 2.50; each bot checks its payoff to the
cent."""

from labctl.bots import Bot, Submission, expect

from . import C, Give, Introduction, Results

GIVEN = 250  # cents


def typed(cents):
    """An amount in cents as a participant types it: 1001 -> "10.01"."""
    return f"{cents // 100}.{cents % 100:02d}"


class PlayerBot(Bot):
    def play_round(self):
        yield Introduction
        if self.player.role == "dictator":
            yield Submission(Give, {"amount_given": typed(C.ENDOWMENT + 1)},
                             error=f"at most {typed(C.ENDOWMENT)}")
            yield Submission(Give, {"amount_given": "2.505"}, error="at most 2 decimal places")
            yield Give, {"amount_given": typed(GIVEN)}
        yield Results
        expected = C.ENDOWMENT - GIVEN if self.player.role == "dictator" else GIVEN
        expect(self.player.payoff == expected,
               f"{self.player.role} payoff {self.player.payoff}, expected {expected}")
