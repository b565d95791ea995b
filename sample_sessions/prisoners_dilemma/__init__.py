"""Prisoner's dilemma with group chat: two players talk, then each cooperates or defects.

The pair chats live (a group chat, plus a chat with everyone in the study) on the Decide page,
then each decides. Both choices go into the group's shared data; payoffs follow the standard
matrix (in cents). The game is framed either as "the Community Game" or as "the Wall Street
Game" (Liberman, Samuels and Ross 2004). Framings go to groups in turn through the batch's
shared data, so they stay balanced across every session of the batch, whichever day it runs.

Shared data can be written from the members' pages too, so the app declares what a page may
write there (``shared_schemas``: anything else is refused) and still reads it defensively: what
pays comes from the form fields, and a document of any other shape is repaired, never trusted.
"""

import labctl
from labctl import fields


class C:
    # my payoff in cents for (my choice, the other's choice): T > R > P > S
    PAYOFFS = {("C", "C"): 300, ("C", "D"): 0, ("D", "C"): 500, ("D", "D"): 100}
    CHOICES = {"C": "Cooperate", "D": "Defect"}
    TREATMENTS = ["community", "wall_street"]
    GAME_NAMES = {"community": "Community Game", "wall_street": "Wall Street Game"}


# What the members' pages may write: the group's choices only as "C" or "D" by id_in_group,
# the batch's counter only as a whole number (other members are free-form notes).
SHARED_SCHEMAS = {
    "group": {"type": "object", "properties": {"choices": {
        "type": "object", "propertyNames": {"enum": ["1", "2"]},
        "additionalProperties": {"enum": list(C.CHOICES)}}}},
    "batch": {"type": "object", "properties": {
        "next_treatment": {"type": "integer", "minimum": 0}}},
}

app = labctl.App(players_per_group=2, num_rounds=1, shared_schemas=SHARED_SCHEMAS)


class Group(labctl.Group):
    treatment = fields.Text(required=False, label="Framing of the game")


class Player(labctl.Player):
    choice = fields.Choice(choices=list(C.CHOICES.items()), widget="radio_horizontal",
                           label="Your decision")


def creating_session(subsession):
    """Give each group the next framing in the batch's rotation.

    The batch document ``{"next_treatment": 7}`` counts the groups assigned so far, over every
    session of the batch (sessions are created one at a time, so no two read the same count).
    Each member also gets the framing in ``participant.vars["treatment"]``.
    """
    for group in subsession.get_groups():
        players = group.get_players()
        batch = players[0].batch_data
        turn = batch.get("next_treatment", 0)
        if not isinstance(turn, int) or isinstance(turn, bool) or turn < 0:
            turn = 0  # not a count this app wrote: start the rotation again
        group.treatment = C.TREATMENTS[turn % len(C.TREATMENTS)]
        for player in players:
            player.participant.vars["treatment"] = group.treatment
        batch.set("/next_treatment", turn + 1)


def other_player(player):
    return player.get_others_in_group()[0]


def set_choices(shared, choices):
    """Write the pair's choices into the group data, whatever shape a page left it in."""
    doc = shared.data
    if not isinstance(doc, dict):
        shared.replace({"choices": choices})
    elif doc.get("choices") != choices:
        shared.set("/choices", choices)


class Decide(labctl.Page):
    form_fields = ["choice"]

    @staticmethod
    def vars_for_template(player):
        return {"game_name": C.GAME_NAMES[player.group.treatment or C.TREATMENTS[0]]}

    @staticmethod
    def before_next_page(player, timed_out):
        # the live state of the pair: {"choices": {"1": "C", "2": "D"}}, seen by both pages;
        # it holds the choices submitted in the form so far, whatever a page wrote there
        choices = {str(p.id_in_group): p.choice for p in player.group.get_players()
                   if p.choice is not None}
        set_choices(player.group_data, choices)


class ResultsWait(labctl.WaitPage):
    body_text = "Waiting for the other participant to decide."

    @staticmethod
    def after_all_players_arrive(group):
        players = group.get_players()
        shared = players[0].group_data
        # The form fields were checked by the server; group data can also be written from the
        # members' pages, so it is checked against them (and restored) before it pays.
        choices = {str(p.id_in_group): p.choice for p in players}
        set_choices(shared, choices)
        for player in players:
            theirs = choices[str(other_player(player).id_in_group)]
            player.payoff = C.PAYOFFS[(choices[str(player.id_in_group)], theirs)]


class Results(labctl.Page):
    @staticmethod
    def vars_for_template(player):
        return {"my_choice": C.CHOICES[player.choice],
                "other_choice": C.CHOICES[other_player(player).choice]}


page_sequence = [Decide, ResultsWait, Results]
