"""Values in participant.vars and session.vars come back on later pages as they were set: the
"new partner each round" recipe keeps a set of partners met, which plain JSON had turned into the
text "{2}" (so `partner in met` was silently False and partners repeated)."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from labctl.errors import ResearcherCodeError
from labctl.export import load_results

pytestmark = pytest.mark.both_stores

APP = """\
import datetime
from decimal import Decimal

import labctl
from labctl import fields

app = labctl.App(players_per_group=None, num_rounds=3)


class Player(labctl.Player):
    answer = fields.Integer(min=0, max=100)
    seen = fields.Text(required=False)


def creating_session(subsession):
    if subsession.round_number == 1:
        subsession.session.vars["order"] = ("a", "b")
        for player in subsession.get_players():
            player.participant.vars["met"] = set()
            player.participant.vars["by_round"] = {}


class Ask(labctl.Page):
    form_fields = ["answer"]

    @staticmethod
    def before_next_page(player, timed_out):
        kept = player.participant.vars
        if player.answer == 99:
            kept["recorder"] = player  # A_RECORD
        elif player.answer == 98:
            kept["by_round"][0] = player  # NESTED_RECORD
        kept["met"].add(player.answer)
        kept["by_round"][player.round_number] = Decimal(player.answer) / 4
        kept.setdefault("first_day", datetime.date(2026, 11, 30))
        player.seen = (f"{type(kept['met']).__name__}:{sorted(kept['met'])}:"
                       f"{player.answer in kept['met']}:{kept['by_round']}:"
                       f"{player.session.vars['order']}:{kept['first_day']}")


page_sequence = [Ask]
"""


@pytest.fixture
def played(make_project, open_engine, driver_of):
    project = make_project({"recipe": APP}, 'name="demo", app_sequence=["recipe"], '
                           "num_participants=1")
    driver = driver_of(open_engine(project))
    session = driver.engine.create_session("demo", seed=1)
    (code,) = driver.codes(session)
    driver.look(code)
    return driver, session, code, project.apps["recipe"].init_file


def test_sets_tuples_number_keys_decimals_and_dates_come_back_as_they_were(played, dbfile):
    driver, _, code, _ = played
    for answer in ("2", "3", "5"):
        driver.advance(code, {"answer": answer})

    seen = [row["seen"] for row in dbfile.rows(
        "SELECT seen FROM recipe_player ORDER BY round_number")]
    assert seen[2] == ("set:[2, 3, 5]:True:{1: Decimal('0.5'), 2: Decimal('0.75'), "
                       "3: Decimal('1.25')}:('a', 'b'):2026-11-30")


def test_the_export_shows_vars_as_plain_json(played):
    driver, session, code, _ = played
    driver.advance(code, {"answer": "2"})
    results = load_results(driver.engine.store, driver.engine.project, [session])
    (row,) = results.wide().rows
    assert json.loads(row["participant.vars"]) == {
        "met": [2], "by_round": {"1": "0.5"}, "first_day": "2026-11-30"}
    assert json.loads(row["session.vars"]) == {"order": ["a", "b"]}


@pytest.mark.parametrize(("answer", "marker", "fragment"), [
    ("99", "A_RECORD", "participant.vars['recorder'] = <Player"),
    ("98", None, "participant.vars['by_round'][0] = <Player"),
])
def test_a_value_vars_cannot_keep_is_refused_and_nothing_is_saved(
        played, dbfile, answer, marker, fragment):
    driver, _, code, app_file = played
    before = dbfile.snapshot()
    with pytest.raises(ResearcherCodeError) as raised:
        driver.submit(code, {"answer": answer})
    assert fragment in str(raised.value)
    assert raised.value.location.file.resolve() == app_file.resolve()
    if marker:
        lines = app_file.read_text().splitlines()
        assert raised.value.location.line == next(
            n for n, line in enumerate(lines, start=1) if marker in line)
    assert "cannot be stored in vars" in str(raised.value)
    assert dbfile.snapshot() == before


def test_decimal_is_kept_not_turned_into_text(played, dbfile):
    driver, _, code, _ = played
    driver.advance(code, {"answer": "2"})
    stored = json.loads(dbfile.participant(code)["vars"])
    assert stored["by_round"]["value"] == [[1, {"__labctl_type__": "decimal", "value": "0.5"}]]
    assert Decimal(stored["by_round"]["value"][0][1]["value"]) == Decimal("0.5")


PARAMS_APP = """\
import labctl
from labctl import fields

app = labctl.App(players_per_group=None, num_rounds=1)


class Player(labctl.Player):
    seen = fields.Text(required=False)


def creating_session(subsession):
    for player in subsession.get_players():
        iterations = subsession.session.config["iterations"]
        player.seen = f"{iterations[1]}:{iterations[2]}:{subsession.session.params['pair']}"


class Ask(labctl.Page):
    pass


page_sequence = [Ask]
"""


def test_a_session_types_params_keep_their_types_as_in_otree(make_project, open_engine,
                                                              dbfile):
    # qwiglydee's IAT reads session.config['num_iterations'][1]: plain JSON made the key "1"
    project = make_project({"params": PARAMS_APP},
                           'name="demo", app_sequence=["params"], num_participants=1, '
                           'params={"iterations": {1: 20, 2: 40}, "pair": ("a", "b")}')
    engine = open_engine(project)
    engine.create_session("demo", seed=1)

    assert dbfile.value("SELECT seen FROM params_player") == "20:40:('a', 'b')"
