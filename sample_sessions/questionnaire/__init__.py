"""Questionnaire: a few demographic and opinion questions at the end of the session."""

import labctl
from labctl import fields


app = labctl.App(players_per_group=None, num_rounds=1)


class Player(labctl.Player):
    age = fields.Integer(min=16, max=110, label="How old are you?")
    gender = fields.Choice(
        choices=[("female", "Female"), ("male", "Male"), ("diverse", "Diverse"),
                 ("no_answer", "Prefer not to say")],
        label="What is your gender?",
    )
    field_of_study = fields.Text(max_length=200, label="What do you study (or work in)?")
    trust_general = fields.Integer(
        choices=[(1, "1: not at all"), 2, 3, 4, 5, 6, (7, "7: completely")],
        widget="radio_horizontal",
        label="Generally speaking, how much do you trust people you meet for the first time?",
    )
    comments = fields.Text(
        required=False, widget="textarea", max_length=2000,
        label="Anything you would like to tell us about this session? (optional)",
    )


class Demographics(labctl.Page):
    form_fields = ["age", "gender", "field_of_study"]


class Opinions(labctl.Page):
    form_fields = ["trust_general", "comments"]


page_sequence = [Demographics, Opinions]
