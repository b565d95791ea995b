"""Records as hooks see them in a running session: typed values, earlier rounds, vars.

One app of three rounds with a field of every type; each round's form is submitted, and a later
page reports (through ``vars_for_template``) what the hooks read back from the database.
"""

from __future__ import annotations

import gc
import weakref
from decimal import Decimal

import pytest

pytestmark = pytest.mark.both_stores

TYPES_APP = """\
import labctl
from labctl import fields

app = labctl.App(players_per_group=None, num_rounds=3)


class Player(labctl.Player):
    count = fields.Integer(min=0, max=10)
    share = fields.Decimal(places=2)
    colour = fields.Choice(choices=["red", "green"])
    agree = fields.Boolean(widget="checkbox")
    note = fields.Text(required=False)


class Ask(labctl.Page):
    form_fields = ["count", "share", "colour", "agree", "note"]

    @staticmethod
    def before_next_page(player, timed_out):
        player.participant.vars.setdefault("colours", []).append(player.colour)
        player.session.vars["rounds_done"] = player.session.vars.get("rounds_done", 0) + 1


class Report(labctl.Page):
    @staticmethod
    def vars_for_template(player):
        return {
            "values": [(p.count, p.share, p.colour, p.agree, p.note)
                       for p in player.in_all_rounds()],
            "earlier": [p.round_number for p in player.in_previous_rounds()],
            "colours": list(player.participant.vars.get("colours", [])),
            "rounds_done": player.session.vars.get("rounds_done"),
        }


page_sequence = [Ask, Report]
"""

FORMS = [
    {"count": "3", "share": "0.10", "colour": "red", "agree": "on", "note": "first"},
    {"count": "0", "share": "12,5", "colour": "green", "agree": "on"},
    {"count": "10", "share": "-1", "colour": "red", "agree": "on", "note": "<b>third</b>"},
]


@pytest.fixture
def typed(make_project, open_engine, driver_of):
    project = make_project({"typed": TYPES_APP}, 'name="demo", app_sequence=["typed"]')
    driver = driver_of(open_engine(project))
    code = driver.codes(driver.engine.create_session("demo", 1))[0]
    driver.look(code)
    return driver, code


def test_values_come_back_with_their_types_across_rounds(typed, dbfile):
    driver, code = typed
    reports = []
    for form in FORMS:
        reports.append(driver.advance(code, form).extra)
        driver.advance(code)

    last = reports[-1]
    assert last["values"] == [(3, Decimal("0.10"), "red", True, "first"),
                              (0, Decimal("12.5"), "green", True, None),
                              (10, Decimal("-1"), "red", True, "<b>third</b>")]
    assert [type(v) for v in last["values"][0]] == [int, Decimal, str, bool, str]
    assert [report["earlier"] for report in reports] == [[], [1], [1, 2]]
    assert last["colours"] == ["red", "green", "red"]
    assert last["rounds_done"] == 3
    assert dbfile.rows("SELECT count, share, colour, agree, note FROM typed_player "
                       "ORDER BY round_number") == [
        {"count": 3, "share": "0.10", "colour": "red", "agree": 1, "note": "first"},
        {"count": 0, "share": "12.5", "colour": "green", "agree": 1, "note": None},
        {"count": 10, "share": "-1", "colour": "red", "agree": 1, "note": "<b>third</b>"}]


@pytest.mark.parametrize(("changes", "errors"), [
    ({"share": "0.125"}, {"share": "Please use at most 2 decimal places."}),
    ({"share": "a lot"}, {"share": "Please enter a number, like 4.5."}),
    ({"agree": ""}, {"agree": "Please tick this box to continue."}),
    ({"colour": "blue"}, {"colour": "Please choose one of the options."}),
])
def test_field_types_refuse_what_does_not_fit(typed, dbfile, changes, errors):
    driver, code = typed
    before = dbfile.snapshot()

    result = driver.submit(code, {**FORMS[0], **changes})

    assert (result.status, result.errors) == ("invalid", errors)
    assert dbfile.snapshot() == before


@pytest.fixture
def no_cycle_collector():
    """Only reference counting frees objects while the test runs."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def test_a_steps_records_are_freed_without_the_cycle_collector(engine, driver,
                                                               no_cycle_collector):
    """A step's records and the set that loaded them must form no reference cycle: left to
    Python's cycle collector, a busy server paused for full collections (see ``serve``).
    Reference counting alone frees them, and the set, once the step is over."""
    session = engine.create_session("my_session", 4, seed=3)
    code = driver.codes(session)[0]
    with engine.view(code) as view:
        player = weakref.ref(view.player)
        group = weakref.ref(view.group)
        records = weakref.ref(view.player._navigator)
        assert view.group.get_players()  # navigating loads (and caches) the other members
    with engine.answer(code, view.index, {"sent_amount": "3"}) as (result, after):
        assert result.advanced
        answered = weakref.ref(after.player)
    del view, after
    assert player() is None
    assert group() is None
    assert records() is None
    assert answered() is None
    assert live_record_sets() == 0


def test_records_still_navigate_after_their_transaction(engine, driver):
    session = engine.create_session("my_session", 4, seed=3)
    code = driver.codes(session)[0]
    with engine.view(code) as view:
        player = view.player
    assert [p.id_in_group for p in player.group.get_players()] == [1, 2]
    assert player.in_round(1).id == player.id


def live_record_sets() -> int:
    from labctl.engine.recordset import RecordSet

    return sum(isinstance(o, RecordSet) for o in gc.get_objects())


def test_reading_the_monitor_or_a_shared_target_leaves_no_records_behind(
        engine, driver, no_cycle_collector):
    session = engine.create_session("my_session", 4, seed=3)
    codes = driver.codes(session)
    for code in codes:
        driver.look(code)
    before = live_record_sets()

    assert len(engine.monitor(session)) == 4
    assert engine.shared_target(codes[0], "group").scope == "group"

    assert live_record_sets() == before
