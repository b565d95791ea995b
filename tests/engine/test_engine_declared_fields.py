"""Participant and session fields declared once in sessions.py (oTree's PARTICIPANT_FIELDS and
SESSION_FIELDS): set and read as attributes on later pages, typed where declared with a field,
refused by name where a value would not come back as it was, and exported as their own columns.
"""

from __future__ import annotations

import csv
import json
import textwrap
from decimal import Decimal

import pytest

from labctl.errors import ResearcherCodeError
from labctl.export import load_results, write_results
from labctl.project import load_project
from labctl.validation import validate_project

pytestmark = pytest.mark.both_stores


def write_project(root, files):
    for relative, content in files.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(content, encoding="utf-8")
    return root

SESSIONS = """\
from labctl import SessionType, fields

PARTICIPANT_FIELDS = {
    "expiry": fields.Float(doc="end of the time budget"),
    "paid_round": fields.Integer(initial=0),
    "share": fields.Decimal(places=2, required=False),
    "bonus_cap": fields.Money(required=False),
}
SESSION_FIELDS = ["order"]

SESSION_TYPES = [SessionType(name="demo", app_sequence=["budget"], num_participants=2)]
"""

APP = """\
import labctl
from decimal import Decimal
from labctl import fields

app = labctl.App(players_per_group=None, num_rounds=2)


class Player(labctl.Player):
    answer = fields.Integer(min=0, max=100)
    seen = fields.Text(required=False)


def creating_session(subsession):
    if subsession.round_number == 1:
        subsession.session.order = ["a", "b"]
        for player in subsession.get_players():
            player.participant.expiry = 1000.5
            player.participant.paid_round = 2


class Ask(labctl.Page):
    form_fields = ["answer"]

    @staticmethod
    def before_next_page(player, timed_out):
        person = player.participant
        if player.answer == 1:
            person.paid_round = "two"  # WRONG_TYPE
        elif player.answer == 2:
            person.expiry = {1, 2}  # WRONG_TYPE_SET
        elif player.answer == 3:
            player.session.order = Player  # UNSTORABLE
        elif player.answer == 4:
            person.bonus_cap = 12.5  # FRACTIONAL_MONEY
        elif player.answer == 5:
            person.undeclared = 1  # UNDECLARED
        else:
            person.share = Decimal("0.25")
            person.bonus_cap = 150.0
        player.seen = (f"{person.expiry}|{person.paid_round}|{person.share}|"
                       f"{person.bonus_cap}|{player.session.order}")


page_sequence = [Ask]
"""


@pytest.fixture
def budget(tmp_path, open_engine, driver_of):
    root = write_project(tmp_path / "project", {
        "sessions.py": SESSIONS, "budget/__init__.py": APP,
        "budget/Ask.html": "{{ formfields() }}{{ next_button() }}"})
    project = load_project(root)
    assert project.load_problems == [] and validate_project(project) == []
    driver = driver_of(open_engine(project))
    session = driver.engine.create_session("demo", seed=1)
    codes = driver.codes(session)
    for code in codes:
        driver.look(code)
    yield driver, session, codes, root / "budget" / "__init__.py"
    project.unload()


def line_of(path, marker):
    return next(n for n, line in enumerate(path.read_text().splitlines(), start=1)
                if marker in line)


def test_declared_fields_are_kept_typed_across_pages(budget, dbfile):
    driver, _, codes, _ = budget
    driver.advance(codes[0], {"answer": "10"})
    driver.advance(codes[0], {"answer": "11"})

    seen = [row["seen"] for row in dbfile.rows(
        "SELECT seen FROM budget_player WHERE participant_code = ? ORDER BY round_number",
        codes[0])]
    # round 2 reads what round 1 stored: a float, an int, a Decimal, an amount and a list
    assert seen == ["1000.5|2|0.25|150|['a', 'b']"] * 2


def test_declared_fields_are_exported_as_their_own_columns(budget, tmp_path):
    driver, session, codes, _ = budget
    driver.advance(codes[0], {"answer": "10"})

    written = write_results(driver.engine.store, driver.engine.project, tmp_path / "out",
                            [session])
    wide = next(path for path in written if path.name == "results_wide.csv")
    rows = list(csv.DictReader(wide.open(encoding="utf-8")))
    first = next(row for row in rows if row["participant.code"] == codes[0])
    assert (first["participant.expiry"], first["participant.paid_round"],
            first["participant.share"], first["participant.bonus_cap"]) == (
        "1000.5", "2", "0.25", "150")
    assert json.loads(first["session.order"]) == ["a", "b"]
    # each value is in one column: vars no longer repeat them
    assert json.loads(first["participant.vars"]) == {}
    assert json.loads(first["session.vars"]) == {}

    results = load_results(driver.engine.store, driver.engine.project, [session])
    cells = next(row for row in results.wide().rows if row["participant.code"] == codes[0])
    assert cells["participant.share"] == Decimal("0.25")
    assert cells["participant.paid_round"] == 2


@pytest.mark.parametrize(("answer", "marker", "fragments"), [
    ("1", "WRONG_TYPE", ("participant.paid_round = 'two'", "integer field")),
    ("2", "WRONG_TYPE_SET", ("participant.expiry = {1, 2}", "float field")),
    ("3", "UNSTORABLE", ("session.order = <class", "cannot be stored in vars",
                         "store its data instead")),
    ("4", "FRACTIONAL_MONEY", ("participant.bonus_cap = 12.5", "not a whole amount",
                               "round(")),
    ("5", "UNDECLARED", ("participant.undeclared = 1", "PARTICIPANT_FIELDS",
                         "participant.vars['undeclared']")),
])
def test_a_value_a_declared_field_cannot_hold_is_refused_at_its_line(
        budget, dbfile, answer, marker, fragments):
    driver, _, codes, app_file = budget
    before = dbfile.snapshot()

    with pytest.raises(ResearcherCodeError) as raised:
        driver.submit(codes[0], {"answer": answer})

    error = raised.value
    assert error.location.file.resolve() == app_file.resolve()
    assert error.location.line == line_of(app_file, marker)
    for fragment in fragments:
        assert fragment in str(error), str(error)
    assert dbfile.snapshot() == before


@pytest.mark.parametrize(("declaration", "fragment"), [
    ("PARTICIPANT_FIELDS = 'expiry'", "PARTICIPANT_FIELDS is str, not a list or a dict"),
    ("PARTICIPANT_FIELDS = ['is dropout']", "'is dropout', which is not a Python name"),
    ("SESSION_FIELDS = ['vars']", "SESSION_FIELDS declares 'vars', which session already has"),
    ("PARTICIPANT_FIELDS = {'payoff': fields.Integer()}", "which participant already has"),
    ("PARTICIPANT_FIELDS = {'expiry': 3}", "PARTICIPANT_FIELDS['expiry'] is 3, not a field"),
])
def test_a_malformed_declaration_is_refused_by_validate(tmp_path, declaration, fragment):
    root = write_project(tmp_path / "bad", {
        "sessions.py": textwrap.dedent(f"""\
            from labctl import SessionType, fields

            {declaration}
            SESSION_TYPES = [SessionType(name="demo", app_sequence=["budget"])]
            """),
        "budget/__init__.py": APP, "budget/Ask.html": "{{ formfields() }}{{ next_button() }}"})
    project = load_project(root)
    try:
        problems = validate_project(project)
    finally:
        project.unload()
    assert [p.code for p in problems] == ["LC205"], problems
    assert fragment in problems[0].message
    assert problems[0].location.file.name == "sessions.py"
    assert problems[0].location.line == 3 or problems[0].location.line is None


def test_templates_may_read_declared_fields_and_money_ones_need_money(tmp_path):
    root = write_project(tmp_path / "shown", {
        "sessions.py": SESSIONS, "budget/__init__.py": APP,
        "budget/Ask.html": "{{ participant.expiry }} {{ session.order }}\n"
                           "{{ money(participant.bonus_cap) }} {{ participant.bonus_cap }}\n"
                           "{{ participant.expiri }}\n{{ formfields() }}{{ next_button() }}"})
    project = load_project(root)
    try:
        problems = validate_project(project)
    finally:
        project.unload()
    assert sorted((p.code, p.location.line) for p in problems) == [("LC172", 3), ("LC173", 2)]
    assert "did you mean participant.expiry?" in next(p.hint for p in problems
                                                      if p.code == "LC172")


def test_the_codebook_describes_declared_fields(budget, tmp_path):
    driver, session, codes, _ = budget
    driver.advance(codes[0], {"answer": "10"})
    written = write_results(driver.engine.store, driver.engine.project, tmp_path / "out",
                            [session])
    book = next(path for path in written if path.name == "codebook.csv")
    rows = {row["column"]: row for row in csv.DictReader(book.open(encoding="utf-8-sig"))
            if row["file"] == "results_wide.csv"}
    assert (rows["participant.expiry"]["field_type"], rows["participant.expiry"]["doc"]) == (
        "float", "end of the time budget")
    assert rows["participant.bonus_cap"]["field_type"] == "money"
    assert rows["participant.bonus_cap"]["unit"] == "minor units"
    assert rows["session.order"]["field_type"] == "any JSON value"
    assert rows["session.order"]["record"] == "session"
