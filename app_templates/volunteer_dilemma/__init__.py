"""Volunteer's dilemma, live: the first in the group to click "Volunteer" ends the round for all.

Groups of three. If anyone volunteers, every member gets C.GENERAL_BENEFIT and the volunteer
pays C.VOLUNTEER_COST; if nobody volunteers before the time runs out, everyone gets 0 (as in
oTree's volunteer's dilemma). The click goes to the server (live_method), which records the
first volunteer and tells every member's page to move on ({0: {"finished": True}}); a click
that arrives after someone else volunteered records nothing.
"""

import labctl
from labctl import fields


class C:
    PLAYERS_PER_GROUP = 3
    NUM_ROUNDS = 1
    GENERAL_BENEFIT = 1000  # EUR 10.00 for every member if someone volunteers
    VOLUNTEER_COST = 400  # EUR 4.00 paid by the volunteer
    DECISION_SECONDS = 60


app = labctl.App(players_per_group=C.PLAYERS_PER_GROUP, num_rounds=C.NUM_ROUNDS)


class Group(labctl.Group):
    has_volunteer = fields.Boolean(initial=False, doc="someone volunteered in time")


class Player(labctl.Player):
    volunteered = fields.Boolean(initial=False, doc="this player was the (first) volunteer")


class Decide(labctl.Page):
    timeout_seconds = C.DECISION_SECONDS

    @staticmethod
    def live_method(player, data):
        group = player.group
        if group.has_volunteer:  # a late click, or a page (re)loading: it moves on too
            return {player.id_in_group: {"finished": True}}
        if isinstance(data, dict) and data.get("volunteer") is True:
            group.has_volunteer = True
            player.volunteered = True
            return {0: {"finished": True}}
        return None


class ResultsWait(labctl.WaitPage):
    @staticmethod
    def after_all_players_arrive(group):
        for player in group.get_players():
            if group.has_volunteer:
                player.payoff = C.GENERAL_BENEFIT - (C.VOLUNTEER_COST if player.volunteered else 0)
            else:
                player.payoff = 0


class Results(labctl.Page):
    pass


page_sequence = [Decide, ResultsWait, Results]
