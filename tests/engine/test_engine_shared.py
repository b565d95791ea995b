"""Shared data from Python: ``player.group_data``, ``batch_data`` and ``study_data`` in hooks.

Changes made by a hook are part of the page's transaction: kept with the submit, gone with it
when the hook fails, and announced to live pages only after the commit. A group's document
closes once every member has left that app round. Batch data outlives sessions, which is what
the sample ``prisoners_dilemma`` app uses to rotate its framings across sessions.
"""

from __future__ import annotations

import json
import queue
from collections import Counter

import pytest

from labctl.engine.shared_access import group_key
from labctl.engine.shared_data import SharedDataError
from labctl.errors import ResearcherCodeError

pytestmark = pytest.mark.both_stores

# Each page runs one command on the group's document, typed as the page's answer:
# "set /path <json>", "remove /path", "patch <json ops>", "replace <json doc>", "boom"
# (writes, then fails), "study /path <json>" (study data).
COMMANDS = """
import json

import labctl
from labctl import fields


app = labctl.App(players_per_group=2, num_rounds=1)


class Player(labctl.Player):
    first = fields.Text()
    second = fields.Text()
    third = fields.Text()
    versions = fields.Text(required=False)


def run(player, command):
    doc = player.group_data
    verb, _, rest = command.partition(" ")
    if verb == "set":
        path, value = rest.split(" ", 1)
        new = doc.set(path, json.loads(value))
    elif verb == "remove":
        new = doc.remove(rest)
    elif verb == "patch":
        new = doc.patch(json.loads(rest))
    elif verb == "replace":
        new = doc.replace(json.loads(rest))
    elif verb == "study":
        path, value = rest.split(" ", 1)
        new = player.study_data.set(path, json.loads(value))
    elif verb == "boom":
        doc.set("/boom", True)
        raise RuntimeError("the hook failed after writing")
    player.versions = (player.versions or "") + f"{new}@{doc.version};"


class First(labctl.Page):
    form_fields = ["first"]

    @staticmethod
    def before_next_page(player, timed_out):
        run(player, player.first)


class Second(labctl.Page):
    form_fields = ["second"]

    @staticmethod
    def before_next_page(player, timed_out):
        run(player, player.second)


class Third(labctl.Page):
    form_fields = ["third"]

    @staticmethod
    def before_next_page(player, timed_out):
        run(player, player.third)


page_sequence = [First, Second, Third]
"""

# Round 2 looks back at round 1's group document: open while a member is still in round 1,
# closed once both have left it.
LOOK_BACK = """
import labctl
from labctl import fields
from labctl.engine.shared_data import SharedDataError


app = labctl.App(players_per_group=2, num_rounds=2)


class Player(labctl.Player):
    outcome = fields.Text(required=False)


class Play(labctl.Page):
    @staticmethod
    def before_next_page(player, timed_out):
        if player.round_number == 1:
            player.group_data.set("/played", [player.id_in_group])
            return
        earlier = player.in_round(1).group_data
        try:
            earlier.set("/late", player.id_in_group)
            player.outcome = f"written; closed={earlier.closed}"
        except SharedDataError as exc:
            player.outcome = f"refused; closed={earlier.closed}; {exc}"


page_sequence = [Play]
"""

# Reads in a second app what the first app left in study data.
READER = """
import labctl
from labctl import fields


app = labctl.App(players_per_group=None, num_rounds=1)


class Player(labctl.Player):
    carried = fields.Text(required=False)


class Read(labctl.Page):
    @staticmethod
    def before_next_page(player, timed_out):
        player.carried = repr(player.study_data.data)


page_sequence = [Read]
"""


@pytest.fixture
def commands(make_project, open_engine):
    project = make_project({"commands": COMMANDS, "reader": READER},
                           'name="demo", app_sequence=["commands", "reader"]')
    engine = open_engine(project)
    code = engine.create_session("demo", 2)
    return engine, code, [row["code"] for row in engine.participant_rows(code)]


def group_doc(engine, session_code: str, app: str = "commands", round_number: int = 1,
              group: int = 1) -> tuple[int, object]:
    from labctl.engine import shared_data as shared

    with engine.store.reading():
        return shared.read(engine.store, "group", group_key(session_code, app, round_number,
                                                             group))


def test_hooks_change_group_data_in_the_page_transaction(commands, driver_of, dbfile):
    engine, session, (first, second) = commands
    driver = driver_of(engine)
    listener = engine.hub.subscribe(f"shared:group:{group_key(session, 'commands', 1, 1)}")
    steps = [
        (first, {"first": 'replace {"log": [], "n": 0}'}, {"log": [], "n": 0}),
        (second, {"first": 'set /log/- "b"'}, {"log": ["b"], "n": 0}),
        (first, {"second": 'patch [{"op": "add", "path": "/log/0", "value": "a"}, '
                           '{"op": "replace", "path": "/n", "value": 2}]'},
         {"log": ["a", "b"], "n": 2}),
        (second, {"second": "remove /n"}, {"log": ["a", "b"]}),
        (first, {"third": 'set /by "first"'}, {"log": ["a", "b"], "by": "first"}),
    ]
    for version, (code, form, expected) in enumerate(steps, start=1):
        driver.advance(code, form)
        assert group_doc(engine, session) == (version, expected)
        message = listener.get_nowait()  # published once the submit had committed
        assert (message["type"], message["version"], message["author"]) == (
            "change", version, "app")
    assert listener.empty()

    history = engine.store.shared_history("group")
    assert [(h["version"], h["author"], h["kind"]) for h in history] == [
        (1, "app", "replace"), (2, "app", "patch"), (3, "app", "patch"), (4, "app", "patch"),
        (5, "app", "patch")]
    assert json.loads(history[1]["patch"]) == [{"op": "add", "path": "/log/-", "value": "b"}]
    assert json.loads(history[3]["patch"]) == [{"op": "remove", "path": "/n"}]
    # each method returned the new version, and .version read it back inside the transaction
    versions = dbfile.rows("SELECT participant_code, versions FROM commands_player")
    assert {row["participant_code"]: row["versions"] for row in versions} == {
        first: "1@1;3@3;5@5;", second: "2@2;4@4;"}


def test_a_hook_that_fails_after_writing_leaves_no_trace(commands, driver_of, dbfile):
    engine, session, (first, _) = commands
    driver = driver_of(engine)
    driver.advance(first, {"first": 'set /kept 1'})
    listener = engine.hub.subscribe(f"shared:group:{group_key(session, 'commands', 1, 1)}")
    before = dbfile.snapshot()

    with pytest.raises(ResearcherCodeError, match="the hook failed after writing"):
        driver.submit(first, {"second": "boom"})

    assert dbfile.snapshot() == before  # the document, its history and the page: all as before
    assert group_doc(engine, session) == (1, {"kept": 1})
    assert listener.empty(), "a change that was rolled back reached the pages"
    assert driver.look(first).page == "Second"


def test_a_patch_whose_test_fails_raises_and_changes_nothing(commands, driver_of, dbfile):
    engine, _, (first, _) = commands
    driver = driver_of(engine)
    driver.advance(first, {"first": "set /turn 1"})
    before = dbfile.snapshot()
    with pytest.raises(ResearcherCodeError, match="test failed"):
        driver.submit(first, {"second": 'patch [{"op": "test", "path": "/turn", "value": 2}]'})
    with pytest.raises(ResearcherCodeError, match="the patch cannot apply"):
        driver.submit(first, {"second": "remove /nothing"})
    assert dbfile.snapshot() == before


def test_study_data_follows_the_participant_into_the_next_app(commands, driver_of, dbfile):
    engine, _, (first, second) = commands
    driver = driver_of(engine)
    driver.advance(first, {"first": "study /answers {\"q1\": 4}"})
    for form in ({"second": 'set /x 1'}, {"third": 'set /y 2'}):
        driver.advance(first, form)
    assert driver.look(first).app == "reader"
    assert engine.shared_target(first, "study").closed is False
    driver.advance(first, {})
    assert dbfile.value("SELECT carried FROM reader_player WHERE participant_code = ?",
                        first) == "{'answers': {'q1': 4}}"
    # The participant finished: their study data is closed (kept for the export).
    target = engine.shared_target(first, "study")
    assert target.closed is True
    with pytest.raises(SharedDataError, match="closed"):
        engine.shared_change(first, target, 1, patch=[{"op": "add", "path": "/z", "value": 1}])
    assert engine.shared_target(second, "study").closed is False


def test_a_groups_document_closes_once_every_member_has_left_the_round(
        make_project, open_engine, driver_of, dbfile):
    project = make_project({"look_back": LOOK_BACK},
                           'name="demo", app_sequence=["look_back"]')
    engine = open_engine(project)
    session = engine.create_session("demo", 2)
    first, second = [row["code"] for row in engine.participant_rows(session)]
    driver = driver_of(engine)

    driver.advance(first)  # round 1 -> round 2; the partner is still in round 1
    driver.advance(first)
    driver.advance(second)  # now both have left round 1
    driver.advance(second)

    outcomes = {row["participant_code"]: row["outcome"] for row in dbfile.rows(
        "SELECT participant_code, outcome FROM look_back_player WHERE round_number = 2")}
    assert outcomes[first] == "written; closed=False"
    assert outcomes[second].startswith("refused; closed=True; this group data is closed")
    assert group_doc(engine, session, "look_back") == (3, {"played": [2], "late": 1})


# -- batch data across sessions: the sample prisoner's dilemma ---------------------------------


def treatments(engine, session_code: str) -> list[str]:
    return [json.loads(row["vars"])["treatment"]
            for row in engine.participant_rows(session_code)]


def batch_doc(engine, batch: str = "pd_study") -> dict:
    return {d["batch"]: (d["version"], d["doc"]) for d in engine.batch_documents()}[batch]


@pytest.mark.parametrize(("participants", "expected"), [
    (2, [["community"] * 2, ["wall_street"] * 2, ["community"] * 2]),
    (4, [["community", "community", "wall_street", "wall_street"]] * 3),
], ids=["one pair per session", "two pairs per session"])
def test_framings_rotate_through_batch_data_across_sessions(engine, participants, expected,
                                                            dbfile):
    sessions = [engine.create_session("pd_chat", participants, seed=n) for n in range(3)]

    assert [treatments(engine, code) for code in sessions] == expected
    groups = 3 * participants // 2
    counts = Counter(t for code in sessions for t in treatments(engine, code)[::2])
    assert abs(counts["community"] - counts["wall_street"]) <= groups % 2
    assert batch_doc(engine) == (groups, {"next_treatment": groups})
    history = engine.store.shared_history("batch")
    assert [(h["key"], h["version"], h["author"]) for h in history] == [
        ("pd_study", v, "app") for v in range(1, groups + 1)]
    # the group table keeps each pair's framing for the export
    framings = dbfile.rows("SELECT session_code, treatment FROM prisoners_dilemma_group "
                           "ORDER BY id")
    assert [row["treatment"] for row in framings] == [
        t for code in sessions for t in treatments(engine, code)[::2]]
    assert batch_doc(engine, "my_session") == (0, {})  # another batch is not touched


def test_batch_data_survives_from_one_session_to_the_next(engine, sample, open_engine,
                                                          db_path):
    monday = engine.create_session("pd_chat", 2, seed=1)
    code = engine.participant_rows(monday)[0]["code"]
    with engine.view(code):
        pass
    target = engine.shared_target(code, "batch")
    result = engine.shared_change(code, target, 1, patch=[
        {"op": "add", "path": "/notes", "value": ["monday"]}])
    assert result.accepted and result.version == 2

    reopened = open_engine(sample, db_path)  # another day: a new server on the same file
    tuesday = reopened.create_session("pd_chat", 2, seed=2)
    assert treatments(reopened, tuesday) == ["wall_street", "wall_street"]
    assert batch_doc(reopened) == (3, {"next_treatment": 2, "notes": ["monday"]})
    other = reopened.participant_rows(tuesday)[0]["code"]
    with reopened.view(other):
        pass
    assert reopened.shared_target(other, "batch") == target
    assert reopened.shared_read(target) == (3, {"next_treatment": 2, "notes": ["monday"]})


def test_batch_changes_made_in_creating_session_reach_live_pages(engine):
    listener: queue.Queue = engine.hub.subscribe("shared:batch:pd_study")
    engine.create_session("pd_chat", 2)
    message = listener.get_nowait()
    assert (message["type"], message["version"]) == ("change", 1)


# -- the sample prisoner's dilemma, played through the engine ----------------------------------


@pytest.mark.parametrize(("choices", "payoffs"), [
    (("C", "C"), (300, 300)), (("C", "D"), (0, 500)), (("D", "C"), (500, 0)),
    (("D", "D"), (100, 100)),
])
def test_prisoners_dilemma_pays_the_standard_matrix(engine, driver, choices, payoffs):
    session = engine.create_session("pd_chat", 2)
    codes = driver.codes(session)
    for code, choice in zip(codes, choices, strict=True):
        assert driver.advance(code, {"choice": choice}).kind in ("wait", "page")
    assert [driver.look(code).page for code in codes] == ["Results", "Results"]
    version, doc = group_doc(engine, session, "prisoners_dilemma")
    assert doc == {"choices": {"1": choices[0], "2": choices[1]}}
    assert version == 2  # the choices so far, at each submit; nothing to restore
    for code in codes:
        driver.advance(code)
    assert tuple(driver.look(code).bonus for code in codes) == payoffs
    assert tuple(driver.look(code).total_pay for code in codes) == tuple(
        500 + p for p in payoffs)
