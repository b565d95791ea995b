"""What a bot's own code sets on the records it reads (oTree's bots wrote to the database):
told from its record set and saved in one transaction on the records as stored then."""

from __future__ import annotations

import json

import pytest

from labctl.engine.bot_changes import DELETED, bot_changes
from labctl.engine.recordset import stored_records

pytestmark = pytest.mark.both_stores

APP = """\
import labctl
from labctl import fields

app = labctl.App(players_per_group=2, num_rounds=1)


class Group(labctl.Group):
    total = fields.Integer(required=False)


class Player(labctl.Player):
    mark = fields.Integer(required=False)


def creating_session(subsession):
    subsession.session.vars["keep"] = 1
    subsession.session.vars["drop"] = 2
    for player in subsession.get_players():
        player.participant.vars["flag"] = 1


class Play(labctl.Page):
    pass


page_sequence = [Play]
"""


@pytest.fixture
def session(make_project, open_engine):
    project = make_project({"pairs": APP}, 'name="demo", app_sequence=["pairs"], '
                           'num_participants=2')
    engine = open_engine(project)
    return engine, engine.create_session("demo", seed=1)


def test_changes_made_through_navigation_and_to_vars_are_saved(session, dbfile):
    engine, code = session
    spec = engine.project.apps["pairs"]
    rows = engine.participant_rows(code)
    records = stored_records(engine.store, engine.project, code)
    with engine.store.reading():
        me = records.player(spec, rows[0]["id"], 1)
        for member in me.group.get_players():  # reached through the group
            member.mark = 10 * member.id_in_group
        me.group.total = 30
        me.session.vars["paying_round"] = 1
        del me.session.vars["drop"]
        me.participant.vars["flag"] = True  # == 1, yet another value

    changes = bot_changes(records.unsaved())
    assert changes.session_vars == {"paying_round": 1, "drop": DELETED}
    assert changes.participant_vars == {rows[0]["id"]: {"flag": True}}
    engine.save_bot_changes(rows[0]["code"], changes)

    assert dbfile.rows("SELECT mark FROM pairs_player ORDER BY id_in_group") == [
        {"mark": 10}, {"mark": 20}]
    assert dbfile.value("SELECT total FROM pairs_group") == 30
    stored = json.loads(dbfile.value("SELECT vars FROM sessions"))
    assert stored["paying_round"] == 1 and stored["keep"] == 1 and "drop" not in stored
    assert json.loads(dbfile.value("SELECT vars FROM participants WHERE id = ?",
                                   rows[0]["id"]))["flag"] is True


def test_nothing_changed_is_nothing_to_save(session):
    engine, code = session
    spec = engine.project.apps["pairs"]
    records = stored_records(engine.store, engine.project, code)
    with engine.store.reading():
        me = records.player(spec, engine.participant_rows(code)[0]["id"], 1)
        assert me.session.vars["keep"] == 1 and me.group.get_players()
    assert not bot_changes(records.unsaved())
