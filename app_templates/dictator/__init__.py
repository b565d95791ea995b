"""Dictator game: the dictator splits an endowment with a recipient, who has no say.

Forsythe, Horowitz, Savin and Sefton (1994). The dictator gets C.ENDOWMENT and chooses how much
of it to give to the recipient; the dictator keeps the rest. Amounts are whole cents, so both
payoffs are exact.
"""

import labctl
from labctl import fields


class C:
    ENDOWMENT = 1000  # EUR 10.00, in cents


app = labctl.App(players_per_group=2, num_rounds=1, roles=["dictator", "recipient"])


class Group(labctl.Group):
    amount_given = fields.Money(
        min=0, max=C.ENDOWMENT, label="How much do you give to the recipient?"
    )


class Player(labctl.Player):
    pass


class Introduction(labctl.Page):
    pass


class Give(labctl.Page):
    form_model = "group"
    form_fields = ["amount_given"]
    # used if the experimenter advances a dictator who cannot go on
    timeout_submission = {"amount_given": 0}

    @staticmethod
    def is_displayed(player):
        return player.role == "dictator"


class ResultsWait(labctl.WaitPage):
    body_text = "Waiting for the dictator's decision."

    @staticmethod
    def after_all_players_arrive(group):
        dictator = group.get_player_by_role("dictator")
        recipient = group.get_player_by_role("recipient")
        dictator.payoff = C.ENDOWMENT - group.amount_given
        recipient.payoff = group.amount_given


class Results(labctl.Page):
    @staticmethod
    def vars_for_template(player):
        return {"kept": C.ENDOWMENT - player.group.amount_given}


page_sequence = [Introduction, Give, ResultsWait, Results]
