"""oTree idioms on records: each works as an oTree user expects, or is refused at its line.

An app's hooks use the idioms of oTree's "no self" API; a hook that breaks a rule (a fractional
payoff, setting ``participant.payoff``, an attribute that is not a field) raises
``ResearcherCodeError`` at the app's line with the fix, and nothing of the step is saved.
"""

from __future__ import annotations

import pytest

from labctl.errors import ResearcherCodeError
from labctl.export import write_payments

pytestmark = pytest.mark.both_stores


def line_of(path, marker):
    lines = path.read_text().splitlines()
    return next(n for n, line in enumerate(lines, start=1) if marker in line)

IDIOMS_APP = """\
import random

import labctl
from labctl import fields

app = labctl.App(players_per_group=2, num_rounds=3)


class Group(labctl.Group):
    total = fields.Integer(initial=0)
    history = fields.Text(required=False)


class Player(labctl.Player):
    answer = fields.Integer(min=0, max=100)
    likes = fields.Choice(choices=[(1, "Not at all"), (2, "A lot")], required=False)
    seen = fields.Text(required=False)


class Ask(labctl.Page):
    form_fields = ["answer", "likes"]

    @staticmethod
    def before_next_page(player, timed_out):
        if player.answer == 1:
            player.payoff = 100 / 3  # FLOAT_PAYOFF
        elif player.answer == 2:
            player.payoff = 50.0
        elif player.answer == 3:
            player.participant.payoff = 500  # PARTICIPANT_PAYOFF
        elif player.answer == 4:
            player.some_var = 3  # UNDECLARED_ATTRIBUTE
        elif player.answer == 6:
            player.participant.is_dropout = True  # PARTICIPANT_ATTRIBUTE
        elif player.answer == 7:
            player.session.treatment = "high"  # SESSION_ATTRIBUTE
        elif player.answer == 5:
            player.group.history = "x"
            player.group.note = "kept?"  # UNDECLARED_GROUP_ATTRIBUTE
        elif player.round_number == player.participant.vars.setdefault("paid_round", 2):
            player.payoff = player.answer  # pay one chosen round only


class Gather(labctl.WaitPage):
    @staticmethod
    def after_all_players_arrive(group):
        group.total = sum(p.answer for p in group.get_players())
        group.history = ",".join(str(g.total) for g in group.in_all_rounds())
        if group.round_number > 1:
            group.history += ";" + str(group.in_round(1).total) + ";" + ",".join(
                str(g.round_number) for g in group.in_previous_rounds())
        for p in group.get_players():
            p.seen = (f"{p.id_in_subsession}:{p.field_display('likes')}:"
                      f"{p.field_maybe_none('likes')}")


page_sequence = [Ask, Gather]
"""


@pytest.fixture
def idioms(make_project, open_engine, driver_of):
    """(driver, session, codes, app file) of a session of two in the idioms app."""
    project = make_project({"idioms": IDIOMS_APP},
                           'name="demo", app_sequence=["idioms"], num_participants=2, '
                           'fixed_pay=1000')
    driver = driver_of(open_engine(project))
    session = driver.engine.create_session("demo", seed=1)
    codes = driver.codes(session)
    for code in codes:
        driver.look(code)
    return driver, session, codes, project.apps["idioms"].init_file


def assert_refused_at(raised, app_file, marker, *fragments):
    error = raised.value
    assert error.location.file.resolve() == app_file.resolve()
    assert error.location.line == line_of(app_file, marker)
    for fragment in fragments:
        assert fragment in str(error), str(error)


def test_a_fractional_payoff_is_refused_for_the_researcher_with_how_to_round(idioms, dbfile):
    driver, _, codes, app_file = idioms
    before = dbfile.snapshot()

    with pytest.raises(ResearcherCodeError) as raised:
        driver.submit(codes[0], {"answer": "1"})

    assert_refused_at(raised, app_file, "FLOAT_PAYOFF",
                      "Player.payoff = 33.333333333333336 is not a whole amount",
                      "minor units", "round(value)")
    assert "Please enter" not in str(raised.value)
    assert dbfile.snapshot() == before


def test_an_integral_float_payoff_is_the_amount_it_names(idioms, dbfile):
    driver, _, codes, _ = idioms
    driver.advance(codes[0], {"answer": "2"})

    assert dbfile.value("SELECT payoff FROM idioms_player WHERE participant_code = ? AND "
                        "round_number = 1", codes[0]) == 50
    assert dbfile.participant(codes[0])["bonus"] == 50


def test_setting_participant_payoff_is_refused_with_how_to_pay_a_chosen_round(idioms, dbfile):
    driver, _, codes, app_file = idioms
    before = dbfile.snapshot()

    with pytest.raises(ResearcherCodeError) as raised:
        driver.submit(codes[0], {"answer": "3"})

    assert_refused_at(raised, app_file, "PARTICIPANT_PAYOFF", "participant.payoff = 500",
                      "setting player.payoff in that round only",
                      "the sum of the player payoffs")
    assert dbfile.snapshot() == before


@pytest.mark.parametrize(("answer", "marker", "fragments"), [
    ("4", "UNDECLARED_ATTRIBUTE", ("Player.some_var = 3", "not a field of Player",
                                   "participant.vars['some_var']")),
    ("5", "UNDECLARED_GROUP_ATTRIBUTE", ("Group.note = 'kept?'", "not a field of Group",
                                         "declare it on Group")),
    ("6", "PARTICIPANT_ATTRIBUTE", ("participant.is_dropout = True", "not stored",
                                    "participant.vars['is_dropout']")),
    ("7", "SESSION_ATTRIBUTE", ("session.treatment = 'high'", "session.vars['treatment']")),
])
def test_an_attribute_that_is_not_a_field_is_refused_not_kept_in_memory(
        idioms, dbfile, answer, marker, fragments):
    driver, _, codes, app_file = idioms
    before = dbfile.snapshot()

    with pytest.raises(ResearcherCodeError) as raised:
        driver.submit(codes[0], {"answer": answer})

    assert_refused_at(raised, app_file, marker, *fragments)
    assert dbfile.snapshot() == before


def play_three_rounds(driver, codes):
    for round_number in (1, 2, 3):
        for number, code in enumerate(codes, start=1):
            driver.advance(code, {"answer": str(10 * round_number + number), "likes": "2"})


def test_group_rounds_id_in_subsession_and_field_helpers_work_as_in_otree(idioms, dbfile):
    driver, _, codes, _ = idioms
    play_three_rounds(driver, codes)

    groups = dbfile.rows("SELECT round_number, total, history FROM idioms_group "
                         "ORDER BY round_number")
    assert [(g["round_number"], g["total"]) for g in groups] == [(1, 23), (2, 43), (3, 63)]
    assert [g["history"] for g in groups] == ["23", "23,43;23;1", "23,43,63;23;1,2"]
    seen = dbfile.rows("SELECT participant_code, seen FROM idioms_player WHERE round_number = 3 "
                       "ORDER BY participant_code")
    assert sorted(row["seen"] for row in seen) == ["1:A lot:2", "2:A lot:2"]


def test_paying_one_chosen_round_shows_in_the_payments_sheet(idioms, dbfile, tmp_path):
    """The oTree pattern of paying one chosen round, written with player.payoff."""
    driver, session, codes, _ = idioms
    play_three_rounds(driver, codes)

    assert [driver.look(code).bonus for code in codes] == [21, 22]
    project, store = driver.engine.project, driver.engine.store
    (path, *_), _ = write_payments(store, project, tmp_path / "out", [session])
    rows = path.read_text().splitlines()
    assert ",21," in rows[1] and ",1021," in rows[1], rows
    assert ",22," in rows[2] and ",1022," in rows[2], rows


MEASURES_APP = """\
import labctl
from labctl import fields

app = labctl.App(players_per_group=None)


class Player(labctl.Player):
    belief = fields.Float(min=0, max=1, doc="probability the other trusts")
    seconds = fields.Float(required=False, doc="reaction time in seconds")


class Guess(labctl.Page):
    form_fields = ["belief"]

    @staticmethod
    def before_next_page(player, timed_out):
        player.seconds = 1 / 3


page_sequence = [Guess]
"""


def test_a_float_field_keeps_measures_that_are_not_money(make_project, open_engine, driver_of,
                                                         dbfile):
    project = make_project({"measures": MEASURES_APP},
                           'name="demo", app_sequence=["measures"], num_participants=2, '
                           'locale="de"')
    driver = driver_of(open_engine(project))
    first, second = driver.codes(driver.engine.create_session("demo", seed=1))

    refused = driver.submit(first, {"belief": "1,5"})
    assert refused.status == "invalid"
    assert refused.errors == {"belief": "Please enter a value of at most 1."}
    assert driver.advance(first, {"belief": "0,25"}).kind == "finished"
    assert driver.advance(second, {"belief": ".7"}).kind == "finished"

    kind, real = (("pg_typeof(belief)::text", "double precision") if dbfile.postgres
                  else ("typeof(belief)", "real"))
    rows = dbfile.rows(f"SELECT belief, seconds, {kind} AS kind FROM measures_player "
                       "ORDER BY participant_id")
    assert rows == [{"belief": 0.25, "seconds": 1 / 3, "kind": real},
                    {"belief": 0.7, "seconds": 1 / 3, "kind": real}]
    player_class = project.apps["measures"].player_class
    assert player_class.declared_fields()["seconds"].doc == "reaction time in seconds"


LATER_ROUNDS_APP = """\
import labctl
from labctl import fields

app = labctl.App(players_per_group=2, num_rounds=3, matching="random")


class Subsession(labctl.Subsession):
    seen_rounds = fields.Integer(initial=0)


class Player(labctl.Player):
    treatment = fields.Text(required=False)
    partner_then = fields.Integer(required=False)


def creating_session(subsession):
    if subsession.round_number == 1:  # oTree: every round exists before round 1's hook runs
        subsession.seen_rounds = len(subsession.in_rounds(1, 3))
        for later in subsession.in_rounds(2, 3):
            later.seen_rounds = later.round_number * 10
        for player in subsession.get_players():
            drawn = "high" if player.participant.id_in_session % 2 else "low"
            for each in player.in_rounds(1, 3):
                each.treatment = drawn
            last = player.in_round(3)
            player.partner_then = last.get_others_in_group()[0].participant.id_in_session


class Play(labctl.Page):
    pass


page_sequence = [Play]
"""


def test_creating_session_of_round_1_reads_and_sets_the_later_rounds(
        make_project, open_engine, dbfile):
    project = make_project({"later": LATER_ROUNDS_APP},
                           'name="demo", app_sequence=["later"], num_participants=4')
    engine = open_engine(project)
    engine.create_session("demo", seed=3)

    subsessions = dbfile.rows("SELECT round_number, seen_rounds FROM later_subsession "
                              "ORDER BY round_number")
    assert [row["seen_rounds"] for row in subsessions] == [3, 20, 30]
    players = dbfile.rows("SELECT p.round_number, p.treatment, p.partner_then, p.group_id, "
                          "p.participant_id FROM later_player p ORDER BY p.round_number, "
                          "p.participant_id")
    assert len(players) == 12
    treatments = {(row["participant_id"], row["round_number"]): row["treatment"]
                  for row in players}
    for (participant, _round), treatment in treatments.items():
        assert treatment == treatments[(participant, 1)] in ("high", "low")
    # round 1's hook saw round 3's random groups as they are played
    third = [row for row in players if row["round_number"] == 3]
    numbers = {row["participant_id"]: n for n, row in enumerate(sorted(
        third, key=lambda r: r["participant_id"]), start=1)}
    for row in (row for row in players if row["round_number"] == 1):
        partner = next(other for other in third if other["group_id"] == next(
            mine["group_id"] for mine in third if mine["participant_id"] == row["participant_id"])
            and other["participant_id"] != row["participant_id"])
        assert row["partner_then"] == numbers[partner["participant_id"]]


ROLES_WITHOUT_GROUP_SIZE_APP = """\
import labctl


class C:
    PLAYERS_PER_GROUP = None
    NUM_ROUNDS = 1
    A_ROLE = "the Red Player"
    B_ROLE = "a Blue Trader"
    C_ROLE = "a Blue Trader"


class Play(labctl.Page):
    pass


page_sequence = [Play]
"""


def test_roles_without_a_group_size_and_shared_role_names_work_as_in_otree(
        make_project, open_engine, dbfile):
    # oTree names the first positions of the round's one group; two may share a role name
    project = make_project({"market": ROLES_WITHOUT_GROUP_SIZE_APP},
                           'name="demo", app_sequence=["market"], num_participants=4')
    engine = open_engine(project)
    engine.create_session("demo", seed=1)
    rows = dbfile.rows("SELECT id_in_group, role FROM market_player ORDER BY id_in_group")
    assert [(row["id_in_group"], row["role"]) for row in rows] == [
        (1, "the Red Player"), (2, "a Blue Trader"), (3, "a Blue Trader"), (4, None)]


OWN_ROLE_METHOD_APP = """\
import labctl
from labctl import fields


class C:
    PLAYERS_PER_GROUP = 2
    NUM_ROUNDS = 1
    EMPLOYER_ROLE = "employer"
    EMPLOYEE_ROLE = "employee"


class Player(labctl.Player):
    def role(self):  # an old oTree app's own method, called as player.role()
        return "employer" if self.id_in_group == 1 else "employee"


def creating_session(subsession):
    subsession.group_randomly()


class Offer(labctl.Page):
    @staticmethod
    def is_displayed(player):
        employer = player.group.get_player_by_role(C.EMPLOYER_ROLE)
        return player.role() == C.EMPLOYER_ROLE and employer.id == player.id


page_sequence = [Offer]
"""


def test_an_apps_own_role_method_on_player_works_as_in_otree(
        make_project, open_engine, driver_of, dbfile):
    project = make_project({"work": OWN_ROLE_METHOD_APP},
                           'name="demo", app_sequence=["work"], num_participants=4')
    engine = open_engine(project)
    driver = driver_of(engine)
    codes = driver.codes(engine.create_session("demo", seed=1))
    rows = dbfile.rows("SELECT role, participant_code FROM work_player ORDER BY id")
    assert sorted(row["role"] for row in rows) == ["employee"] * 2 + ["employer"] * 2
    employers = {row["participant_code"] for row in rows if row["role"] == "employer"}
    shown = {code: driver.look(code).kind for code in codes}  # the Offer page: employers only
    assert sorted(shown[code] for code in employers) == ["page", "page"]
    assert {shown[code] for code in set(codes) - employers} == {"finished"}
