"""Bots for the blank app: one refused answer, then a valid one, checked as stored."""

from labctl.bots import Bot, Submission, expect

from . import Question, Results


class PlayerBot(Bot):
    def play_round(self):
        yield Submission(Question, {"answer": "101"}, error="at most 100")
        yield Question, {"answer": "42"}
        expect(self.player.answer == 42, f"answer stored as {self.player.answer}, not 42")
        yield Results
        expect(self.player.payoff == 0, f"payoff {self.player.payoff}, expected 0")
