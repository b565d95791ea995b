"""Bots for the public goods game: fixed contributions per round and position in the group;
each bot checks the group total, its share (rounded down) and its payoff to the cent."""

from labctl.bots import Bot, Submission, expect

from . import C, Contribute, Results

#: cents contributed, by round and id_in_group; round 1 exercises the rounding down
#: (a total of 1701, doubled and split in four: 850.5 -> 850 each)
CONTRIBUTIONS = {
    1: {1: 200, 2: 500, 3: 1000, 4: 1},
    2: {1: 0, 2: 0, 3: 100, 4: 0},
    3: {1: 1000, 2: 1000, 3: 1000, 4: 1000},
}


def typed(cents):
    """An amount in cents as a participant types it: 1001 -> "10.01"."""
    return f"{cents // 100}.{cents % 100:02d}"


class PlayerBot(Bot):
    def play_round(self):
        plan = CONTRIBUTIONS.get(self.round_number, CONTRIBUTIONS[1])
        mine = plan[self.player.id_in_group]
        if self.round_number == 1:
            yield Submission(Contribute, {"contribution": typed(C.ENDOWMENT + 1)},
                             error=f"at most {typed(C.ENDOWMENT)}")
            yield Submission(Contribute, {"contribution": "-0.01"}, error="at least 0.00")
        yield Contribute, {"contribution": typed(mine)}
        yield Results
        total = sum(plan.values())
        share = total * C.MULTIPLIER // C.PLAYERS_PER_GROUP
        expect(self.group.total_contribution == total,
               f"group total {self.group.total_contribution}, expected {total}")
        expect(self.group.individual_share == share,
               f"share {self.group.individual_share}, expected {share}")
        expected = C.ENDOWMENT - mine + share
        expect(self.player.payoff == expected,
               f"payoff in round {self.round_number} is {self.player.payoff}, "
               f"expected {expected}")
        past = self.player.in_previous_rounds()
        expect([p.round_number for p in past] == list(range(1, self.round_number)),
               "the history of past rounds is incomplete")
