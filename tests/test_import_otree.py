"""``labctl import otree``: small oTree projects written here, imported through the CLI, then
checked with ``labctl validate`` and by loading what was written."""

import json
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from labctl.cli import app
from labctl.engine.payment import payment_of
from labctl.fields import Boolean, Float, Integer, Money, Text
from labctl.project import load_project
from labctl.validation import validate_project

runner = CliRunner()

SETTINGS = """
SESSION_CONFIGS = [
    dict(name='game', display_name='The game', app_sequence=['game'],
         num_demo_participants=2),
]
SESSION_CONFIG_DEFAULTS = dict(real_world_currency_per_point=1.00, participation_fee=0.00,
                               doc="")
REAL_WORLD_CURRENCY_CODE = 'USD'
USE_POINTS = True
"""

GAME = """
from otree.api import *


class C(BaseConstants):
    NAME_IN_URL = 'game'
    PLAYERS_PER_GROUP = None
    NUM_ROUNDS = 1
    ENDOWMENT = cu(100)


class Subsession(BaseSubsession):
    pass


class Group(BaseGroup):
    pass


class Player(BasePlayer):
    amount = models.CurrencyField(min=0, max=C.ENDOWMENT)


class Decide(Page):
    form_model = 'player'
    form_fields = ['amount']

    @staticmethod
    def before_next_page(player, timed_out):
        player.payoff = player.amount


page_sequence = [Decide]
"""

DECIDE = """{{ block content }}
<p>You have {{ C.ENDOWMENT }}.</p>
{{ formfields }}
{{ next_button }}
{{ endblock }}
"""


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args], env={"COLUMNS": "200"})


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return root


def otree_project(tmp_path: Path, changed: dict[str, str] | None = None) -> Path:
    """The one-app project above, with files replaced or added (``{"path": text}``)."""
    files = {"settings.py": SETTINGS, "game/__init__.py": GAME, "game/Decide.html": DECIDE}
    return write(tmp_path / "otree_src", {**files, **(changed or {})})


def imported(tmp_path: Path, source: Path, expect_exit: int = 0) -> tuple[Path, str]:
    """Import ``source``; the written project must pass ``labctl validate`` when nothing is
    left to do by hand."""
    dest = tmp_path / "lab"
    result = invoke("import", "otree", source, dest)
    assert result.exit_code == expect_exit, result.output
    if expect_exit == 0:
        checked = invoke("validate", dest)
        assert checked.exit_code == 0, checked.output
    return dest, result.output


def text_of(path: Path) -> str:
    return path.read_text(encoding="utf-8")


# -- settings.py -> sessions.py --------------------------------------------------------------

def test_session_configs_become_session_types_with_pay_points_and_params(tmp_path):
    settings = """
    SESSION_CONFIGS = [
        dict(name='study', display_name='A study', app_sequence=['game'],
             num_demo_participants=4, treatment='high', doc='Two treatments'),
        dict(name='pilot', app_sequence=['game'], num_demo_participants=2,
             participation_fee=5.00),
    ]
    SESSION_CONFIG_DEFAULTS = dict(real_world_currency_per_point=0.01, participation_fee=2.50,
                                   doc="", treatment='low')
    REAL_WORLD_CURRENCY_CODE = 'USD'
    ROOMS = [dict(name='lab', display_name='The lab', participant_label_file='_rooms/lab.txt')]
    PARTICIPANT_FIELDS = ['is_dropout']
    SESSION_FIELDS = ['order']
    """
    source = otree_project(tmp_path, {"settings.py": settings, "_rooms/lab.txt": "PC1\nPC2\n"})
    dest, _ = imported(tmp_path, source)
    project = load_project(dest)
    try:
        study, pilot = project.session_types
        assert (study.name, study.display_name, study.app_sequence) == (
            "study", "A study", ["game"])
        assert study.num_participants == 4 and pilot.num_participants == 2
        assert (study.fixed_pay, pilot.fixed_pay) == (250, 500)  # USD cents
        assert study.currency == "USD" and study.money_per_point == "1"  # 0.01 USD a point
        assert study.params == {"treatment": "high"} and pilot.params == {"treatment": "low"}
        assert study.doc == "Two treatments"
        assert project.rooms[0].labels_file == "_rooms/lab.txt"
        assert list(project.participant_fields) == ["is_dropout"]
        assert list(project.session_fields) == ["order"]
    finally:
        project.unload()


def test_session_configs_built_by_the_projects_own_functions_are_read_by_running_it(tmp_path):
    settings = """
    from os import environ


    def config(name, players, **extra):
        return dict(name=name, app_sequence=['game'], num_demo_participants=players, **extra)


    SESSION_CONFIGS = [config('pairs', 2), config('quads', 4, treatment='high', by_round={1: 5})]
    SESSION_CONFIGS.append(config('solo', 1))
    SESSION_CONFIG_DEFAULTS = dict(real_world_currency_per_point=0.01, participation_fee=0)
    """
    source = otree_project(tmp_path, {"settings.py": settings})
    dest, output = imported(tmp_path, source)
    assert "settings.py was run, as oTree runs it, to read SESSION_CONFIGS" in output
    project = load_project(dest)
    try:
        assert [(kind.name, kind.num_participants, kind.params)
                for kind in project.session_types] == [
            ("pairs", 2, {}), ("quads", 4, {"treatment": "high", "by_round": {1: 5}}),
            ("solo", 1, {})]  # number keys kept, as oTree's config had them
    finally:
        project.unload()


def test_a_settings_py_that_fails_when_run_is_listed_with_its_error(tmp_path):
    settings = """
    import otree_helpers_not_installed

    SESSION_CONFIGS = otree_helpers_not_installed.configs()
    """
    source = otree_project(tmp_path, {"settings.py": settings})
    _, output = imported(tmp_path, source, expect_exit=1)
    assert ("settings.py:3: SESSION_CONFIGS could not be read (running settings.py failed: "
            "ModuleNotFoundError: No module named 'otree_helpers_not_installed' "
            "(settings.py:1))") in output


def test_a_session_field_named_like_labctls_own_attribute_is_renamed(tmp_path):
    # qwiglydee's experiments keep their settings in SESSION_FIELDS = ['params']
    settings = SETTINGS + "SESSION_FIELDS = ['params', 'order']\n"
    game = GAME.replace("player.payoff = player.amount",
                        "player.session.params = dict(n=3)\n"
                        "        player.payoff = player.session.params['n']")
    decide = DECIDE.replace("<p>", "<p>{{ session.params.n }} ")
    source = otree_project(tmp_path, {"settings.py": settings, "game/__init__.py": game,
                                      "game/Decide.html": decide})
    dest, output = imported(tmp_path, source)
    assert "SESSION_FIELDS = ['params_', 'order']" in text_of(dest / "sessions.py")
    assert "'params' is 'params_', in every app too" in output
    code = text_of(dest / "game/__init__.py")
    assert "player.session.params_ = dict(n=3)" in code
    assert "player.payoff = player.session.params_['n']" in code
    assert "{{ session.params_.n }}" in text_of(dest / "game/Decide.html")


def test_without_points_literal_amounts_are_minor_units(tmp_path):
    settings = SETTINGS.replace("USE_POINTS = True", "USE_POINTS = False")
    game = GAME.replace("cu(100)", "cu(2.5)")
    source = otree_project(tmp_path, {"settings.py": settings, "game/__init__.py": game})
    dest, _ = imported(tmp_path, source)
    assert "ENDOWMENT = 250" in text_of(dest / "game/__init__.py")
    assert "money_per_point" not in text_of(dest / "sessions.py")


def test_without_points_plain_numbers_made_amounts_become_minor_units(tmp_path):
    # oTree without points reads a number that becomes a Currency as dollars
    settings = SETTINGS.replace("USE_POINTS = True", "USE_POINTS = False")
    game = GAME.replace("    amount = models.CurrencyField(min=0, max=C.ENDOWMENT)\n",
                        "    amount = models.CurrencyField(min=0, max=C.ENDOWMENT)\n"
                        "    bid = models.CurrencyField(initial=1, max=20)\n"
                        "    score = models.IntegerField(initial=3)\n")
    game = game.replace("        player.payoff = player.amount\n", """\
        player.payoff = 10
        player.payoff = player.amount + C.ENDOWMENT - player.bid
        player.payoff = player.score * 2
        player.payoff = cu(player.score) + player.amount
        player.payoff += max(player.bid, 0)
        wage = player.bid
        player.payoff = wage - 20
        player.payoff = player.score * C.RATES[1]
        player.payoff = player.bid - player.score
        player.payoff = player.score * player.session.config['real_world_currency_per_point']
        if player.payoff >= 10 and 0 < player.bid < 2.5:
            player.payoff = 2.555
""").replace("    ENDOWMENT = cu(100)\n", "    ENDOWMENT = cu(100)\n    RATES = {1: 3, 2: 4}\n")
    source = otree_project(tmp_path, {"settings.py": settings, "game/__init__.py": game})
    dest, output = imported(tmp_path, source)
    lines = text_of(dest / "game/__init__.py").splitlines()
    for line in ("    bid = fields.Money(initial=100, max=2000)",
                 "        player.payoff = 1000",
                 "        player.payoff = player.amount + C.ENDOWMENT - player.bid",
                 "        player.payoff = round((player.score * 2) * 100)",
                 "        player.payoff = round(player.score * 100) + player.amount",
                 "        player.payoff += max(player.bid, 0)",
                 "        player.payoff = wage - 2000",  # Currency - 20 took 20 dollars off
                 "        player.payoff = round((player.score * C.RATES[1]) * 100)",
                 "        player.payoff = player.bid - round(player.score * 100)",
                 "        player.payoff = round((player.score * player.session.config["
                 "'real_world_currency_per_point']) * 100)",
                 "        if player.payoff >= 1000 and 0 < player.bid < 250:",
                 "            player.payoff = 255.5"):  # refused when it runs, never cut off
        assert line in lines, line
    project = load_project(dest)
    try:  # apps read the rate without points too (oTree's config had it): still there
        assert project.session_types[0].params["real_world_currency_per_point"] == 1.0
    finally:
        project.unload()
    scaled = lines.index("        player.payoff = round((player.score * 2) * 100)") + 1
    assert (f"game/__init__.py:{scaled}: an amount set to a plain number: oTree read it in "
            "units of the currency") in output


def test_without_points_a_value_of_unknown_unit_made_an_amount_is_marked(tmp_path):
    settings = SETTINGS.replace("USE_POINTS = True", "USE_POINTS = False")
    game = GAME.replace("player.payoff = player.amount",
                        "bonus = len(player.participant.vars)\n"
                        "        player.payoff = bonus\n"
                        "        player.participant.payoff = bonus\n"
                        "        if player.payoff > bonus:\n"
                        "            pass")
    source = otree_project(tmp_path, {"settings.py": settings, "game/__init__.py": game})
    dest, output = imported(tmp_path, source, expect_exit=1)
    lines = text_of(dest / "game/__init__.py").splitlines()
    for line in ("        player.payoff = bonus",
                 "        player.payoff += bonus - player.participant.payoff"):
        marked = lines.index(line) + 1
        assert (f"game/__init__.py:{marked}: an amount set to a value the import cannot tell "
                "is already an amount") in output
    compared = lines.index("        if player.payoff > bonus:") + 1
    assert f"game/__init__.py:{compared}: an amount compared with a value that may be" in output


PAY_APP = """
from otree.api import *
import random


class C(BaseConstants):
    NAME_IN_URL = 'pay'
    PLAYERS_PER_GROUP = None
    NUM_ROUNDS = 1


class Subsession(BaseSubsession):
    pass


class Group(BaseGroup):
    pass


class Player(BasePlayer):
    shown = models.CurrencyField()


class Pay(Page):
    @staticmethod
    def before_next_page(player, timeout_happened):
        participant = player.participant
        paid = random.choice(['game'])
        participant.payoff = participant.vars['payoff_' + paid]
        player.payoff += participant.tokens
        player.shown = participant.vars.get('payoff_game', 0) + participant.bonus_list[0]
        player.shown = participant.mixed


page_sequence = [Pay]
"""


def test_without_points_a_value_stored_on_the_participant_keeps_its_unit_in_other_apps(
        tmp_path):
    # what one app stores on the participant, another app reads: its unit comes from there
    settings = SETTINGS.replace("USE_POINTS = True", "USE_POINTS = False").replace(
        "app_sequence=['game']", "app_sequence=['game', 'pay']") + (
        "PARTICIPANT_FIELDS = ['payoff_game', 'tokens', 'bonus_list', 'mixed']\n")
    game = GAME.replace("        player.payoff = player.amount\n", """\
        player.payoff = player.amount
        participant = player.participant
        participant.payoff_game = sum([p.payoff for p in player.in_all_rounds()]) * 0.5
        participant.tokens = 3
        participant.bonus_list = [0]
        participant.bonus_list[0] = player.amount
        participant.mixed = 0
        participant.mixed = player.amount
        participant.vars['mixed'] = 2
""")
    source = otree_project(tmp_path, {"settings.py": settings, "game/__init__.py": game,
                                      "pay/__init__.py": PAY_APP,
                                      "pay/Pay.html": "{{ block content }}{{ endblock }}"})
    dest, output = imported(tmp_path, source, expect_exit=1)
    lines = text_of(dest / "pay/__init__.py").splitlines()
    for line in ("        player.payoff += round(participant.vars['payoff_' + paid]) "
                 "- participant.payoff",  # an amount stored with a fraction: rounded
                 "        player.payoff += round(participant.tokens * 100)",  # a number
                 "        player.shown = round(participant.vars.get('payoff_game', 0) "
                 "+ participant.bonus_list[0])",  # amounts: kept, the fraction rounded
                 "        player.shown = participant.mixed"):
        assert line in lines, line
    mixed = lines.index("        player.shown = participant.mixed") + 1
    assert (f"pay/__init__.py:{mixed}: an amount set to a value the import cannot tell is "
            "already an amount") in output  # stored as an amount and as a number: unknown
    assert output.count("an amount set to a value the import cannot tell") == 1, output


def test_a_room_name_labctl_cannot_take_is_made_one_and_listed(tmp_path):
    source = otree_project(tmp_path, {"_rooms/lab.txt": "A1\nA2\n"})
    with (source / "settings.py").open("a") as file:
        file.write("ROOMS = [dict(name='CLER', participant_label_file='_rooms/lab.txt'),\n"
                   "         dict(name='cler', participant_label_file='_rooms/lab.txt'),\n"
                   "         dict(name='2nd Lab', participant_label_file='_rooms/lab.txt')]\n")
    dest, output = imported(tmp_path, source)  # validates: each name is a labctl name
    project = load_project(dest)
    try:
        assert [room.name for room in project.rooms] == ["cler_2", "cler", "room_2nd_lab"]
    finally:
        project.unload()
    assert "the room 'CLER' is 'cler_2' (its URL is /room/cler_2)" in output


def test_a_room_whose_labels_file_is_missing_is_left_commented_and_listed(tmp_path):
    # ak21200/mission_matching: _rooms/econ101.txt is not in the repository
    source = otree_project(tmp_path)
    with (source / "settings.py").open("a") as file:
        file.write("ROOMS = [dict(name='econ101', participant_label_file='_rooms/econ101.txt')]\n")
    dest, output = imported(tmp_path, source, expect_exit=1)
    sessions = text_of(dest / "sessions.py")
    assert "    # Room(name='econ101', labels_file='_rooms/econ101.txt')," in sessions
    assert "room 'econ101': its labels file '_rooms/econ101.txt' is not in the project" in output
    assert invoke("validate", dest).exit_code == 0


def test_a_room_without_labels_is_left_commented_and_listed(tmp_path):
    source = otree_project(tmp_path)
    with (source / "settings.py").open("a") as file:
        file.write("ROOMS = [dict(name='live_demo', display_name='Demo')]\n")
    dest, output = imported(tmp_path, source, expect_exit=1)
    sessions = text_of(dest / "sessions.py")
    assert "# Room(name='live_demo', display_name='Demo')," in sessions
    line = sessions.splitlines().index("    # Room(name='live_demo', display_name='Demo'),") + 1
    assert f"sessions.py:{line}: room 'live_demo' has no participant labels" in output
    assert invoke("validate", dest).exit_code == 0  # commented out, so the project runs


# -- Python ----------------------------------------------------------------------------------

def test_imports_base_classes_and_amounts_become_labctl(tmp_path):
    dest, output = imported(tmp_path, otree_project(tmp_path))
    code = text_of(dest / "game/__init__.py")
    assert "otree" not in code
    assert code.startswith("import labctl\nfrom labctl import Page, WaitPage, fields\n")
    assert "class C(labctl.Constants):\n" in code and "ENDOWMENT = 100\n" in code
    assert "class Player(labctl.Player):" in code and "class Group(labctl.Group):" in code
    assert "amount = fields.Money(min=0, max=C.ENDOWMENT)" in code
    assert "Nothing left to do by hand." in output
    project = load_project(dest)
    try:  # oTree apps send dict(vars(C)) to their scripts: only values, as in oTree
        constants = project.apps["game"].module.C
        assert json.loads(json.dumps(dict(vars(constants))))["ENDOWMENT"] == 100
    finally:
        project.unload()


def test_each_field_type_and_option_is_mapped(tmp_path):
    game = GAME.replace("""    amount = models.CurrencyField(min=0, max=C.ENDOWMENT)
""", """    amount = models.CurrencyField(min=0, max=C.ENDOWMENT)
    age = models.IntegerField(label='Your age', min=18, max=99, doc='in years')
    belief = models.FloatField(blank=True, initial=0.5)
    name = models.StringField(choices=['a', 'b'], widget=widgets.RadioSelectHorizontal)
    story = models.LongStringField(blank=True)  # free text
    agree = models.BooleanField(widget=widgets.CheckboxInput, blank=False)
    level = models.IntegerField(choices=[1, 2, 3], widget=widgets.RadioSelect)
""")
    source = otree_project(tmp_path, {"game/__init__.py": game})
    dest, _ = imported(tmp_path, source)
    assert "story = fields.Text(required=False, widget=\"textarea\")  # free text" in text_of(
        dest / "game/__init__.py")
    project = load_project(dest)
    try:
        declared = project.apps["game"].player_class.declared_fields()
        assert isinstance(declared["age"], Integer)
        assert (declared["age"].label, declared["age"].min, declared["age"].doc) == (
            "Your age", 18, "in years")
        assert isinstance(declared["belief"], Float) and declared["belief"].required is False
        assert isinstance(declared["name"], Text)
        assert declared["name"].widget == "radio_horizontal"
        assert declared["story"].widget == "textarea" and not declared["story"].required
        assert isinstance(declared["agree"], Boolean) and declared["agree"].widget == "checkbox"
        assert declared["agree"].required is True
        assert declared["level"].widget == "radio"
        assert isinstance(declared["amount"], Money)
    finally:
        project.unload()


def test_djangos_spellings_of_field_options_become_labctls(tmp_path):
    game = GAME.replace("class Player(BasePlayer):\n", """class Player(BasePlayer):
    level = models.IntegerField(default=3, verbose_name='Your level', null=True)
""")
    source = otree_project(tmp_path, {"game/__init__.py": game})
    dest, _ = imported(tmp_path, source)
    assert "level = fields.Integer(initial=3, label='Your level')" in text_of(
        dest / "game/__init__.py")
    project = load_project(dest)
    try:
        level = project.apps["game"].player_class.declared_fields()["level"]
        assert (level.initial, level.label) == (3, "Your level")
    finally:
        project.unload()


def test_a_field_named_like_labctls_column_in_another_case_is_renamed(tmp_path):
    # a database's column names ignore case: Session_Code would be labctl's session_code
    game = GAME.replace("class Player(BasePlayer):\n", """class Report(ExtraModel):
    Session_Code = models.StringField()
    Round_Num = models.IntegerField()


class Player(BasePlayer):
    Round_Number = models.IntegerField(initial=0)
""").replace("player.payoff = player.amount",
             "player.payoff = player.amount\n"
             "        player.Round_Number = player.round_number\n"
             "        Report.create(Session_Code=player.session.code, Round_Num=1)\n"
             "        assert Report.filter()[0].Session_Code == player.session.code")
    source = otree_project(tmp_path, {"game/__init__.py": game})
    dest, output = imported(tmp_path, source)
    code = text_of(dest / "game/__init__.py")
    for line in ("    Session_Code_ = fields.Text()", "    Round_Num = fields.Integer()",
                 "    Round_Number_ = fields.Integer(initial=0)",
                 "        player.Round_Number_ = player.round_number",
                 "        Report.create(Session_Code_=player.session.code, Round_Num=1)",
                 "        assert Report.filter()[0].Session_Code_ == player.session.code"):
        assert line in code.splitlines(), line
    declared = code.splitlines().index("    Session_Code_ = fields.Text()") + 1
    assert f"game/__init__.py:{declared}: field Session_Code is Session_Code_" in output


def test_cu_of_an_expression_is_the_expression_and_a_division_is_rounded_and_listed(tmp_path):
    game = GAME.replace("player.payoff = player.amount",
                        "player.payoff = cu(player.amount) * 2\n"
                        "        player.payoff = player.amount / 3")
    source = otree_project(tmp_path, {"game/__init__.py": game})
    dest, output = imported(tmp_path, source)  # a change to check is not manual work
    lines = text_of(dest / "game/__init__.py").splitlines()
    assert "        player.payoff = player.amount * 2" in lines
    rounded = lines.index("        player.payoff = round(player.amount / 3)") + 1
    assert lines[rounded - 2].strip().startswith("# labctl import changed: oTree rounded")
    assert f"game/__init__.py:{rounded}: oTree rounded this Currency silently" in output


def test_an_amount_made_from_a_constant_holding_floats_is_rounded_and_listed(tmp_path):
    # cu() of a fraction rounded in oTree; a constant of floats makes one the import can see
    game = GAME.replace("    ENDOWMENT = cu(100)\n",
                        "    ENDOWMENT = cu(100)\n    RETURNS = {1: 0.5, 2: 1.5}\n")
    game = game.replace("player.payoff = player.amount",
                        "player.payoff = cu(C.RETURNS[1]) * 3")
    source = otree_project(tmp_path, {"game/__init__.py": game})
    dest, output = imported(tmp_path, source)
    lines = text_of(dest / "game/__init__.py").splitlines()
    rounded = lines.index("        player.payoff = round(C.RETURNS[1]) * 3") + 1
    assert f"game/__init__.py:{rounded}: oTree rounded this Currency silently" in output


def test_an_amount_from_a_helper_that_divides_is_rounded_and_listed(tmp_path):
    # the division is in a module of the project; its result went into a Currency in oTree
    helpers = """
    def average(total, count):
        return total / count if count else 0


    def share(total, count):
        return average(total, count)


    def whole(total, count):
        return total // count
    """
    game = GAME.replace("from otree.api import *\n", "from otree.api import *\n"
                        "from helpers import share, whole\n")
    game = game.replace("player.payoff = player.amount",
                        "player.payoff = share(player.amount, 3)\n"
                        "        player.payoff += whole(player.amount, 3)")
    source = otree_project(tmp_path, {"game/__init__.py": game, "helpers.py": helpers})
    dest, output = imported(tmp_path, source)
    lines = text_of(dest / "game/__init__.py").splitlines()
    rounded = lines.index("        player.payoff = round(share(player.amount, 3))") + 1
    assert f"game/__init__.py:{rounded}: oTree rounded this Currency silently" in output
    assert "        player.payoff += whole(player.amount, 3)" in lines  # // is whole already


def test_an_amount_from_a_local_name_holding_a_division_is_rounded(tmp_path):
    game = GAME.replace("player.payoff = player.amount",
                        "share = player.amount * 3 / 2\n"
                        "        player.payoff = C.ENDOWMENT - player.amount + share")
    dest, output = imported(tmp_path, otree_project(tmp_path, {"game/__init__.py": game}))
    lines = text_of(dest / "game/__init__.py").splitlines()
    rounded = lines.index("        player.payoff = round(C.ENDOWMENT - player.amount + share)") + 1
    assert f"game/__init__.py:{rounded}: oTree rounded this Currency silently" in output


def test_currency_range_becomes_an_inclusive_range(tmp_path):
    game = GAME.replace("""    amount = models.CurrencyField(min=0, max=C.ENDOWMENT)""",
                        """    amount = models.CurrencyField(
        choices=currency_range(cu(0), C.ENDOWMENT, cu(50)))
    other = models.CurrencyField(choices=currency_range(0, 10, 5))""")
    game = game.replace("form_fields = ['amount']", "form_fields = ['amount', 'other']")
    source = otree_project(tmp_path, {"game/__init__.py": game})
    dest, _ = imported(tmp_path, source)
    code = text_of(dest / "game/__init__.py")
    assert "choices=range(0, C.ENDOWMENT + 1, 50))" in code
    assert "choices=range(0, 11, 5))" in code
    project = load_project(dest)
    try:
        declared = project.apps["game"].player_class.declared_fields()
        assert [value for value, _ in declared["amount"].choices] == [0, 50, 100]
    finally:
        project.unload()


def test_tests_py_becomes_bots_py(tmp_path):
    tests = """
    from otree.api import Currency as c, currency_range, expect, Bot, Submission
    from . import *


    class PlayerBot(Bot):
        def play_round(self):
            yield Submission(Decide, dict(amount=c(10)), check_html=False)
            expect(self.player.payoff, c(10))
    """
    source = otree_project(tmp_path, {"game/tests.py": tests})
    dest, output = imported(tmp_path, source)
    assert not (dest / "game/tests.py").exists()
    bots = text_of(dest / "game/bots.py")
    assert bots.startswith("from labctl.bots import Bot, Submission, SubmissionMustFail, "
                           "expect\nfrom . import *\n")
    assert "yield Submission(Decide, dict(amount=10))" in bots
    assert "expect(self.player.payoff, 10)" in bots
    assert "check_html= removed" in output


def test_a_tests_py_getting_bot_through_its_app_imports_it_from_labctl(tmp_path):
    # oTree's app module re-exports otree.api's Bot to `from . import *`; labctl's does not
    tests = """
    from otree.api import Currency as c, currency_range
    from . import *


    class PlayerBot(Bot):
        def play_round(self):
            yield Decide, dict(amount=c(10))
    """
    dest, _ = imported(tmp_path, otree_project(tmp_path, {"game/tests.py": tests}))
    bots = text_of(dest / "game/bots.py")
    assert bots.startswith("from labctl.bots import Bot, Submission, SubmissionMustFail, "
                           "expect\n")
    assert "yield Decide, dict(amount=10)" in bots


@pytest.mark.parametrize(("code", "reason"), [
    ("        participant.payoff = player.amount",  # whose participant: not known here
     "labctl refuses participant.payoff"),
    ("        x: Currency = player.amount", "'Currency' (oTree's Currency) is not a call"),
    ("        player.payoff = cu(0.5)", "0.5 is not a whole amount in points"),
])
def test_code_it_cannot_translate_is_kept_marked_and_listed(tmp_path, code, reason):
    game = GAME.replace("        player.payoff = player.amount", code)
    source = otree_project(tmp_path, {"game/__init__.py": game})
    dest, output = imported(tmp_path, source, expect_exit=1)
    lines = text_of(dest / "game/__init__.py").splitlines()
    line = lines.index(code) + 1
    assert lines[line - 2].strip().startswith(f"# labctl import: {reason}")
    assert f"game/__init__.py:{line}: {reason}" in output
    assert "Manual work left (" in output


@pytest.mark.parametrize(("code", "written"), [
    ("        player.participant.payoff = player.amount",
     "        player.payoff += player.amount - player.participant.payoff"),
    ("        participant = player.participant\n        participant.payoff = player.amount * 2",
     "        player.payoff += (player.amount * 2) - participant.payoff"),
    ("        player.participant.payoff += player.amount",
     "        player.payoff += player.amount"),
])
def test_setting_participant_payoff_sets_the_players_share_of_the_total(tmp_path, code,
                                                                         written):
    # oTree's participant.payoff = x sets the total; labctl's total sums the player payoffs
    game = GAME.replace("        player.payoff = player.amount", code)
    source = otree_project(tmp_path, {"game/__init__.py": game})
    dest, output = imported(tmp_path, source)
    assert written in text_of(dest / "game/__init__.py").splitlines()
    if "+=" not in code:
        assert "the participant's total is x, as in oTree" in output


@pytest.mark.parametrize(("field", "reason"), [
    ("models.IntegerField(unique=True)", "field option unique= has no labctl"),
    ("models.IntegerField(null=False)", "null= that is not True: labctl's fields are None"),
    ("models.IntegerField(default=1, initial=2)", "default= and initial= say the same"),
    ("models.IntegerField(widget=widgets.SliderInput)", "widget widgets.SliderInput has no"),
    ("models.DateField()", "oTree's models.DateField has no labctl field type"),
])
def test_field_declarations_it_cannot_translate_are_marked(tmp_path, field, reason):
    game = GAME.replace("class Player(BasePlayer):\n",
                        f"class Player(BasePlayer):\n    when = {field}\n")
    source = otree_project(tmp_path, {"game/__init__.py": game})
    dest, output = imported(tmp_path, source, expect_exit=1)
    lines = text_of(dest / "game/__init__.py").splitlines()
    line = next(number for number, text in enumerate(lines, 1) if text.startswith("    when ="))
    assert lines[line - 2].startswith(f"    # labctl import: {reason}")
    assert f"game/__init__.py:{line}: {reason}" in output


def test_an_old_format_app_that_is_not_python_is_copied_aside_and_listed(tmp_path):
    # an old-format app is converted (test_import_otree_old_format); one it cannot read is not
    source = otree_project(tmp_path)
    write(source, {"old/__init__.py": "", "old/models.py": "from otree.api import *\ndef (:\n",
                   "old/pages.py": "from ._builtin import Page\n"})
    dest, output = imported(tmp_path, source, expect_exit=1)
    assert not (dest / "old").exists()
    assert text_of(dest / "_otree_old_format/old/models.py").startswith("from otree.api")
    assert "_otree_old_format/old:2: oTree's old format with a file that is not Python" in output


# -- templates and static files --------------------------------------------------------------

def test_amounts_shown_in_templates_use_money(tmp_path):
    page = DECIDE.replace("{{ formfields }}", "{{ formfields }}\nYou chose {{ player.amount }}"
                          " and earned {{ player.payoff }} ({{ player.id_in_group }}).")
    source = otree_project(tmp_path, {"game/Decide.html": page})
    dest, _ = imported(tmp_path, source)
    template = text_of(dest / "game/Decide.html")
    assert "You have {{ money(C.ENDOWMENT) }}." in template
    assert "You chose {{ money(player.amount) }} and earned {{ money(player.payoff) }}" in template
    assert "({{ player.id_in_group }})" in template


def test_static_files_from_the_project_move_into_the_app(tmp_path):
    page = DECIDE.replace("{{ formfields }}",
                          "<img src=\"{{ static 'global/logo.png' }}\" alt=\"logo\">\n"
                          "<img src=\"{%static '/global/slash.png' %}\" alt=\"slash\">\n"
                          "<img src=\"{% static 'game/own.png' %}\" alt=\"own\">\n{{ formfields }}")
    source = otree_project(tmp_path, {"game/Decide.html": page})
    write(source, {"_static/global/logo.png": "png", "game/static/game/own.png": "own",
                   "_static/global/slash.png": "slash"})
    dest, output = imported(tmp_path, source)
    template = text_of(dest / "game/Decide.html")
    assert "{{ static('global/logo.png') }}" in template
    assert "{{ static('global/slash.png') }}" in template  # oTree 3 took a leading slash
    assert "{{ static('game/own.png') }}" in template
    assert text_of(dest / "game/static/global/logo.png") == "png"
    assert text_of(dest / "game/static/game/own.png") == "own"
    assert "_static/global/logo.png copied to game/static/global/logo.png" in output


def test_a_static_file_of_another_app_is_copied_as_oTree_found_it(tmp_path):
    # qwiglydee/otree-experiments: sliders/Game.html loads real_effort's cheating script
    page = DECIDE.replace("{{ formfields }}",
                          "<script src=\"{{ static 'cheat.js' }}\" defer></script>\n"
                          "{{ formfields }}")
    dest, output = imported(tmp_path, otree_project(tmp_path, {
        "game/Decide.html": page, "tool/__init__.py": "", "tool/static/cheat.js": "cheat();"}))
    assert text_of(dest / "game/static/cheat.js") == "cheat();"
    assert "tool/static/cheat.js copied to game/static/cheat.js" in output


def test_a_missing_static_file_is_marked_in_the_template(tmp_path):
    page = DECIDE.replace("{{ formfields }}",
                          "<img src=\"{{ static 'nowhere.png' }}\" alt=\"x\">\n{{ formfields }}")
    source = otree_project(tmp_path, {"game/Decide.html": page})
    dest, output = imported(tmp_path, source, expect_exit=1)
    lines = text_of(dest / "game/Decide.html").splitlines()
    assert lines[2].startswith("{# labctl import: static file 'nowhere.png'")
    assert "game/Decide.html:4: static file 'nowhere.png' is in neither" in output


def test_a_customized_global_page_layout_is_reported(tmp_path):
    source = otree_project(tmp_path)
    write(source, {"_templates/global/Page.html":
                   '{{ extends "otree/Page.html" }}\n{{ block global_styles }}'
                   '<style>body { color: red }</style>{{ endblock }}\n'})
    _, output = imported(tmp_path, source, expect_exit=1)
    assert "_templates: _templates/global/Page.html is not used by labctl" in output


def test_a_global_page_layout_with_only_empty_elements_adds_nothing(tmp_path):
    source = otree_project(tmp_path)
    write(source, {"_templates/global/Page.html":
                   '{{ extends "otree/Page.html" }}\n{{ block global_styles }}\n'
                   '<style>\n    \n</style>\n{{ endblock }}\n'})
    _, output = imported(tmp_path, source)
    assert "_templates/global/Page.html" not in output


# -- the command -----------------------------------------------------------------------------

def test_dry_run_prints_the_report_and_writes_nothing(tmp_path):
    dest = tmp_path / "lab"
    result = invoke("import", "otree", otree_project(tmp_path), dest, "--dry-run")
    assert result.exit_code == 0, result.output
    assert "game: app rewritten" in result.output and "--dry-run" in result.output
    assert not dest.exists()


def test_a_folder_without_settings_is_an_error(tmp_path):
    result = invoke("import", "otree", tmp_path, tmp_path / "lab")
    assert result.exit_code == 2
    assert "settings.py does not exist" in result.output
    assert not (tmp_path / "lab").exists()


def test_it_never_writes_into_a_folder_that_is_not_empty(tmp_path):
    dest = tmp_path / "lab"
    write(dest, {"sessions.py": "# mine\n"})
    result = invoke("import", "otree", otree_project(tmp_path), dest)
    assert result.exit_code == 2
    assert "is not empty" in result.output
    assert text_of(dest / "sessions.py") == "# mine\n"


def test_call_live_method_in_tests_py_is_kept_as_written(tmp_path):
    # labctl's bots run call_live_method as oTree's do (tests/test_import_otree_compat.py)
    tests = """
    from otree.api import *
    from . import *


    class PlayerBot(Bot):
        def play_round(self):
            yield Decide, dict(amount=10)


    def call_live_method(method, **kwargs):
        method(1, {'offer': 5})
    """
    dest, _ = imported(tmp_path, otree_project(tmp_path, {"game/tests.py": tests}))
    assert "def call_live_method(method, **kwargs):\n    method(1, {'offer': 5})" in text_of(
        dest / "game/bots.py")


def test_a_name_for_currency_is_rewritten_like_cu(tmp_path):
    game = GAME.replace("from otree.api import *\n", "from otree.api import *\n\nc = cu\n")
    game = game.replace("ENDOWMENT = cu(100)", "ENDOWMENT = c(100)")
    dest, output = imported(tmp_path, otree_project(tmp_path, {"game/__init__.py": game}))
    code = text_of(dest / "game/__init__.py")
    assert "ENDOWMENT = 100\n" in code and "c = cu" not in code
    assert "game/__init__.py: 'c = ...' removed (a name for oTree's Currency)" in output


def test_positive_integer_field_is_an_integer_from_zero(tmp_path):
    game = GAME.replace("class Player(BasePlayer):\n", "class Player(BasePlayer):\n"
                        "    count = models.PositiveIntegerField(label='How many?')\n")
    dest, _ = imported(tmp_path, otree_project(tmp_path, {"game/__init__.py": game}))
    assert "count = fields.Integer(label='How many?', min=0)" in text_of(
        dest / "game/__init__.py")


def test_a_session_config_name_with_capitals_becomes_lowercase_and_is_listed(tmp_path):
    settings = SETTINGS.replace("name='game'", "name='Game_A'")
    dest, output = imported(tmp_path, otree_project(tmp_path, {"settings.py": settings}))
    assert "name='game_a'," in text_of(dest / "sessions.py")
    assert "the name 'Game_A' is 'game_a'" in output


def test_a_session_config_name_starting_with_a_digit_gets_a_valid_unique_name(tmp_path):
    settings = SETTINGS.replace("name='game'", "name='2_Memory-3'").replace("\n]", """
    dict(name='session_2_memory_3', app_sequence=['game'], num_demo_participants=2),
]""", 1)
    dest, output = imported(tmp_path, otree_project(tmp_path, {"settings.py": settings}))
    sessions = text_of(dest / "sessions.py")
    assert "name='session_2_memory_3_2'," in sessions
    assert "name='session_2_memory_3'," in sessions
    assert "the name '2_Memory-3' is 'session_2_memory_3_2'" in output


def test_inline_scripts_and_styles_move_into_static_files(tmp_path):
    page = DECIDE.replace("{{ endblock }}\n", """{{ endblock }}
{{ block scripts }}
<script>
  function liveRecv(data) { document.title = data; }
</script>
<script src="{{ static 'game/extra.js' }}"></script>
<style>p { color: red; }</style>
{{ endblock }}
""")
    source = otree_project(tmp_path, {"game/Decide.html": page,
                                      "game/static/game/extra.js": "var x = 1;\n"})
    dest, output = imported(tmp_path, source)  # validate passes: no inline code is left
    template = text_of(dest / "game/Decide.html")
    assert "<script src=\"{{ static('Decide_1.js') }}\" defer></script>" in template
    assert "<script defer src=\"{{ static('game/extra.js') }}\"></script>" in template
    assert "<link rel=\"stylesheet\" href=\"{{ static('Decide_2.css') }}\">" in template
    assert text_of(dest / "game/static/Decide_1.js").strip() == (
        "function liveRecv(data) { document.title = data; }")
    assert text_of(dest / "game/static/Decide_2.css") == "p { color: red; }\n"
    assert "inline <script> moved to game/static/Decide_1.js" in output
    assert len(template.splitlines()) == len(page.splitlines())  # lines keep their numbers


def test_an_inline_script_printing_a_value_through_otrees_json_filter_moves(tmp_path):
    # RgRp92/unipdexp: let beliefs = {{ beliefs|json }}; the filter is oTree's, so a value
    page = DECIDE.replace("{{ endblock }}\n", """{{ endblock }}
{{ block scripts }}
<script>
  let beliefs = {{ player.amount|json }};
</script>
{{ endblock }}
""")
    dest, output = imported(tmp_path, otree_project(tmp_path, {"game/Decide.html": page}))
    assert "inline <script> moved to game/static/Decide_1.js" in output
    assert "player.amount|json" in text_of(dest / "game/Decide.html")  # printed in the data


def test_a_module_script_importing_the_apps_static_files_moves_with_relative_urls(tmp_path):
    # a SvelteKit or Vite build's page: its entry module imports the app's own files
    page = DECIDE.replace("{{ endblock }}\n", """{{ endblock }}
{{ block scripts }}
<script type="module" data-hydrate="x1">
  import { start } from "{{ static 'game/app/start.js' }}";
  start(document.querySelector('[data-hydrate="x1"]').parentNode);
</script>
{{ endblock }}
""")
    source = otree_project(tmp_path, {"game/Decide.html": page,
                                      "game/static/game/app/start.js": "export function start"
                                                                       "(x) {}\n"})
    dest, output = imported(tmp_path, source)  # validate passes: no inline code is left
    template = text_of(dest / "game/Decide.html")
    assert ("<script src=\"{{ static('Decide_1.js') }}\" type=\"module\" data-hydrate=\"x1\" "
            "defer></script>") in template
    moved = text_of(dest / "game/static/Decide_1.js")
    assert 'import { start } from "./game/app/start.js";' in moved  # beside it in static/
    assert "inline <script> moved to game/static/Decide_1.js" in output


def test_inline_event_handlers_move_into_a_script_file(tmp_path):
    page = DECIDE.replace("{{ formfields }}", """{{ formfields }}
<button type="button" class="btn" onclick="document.title = 'a &amp; b'; return false;">Go</button>
<input type="range" oninput='show(this, event)' max="10">""")
    source = otree_project(tmp_path, {"game/Decide.html": page})
    dest, output = imported(tmp_path, source)  # validate passes: no inline handler is left
    template = text_of(dest / "game/Decide.html")
    assert '<button type="button" class="btn" data-labctl-on="1">Go</button>' in template
    assert '<input type="range" max="10" data-labctl-on="2">' in template
    assert template.rstrip().endswith(
        "{{ block scripts }}<script src=\"{{ static('Decide_handlers.js') }}\" defer></script>"
        "{{ endblock }}")
    handlers = text_of(dest / "game/static/Decide_handlers.js")
    assert "on('1', 'click', function (event) {\n    document.title = 'a & b'; return false;" \
        in handlers
    assert "on('2', 'input', function (event) {\n    show(this, event)" in handlers
    assert "game/Decide.html: 2 inline event handler(s) moved to game/static/" \
           "Decide_handlers.js" in output


@pytest.mark.parametrize(("script", "reason"), [
    ("<script>var me = 1; {% if player.id_in_group == 2 %}me = 2;{% endif %}</script>",
     "this inline <script> uses template tags"),
    ('<script type="module">import x from "{{ static \'x.js\' }}"; x({{ player.id }});</script>',
     "this inline <script> uses template tags"),
    ('<script src="https://code.jquery.com/jquery.js"></script>',
     "https://code.jquery.com/jquery.js is loaded from another site"),
])
def test_scripts_it_cannot_move_are_marked(tmp_path, script, reason):
    page = DECIDE.replace("{{ endblock }}\n",
                          "{{ endblock }}\n{{ block scripts }}\n" + script + "\n{{ endblock }}\n")
    dest, output = imported(tmp_path, otree_project(tmp_path, {"game/Decide.html": page}),
                            expect_exit=1)
    lines = text_of(dest / "game/Decide.html").splitlines()
    line = lines.index(script) + 1
    assert f"game/Decide.html:{line}: {reason}" in output


def test_oTree_names_of_an_app_become_labctl_spellings(tmp_path):
    game = GAME.replace("    ENDOWMENT = cu(100)\n",
                        "    ENDOWMENT = cu(100)\n    RULES = __name__ + '/Rules.html'\n")
    game = game.replace("class Decide(Page):\n", "class Decide(Page):\n"
                        "    template_name = 'game/Choice.html'\n")
    source = otree_project(tmp_path, {
        "game/__init__.py": game, "game/Choice.html": DECIDE.replace(
            "{{ formfields }}", "{{ include C.RULES }}\n{{ formfields }}"),
        "game/Rules.html": "<p>Rules</p>\n"})
    (source / "game/Decide.html").unlink()
    dest, _ = imported(tmp_path, source)  # validate finds the template and the include
    code = text_of(dest / "game/__init__.py")
    assert "RULES = __name__.rsplit(\".\", 1)[-1] + '/Rules.html'" in code
    assert "template_name = 'game/Choice.html'" in code  # as oTree names it: labctl too


def test_an_import_of_another_app_becomes_relative(tmp_path):
    helper = """
    from otree.api import *


    class C(BaseConstants):
        NAME_IN_URL = 'helper'
        PLAYERS_PER_GROUP = None
        NUM_ROUNDS = 1
        BONUS = cu(5)


    class Subsession(BaseSubsession):
        pass


    class Group(BaseGroup):
        pass


    class Player(BasePlayer):
        pass


    class Thanks(Page):
        pass


    page_sequence = [Thanks]
    """
    game = GAME.replace("from otree.api import *\n",
                        "from otree.api import *\nfrom helper import C as HelperC\n")
    game = game.replace("player.payoff = player.amount",
                        "player.payoff = player.amount + HelperC.BONUS")
    dest, _ = imported(tmp_path, otree_project(tmp_path, {
        "game/__init__.py": game, "helper/__init__.py": helper,
        "helper/Thanks.html": "{{ block content }}Thanks{{ endblock }}\n"}))
    assert "from ..helper import C as HelperC" in text_of(dest / "game/__init__.py")


def test_static_of_an_expression_and_formfield_errors_are_translated(tmp_path):
    page = DECIDE.replace("{{ formfields }}",
                          "<img src=\"{{ static player.image }}\" alt=\"\">\n"
                          "{{ formfield 'amount' }}{{ formfield_errors 'amount' }}")
    game = GAME.replace("    amount = models.CurrencyField(min=0, max=C.ENDOWMENT)\n",
                        "    amount = models.CurrencyField(min=0, max=C.ENDOWMENT)\n"
                        "    image = models.StringField(initial='a.png')\n")
    dest, output = imported(tmp_path, otree_project(tmp_path, {
        "game/Decide.html": page, "game/__init__.py": game, "_static/a.png": "png",
        "_static/shapes/0.svg": "<svg/>", "game/static/a.png": "the app's own"}))
    template = text_of(dest / "game/Decide.html")
    assert "<img src=\"{{ static(player.image) }}\" alt=\"\">" in template
    assert "{{ formfield 'amount' }}\n" in template and "formfield_errors" not in template
    # the path is computed: every file of _static/ is where static() looks, the app's own kept
    assert text_of(dest / "game/static/shapes/0.svg") == "<svg/>"
    assert text_of(dest / "game/static/a.png") == "the app's own"
    assert "_static/ copied into game/static/: its templates compute static paths" in output


def test_a_point_rate_of_zero_pays_the_fixed_pay_alone(tmp_path):
    settings = SETTINGS.replace("real_world_currency_per_point=1.00",
                                "real_world_currency_per_point=0.000")
    dest, _ = imported(tmp_path, otree_project(tmp_path, {"settings.py": settings}))
    project = load_project(dest)
    try:
        assert validate_project(project) == []
        session_type = project.session_types[0]
        assert session_type.rate == 0
        assert payment_of(session_type, {"bonus": 700, "code": "x", "id_in_session": 1,
                                          "label": None, "step": 0}, 1).total \
            == session_type.fixed_pay
    finally:
        project.unload()


def test_a_negative_point_rate_is_marked(tmp_path):
    settings = SETTINGS.replace("real_world_currency_per_point=1.00",
                                "real_world_currency_per_point=-0.01")
    _, output = imported(tmp_path, otree_project(tmp_path, {"settings.py": settings}),
                         expect_exit=1)
    assert "real_world_currency_per_point is negative" in output


@pytest.mark.parametrize(("code", "language"), [("de", "de"), ("zh-hans", "zh_Hans"),
                                                ("pt-br", "pt_BR")])
def test_language_code_becomes_the_projects_language(tmp_path, code, language):
    source = otree_project(tmp_path, {"settings.py": SETTINGS + f"LANGUAGE_CODE = {code!r}\n"})
    dest, output = imported(tmp_path, source)
    project = load_project(dest)
    try:
        assert {st.language for st in project.session_types} == {language}
    finally:
        project.unload()
    assert f"LANGUAGE = {language!r}" in output


def test_a_setting_labctl_does_not_carry_over_is_named_where_an_app_reads_it(tmp_path):
    game = GAME.replace("from otree.api import *\n",
                        "from otree.api import *\nfrom otree import settings\n\n"
                        "SECRET = settings.SECRET_KEY\n")
    dest, output = imported(tmp_path, otree_project(tmp_path, {"game/__init__.py": game}),
                            expect_exit=1)
    lines = text_of(dest / "game/__init__.py").splitlines()
    line = lines.index("SECRET = settings.SECRET_KEY") + 1
    assert f"game/__init__.py:{line}: oTree's settings.SECRET_KEY is not in labctl's " \
           "sessions.py" in output


def test_otree_base_classes_named_outside_class_bases_become_labctls(tmp_path):
    # qwiglydee's utils/live.py: annotations and match patterns name BasePlayer and BaseGroup
    game = GAME.replace("page_sequence = [Decide]", '''def kind(x: BasePlayer):
    if isinstance(x, BaseGroup):
        return 'group'
    match x:
        case BasePlayer():
            return 'player'


def creating_session(subsession: BaseSubsession):
    for player in subsession.get_players():
        assert kind(player) == 'player' and kind(player.group) == 'group'


page_sequence = [Decide]''')
    dest, _ = imported(tmp_path, otree_project(tmp_path, {"game/__init__.py": game}))
    code = text_of(dest / "game" / "__init__.py")
    assert "def kind(x: labctl.Player):\n    if isinstance(x, labctl.Group):" in code
    assert "        case labctl.Player():\n" in code
    assert "def creating_session(subsession: labctl.Subsession):" in code
    assert "class Player(labctl.Player):" in code
    played = invoke("test", "game", "-n", 2, dest)
    assert played.exit_code == 0, played.output


def test_a_timed_page_gets_otrees_values_for_a_timeout_submission(tmp_path):
    # oTree saved 0, False or '' in a field left empty when the time ran out
    game = GAME.replace("    amount = models.CurrencyField(min=0, max=C.ENDOWMENT)\n", """\
    amount = models.CurrencyField(min=0, max=C.ENDOWMENT)
    agree = models.BooleanField()
    note = models.StringField(blank=True)
    level = models.IntegerField(choices=[1, 2, 3])
    artist = models.StringField(choices=['Klee', 'Kandinsky'])
    floor = models.IntegerField(min=C.FLOOR)
""").replace("    ENDOWMENT = cu(100)\n", "    ENDOWMENT = cu(100)\n    FLOOR = 1\n").replace(
        "    form_fields = ['amount']\n", """\
    form_fields = ['amount', 'agree', 'note', 'level', 'artist', 'floor']
    timeout_seconds = 30
""") + """

class Later(Page):
    form_model = 'player'
    form_fields = ['note']

    @staticmethod
    def get_timeout_seconds(player):
        return 10


class Untimed(Page):
    form_model = 'player'
    form_fields = ['note']
    timeout_seconds = None


class Own(Page):
    form_model = 'player'
    form_fields = ['note']
    timeout_seconds = 5
    timeout_submission = {'note': 'late'}
"""
    dest, output = imported(tmp_path, otree_project(tmp_path, {"game/__init__.py": game}),
                            expect_exit=1)
    code = text_of(dest / "game/__init__.py")
    lines = code.splitlines()
    assert "    timeout_submission = {'amount': 0, 'agree': False, 'note': ''}" in lines
    assert "    timeout_submission = {'note': ''}" in lines  # get_timeout_seconds
    assert code.count("timeout_submission = {") == 3  # not Untimed; Own keeps its own
    assert "    timeout_submission = {'note': 'late'}" in lines
    first = lines.index("    timeout_submission = {'amount': 0, 'agree': False, 'note': ''}") + 1
    assert (f"game/__init__.py:{first}: a timeout submits timeout_submission, oTree's "
            "values for fields left empty") in output
    assert (f"game/__init__.py:{first}: oTree saved 0, False or '' in level when the time "
            "ran out, which its declaration refuses") in output
    assert "; artist, floor stay None (oTree saved 0 or ''" in output


def test_without_points_a_session_config_number_made_an_amount_is_scaled(tmp_path):
    # sschm146/SIB: Questionnaire_payoff=5 in the settings is 5 euros where it is paid
    settings = SETTINGS.replace("USE_POINTS = True", "USE_POINTS = False").replace(
        'doc="")', 'doc="", bonus=5, note="five")')
    game = GAME.replace("        player.payoff = player.amount\n", """\
        player.payoff = player.session.config['bonus']
        urn = [player.amount, C.ENDOWMENT]
        player.payoff = urn[0] + player.session.config.get('bonus', 0)
        player.payoff = sum(urn)
        player.payoff = random.choice([player.session.config['bonus'], 0])
        player.payoff = getattr(player, f"choice_{player.round_number}_payoff")
        player.payoff = player.session.config['note']
""").replace("from otree.api import *\n", "from otree.api import *\nimport random\n").replace(
        "    amount = models.CurrencyField(min=0, max=C.ENDOWMENT)\n",
        "    amount = models.CurrencyField(min=0, max=C.ENDOWMENT)\n"
        "    choice_1_payoff = models.IntegerField(initial=2)\n")  # dimdub34/IM_farming
    dest, output = imported(tmp_path, otree_project(tmp_path, {"settings.py": settings,
                                                               "game/__init__.py": game}),
                            expect_exit=1)
    lines = text_of(dest / "game/__init__.py").splitlines()
    for line in ("        player.payoff = round(player.session.config['bonus'] * 100)",
                 "        player.payoff = urn[0] + round(player.session.config.get('bonus', 0) "
                 "* 100)",
                 "        player.payoff = sum(urn)",  # a list of amounts: their sum is one
                 "        player.payoff = round(random.choice([player.session.config['bonus'], "
                 "0]) * 100)",
                 "        player.payoff = round(getattr(player, f\"choice_{player.round_number}"
                 "_payoff\") * 100)",
                 "        player.payoff = player.session.config['note']"):
        assert line in lines, line
    note = lines.index("        player.payoff = player.session.config['note']") + 1
    assert f"game/__init__.py:{note}: an amount set to a value the import cannot tell" in output
    assert output.count("an amount set to a value the import cannot tell") == 1, output


@pytest.mark.parametrize(("written", "code"), [("Rp", "IDR"), ("eur", "EUR"), ("€", "EUR")])
def test_a_currency_oTree_took_by_another_name_is_its_iso_code(tmp_path, written, code):
    # RaffySonata/otreefeb: REAL_WORLD_CURRENCY_CODE = 'Rp'
    settings = SETTINGS.replace("'USD'", repr(written))
    dest, output = imported(tmp_path, otree_project(tmp_path, {"settings.py": settings}))
    project = load_project(dest)
    try:
        assert project.session_types[0].currency == code
    finally:
        project.unload()
    assert f"REAL_WORLD_CURRENCY_CODE {written!r} is {code!r}, its ISO 4217 code" in output


def test_a_currency_that_is_no_iso_code_is_left_for_the_researcher(tmp_path):
    settings = SETTINGS.replace("'USD'", "'ECU'")
    _, output = imported(tmp_path, otree_project(tmp_path, {"settings.py": settings}),
                         expect_exit=1)
    assert "currency 'ECU' of 'game' is not a known ISO 4217 code" in output
