"""An app in oTree's old format (models.py, pages.py, methods of self) imported as the no-self
format and played by its own tests.py, with no hand edits: the hooks labctl calls as module
functions moved out of their class, the pages' hooks static methods of the player, oTree 2's
spellings, and what it cannot convert marked at its line."""

from pathlib import Path

import pytest

from tests.test_import_otree import imported, text_of, write
from tests.test_import_otree_compat import plays

pytestmark = pytest.mark.slow

SETTINGS = """
SESSION_CONFIGS = [dict(name='study', app_sequence=['pgg'], num_demo_participants=2)]
SESSION_CONFIG_DEFAULTS = dict(real_world_currency_per_point=1.00, participation_fee=0.00)
USE_POINTS = True
"""

MODELS = '''
from otree.api import (
    models, widgets, BaseConstants, BaseSubsession, BaseGroup, BasePlayer,
    Currency as c, currency_range,
)


class Constants(BaseConstants):
    name_in_url = 'pgg'
    players_per_group = 2
    num_rounds = 2
    endowment = c(100)
    multiplier = 2


class Subsession(BaseSubsession):
    def before_session_starts(self):  # oTree 2's name of creating_session
        for player in self.get_players():
            player.bonus = self.round_number


class Group(BaseGroup):
    total = models.CurrencyField()

    def set_payoffs(self):
        self.total = sum(p.contribution for p in self.get_players())
        share = self.total * Constants.multiplier / Constants.players_per_group
        for p in self.get_players():
            p.payoff = Constants.endowment - p.contribution + share


class Player(BasePlayer):
    contribution = models.CurrencyField(min=0, verbose_name='How much do you give?')
    bonus = models.IntegerField()
    mood = models.CharField(choices=['good', 'bad'], widget=widgets.RadioSelect)

    def contribution_max(self):
        return Constants.endowment
'''

PAGES = '''
from ._builtin import Page, WaitPage
from .models import Constants
from . import models


class Contribute(Page):
    form_model = models.Player
    form_fields = ['contribution', 'mood']

    def is_displayed(self):
        return self.player.bonus == self.round_number

    def vars_for_template(self):
        return dict(left=Constants.endowment - 0, rounds=self.subsession.round_number)

    def before_next_page(self):
        if self.timeout_happened:
            self.player.contribution = 0
        self.participant.vars['given'] = self.player.contribution


class ResultsWaitPage(WaitPage):
    def after_all_players_arrive(self):
        self.group.set_payoffs()


class Results(Page):
    def vars_for_template(self):
        return dict(form_fields=self.form_fields)


page_sequence = [Contribute, ResultsWaitPage, Results]
'''

TESTS = '''
from otree.api import Currency as c, currency_range
from . import pages
from ._builtin import Bot
from .models import Constants


class PlayerBot(Bot):
    def play_round(self):
        yield pages.Contribute, dict(contribution=c(10) * self.player.id_in_group, mood='good')
        share = 30 * Constants.multiplier // 2
        assert self.player.payoff == Constants.endowment - 10 * self.player.id_in_group + share
        yield pages.Results
'''

CONTRIBUTE = """{% extends "global/Base.html" %}
{% load otree static %}
{% block content %}
<p>You have {{ left }} in round {{ rounds }}.</p>
{% formfield player.contribution with label="Your contribution" %}
{% formfield player.mood %}
{% include "Rules.html" %}
{% next_button %}
{% endblock %}
"""


def old_format_study(tmp_path: Path, results: str) -> Path:
    return write(tmp_path / "otree_old", {
        "settings.py": SETTINGS, "pgg/__init__.py": "", "pgg/models.py": MODELS,
        "pgg/pages.py": PAGES, "pgg/tests.py": TESTS,
        "pgg/templates/pgg/Contribute.html": CONTRIBUTE,
        "pgg/templates/pgg/Results.html": results,
        "_templates/Rules.html": "<p id='rules'>Give what you like.</p>\n"})


def test_an_old_format_app_is_converted_and_plays_its_tests(tmp_path):
    results = ("{% extends 'global/Page.html' %}{% block content %}<p>{{ player.payoff }}</p>"
               "{% next_button %}{% endblock %}")
    source = old_format_study(tmp_path, results)
    source.joinpath("pgg/pages.py").write_text(
        PAGES.replace("        return dict(form_fields=self.form_fields)\n",
                      "        return dict(seen=self.participant.vars['given'])\n"))
    dest, output = imported(tmp_path, source)
    code = text_of(dest / "pgg/__init__.py")
    assert "oTree's old format (models.py, pages.py, self) made the no-self format" in output
    assert not (dest / "pgg/models.py").exists() and not (dest / "pgg/pages.py").exists()
    assert "def creating_session(subsession):" in code  # before_session_starts, moved out
    assert "def contribution_max(player):" in code
    assert "    def set_payoffs(self):" in code  # other methods stay methods
    assert "    def is_displayed(player):\n        return player.bonus == player.round_number" \
        in code
    assert "    def after_all_players_arrive(group):\n        group.set_payoffs()" in code
    assert "    def before_next_page(player, timeout_happened):\n        if timeout_happened:" \
        in code
    assert (dest / "pgg/Rules.html").is_file()  # _templates/ file it includes, in the app
    plays(dest)


def test_what_the_conversion_cannot_do_is_marked_at_its_line(tmp_path):
    results = "{% block content %}{% next_button %}{% endblock %}"
    dest, output = imported(tmp_path, old_format_study(tmp_path, results), expect_exit=1)
    lines = text_of(dest / "pgg/__init__.py").splitlines()
    marked = next(number for number, line in enumerate(lines, 1)
                  if "labctl import: self.form_fields in vars_for_template" in line)
    assert "        return dict(form_fields=self.form_fields)" in lines[marked:marked + 3]
    assert (f"pgg/__init__.py:{marked + 1}: self.form_fields in vars_for_template: oTree's old "
            "format; labctl's hooks take the record, not self") in output
