"""Bots for the questionnaire: answers refused by a field and by the page's cross-check, then
valid ones, checked as stored."""

from labctl.bots import Bot, Submission, expect

from . import Demographics, Opinions

VALID = {"age": "24", "gender": "female", "years_of_education": "17", "education": "master",
         "field_of_study": "Economics"}


class PlayerBot(Bot):
    def play_round(self):
        yield Submission(Demographics, {**VALID, "age": "12"}, error="at least 16")
        yield Submission(Demographics, {**VALID, "gender": "unknown"},
                         error="choose one of the options")
        yield Submission(Demographics, {**VALID, "years_of_education": "21"},
                         error="more years of education than your age allows")
        yield Demographics, VALID
        expect(self.player.age == 24 and self.player.years_of_education == 17,
               "the numbers were not stored as typed")
        expect(self.player.gender == "female" and self.player.education == "master",
               "the choices were not stored as chosen")
        yield Opinions, {"trust_general": "5", "comments": ""}
        expect(self.player.trust_general == 5, "the opinion was not stored as chosen")
        expect(self.player.payoff == 0, f"payoff {self.player.payoff}, expected 0")
