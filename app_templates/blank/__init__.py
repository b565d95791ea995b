"""Blank: one question and a results page, to start an app from scratch."""

import labctl
from labctl import fields


app = labctl.App(players_per_group=None, num_rounds=1)


class Player(labctl.Player):
    answer = fields.Integer(min=0, max=100, label="Pick a whole number from 0 to 100")


class Question(labctl.Page):
    form_fields = ["answer"]
    # what is submitted if the experimenter advances a participant who cannot go on
    timeout_submission = {"answer": 0}


class Results(labctl.Page):
    @staticmethod
    def vars_for_template(player):
        return {"answer": player.answer}


page_sequence = [Question, Results]
