"""Public goods game: groups of four contribute to a common pot over three rounds.

Each round every player gets C.ENDOWMENT and chooses how much of it to contribute. The group's
total is multiplied by C.MULTIPLIER and split equally among the C.PLAYERS_PER_GROUP members:

    share  = total * C.MULTIPLIER // C.PLAYERS_PER_GROUP    (rounded down to the cent)
    payoff = C.ENDOWMENT - contribution + share

Amounts are whole cents, so payoffs are exact; a share that does not divide evenly is rounded
down (a total of EUR 17.01 doubled is EUR 34.02, and each of four gets EUR 8.50). Groups stay
the same in every round; the results page shows the history of the past rounds.

The sample session `public_goods` plays it; the load benchmark (benchmarks/lab_load.py) uses its
groups of four to measure how fast a change of group data reaches every member.
"""

import labctl
from labctl import fields


class C:
    PLAYERS_PER_GROUP = 4
    NUM_ROUNDS = 3
    ENDOWMENT = 1000  # EUR 10.00 per round, in cents
    MULTIPLIER = 2


app = labctl.App(players_per_group=C.PLAYERS_PER_GROUP, num_rounds=C.NUM_ROUNDS)


def share_of(total):
    """Each member's share of a group total: multiplied, split equally, rounded down."""
    return total * C.MULTIPLIER // C.PLAYERS_PER_GROUP


class Group(labctl.Group):
    total_contribution = fields.Money(required=False, label="Total contribution")
    individual_share = fields.Money(required=False, label="Each member's share")


class Player(labctl.Player):
    contribution = fields.Money(
        min=0, max=C.ENDOWMENT, label="How much do you contribute to the group account?"
    )


class Contribute(labctl.Page):
    form_fields = ["contribution"]
    # used if the experimenter advances a participant who cannot go on
    timeout_submission = {"contribution": 0}


class ResultsWait(labctl.WaitPage):
    body_text = "Waiting for the other members of your group to contribute."

    @staticmethod
    def after_all_players_arrive(group):
        players = group.get_players()
        group.total_contribution = sum(p.contribution for p in players)
        group.individual_share = share_of(group.total_contribution)
        for player in players:
            player.payoff = C.ENDOWMENT - player.contribution + group.individual_share


class Results(labctl.Page):
    @staticmethod
    def vars_for_template(player):
        history = [
            {"round_number": past.round_number, "contribution": past.contribution,
             "total": past.group.total_contribution, "share": past.group.individual_share,
             "payoff": past.payoff}
            for past in player.in_previous_rounds()
        ]
        return {"history": history}


page_sequence = [Contribute, ResultsWait, Results]
