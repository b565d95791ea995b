"""Trust game: the trustor sends part of an endowment, it is multiplied, the trustee returns some.

Berg, Dickhaut and McCabe (1995). Both players start with C.ENDOWMENT; what the trustor sends is
multiplied by the session's `trust_multiplier` (default 3) before it reaches the trustee.
"""

import labctl
from labctl import fields


class C:
    ENDOWMENT = 1000  # EUR 10.00, in cents
    DEFAULT_MULTIPLIER = 3


app = labctl.App(players_per_group=2, num_rounds=1, roles=["trustor", "trustee"])


def multiplier(session):
    return session.params.get("trust_multiplier", C.DEFAULT_MULTIPLIER)


class Group(labctl.Group):
    sent_amount = fields.Money(
        min=0, max=C.ENDOWMENT, label="How much do you send to the other participant?"
    )
    sent_back_amount = fields.Money(min=0, label="How much do you send back?")


class Player(labctl.Player):
    pass


class Send(labctl.Page):
    form_model = "group"
    form_fields = ["sent_amount"]
    # used if the experimenter advances a participant who cannot go on
    timeout_submission = {"sent_amount": 0}

    @staticmethod
    def is_displayed(player):
        return player.role == "trustor"


class WaitForTrustor(labctl.WaitPage):
    body_text = "Waiting for the trustor to decide how much to send."


class SendBack(labctl.Page):
    form_model = "group"
    form_fields = ["sent_back_amount"]
    timeout_submission = {"sent_back_amount": 0}

    @staticmethod
    def is_displayed(player):
        return player.role == "trustee"

    @staticmethod
    def vars_for_template(player):
        return {"tripled": player.group.sent_amount * multiplier(player.session),
                "multiplier": multiplier(player.session)}

    @staticmethod
    def error_message(player, values):
        available = player.group.sent_amount * multiplier(player.session)
        if values["sent_back_amount"] > available:
            return {"sent_back_amount": "You cannot send back more than you received."}
        return None


class ResultsWait(labctl.WaitPage):
    @staticmethod
    def after_all_players_arrive(group):
        trustor = group.get_player_by_role("trustor")
        trustee = group.get_player_by_role("trustee")
        received = group.sent_amount * multiplier(group.session)
        trustor.payoff = C.ENDOWMENT - group.sent_amount + group.sent_back_amount
        trustee.payoff = C.ENDOWMENT + received - group.sent_back_amount


class Results(labctl.Page):
    @staticmethod
    def vars_for_template(player):
        return {"received": player.group.sent_amount * multiplier(player.session)}


page_sequence = [Send, WaitForTrustor, SendBack, ResultsWait, Results]
