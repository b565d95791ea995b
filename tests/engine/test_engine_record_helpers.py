"""The record helpers oTree's documentation lists and apps call: subsession.in_round(s),
player.get_others_in_subsession(), session.num_participants and session.config,
participant.session and participant.payoff_plus_participation_fee()."""

from __future__ import annotations

import pytest

from labctl.engine.recordset import stored_player
from labctl.errors import ResearcherCodeError

pytestmark = pytest.mark.both_stores

APP = """\
import labctl
from labctl import fields

app = labctl.App(players_per_group=None, num_rounds=3)


class Subsession(labctl.Subsession):
    price = fields.Integer(initial=0)


class Player(labctl.Player):
    answer = fields.Integer(min=0, max=100)
    seen = fields.Text(required=False)


def creating_session(subsession):
    subsession.price = 10 * subsession.round_number


class Ask(labctl.Page):
    form_fields = ["answer"]

    @staticmethod
    def before_next_page(player, timed_out):
        subsession, session = player.subsession, player.session
        if player.answer == 99:
            subsession.in_round(4)  # NO_ROUND
        player.payoff = player.answer
        config = session.config
        player.seen = (
            f"{[s.price for s in subsession.in_all_rounds()]}|"
            f"{[s.round_number for s in subsession.in_previous_rounds()]}|"
            f"{subsession.in_round(1).price}|"
            f"{sorted(p.participant.id_in_session for p in player.get_others_in_subsession())}|"
            f"{session.num_participants}|{config['name']}|{config['participation_fee']}|"
            f"{config['real_world_currency_per_point']}|{config['rate']}|"
            f"{player.participant.session.code == session.code}|"
            f"{player.participant.payoff_plus_participation_fee()}")


page_sequence = [Ask]
"""


@pytest.fixture
def played(make_project, open_engine, driver_of):
    project = make_project({"helpers": APP}, 'name="demo", app_sequence=["helpers"], '
                           'num_participants=3, fixed_pay=500, money_per_point="0.5", '
                           'params={"rate": 3}')
    driver = driver_of(open_engine(project))
    session = driver.engine.create_session("demo", seed=1)
    codes = driver.codes(session)
    for code in codes:
        driver.look(code)
    return driver, codes, project.apps["helpers"].init_file


def test_otrees_record_helpers_answer_as_documented(played, dbfile):
    driver, codes, _ = played
    driver.advance(codes[0], {"answer": "10"})
    driver.advance(codes[0], {"answer": "20"})
    driver.advance(codes[0], {"answer": "31"})
    seen = [row["seen"] for row in dbfile.rows(
        "SELECT seen FROM helpers_player WHERE participant_code = ? ORDER BY round_number",
        codes[0])]
    # the payoff set in this same hook counts (as in oTree): round 1 is 10 points at 0.5
    # cents = 5; round 3 is 10 + 20 + 31 = 61 points = 30.5 -> 31 (half up); plus 500 fixed
    assert seen[0] == "[10]|[]|10|[2, 3]|3|demo|500|0.5|3|True|505"
    assert seen[2] == "[10, 20, 30]|[1, 2]|10|[2, 3]|3|demo|500|0.5|3|True|531"


def test_a_round_the_app_does_not_have_is_refused(played):
    driver, codes, app_file = played
    with pytest.raises(ResearcherCodeError) as raised:
        driver.submit(codes[0], {"answer": "99"})
    assert "app 'helpers' has no round 4" in str(raised.value)
    lines = app_file.read_text().splitlines()
    assert raised.value.location.line == next(
        n for n, line in enumerate(lines, start=1) if "NO_ROUND" in line)


def test_a_record_read_twice_is_equal_to_itself_as_otrees_models_are(played):
    # oTree bots write `self.player in group.get_players()`: the same row is the same record
    driver = played[0]
    engine = driver.engine
    spec = engine.project.apps["helpers"]
    session_code = engine.session_rows()[0]["code"]
    rows = engine.participant_rows(session_code)
    first = stored_player(engine.store, engine.project, session_code, spec, rows[0]["id"], 1)
    again = stored_player(engine.store, engine.project, session_code, spec, rows[0]["id"], 1)
    other = stored_player(engine.store, engine.project, session_code, spec, rows[1]["id"], 1)

    assert first is not again and first == again and hash(first) == hash(again)
    assert first in first.group.get_players()  # loaded again through the group
    assert first != other and first != first.in_round(2)
    assert len({first, again, other}) == 2
    assert first.group == again.group and first.subsession == other.subsession
