"""Bots for the live volunteer's dilemma: player 1 of each group volunteers through the live
page and is told the round is over; everyone checks the payoffs."""

from labctl.bots import Bot, expect

from . import C, Decide, Results


class PlayerBot(Bot):
    def play_round(self):
        if self.player.id_in_group == 1:
            expect(self.live({"volunteer": True}), "==", [{"finished": True}])
        yield Decide
        yield Results
        expect(self.group.has_volunteer, "nobody volunteered")
        volunteer = self.player.id_in_group == 1
        expect(self.player.volunteered, volunteer)
        expected = C.GENERAL_BENEFIT - (C.VOLUNTEER_COST if volunteer else 0)
        expect(self.player.payoff, expected)
