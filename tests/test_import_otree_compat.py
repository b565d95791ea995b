"""oTree code that ran as written in oTree, imported with ``labctl import otree`` and played
by its own ``tests.py`` bots with ``labctl test``, with no hand edits: the things other labs'
public projects do that labctl once refused (capitals in an app folder, an extra model linked
to a player and a group, a data file opened from the project folder, ``app_after_this_page``
on a wait page, ``creating_session`` reading later rounds)."""

import csv
import io
from pathlib import Path

import pytest

from tests.test_import_otree import imported, invoke, write

pytestmark = pytest.mark.slow

SETTINGS = """
SESSION_CONFIGS = [
    dict(name='study', num_demo_participants={n}, app_sequence={apps}),
]
SESSION_CONFIG_DEFAULTS = dict(real_world_currency_per_point=1.00, participation_fee=0.00,
                               doc="")
PARTICIPANT_FIELDS = {fields}
REAL_WORLD_CURRENCY_CODE = 'USD'
"""

HEAD = """
from otree.api import *


class C(BaseConstants):
    NAME_IN_URL = '{name}'
    PLAYERS_PER_GROUP = {size}
    NUM_ROUNDS = {rounds}


class Subsession(BaseSubsession):
    pass


class Group(BaseGroup):
    pass


"""

BOT_HEAD = """
from otree.api import Currency as c, currency_range, expect, Bot
from . import *


class PlayerBot(Bot):
    def play_round(self):
"""


def app(name: str, body: str, bot: str, size: str = "None", rounds: int = 1,
        templates: dict[str, str] | None = None) -> dict[str, str]:
    """An oTree app's files: ``C``, Subsession and Group, then ``body``; ``bot`` is the body
    of its ``play_round``; each page named in ``templates`` gets that content block."""
    files = {f"{name}/__init__.py": HEAD.format(name=name.lower(), size=size, rounds=rounds)
             + body,
             f"{name}/tests.py": BOT_HEAD + "".join(f"        {line}\n"
                                                     for line in bot.splitlines())}
    for page, content in (templates or {}).items():
        files[f"{name}/{page}.html"] = ("{{ block content }}\n" + content
                                        + "\n{{ next_button }}\n{{ endblock }}\n")
    return files


def study(tmp_path: Path, apps: list[str], files: dict[str, str], n: int = 2,
          fields: tuple[str, ...] = ()) -> Path:
    settings = SETTINGS.format(n=n, apps=apps, fields=list(fields))
    return write(tmp_path / "otree_study", {"settings.py": settings, **files})


def plays(dest: Path, n: int = 2, *options: object) -> str:
    played = invoke("test", "study", "-n", n, *options, dest)
    assert played.exit_code == 0, played.output
    assert f"OK {n} bots played study" in played.output
    return played.output


SURVEY = """
class Player(BasePlayer):
    age = models.IntegerField(min=0, max=120)


class Survey(Page):
    form_model = 'player'
    form_fields = ['age']

    @staticmethod
    def before_next_page(player, timeout_happened):
        player.participant.vars[__name__] = player.age


page_sequence = [Survey]
"""


def test_an_app_folder_with_capitals_keeps_its_name_and_plays(tmp_path):
    # oTree takes any package name as an app; its data and analysis scripts use that name
    source = study(tmp_path, ["exit_survey_CB"], app(
        "exit_survey_CB", SURVEY,
        "yield Survey, dict(age=30)\nexpect(self.participant.vars['exit_survey_CB'], 30)",
        templates={"Survey": "{{ formfields }}"}))
    dest, _ = imported(tmp_path, source)
    assert (dest / "exit_survey_CB" / "__init__.py").is_file()
    assert "'exit_survey_CB'" in (dest / "sessions.py").read_text(encoding="utf-8")
    plays(dest, 2, "--export", tmp_path / "out")
    ages = (tmp_path / "out" / "exit_survey_CB.csv").read_text(encoding="utf-8-sig")
    assert ages.count(",30") == 2


QUIZ = """
import csv

with open('quiz/questions.csv', encoding='utf-8') as file:  # oTree runs from the project root
    QUESTIONS = list(csv.DictReader(file))


class Player(BasePlayer):
    answer = models.StringField()
    question = models.StringField()


def creating_session(subsession):
    for player in subsession.get_players():
        player.question = QUESTIONS[0]['text']


class Quiz(Page):
    form_model = 'player'
    form_fields = ['answer']

    @staticmethod
    def before_next_page(player, timeout_happened):
        player.payoff = 10 if player.answer == QUESTIONS[0]['answer'] else 0


page_sequence = [Quiz]
"""


def test_an_app_reading_a_file_from_the_project_root_plays_from_any_folder(
        tmp_path, monkeypatch):
    files = app("quiz", QUIZ, "yield Quiz, dict(answer='Paris')\nexpect(self.player.payoff, 10)",
                templates={"Quiz": "<p>{{ player.question }}</p>{{ formfields }}"})
    files["quiz/questions.csv"] = "text,answer\nThe capital of France?,Paris\n"
    source = study(tmp_path, ["quiz"], files)
    dest, _ = imported(tmp_path, source)  # validates: the module read its file on import
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    checked = invoke("validate", dest)
    assert checked.exit_code == 0, checked.output
    # paths typed by the user still mean the folder they were typed in (each command is a
    # process of its own; here the one before moved the test process into the project)
    monkeypatch.chdir(elsewhere)
    plays(dest, 2, "--export", "out", "--db", "played.db")
    assert (elsewhere / "played.db").is_file() and not (dest / "played.db").exists()
    assert "The capital of France?" in (elsewhere / "out" / "quiz.csv").read_text(
        encoding="utf-8-sig")


SORTING = """
class Player(BasePlayer):
    pass


class Intro(Page):
    pass


class Sort(WaitPage):
    @staticmethod
    def after_all_players_arrive(group):
        for player in group.get_players():
            player.participant.treated = player.id_in_group == 1

    @staticmethod
    def app_after_this_page(player, upcoming_apps):
        if player.participant.treated:
            return upcoming_apps[-1]


page_sequence = [Intro, Sort]
"""

TREATMENT = """
class Player(BasePlayer):
    pass


class Treatment(Page):
    pass


page_sequence = [Treatment]
"""

DEBRIEF = """
class Player(BasePlayer):
    pass


class Debrief(Page):
    pass


page_sequence = [Debrief]
"""


def test_app_after_this_page_on_a_wait_page_skips_an_app_for_whom_it_names(tmp_path):
    files = {**app("sorting", SORTING, "yield Intro", size="2",
                   templates={"Intro": "<p>Hello</p>"}),
             **app("treatment", TREATMENT,
                   "yield Treatment\nexpect(self.participant.treated, False)",
                   templates={"Treatment": "<p>Control</p>"}),
             **app("debrief", DEBRIEF, "yield Debrief", templates={"Debrief": "<p>Bye</p>"})}
    source = study(tmp_path, ["sorting", "treatment", "debrief"], files, fields=("treated",))
    dest, _ = imported(tmp_path, source)  # no LC190: labctl runs it on wait pages too
    plays(dest, 4, "--export", tmp_path / "out")
    timings = (tmp_path / "out" / "page_timings.csv").read_text(encoding="utf-8-sig")
    assert timings.count('"treatment",1,"Treatment"') == 2  # the other half skipped it


TASK = """
class Player(BasePlayer):
    score = models.IntegerField(min=0, max=100)


class Work(Page):
    form_model = 'player'
    form_fields = ['score']

    @staticmethod
    def before_next_page(player, timeout_happened):
        player.payoff = player.score
        player.participant.app_payoffs[__name__] = player.payoff


page_sequence = [Work]
"""

PAY_RANDOM_APP = """
import random


class Player(BasePlayer):
    app_to_pay = models.StringField()


class PayRandomApp(Page):
    @staticmethod
    def before_next_page(player, timeout_happened):
        participant = player.participant
        player.app_to_pay = random.choice(['task1', 'task2'])
        participant.payoff = participant.app_payoffs[player.app_to_pay]


page_sequence = [PayRandomApp]
"""

INTRO = """
class Player(BasePlayer):
    pass


def creating_session(subsession):
    for player in subsession.get_players():
        player.participant.app_payoffs = {}


class Welcome(Page):
    pass


page_sequence = [Welcome]
"""


def test_a_randomly_paid_app_set_by_participant_payoff_pays_that_app_alone(tmp_path):
    # oTree's snippet pay_random_app: the last app sets participant.payoff to one app's payoff
    files = {**app("intro", INTRO, "yield Welcome", templates={"Welcome": "<p>Hi</p>"}),
             **app("task1", TASK.replace("__name__", "'task1'"), "yield Work, dict(score=30)",
                   templates={"Work": "{{ formfields }}"}),
             **app("task2", TASK.replace("__name__", "'task2'"), "yield Work, dict(score=70)",
                   templates={"Work": "{{ formfields }}"}),
             **app("pay", PAY_RANDOM_APP,
                   "yield PayRandomApp\n"
                   "expect(self.participant.payoff,"
                   " dict(task1=30, task2=70)[self.player.app_to_pay])",
                   templates={"PayRandomApp": "<p>Paid</p>"})}
    source = study(tmp_path, ["intro", "task1", "task2", "pay"], files, n=4,
                   fields=("app_payoffs",))
    dest, output = imported(tmp_path, source)
    assert "participant's total is x" in output
    plays(dest, 4)


VOTE = """
class Player(BasePlayer):
    vote = models.BooleanField(label='Award the bonus?', choices=[[True, 'Yes'], [False, 'No']])


class Vote(Page):
    form_model = 'player'

    @staticmethod
    def get_form_fields(player):
        if player.id_in_group == 2:
            return ['vote']
        else:
            pass


page_sequence = [Vote]
"""


def test_automatic_bots_answer_the_fields_get_form_fields_asks_each_player(tmp_path):
    # no tests.py: labctl's automatic bots fill what the page asks this player (None: nothing)
    files = app("vote", VOTE, "", size="2", templates={"Vote": "{{ formfields }}"})
    del files["vote/tests.py"]
    dest, _ = imported(tmp_path, study(tmp_path, ["vote"], files))
    plays(dest, 2, "--export", tmp_path / "out")
    text = (tmp_path / "out" / "vote.csv").read_text(encoding="utf-8-sig")
    votes = {row["player.id_in_group"]: row["player.vote"]
             for row in csv.DictReader(io.StringIO(text))}
    assert votes["1"] == "" and votes["2"] in {"0", "1"}


HAGGLE = """
class Group(BaseGroup):
    offer = models.IntegerField(initial=0)
    accepted = models.BooleanField(initial=False)


class Player(BasePlayer):
    pass


class Haggle(Page):
    @staticmethod
    def live_method(player, data):
        group = player.group
        if player.id_in_group == 1:
            group.offer = data['offer']
            return {2: dict(offer=group.offer)}
        group.accepted = data['accept']
        return {0: dict(accepted=group.accepted)}


class Results(Page):
    pass


page_sequence = [Haggle, Results]
"""

HAGGLE_BOTS = """
def call_live_method(method, **kwargs):
    expect(kwargs['page_class'], Haggle)
    expect(kwargs['round_number'], 1)
    group = kwargs['group']
    try:  # the live method's own error reaches the test, as in oTree (data['offer'] of None)
        method(1, None)
    except TypeError as error:
        expect('haggle/__init__.py', 'in', ' '.join(error.__notes__))
    else:
        raise AssertionError('a live method that fails did not raise')
    expect(method(1, {'offer': 40}), {2: {'offer': 40}})
    expect(group.offer, 40)  # the records it was given show what the live method did
    expect(method(2, {'accept': True}), {0: {'accepted': True}})
    expect(group.get_player_by_id(1).group.accepted, True)
"""


def test_call_live_method_in_tests_py_plays_the_live_page_as_in_otree(tmp_path):
    # oTree's bots never send live messages themselves: the first bot of a group to reach a
    # live page runs call_live_method, whose method(id_in_group, data) runs the live method
    files = app("haggle", HAGGLE, "yield Haggle\nexpect(self.group.offer, 40)\n"
                "expect(self.group.accepted, True)\nyield Results", size="2",
                templates={"Haggle": "<p>Haggle</p>", "Results": "<p>Done</p>"})
    files["haggle/tests.py"] += HAGGLE_BOTS
    dest, _ = imported(tmp_path, study(tmp_path, ["haggle"], files, n=4))
    plays(dest, 4, "--export", tmp_path / "out")
    text = (tmp_path / "out" / "live_messages.csv").read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    sent = sorted(r["payload"] for r in rows if r["direction"] == "in")
    assert sent == ['{"accept": true}'] * 2 + ['{"offer": 40}'] * 2  # once per group


OLD_SPELLING = """
from otree.api import *


class Constants(BaseConstants):
    name_in_url = 'guess'
    players_per_group = 2
    num_rounds = 2
    prize = cu(10)


class Subsession(BaseSubsession):
    pass


class Group(BaseGroup):
    pass


class Player(BasePlayer):
    guess = models.IntegerField(min=0, max=100)


class Guess(Page):
    form_model = 'player'
    form_fields = ['guess']


class ResultsWaitPage(WaitPage):
    template_name = 'guess/ResultsWaitPage.html'

    @staticmethod
    def after_all_players_arrive(group):
        for p in group.get_players():
            p.payoff = Constants.prize if p.guess < 50 else cu(0)


class Results(Page):
    @staticmethod
    def is_displayed(player):
        return player.round_number == Constants.num_rounds


page_sequence = [Guess, ResultsWaitPage, Results]
"""


def test_otree_3_spellings_that_otree_5_still_runs_import_and_play(tmp_path):
    # class Constants with lowercase settings, {% load %}, a formfield's own label= and a
    # wait page template extending oTree's WaitPage.html
    files = {
        "guess/__init__.py": OLD_SPELLING,
        "guess/Guess.html": "{% load otree static %}\n{{ block content }}\n"
                            "<p>Round {{ player.round_number }} of {{ Constants.num_rounds }}"
                            "</p>\n{{ formfield 'guess' label=\"Your guess (0-100)\" }}\n"
                            "{{ next_button }}\n{{ endblock }}\n",
        "guess/ResultsWaitPage.html": "{{ extends 'otree/WaitPage.html' }}\n"
                                      "{{ block title }}Please wait{{ endblock }}\n"
                                      "{{ block content }}The other guess is coming."
                                      "{{ endblock }}\n",
        "guess/Results.html": "{{ block content }}<p>Prize {{ Constants.prize }}</p>"
                              "{{ next_button }}{{ endblock }}\n",
        "guess/tests.py": BOT_HEAD + "        expect('of 2</p>', 'in', self.html)\n"
                          "        expect('Your guess (0-100)</label>', 'in', self.html)\n"
                          "        yield Guess, dict(guess=10)\n"
                          "        if self.round_number == Constants.num_rounds:\n"
                          "            expect('Prize', 'in', self.html)\n"
                          "            yield Results\n"
                          "        expect(self.player.payoff, Constants.prize)\n",
    }
    dest, _ = imported(tmp_path, study(tmp_path, ["guess"], files))
    assert "class C(labctl.Constants):" in (dest / "guess/__init__.py").read_text()
    assert "{{ C.NUM_ROUNDS }}" in (dest / "guess/Guess.html").read_text()
    plays(dest)


COPIED_APP = """
from otree.api import *


class C(BaseConstants):
    NAME_IN_URL = 'first'
    PLAYERS_PER_GROUP = None
    NUM_ROUNDS = 1


class Subsession(BaseSubsession):
    pass


class Group(BaseGroup):
    pass


class Player(BasePlayer):
    number = models.IntegerField(min=1, max=3)


class Pick(Page):
    template_name = 'first/Pick.html'  # a copy of this app reuses it
    form_model = 'player'
    form_fields = ['number']


class Unmatched(Page):
    template_name = 'global/Unmatched.html'


class Computed(Page):
    template_name = f"{__name__}/Computed.html"


page_sequence = [Pick, Unmatched, Computed]
"""

COPY = """
from first import *


class C(C):
    NAME_IN_URL = 'second'


class Subsession(BaseSubsession):
    pass


class Group(BaseGroup):
    pass


class Player(BasePlayer):
    number = models.IntegerField(min=1, max=3)


page_sequence = [Pick]
"""


def test_template_names_as_otree_resolves_them_from_the_project_folder(tmp_path):
    # another app's template reused by an app copied with `from first import *`, oTree's
    # global/ templates in _templates/, and a name computed from __name__
    bot = BOT_HEAD + "        expect('Pick a number', 'in', self.html)\n" \
                     "        yield Pick, dict(number=2)\n"
    files = {
        "first/__init__.py": COPIED_APP, "second/__init__.py": COPY,
        "first/Pick.html": "{{ block content }}<p>Pick a number</p>{{ formfields }}"
                           "{{ next_button }}{{ endblock }}\n",
        "first/Computed.html": "{{ block content }}<p>Computed</p>{{ next_button }}"
                               "{{ endblock }}\n",
        "_templates/global/Unmatched.html": "{{ block content }}<p>No partner</p>"
                                            "{{ next_button }}{{ endblock }}\n",
        "first/tests.py": bot + "        expect('No partner', 'in', self.html)\n"
                                "        yield Unmatched\n"
                                "        expect('Computed', 'in', self.html)\n"
                                "        yield Computed\n",
        "second/tests.py": bot,
    }
    dest, _ = imported(tmp_path, study(tmp_path, ["first", "second"], files))
    plays(dest)


HELPERS = """
from otree.api import *


def bonus():
    return cu(5)
"""

READS = """
class Player(BasePlayer):
    debug = models.BooleanField()
    fields = models.StringField()


class Work(Page):
    @staticmethod
    def before_next_page(player, timeout_happened):
        player.payoff = helpers.bonus() + bonus()
        player.debug = settings.DEBUG and scoring.double(2) == 4
        player.fields = ','.join(settings.PARTICIPANT_FIELDS) + '/' + LANGUAGE_CODE


page_sequence = [Work]
"""


def test_a_module_of_the_project_folder_and_otrees_settings_import_as_in_otree(tmp_path):
    # oTree runs from the project folder: apps import its modules (and the modules of its
    # folders) and read its settings
    files = app("work", "import helpers\nfrom helpers import bonus\nfrom otree import settings\n"
                "from tools import scoring\n"
                "from settings import LANGUAGE_CODE\n" + READS,
                "yield Work\nexpect(self.player.payoff, 10)\nexpect(self.player.debug, True)\n"
                "expect(self.player.fields, 'paid/en')", templates={"Work": "<p>Work</p>"})
    files["helpers.py"] = HELPERS
    files["tools/scoring.py"] = "def double(x):\n    return x * 2\n"  # a folder, no package
    dest, _ = imported(tmp_path, study(tmp_path, ["work"], files, fields=("paid",)))
    assert "from .. import sessions as settings" in (dest / "work/__init__.py").read_text()
    plays(dest)


SURVEY_PAGES = """
class Player(BasePlayer):
    age = models.IntegerField(min=0, max=120, label='Age')
    consent = models.BooleanField(label='I agree')


class Consent(Page):
    form_model = Player  # the class, which oTree accepts too
    form_fields = ['consent']


class Survey(Page):
    form_model = 'player'
    form_fields = ['age']


page_sequence = [Consent, Survey]
"""


def test_otree_3_template_tags_and_template_folder_that_otree_5_reads_import_and_play(
        tmp_path):
    # {% formfields %}, {% formfield %}, {% next_button %}, {{ formfield_errors x.name }} and
    # templates kept in the app's templates/<app>/ folder, as oTree 3 apps did
    files = app("survey", SURVEY_PAGES, "expect('I agree', 'in', self.html)\n"
                "yield Consent, dict(consent=True)\nexpect('Your age', 'in', self.html)\n"
                "yield Survey, dict(age=30)")
    files["survey/templates/survey/Consent.html"] = (
        "{% block content %}{% formfields %}{% next_button %}{% endblock %}\n")
    files["survey/templates/survey/Survey.html"] = (
        "{% block content %}{% formfield player.age label='Your age' %}"
        "{{ formfield_errors player.age }}{% next_button %}{% endblock %}\n")
    dest, _ = imported(tmp_path, study(tmp_path, ["survey"], files))
    assert (dest / "survey/Survey.html").is_file()
    plays(dest)


LOTTERIES = """
class Player(BasePlayer):
    pass


for i in range(1, 4):  # oTree's models accept fields added after the class body
    setattr(Player, f"choice_{i}", models.StringField(label=f"Row {i}", choices=['A', 'B']))


class Choices(Page):
    form_model = 'player'
    form_fields = [f"choice_{i}" for i in range(1, 4)]

    @staticmethod
    def before_next_page(player, timeout_happened):
        player.payoff = 10 if player.choice_2 == 'B' else 0


page_sequence = [Choices]
"""


def test_fields_added_to_player_with_setattr_after_the_class_are_stored(tmp_path):
    # meyer-carl's risk and time preferences: rows of a price list made in a loop
    source = study(tmp_path, ["lottery"], app(
        "lottery", LOTTERIES,
        "yield Choices, dict(choice_1='A', choice_2='B', choice_3='A')\n"
        "expect(self.player.payoff, 10)",
        templates={"Choices": "{{ formfields }}"}))
    dest, _ = imported(tmp_path, source)
    plays(dest, 2, "--export", tmp_path / "out")
    rows = list(csv.DictReader(io.StringIO(
        (tmp_path / "out" / "lottery.csv").read_text(encoding="utf-8-sig"))))
    assert [(row["player.choice_1"], row["player.choice_3"]) for row in rows] == [("A", "A")] * 2


PAIRS = """
import random


class Subsession(BaseSubsession):
    @staticmethod
    def creating_session(subsession: Subsession):
        # each player draws a number once, in round 1
        for player in subsession.get_players():
            player.drawn = random.randint(1, 6)


class Group(BaseGroup):
    pass


class Player(BasePlayer):
    drawn = models.IntegerField()


class Show(Page):
    @staticmethod
    def before_next_page(player, timeout_happened):
        player.payoff = player.drawn


page_sequence = [Show]
"""


def test_creating_session_as_a_static_method_of_subsession_moves_out_and_runs(tmp_path):
    # ignaciourbina/otree-game: the old spelling oTree still calls
    body = PAIRS
    files = app("draw", body, "expect(1 <= self.player.drawn <= 6, True)\n"
                "yield Show\nexpect(self.player.payoff, self.player.drawn)",
                templates={"Show": "<p>{{ player.drawn }}</p>"})
    files["draw/__init__.py"] = files["draw/__init__.py"].replace(
        "class Subsession(BaseSubsession):\n    pass\n\n\nclass Group(BaseGroup):\n    pass\n", "")
    dest, _ = imported(tmp_path, study(tmp_path, ["draw"], files))
    code = (dest / "draw" / "__init__.py").read_text(encoding="utf-8")
    assert "class Subsession(labctl.Subsession):\n    pass\n" in code
    assert "\n\n\ndef creating_session(subsession: Subsession):\n" \
           "    # each player draws a number once, in round 1\n" in code
    plays(dest, 2)


def test_widgets_from_otree_forms_and_number_choices_of_a_text_field_play(tmp_path):
    # chkgk/msc_combined_lab: oTree stored the chosen number as text ('3')
    body = """
from otree.forms.widgets import RadioSelect


class Player(BasePlayer):
    answer = models.StringField(choices=[[1, 'A'], [2, 'B'], [3, 'C']], widget=RadioSelect,
                                label='Choose C')
    mood = models.StringField(choices=[1, 2.5, 'none'])
    country = models.StringField(choices=[(i, name) for i, name in enumerate(['FR', 'DE'])])


class Question(Page):
    form_model = 'player'
    form_fields = ['answer', 'mood', 'country']

    @staticmethod
    def before_next_page(player, timeout_happened):
        player.payoff = 5 if player.answer == '3' else 0


page_sequence = [Question]
"""
    files = app("quiz", body, "yield Question, dict(answer=3, mood=2.5, country=1)\n"
                "expect(self.player.answer, '3')\nexpect(self.player.mood, '2.5')\n"
                "expect(self.player.country, '1')\n"
                "expect(self.player.payoff, 5)",
                templates={"Question": "{{ formfields }}"})
    dest, output = imported(tmp_path, study(tmp_path, ["quiz"], files))
    code = (dest / "quiz" / "__init__.py").read_text(encoding="utf-8")
    assert "otree" not in code and "RadioSelect" not in code
    assert "choices=[['1', 'A'], ['2', 'B'], ['3', 'C']], widget=\"radio\"" in code
    assert "choices=['1', '2.5', 'none']" in code
    assert "choices=[(str(i), name) for i, name in enumerate(['FR', 'DE'])]" in code
    assert "number choices of a text field written as text" in output
    assert "'from otree.forms.widgets import ...' removed" in output
    plays(dest, 2)


def test_a_page_that_times_out_computes_with_otrees_values_for_empty_fields(tmp_path):
    # oTree saved 0 in a number field left empty at a timeout; the app computes with it
    body = """
class Player(BasePlayer):
    contribution = models.CurrencyField(min=0, max=10)
    sure = models.BooleanField()


class Contribute(Page):
    form_model = 'player'
    form_fields = ['contribution', 'sure']
    timeout_seconds = 60

    @staticmethod
    def before_next_page(player, timeout_happened):
        player.payoff = cu(10) - player.contribution
        if not player.sure:
            player.payoff += 1


page_sequence = [Contribute]
"""
    files = app("give", body, "yield Submission(Contribute, timeout_happened=True)\n"
                "expect(self.player.contribution, 0)\nexpect(self.player.payoff, 11)",
                templates={"Contribute": "{{ formfields }}"})
    dest, output = imported(tmp_path, study(tmp_path, ["give"], files))
    code = (dest / "give" / "__init__.py").read_text(encoding="utf-8")
    assert "    timeout_submission = {'contribution': 0, 'sure': False}\n" in code
    assert "a timeout submits timeout_submission, oTree's values" in output
    plays(dest, 2)


def test_a_field_renamed_for_a_column_is_renamed_where_the_app_names_it_and_nowhere_else(
        tmp_path):
    # sschm146/SIB: Player.Role would be labctl's role column; participant.Role is not
    body = """
class Player(BasePlayer):
    Role = models.StringField(choices=['A', 'B'], widget=widgets.RadioSelect)


class Choose(Page):
    form_model = 'player'
    form_fields = ['Role']

    @staticmethod
    def before_next_page(player, timeout_happened):
        player.participant.Role = getattr(player, 'Role')


class Shown(Page):
    pass


page_sequence = [Choose, Shown]
"""
    later = """
class Player(BasePlayer):
    pass


class Paid(Page):
    @staticmethod
    def vars_for_template(player):
        return dict(chosen=player.participant.Role)

    @staticmethod
    def before_next_page(player, timeout_happened):
        participant = player.participant
        player.payoff = 3 if participant.Role == 'A' else 0


page_sequence = [Paid]
"""
    files = {**app("pick", body, "yield Submission(Choose, {'Role': 'A'})\n"
                   "expect(self.player.Role, 'A')\nexpect('You chose A of A', 'in', self.html)\n"
                   "yield Shown",
                   templates={"Choose": "{{ formfield 'Role' }}",
                              "Shown": "<p>You chose {{ player.Role }} of "
                                       "{{ participant.Role }}</p>"}),
             **app("later", later, "expect(self.participant.Role, 'A')\nyield Paid\n"
                   "expect(self.player.payoff, 3)",
                   templates={"Paid": "<p>{{ chosen }}</p>"})}
    dest, _ = imported(tmp_path, study(tmp_path, ["pick", "later"], files, fields=("Role",)))
    code = (dest / "pick" / "__init__.py").read_text(encoding="utf-8")
    assert "    Role_ = fields.Text(" in code and "form_fields = ['Role_']" in code
    assert "player.participant.Role = getattr(player, 'Role_')" in code
    assert "{{ formfield 'Role_' }}" in (dest / "pick" / "Choose.html").read_text()
    assert "{{ player.Role_ }} of {{ participant.Role }}" in (
        dest / "pick" / "Shown.html").read_text()
    assert "participant.Role == 'A'" in (dest / "later" / "__init__.py").read_text()
    bots = (dest / "pick" / "bots.py").read_text()
    assert "Submission(Choose, {'Role_': 'A'})" in bots and "self.player.Role_" in bots
    plays(dest, 2)


def test_a_global_template_included_with_values_and_its_static_file_import_and_play(
        tmp_path):
    # ak21200/mission_matching: _templates/global/ files included by path, with values, one
    # naming a file of _static/ with {% static %}, and a value printed with {% %}
    body = """
class Player(BasePlayer):
    effort = models.IntegerField(min=0, max=10)


class Work(Page):
    form_model = 'player'
    form_fields = ['effort']


page_sequence = [Work]
"""
    files = {**app("task", body, "expect('Round 1 of 1', 'in', self.html)\n"
                   "expect('<button>Send it</button>', 'in', self.html)\n"
                   "yield Work, dict(effort=4)",
                   templates={"Work": "{% extends 'global/Game.html' %}"}),
             "_templates/global/Game.html":
                 "{% block content %}<link rel=\"stylesheet\" href=\"{% static 'game.css' %}\">"
                 "<p>Round {% player.round_number %} of {{ C.NUM_ROUNDS }}</p>"
                 "{{ formfields }}{{ include \"global/Button.html\" with label=\"Send it\" }}"
                 "{% endblock %}\n",
             "_templates/global/Button.html": "<button>{{ label }}</button>\n",
             "_static/game.css": "p { color: navy; }\n"}
    files["task/Work.html"] = "{% extends 'global/Game.html' %}\n"
    dest, output = imported(tmp_path, study(tmp_path, ["task"], files))
    assert (dest / "task" / "global" / "Button.html").is_file()
    assert "{{ static('game.css') }}" in (dest / "task" / "global" / "Game.html").read_text()
    assert (dest / "task" / "static" / "game.css").is_file()
    assert "_templates/global/Game.html -> task/global/Game.html" in output
    plays(dest, 2)


def test_call_live_method_runs_when_a_bot_submits_the_live_page_not_when_it_skips_it(
        tmp_path):
    # qwiglydee/otree-experiments: a case whose bots yield nothing runs no live test, as in
    # oTree, where call_live_method runs as a bot submits the live page
    bot = ("if self.case == 'quiet':\n    return\nyield Haggle\n"
           "expect(self.group.offer, 40)\nyield Results")
    files = app("haggle", HAGGLE, bot, size="2",
                templates={"Haggle": "<p>Haggle</p>", "Results": "<p>Done</p>"})
    files["haggle/tests.py"] = files["haggle/tests.py"].replace(
        "class PlayerBot(Bot):\n", "class PlayerBot(Bot):\n    cases = ['quiet', 'played']\n\n"
    ) + HAGGLE_BOTS.replace("    expect(kwargs['page_class'], Haggle)\n",
                            "    expect(kwargs['case'], 'played')\n"
                            "    expect(kwargs['page_class'], Haggle)\n")
    dest, _ = imported(tmp_path, study(tmp_path, ["haggle"], files, n=2))
    played = invoke("test", "study", "-n", 2, dest)
    assert played.exit_code == 0, played.output
    assert "OK 4 bots played study" in played.output  # two bots in each of the two cases
