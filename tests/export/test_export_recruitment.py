"""Payments that leave the lab: cash rounding, who never started, and the ORSEE and SONA files.

Every cell of both recruitment files is checked against amounts worked out by hand.
"""

from __future__ import annotations

import csv
import io
import textwrap

import pytest
from played_session import FakeClock

from labctl.engine import Engine
from labctl.export import write_payments
from labctl.project import load_project
from labctl.storage.sqlite import SqliteStore
from labctl.validation import validate_project

EARN_APP = """\
import labctl
from labctl import fields

app = labctl.App(players_per_group=None, num_rounds=1)


class Player(labctl.Player):
    earned = fields.Money(min=0, max=10000)


class Earn(labctl.Page):
    form_fields = ["earned"]

    @staticmethod
    def before_next_page(player, timed_out):
        player.payoff = player.earned


page_sequence = [Earn]
"""


def make_project(root, rounding: str | None = '"0.50"'):
    (root / "earn").mkdir(parents=True)
    (root / "sessions.py").write_text(textwrap.dedent(f"""\
        from labctl import SessionType

        SESSION_TYPES = [SessionType(name="cash", app_sequence=["earn"], fixed_pay=500,
                                     currency="EUR", payment_rounding={rounding})]
        """), encoding="utf-8")
    (root / "earn" / "__init__.py").write_text(EARN_APP, encoding="utf-8")
    (root / "earn" / "Earn.html").write_text("{{ formfields() }}{{ next_button() }}\n",
                                             encoding="utf-8")
    return load_project(root)


@pytest.fixture
def cash_session(tmp_path):
    """Four labelled participants: three earn 1.23, 2.50 and 0.00; ORSEE-99 never comes."""
    project = make_project(tmp_path / "cash")
    assert validate_project(project) == []
    store = SqliteStore(tmp_path / "cash" / "labctl.db")
    engine = Engine(project, store, clock=FakeClock())
    code = engine.create_session("cash", 4, seed=1,
                                 labels=["ORSEE-11", "ORSEE-12", "ORSEE-13", "ORSEE-99"])
    for row, earned in zip(engine.participant_rows(code), ["1.23", "2.50", "0"], strict=False):
        with engine.view(row["code"]) as view:
            index = view.index
        assert engine.submit(row["code"], index, {"earned": earned}).status == "advanced"
    yield store, project, code
    store.close()
    project.unload()


def read_csv(path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_bytes().decode("utf-8-sig"), newline="")))


def test_each_total_is_rounded_up_and_never_started_is_left_out_of_the_total(cash_session,
                                                                             tmp_path):
    store, project, code = cash_session
    (sheet, *_), _ = write_payments(store, project, tmp_path / "out", [code])
    rows = list(csv.DictReader(io.StringIO(sheet.read_bytes().decode("utf-8-sig"))))
    assert [(r["recruitment_id"], r["started"], r["in_total"], r["total"], r["paid"],
             r["paid_formatted"]) for r in rows] == [
        ("ORSEE-11", "1", "1", "623", "650", "EUR 6.50"),
        ("ORSEE-12", "1", "1", "750", "750", "EUR 7.50"),
        ("ORSEE-13", "1", "1", "500", "500", "EUR 5.00"),
        ("ORSEE-99", "0", "0", "500", "500", "EUR 5.00"),
        ("", "", "", "1873", "1900", "EUR 19.00")]


def test_never_started_can_be_counted_when_asked(cash_session, tmp_path):
    store, project, code = cash_session
    _, table = write_payments(store, project, tmp_path / "out", [code],
                              include_never_started=True)
    assert [row["in_total"] for row in table.rows[:-1]] == [True] * 4
    assert (table.rows[-1]["total"], table.rows[-1]["paid"]) == (2373, 2400)


def test_the_orsee_file_has_every_invited_participant_cell_by_cell(cash_session, tmp_path):
    store, project, code = cash_session
    write_payments(store, project, tmp_path / "out", [code])
    assert read_csv(tmp_path / "out" / "payments_orsee.csv") == [
        ["participant_id", "session_code", "showup", "participated", "payment_amt"],
        ["ORSEE-11", code, "1", "1", "6.50"],
        ["ORSEE-12", code, "1", "1", "7.50"],
        ["ORSEE-13", code, "1", "1", "5.00"],
        ["ORSEE-99", code, "0", "0", "0.00"]]


def test_the_sona_file_has_who_took_part_cell_by_cell(cash_session, tmp_path):
    store, project, code = cash_session
    write_payments(store, project, tmp_path / "out", [code])
    assert read_csv(tmp_path / "out" / "payments_sona.csv") == [
        ["survey_code", "payment"], ["ORSEE-11", "6.50"], ["ORSEE-12", "7.50"],
        ["ORSEE-13", "5.00"]]


@pytest.mark.parametrize(("rounding", "message"), [
    ("0.5", "payment_rounding 0.5 is a float"),
    ('"0.005"', "finer than the smallest unit of EUR"),
    ('"-1"', "greater than zero"),
    ('"half"', "is not an amount"),
])
def test_a_payment_rounding_that_cannot_be_paid_is_refused(tmp_path, rounding, message):
    project = make_project(tmp_path / "bad", rounding)
    try:
        problems = validate_project(project)
    finally:
        project.unload()
    assert [p.code for p in problems] == ["LC240"], problems
    assert message in problems[0].message
    assert problems[0].location.file.name == "sessions.py"
    assert problems[0].location.line == 3
