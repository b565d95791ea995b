"""Ultimatum game: the proposer offers a split of a pie; the responder accepts or both get nothing.

Güth, Schmittberger and Schwarze (1982). Played for C.NUM_ROUNDS rounds with a new random
partner (and role) each round (matching="random"). The responder's page has a timeout: an offer
not answered in time counts as rejected.
"""

import labctl
from labctl import fields


class C:
    PIE = 1000  # EUR 10.00, in cents
    NUM_ROUNDS = 2
    RESPOND_SECONDS = 120


app = labctl.App(players_per_group=2, num_rounds=C.NUM_ROUNDS, roles=["proposer", "responder"],
                 matching="random")


class Group(labctl.Group):
    amount_offered = fields.Money(
        min=0, max=C.PIE, label="How much of the pie do you offer the responder?"
    )
    offer_accepted = fields.Boolean(label="Do you accept this offer?")


class Player(labctl.Player):
    pass


class Offer(labctl.Page):
    form_model = "group"
    form_fields = ["amount_offered"]
    # used if the experimenter advances a proposer who cannot go on
    timeout_submission = {"amount_offered": 0}

    @staticmethod
    def is_displayed(player):
        return player.role == "proposer"


class WaitForOffer(labctl.WaitPage):
    body_text = "Waiting for the proposer's offer."


class Respond(labctl.Page):
    form_model = "group"
    form_fields = ["offer_accepted"]
    timeout_seconds = C.RESPOND_SECONDS
    timeout_submission = {"offer_accepted": False}

    @staticmethod
    def is_displayed(player):
        return player.role == "responder"


class ResultsWait(labctl.WaitPage):
    @staticmethod
    def after_all_players_arrive(group):
        proposer = group.get_player_by_role("proposer")
        responder = group.get_player_by_role("responder")
        if group.offer_accepted:
            proposer.payoff = C.PIE - group.amount_offered
            responder.payoff = group.amount_offered
        else:
            proposer.payoff = 0
            responder.payoff = 0


class Results(labctl.Page):
    pass


page_sequence = [Offer, WaitForOffer, Respond, ResultsWait, Results]
