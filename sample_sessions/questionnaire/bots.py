"""Bots for the questionnaire: one refused answer, then valid ones."""

from labctl.bots import Bot, Submission, expect

from . import Demographics, Opinions


class PlayerBot(Bot):
    def play_round(self):
        yield Submission(Demographics, {"age": "12", "gender": "female",
                                        "field_of_study": "Economics"},
                         error="at least 16")
        yield Demographics, {"age": "24", "gender": "female", "field_of_study": "Economics"}
        yield Opinions, {"trust_general": "5", "comments": ""}
        expect(self.player.age == 24 and self.player.trust_general == 5,
               "the answers were not stored as typed")
