"""Questionnaire: demographics with validation, then a few opinion questions.

Every answer is checked on the server: by its field (age from 16 to 110, one of the listed
options, at most 200 characters) and across fields by the page's error_message (the years of
education must fit the age). A refused page shows the message next to the answer to correct.
"""

import labctl
from labctl import fields


class C:
    MIN_AGE = 16
    MAX_AGE = 110
    #: the youngest age at which school starts, for the check of years of education
    SCHOOL_START_AGE = 4


app = labctl.App(players_per_group=None, num_rounds=1)


class Player(labctl.Player):
    age = fields.Integer(min=C.MIN_AGE, max=C.MAX_AGE, label="How old are you?")
    gender = fields.Choice(
        choices=[("female", "Female"), ("male", "Male"), ("diverse", "Diverse"),
                 ("no_answer", "Prefer not to say")],
        label="What is your gender?",
    )
    years_of_education = fields.Integer(
        min=0, max=C.MAX_AGE - C.SCHOOL_START_AGE,
        label="How many years of education have you completed, school included?",
    )
    education = fields.Choice(
        choices=[("school", "School"), ("bachelor", "Bachelor's degree"),
                 ("master", "Master's degree"), ("doctorate", "Doctorate"),
                 ("other", "Other")],
        widget="select",
        label="What is the highest degree you have completed?",
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
    form_fields = ["age", "gender", "years_of_education", "education", "field_of_study"]
    # used if the experimenter advances a participant who cannot go on
    timeout_submission = {"age": C.MIN_AGE, "gender": "no_answer", "years_of_education": 0,
                          "education": "other", "field_of_study": ""}

    @staticmethod
    def error_message(player, values):
        if values["years_of_education"] > values["age"] - C.SCHOOL_START_AGE:
            return {"years_of_education": "That is more years of education than your age "
                    "allows; please check both answers."}
        return None


class Opinions(labctl.Page):
    form_fields = ["trust_general", "comments"]
    timeout_submission = {"trust_general": 4, "comments": ""}


page_sequence = [Demographics, Opinions]
