"""Bots for the prisoner's dilemma: player 1 cooperates and player 2 defects; each bot checks
the pair's choices and its payoff to the cent."""

from labctl.bots import Bot, Submission, expect

from . import C, Decide, Results

CHOICES = {1: "C", 2: "D"}  # by id_in_group


class PlayerBot(Bot):
    def play_round(self):
        mine = CHOICES[self.player.id_in_group]
        theirs = CHOICES[3 - self.player.id_in_group]
        expect(self.group.treatment in C.TREATMENTS,
               f"the group's framing is {self.group.treatment!r}")
        yield Submission(Decide, {"choice": "maybe"}, error="choose one of the options")
        yield Decide, {"choice": mine}
        yield Results
        stored = {p.id_in_group: p.choice for p in self.group.get_players()}
        expect(stored == CHOICES, f"the pair's choices were stored as {stored}")
        # player 1 gets the sucker's payoff (EUR 0.00), player 2 the temptation (EUR 5.00)
        expected = C.PAYOFFS[(mine, theirs)]
        expect(self.player.payoff == expected,
               f"payoff {self.player.payoff} for {mine} against {theirs}, expected {expected}")
