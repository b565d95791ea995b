"""Trust game: the trustor sends part of an endowment, it is multiplied, the trustee returns some.

Berg, Dickhaut and McCabe (1995). Both players start with C.ENDOWMENT. What the trustor sends
is multiplied by C.MULTIPLIER before it reaches the trustee (a session type may set another
multiplier with params={"trust_multiplier": 2}); the trustee sends back any part of what they
received. All amounts are whole cents, so every payoff is exact.
"""

import labctl
from labctl import fields


class C:
    ENDOWMENT = 1000  # EUR 10.00, in cents
    MULTIPLIER = 3  # the default; a session type's params may override it


app = labctl.App(players_per_group=2, num_rounds=1, roles=["trustor", "trustee"])


def multiplier(session):
    """The session's `trust_multiplier` parameter, or C.MULTIPLIER when it sets none."""
    return session.params.get("trust_multiplier", C.MULTIPLIER)


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
    # used if the experimenter advances a trustor who cannot go on
    timeout_submission = {"sent_amount": 0}

    @staticmethod
    def is_displayed(player):
        return player.role == "trustor"

    @staticmethod
    def vars_for_template(player):
        return {"multiplier": multiplier(player.session)}


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
        return {"received": player.group.sent_amount * multiplier(player.session),
                "multiplier": multiplier(player.session)}

    @staticmethod
    def error_message(player, values):
        received = player.group.sent_amount * multiplier(player.session)
        if values["sent_back_amount"] > received:
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
