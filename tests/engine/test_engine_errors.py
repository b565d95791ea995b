"""Errors: a researcher's hook that raises, and links that belong to nobody.

A hook that raises becomes ``ResearcherCodeError`` at the app's file and line, and the whole
submit is rolled back: nothing is written and the participant is still on their page.
"""

from __future__ import annotations

import pytest

from labctl.engine import UnknownParticipant
from labctl.errors import LabctlError, ResearcherCodeError

pytestmark = pytest.mark.both_stores

BROKEN_APP = """\
import labctl
from labctl import fields

app = labctl.App(players_per_group=2)


class Group(labctl.Group):
    total = fields.Integer(required=False)


class Player(labctl.Player):
    answer = fields.Integer(min=0, max=100)


class Ask(labctl.Page):
    form_fields = ["answer"]

    @staticmethod
    def before_next_page(player, timed_out):
        player.payoff = player.answer
        player.participant.vars["answered"] = player.answer
        player.session.vars["last"] = player.answer
        if player.answer == 13:
            print(1 / 0)  # BEFORE_NEXT_PAGE


class Gather(labctl.WaitPage):
    @staticmethod
    def after_all_players_arrive(group):
        group.total = sum(p.answer for p in group.get_players())
        if group.total == 99:
            raise ValueError("unlucky total")  # AFTER_ALL_PLAYERS_ARRIVE
        if group.total == 77:
            group.total = 10 ** 20  # TOO_LARGE_TO_STORE


class Done(labctl.Page):
    @staticmethod
    def vars_for_template(player):
        return {"share": 100 // (player.group.total - 50)}  # VARS_FOR_TEMPLATE


page_sequence = [Ask, Gather, Done]
"""


@pytest.fixture
def broken(make_project, open_engine, driver_of):
    """(driver, codes, app file) of a session of two in the app whose hooks can raise."""
    project = make_project({"broken": BROKEN_APP},
                           'name="demo", app_sequence=["broken"], num_participants=2')
    driver = driver_of(open_engine(project))
    codes = driver.codes(driver.engine.create_session("demo", seed=1))
    for code in codes:
        driver.look(code)
    return driver, codes, project.apps["broken"].init_file


def line_of(path, marker):
    lines = path.read_text().splitlines()
    return next(n for n, line in enumerate(lines, start=1) if marker in line)


def assert_points_at(error, path, marker, message):
    assert error.location.file.resolve() == path.resolve()
    assert error.location.line == line_of(path, marker)
    assert str(error).startswith(f"{error.location.file}:{error.location.line}: {message}")
    assert isinstance(error.__cause__, Exception)


def test_before_next_page_raising_is_located_and_rolled_back(broken, dbfile):
    driver, codes, app_file = broken
    seen = driver.look(codes[0])
    before = dbfile.snapshot()

    with pytest.raises(ResearcherCodeError) as raised:
        driver.engine.submit(codes[0], seen.index, {"answer": "13"})

    assert_points_at(raised.value, app_file, "BEFORE_NEXT_PAGE",
                     "before_next_page of broken, page Ask raised ZeroDivisionError: "
                     "division by zero")
    assert "nothing of this step was saved" in raised.value.hint
    assert dbfile.snapshot() == before
    assert driver.look(codes[0]) == seen
    row = dbfile.participant(codes[0])
    assert (row["step"], row["vars"], row["bonus"]) == (0, "{}", 0)
    assert dbfile.value("SELECT answer FROM broken_player WHERE participant_code = ?",
                        codes[0]) is None


def test_the_participant_can_submit_again_after_a_hook_failed(broken, dbfile):
    driver, codes, _ = broken
    with pytest.raises(ResearcherCodeError):
        driver.submit(codes[0], {"answer": "13"})

    assert driver.advance(codes[0], {"answer": "12"}).page == "Gather"
    assert dbfile.one("SELECT answer, payoff FROM broken_player WHERE participant_code = ?",
                      codes[0]) == {"answer": 12, "payoff": 12}
    assert dbfile.participant(codes[0])["vars"] == '{"answered": 12}'
    assert dbfile.value("SELECT vars FROM sessions") == '{"last": 12}'


def test_after_all_players_arrive_raising_rolls_back_the_last_arrival(broken, dbfile):
    driver, codes, app_file = broken
    driver.advance(codes[0], {"answer": "50"})
    before = dbfile.snapshot()

    with pytest.raises(ResearcherCodeError) as raised:
        driver.submit(codes[1], {"answer": "49"})

    assert_points_at(raised.value, app_file, "AFTER_ALL_PLAYERS_ARRIVE",
                     "after_all_players_arrive of broken, page Gather raised ValueError: "
                     "unlucky total")
    assert dbfile.snapshot() == before
    assert [driver.look(code).page for code in codes] == ["Gather", "Ask"]
    assert dbfile.rows("SELECT * FROM wait_releases") == []
    assert driver.advance(codes[1], {"answer": "48"}).page == "Done"
    assert dbfile.value("SELECT total FROM broken_group") == 98


def test_a_hook_setting_a_number_too_large_to_store_is_located_at_its_line(broken, dbfile):
    """SQLite's INTEGER ends near 9.2 x 10**18: the assignment is refused where it is made,
    not when the step is saved (which showed only a generic error)."""
    driver, codes, app_file = broken
    driver.advance(codes[0], {"answer": "40"})
    before = dbfile.snapshot()

    with pytest.raises(ResearcherCodeError) as raised:
        driver.submit(codes[1], {"answer": "37"})

    assert_points_at(raised.value, app_file, "TOO_LARGE_TO_STORE",
                     "after_all_players_arrive of broken, page Gather raised FieldValueError: "
                     "total: Please enter a number of at most 18 digits.")
    assert dbfile.snapshot() == before


def test_vars_for_template_raising_is_located(broken, dbfile):
    driver, codes, app_file = broken
    driver.advance(codes[0], {"answer": "25"})
    assert driver.submit(codes[1], {"answer": "25"}).status == "advanced"
    before = dbfile.snapshot()

    with pytest.raises(ResearcherCodeError) as raised, driver.engine.view(codes[0]):
        pass

    assert_points_at(raised.value, app_file, "VARS_FOR_TEMPLATE",
                     "vars_for_template of broken, page Done raised ZeroDivisionError")
    assert dbfile.snapshot() == before


def test_a_failing_creating_session_creates_nothing(make_project, open_engine, dbfile):
    source = BROKEN_APP + '\n\ndef creating_session(subsession):\n    raise KeyError("treatment")\n'
    project = make_project({"broken": source},
                           'name="demo", app_sequence=["broken"], num_participants=2')
    engine = open_engine(project)

    with pytest.raises(ResearcherCodeError) as raised:
        engine.create_session("demo")

    assert raised.value.location.line == line_of(project.apps["broken"].init_file,
                                                 'raise KeyError("treatment")')
    assert "creating_session of app 'broken' raised KeyError" in str(raised.value)
    assert dbfile.value("SELECT COUNT(*) FROM sessions") == 0
    assert dbfile.value("SELECT COUNT(*) FROM participants") == 0


# -- unknown participants ------------------------------------------------------------------------

UNKNOWN_CODES = [pytest.param("nope", id="made-up"), pytest.param("", id="empty"),
                 pytest.param("x" * 16, id="right-length"), pytest.param(None, id="none"),
                 pytest.param(7, id="number")]


def _view(engine, code):
    with engine.view(code):
        pass


@pytest.mark.parametrize("call", [
    pytest.param(_view, id="view"),
    pytest.param(lambda engine, code: engine.submit(code, 0, {}), id="submit"),
    pytest.param(lambda engine, code: engine.position(code), id="position"),
])
@pytest.mark.parametrize("code", UNKNOWN_CODES)
def test_an_unknown_participant_code_is_refused(engine, dbfile, call, code):
    engine.create_session("my_session", 4, seed=1)
    before = dbfile.snapshot()

    with pytest.raises(UnknownParticipant, match="does not belong to any participant") as raised:
        call(engine, code)

    assert isinstance(raised.value, LabctlError) and raised.value.hint
    assert dbfile.snapshot() == before


def test_a_code_of_another_database_is_unknown(engine, open_engine, sample, tmp_path):
    other = open_engine(sample, tmp_path / "other.db")
    code = other.participant_rows(other.create_session("my_session", 4))[0]["code"]

    with pytest.raises(UnknownParticipant):
        engine.position(code)


def test_participant_codes_are_long_random_and_distinct(engine):
    codes = [row["code"] for _ in range(3)
             for row in engine.participant_rows(engine.create_session("my_session", 4))]
    assert len(set(codes)) == 12
    assert all(len(code) == 16 and code.replace("-", "").replace("_", "").isalnum()
               for code in codes)


def test_a_participant_code_never_starts_with_what_a_spreadsheet_reads_as_a_formula(
        monkeypatch):
    from labctl.engine import creation

    drawn = iter(["-Ab3dEf6hIj9kLm0", "_Ab3dEf6hIj9kLm0", "xAb3dEf6hIj9kLm0"])
    monkeypatch.setattr(creation.secrets, "token_urlsafe", lambda nbytes: next(drawn))
    assert creation.participant_code() == "xAb3dEf6hIj9kLm0"


LABCTL_ERROR_APP = """\
import labctl
from labctl import fields

app = labctl.App(players_per_group=2, roles=["proposer", "responder"])


class Player(labctl.Player):
    answer = fields.Integer(min=0, max=100)


class Ask(labctl.Page):
    form_fields = ["answer"]

    @staticmethod
    def before_next_page(player, timed_out):
        if player.answer == 1:
            player.payoff = player.answer * 1.5  # FLOAT_PAYOFF
        if player.answer == 2:
            player.group.get_player_by_role("dictator")  # NO_SUCH_ROLE


page_sequence = [Ask]
"""


@pytest.mark.parametrize(("answer", "marker"), [("1", "FLOAT_PAYOFF"), ("2", "NO_SUCH_ROLE")],
                         ids=["float-payoff", "unknown-role"])
def test_a_labctl_error_raised_in_a_hook_is_located_too(make_project, open_engine, driver_of,
                                                        dbfile, answer, marker):
    project = make_project({"game": LABCTL_ERROR_APP},
                           'name="demo", app_sequence=["game"], num_participants=2')
    driver = driver_of(open_engine(project))
    code = driver.codes(driver.engine.create_session("demo"))[0]
    driver.look(code)
    before = dbfile.snapshot()

    with pytest.raises(LabctlError) as raised:
        driver.submit(code, {"answer": answer})

    assert dbfile.snapshot() == before
    assert isinstance(raised.value, ResearcherCodeError), repr(raised.value)
    assert raised.value.location.line == line_of(project.apps["game"].init_file, marker)
