"""The declared dropout policy, through the engine on a fake clock: a participant idle or
offline past the limit is a dropout; "defaults" submits their timeout values, "bot" answers
with the automatic bot, "end_group" sends the group to the end; every page decided for them is
marked in ``decided_by``; one who comes back takes over; the payments sheet marks them."""

from __future__ import annotations

import sqlite3
import textwrap

import pytest

from labctl.engine import Engine
from labctl.project import load_project
from labctl.storage.sqlite import SqliteStore
from labctl.validation import validate_project

PAIRS_APP = """\
import labctl
from labctl import fields

app = labctl.App(players_per_group=2, num_rounds=2)


class Player(labctl.Player):
    contribution = fields.Integer(min=0, max=10)


class Choose(labctl.Page):
    form_fields = ["contribution"]
    timeout_submission = {"contribution": 5}

    @staticmethod
    def before_next_page(player, timed_out):
        player.payoff = player.contribution


class ResultsWait(labctl.WaitPage):
    pass


page_sequence = [Choose, ResultsWait]
"""


class Clock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


def make_engine(tmp_path, then: str, root_name: str = "project", app: str = PAIRS_APP):
    root = tmp_path / root_name
    (root / "pairs").mkdir(parents=True)
    (root / "sessions.py").write_text(textwrap.dedent(f"""\
        import labctl
        from labctl import SessionType

        SESSION_TYPES = [SessionType(name="pairs", app_sequence=["pairs"], fixed_pay=500,
                                     dropout=labctl.Dropout(after_seconds=90, then="{then}"))]
        """), encoding="utf-8")
    (root / "pairs" / "__init__.py").write_text(app, encoding="utf-8")
    (root / "pairs" / "Choose.html").write_text("{{ formfields() }}{{ next_button() }}\n",
                                                encoding="utf-8")
    project = load_project(root)
    assert validate_project(project) == []
    store = SqliteStore(root / "labctl.db")
    clock = Clock()
    engine = Engine(project, store, clock=clock)
    code = engine.create_session("pairs", 2, seed=1)
    codes = [row["code"] for row in engine.participant_rows(code)]
    for participant in codes:
        with engine.view(participant):
            pass
    return engine, clock, code, codes, root / "labctl.db"


def visits(db) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT participant_id, step, decided_by FROM page_visits "
                            "WHERE submitted_at IS NOT NULL AND page = 'Choose' "
                            "ORDER BY submitted_at, id").fetchall()


@pytest.fixture
def cleanup():
    made = []
    yield made.append
    for engine in made:
        engine.store.close()
        engine.project.unload()


def test_defaults_submit_the_timeout_values_and_the_group_goes_on(tmp_path, cleanup):
    engine, clock, session, (active, gone), db = make_engine(tmp_path, "defaults")
    cleanup(engine)
    with engine.view(active) as page:
        index = page.index
    assert engine.submit(active, index, {"contribution": "7"}).advanced
    clock.now += 60
    assert engine.apply_dropouts() == 0  # not yet past the limit
    clock.now += 31
    assert engine.apply_dropouts() == 1
    rows = {r["code"]: r for r in engine.participant_rows(session)}
    assert rows[gone]["dropout_at"] is not None
    assert (rows[active]["page"], rows[gone]["page"]) == ("Choose", "Choose")  # round 2
    assert [(d) for (_, _, d) in visits(db)] == ["participant", "timeout"]
    payments = {p.participant_code: p for p in engine.payments(session)}
    assert payments[gone].bonus == 5 and payments[gone].note == "dropout"
    # in round 2 the dropout's page is decided at once: they are gone already
    assert engine.apply_dropouts() == 1
    assert [d for (_, _, d) in visits(db)][-1] == "timeout"


def test_bot_answers_with_valid_values(tmp_path, cleanup):
    engine, clock, session, (_active, _gone), db = make_engine(tmp_path, "bot")
    cleanup(engine)
    clock.now += 91
    assert engine.apply_dropouts() == 2  # both idle past the limit: the bot plays for both
    decided = visits(db)
    assert [d for (_, _, d) in decided] == ["bot", "bot"]
    with sqlite3.connect(db) as conn:
        values = [v for (v,) in conn.execute(
            "SELECT contribution FROM pairs_player WHERE round_number = 1")]
    assert all(0 <= v <= 10 for v in values)
    rows = engine.participant_rows(session)
    assert {r["round_number"] for r in rows} == {2}  # the group went on


def test_end_group_sends_the_group_to_the_end_paid_as_earned(tmp_path, cleanup):
    engine, clock, session, (active, gone), _db = make_engine(tmp_path, "end_group")
    cleanup(engine)
    with engine.view(active) as page:
        index = page.index
    assert engine.submit(active, index, {"contribution": "3"}).advanced
    clock.now += 91
    assert engine.apply_dropouts() == 1
    rows = {r["code"]: r for r in engine.participant_rows(session)}
    assert rows[active]["group_ended"] == 1 and rows[gone]["group_ended"] == 1
    with engine.view(active) as view:
        assert view.kind == "finished" and view.group_ended
    payments = {p.participant_code: p for p in engine.payments(session)}
    assert (payments[active].total, payments[active].note) == (503, "group ended")
    assert payments[gone].note == "dropout"


def test_a_dropout_who_comes_back_takes_over_from_their_current_page(tmp_path, cleanup):
    engine, clock, session, (active, gone), db = make_engine(tmp_path, "defaults")
    cleanup(engine)
    engine.page_socket_opened(gone)
    engine.page_socket_closed(gone)  # the tab closed
    with engine.view(active) as page:
        index = page.index
    assert engine.submit(active, index, {"contribution": "7"}).advanced
    clock.now += 91
    assert engine.apply_dropouts() == 1  # round 1 decided for them: both are in round 2
    clock.now += 5
    engine.participant_heard(gone)  # they are back: their page loads, its socket opens
    engine.page_socket_opened(gone)
    assert engine.apply_dropouts() == 0
    row = next(r for r in engine.participant_rows(session) if r["code"] == gone)
    assert row["dropout_at"] is None and (row["round_number"], row["page"]) == (2, "Choose")
    with engine.view(gone) as page:
        index = page.index
    assert engine.submit(gone, index, {"contribution": "2"}).advanced  # their own answer
    assert [d for (_, _, d) in visits(db)] == ["participant", "timeout", "participant"]
    actions = [a["action"] for a in engine.admin_actions(session)]
    assert "dropout: gone for 90 s; then defaults" in actions
    assert "returned: plays on from their current page" in actions


def test_an_offline_participant_moved_on_is_a_dropout_before_their_new_page_idles(
        tmp_path, cleanup):
    """Offline counts from the socket's close, not from the page: someone offline since
    round 1 who is released into round 2 is taken for gone at the limit."""
    engine, clock, _session, (active, gone), db = make_engine(tmp_path, "defaults")
    cleanup(engine)
    engine.page_socket_opened(gone)
    with engine.view(gone) as page:
        index = page.index
    assert engine.submit(gone, index, {"contribution": "1"}).advanced  # then on the wait page
    engine.page_socket_closed(gone)  # and gone
    clock.now += 80
    with engine.view(active) as page:
        index = page.index
    assert engine.submit(active, index, {"contribution": "4"}).advanced  # releases both
    clock.now += 14  # their round 2 page is 14 s old; offline for 91 (from the close + 3 s)
    assert engine.apply_dropouts() == 1
    assert [d for (_, _, d) in visits(db)][-1] == "timeout"


def test_a_hook_that_fails_for_a_dropout_is_shown_in_the_monitor_and_stops_nobody_else(
        tmp_path, cleanup):
    broken = PAIRS_APP.replace("player.payoff = player.contribution",
                               "player.payoff = 1 // 0 if player.id_in_group == 2 "
                               "else player.contribution")
    engine, clock, session, _, _ = make_engine(tmp_path, "defaults", app=broken)
    cleanup(engine)
    clock.now += 91
    assert engine.apply_dropouts() == 1  # the one whose hook works was decided
    rows = {row.code: row for row in engine.monitor(session)}
    failed = [row for row in rows.values() if row.app_error is not None]
    assert len(failed) == 1 and "ZeroDivisionError" in failed[0].app_error["message"]
