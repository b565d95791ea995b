"""Extra records (oTree's ExtraModel) in a real-effort app: created and queried in hooks inside
the page's transaction, written back when changed, exported as one tidy CSV per class, counted
in the codebook, and readable by bots' players."""

from __future__ import annotations

import csv
import io
import json

import pytest
from effort_project import make_effort_project, play_effort, solved

from labctl.engine import Engine
from labctl.engine.recordset import stored_player
from labctl.errors import ModelError, ResearcherCodeError
from labctl.export import write_results
from labctl.project import load_project
from labctl.storage.sqlite import SqliteStore
from labctl.validation import validate_project

TRIALS = '''

class Trial(labctl.ExtraRecord):
    player = labctl.Link(Player)
    number = fields.Integer(doc="the task's number within the round")
    correct = fields.Boolean(doc="whether the answer was right")
    checked = fields.Boolean(initial=False)


class RoundNote(labctl.ExtraRecord):
    group = labctl.Link(labctl.Group)
    text = fields.Text()


def before_next_page(player, timed_out):
    for number in range(player.solved + 2):
        Trial.create(player=player, number=number, correct=number < player.solved)
    first = Trial.filter(player=player, number=0)[0]
    first.checked = True
    right = Trial.filter(player=player, correct=True)
    player.payoff = 10 * len(right)
    if player.id_in_group == 1:
        RoundNote.create(group=player.group, text=f"{len(right)} right")
    if player.solved == 0:
        raise RuntimeError("this page fails after creating its trials")


Work.before_next_page = staticmethod(before_next_page)


def custom_export(players):
    yield ["participant", "round", "number", "correct"]
    for trial in Trial.filter():
        yield [trial.player.participant.code, trial.round_number, trial.number, trial.correct]
'''


def rows(path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_bytes().decode("utf-8-sig"), newline="")))


@pytest.fixture
def effort(tmp_path):
    root = make_effort_project(tmp_path / "effort_project", TRIALS)
    project = load_project(root)
    assert validate_project(project) == []
    store = SqliteStore(root / "labctl.db")
    engine = Engine(project, store)
    code = engine.create_session("effort", 4, seed=5)
    yield engine, code
    store.close()
    project.unload()


def people(engine, code) -> dict[int, dict]:
    return {row["id_in_session"]: row for row in engine.participant_rows(code)}


def test_trials_are_created_and_filtered_inside_the_page(effort):
    engine, code = effort
    play_effort(engine, code)
    spec = engine.project.apps["effort"]
    trial = spec.module.Trial
    for me, person in people(engine, code).items():
        for round_number in (1, 2):
            player = stored_player(engine.store, engine.project, code, spec, person["id"],
                                   round_number)
            assert player.payoff == 10 * solved(me, round_number)  # the filter saw the creates
            trials = trial.filter(player=player)  # what a bot reads from its player
            assert [t.number for t in trials] == list(range(solved(me, round_number) + 2))
            assert [t.correct for t in trials] == [n < solved(me, round_number)
                                                   for n in range(len(trials))]
            assert [t.checked for t in trials] == [True] + [False] * (len(trials) - 1)
            assert all(t.player.participant.code == person["code"] for t in trials)
            assert len(trial.filter(player=player, correct=False)) == 2


def test_a_failed_page_keeps_none_of_its_trials(effort):
    engine, code = effort
    person = people(engine, code)[3]  # solving 0 makes the hook raise after creating
    with engine.view(person["code"]) as view:
        index = view.index
    with pytest.raises(ResearcherCodeError, match="this page fails"):
        engine.submit(person["code"], index, {"solved": "0"})
    assert engine.store.extra_rows("effort", "trial", {"session_code": code}) == []
    assert engine.store.extra_rows("effort", "round_note", {"session_code": code}) == []


def test_each_class_is_a_tidy_csv_keyed_to_participant_round_and_group(effort, tmp_path):
    engine, code = effort
    play_effort(engine, code)
    written = [p.name for p in write_results(engine.store, engine.project, tmp_path / "out",
                                             [code])]
    assert {"effort.trial.csv", "effort.round_note.csv"} <= set(written)
    trials = rows(tmp_path / "out" / "effort.trial.csv")
    assert list(trials[0]) == ["session.code", "participant.id_in_session", "participant.code",
                               "participant.label", "app", "round_number",
                               "group.id_in_subsession", "id", "number", "correct", "checked"]
    expected = sum(solved(me, r) + 2 for me in range(1, 5) for r in (1, 2))
    assert len(trials) == expected
    everyone = people(engine, code)
    for trial in trials:
        me = int(trial["participant.id_in_session"])
        assert trial["participant.code"] == everyone[me]["code"]
        assert trial["correct"] == ("1" if int(trial["number"]) < solved(
            me, int(trial["round_number"])) else "0")
        assert trial["group.id_in_subsession"] in {"1", "2"}
    notes = rows(tmp_path / "out" / "effort.round_note.csv")
    assert len(notes) == 4  # one per group per round
    assert {n["participant.code"] for n in notes} == {""}  # linked to a group, not a person
    custom = rows(tmp_path / "out" / "effort.custom.csv")
    assert len(custom) == expected  # Trial.filter() in a custom export: every record


def test_the_codebook_counts_the_trial_fields(effort, tmp_path):
    engine, code = effort
    play_effort(engine, code)
    write_results(engine.store, engine.project, tmp_path / "out", [code])
    book = [r for r in rows(tmp_path / "out" / "codebook.csv")
            if r["file"] == "effort.trial.csv"]
    assert [r["column"] for r in book] == [
        "session.code", "participant.id_in_session", "participant.code", "participant.label",
        "app", "round_number", "group.id_in_subsession", "id", "number", "correct", "checked"]
    fields = {r["column"]: r for r in book}
    assert (fields["correct"]["record"], fields["correct"]["field_type"]) == ("trial",
                                                                               "boolean")
    assert fields["number"]["doc"] == "the task's number within the round"
    assert fields["round_number"]["doc"] == "the round it was created in"
    assert {r["app"] for r in book} == {"effort"}


def test_filter_needs_the_link_inside_a_session_and_create_a_running_record(effort):
    engine, code = effort
    trial = engine.project.apps["effort"].module.Trial
    with pytest.raises(ModelError, match=r"Trial.filter\(\) needs player="):
        trial.filter()
    with pytest.raises(ModelError, match="needs player= a Player of a running session"):
        trial.create(player=None, number=1)
    spec = engine.project.apps["effort"]
    player = stored_player(engine.store, engine.project, code, spec,
                           people(engine, code)[1]["id"], 1)
    with pytest.raises(ModelError, match="has no field 'answer'"):
        trial.filter(player=player, answer=3)


def test_the_tables_are_typed_and_made_with_the_apps(effort):
    engine, _code = effort
    columns = {row["name"]: row["type"] for row in engine.store.conn.execute(
        'PRAGMA table_info("effort_trial")').fetchall()}
    assert columns == {"id": "INTEGER", "session_code": "TEXT", "round_number": "INTEGER",
                       "group_id": "INTEGER", "player_id": "INTEGER",
                       "participant_id": "INTEGER", "number": "INTEGER",
                       "correct": "INTEGER", "checked": "INTEGER"}


MESSAGES = '''

class Message(labctl.ExtraRecord):
    group = labctl.Link(labctl.Group)
    sender = labctl.Link(Player)
    text = fields.Text()


def before_next_page(player, timed_out):
    Message.create(group=player.group, sender=player, text=f"{player.solved} solved")
    player.payoff = len(Message.filter(group=player.group))


Work.before_next_page = staticmethod(before_next_page)
'''


@pytest.mark.both_stores
def test_a_record_linked_to_its_group_and_its_sender_is_stored_read_and_exported(
        tmp_path, new_store_target):
    # oTree's chat messages: group = models.Link(Group) and sender = models.Link(Player)
    from labctl.storage.open_store import open_store

    root = make_effort_project(tmp_path / "effort_project", MESSAGES)
    project = load_project(root)
    assert validate_project(project) == []
    store = open_store(new_store_target())
    try:
        engine = Engine(project, store)
        code = engine.create_session("effort", 4, seed=5)
        play_effort(engine, code)
        spec = project.apps["effort"]
        everyone = people(engine, code)
        for me, person in everyone.items():
            player = stored_player(store, project, code, spec, person["id"], 2)
            mine = spec.module.Message.filter(sender=player)
            assert [m.text for m in mine] == [f"{solved(me, 2)} solved"]
            assert mine[0].sender.participant.code == person["code"]
            assert mine[0].group.id == player.group.id
            in_group = spec.module.Message.filter(group=player.group)
            assert {m.sender.participant.code for m in in_group} == {
                p.participant.code for p in player.group.get_players()}
            # the first of a group to submit saw its own message, the second both
            assert player.payoff in (1, 2)
        write_results(store, project, tmp_path / "out", [code])
        written = rows(tmp_path / "out" / "effort.message.csv")
        assert len(written) == 8  # 4 people, 2 rounds
        assert all(row["participant.code"] and row["group.id_in_subsession"] in {"1", "2"}
                   for row in written)
        book = [r["column"] for r in rows(tmp_path / "out" / "codebook.csv")
                if r["file"] == "effort.message.csv"]
        assert book[-1] == "text" and "participant.code" in book
    finally:
        store.close()
        project.unload()


EVENTS = '''

class Event(labctl.ExtraRecord):  # no link, as oTree allows: a record of the session
    text = fields.Text()


def log_work(player, timed_out):
    player.payoff = 10 * player.solved
    Event.create(text=f"{player.participant.id_in_session}:{player.round_number}")
    player.participant.vars["events"] = [e.text for e in Event.filter()]


Work.before_next_page = staticmethod(log_work)


def custom_export(players):
    yield ["text"]
    for event in Event.filter():
        yield [event.text]
'''


def test_a_record_class_without_a_link_keeps_records_of_the_session(tmp_path):
    root = make_effort_project(tmp_path / "effort_project", EVENTS)
    project = load_project(root)
    assert validate_project(project) == []
    store = SqliteStore(root / "labctl.db")
    try:
        engine = Engine(project, store)
        first, second = (engine.create_session("effort", 4, seed=5) for _ in range(2))
        play_effort(engine, first)
        player = people(engine, second)[1]["code"]
        with engine.view(player) as view:
            index = view.index
        engine.submit(player, index, {"solved": "3"})

        seen = {row["id_in_session"]: json.loads(row["vars"])["events"]
                for row in engine.participant_rows(first)}
        assert seen[4][-1] == "4:2" and len(seen[4]) == 8  # its session's 8 events so far
        assert seen[1][:1] == ["1:1"]
        assert json.loads(people(engine, second)[1]["vars"])["events"] == ["1:1"]  # its own

        write_results(store, project, tmp_path / "out", [first])
        events = rows(tmp_path / "out" / "effort.event.csv")
        assert len(events) == 8 and {e["session.code"] for e in events} == {first}
        assert {e["participant.code"] for e in events} == {""}  # nobody's: the session's
        assert len(rows(tmp_path / "out" / "effort.custom.csv")) == 8  # the exported session

        with pytest.raises(ModelError, match=r"Event.create\(\) of a record without a link "
                                             "runs inside a session"):
            project.apps["effort"].module.Event.create(text="outside")
    finally:
        store.close()
        project.unload()


NBACK = '''

class Trial(labctl.ExtraRecord):  # its own round_number: the trial's, as in n-back tasks
    player = labctl.Link(Player)
    round_number = fields.Integer(doc="the trial within the block")
    hit = fields.Boolean()


def log_trials(player, timed_out):
    player.payoff = 10 * player.solved
    for number in (1, 2, 3):
        Trial.create(player=player, round_number=number, hit=number <= 2)
    trials = Trial.filter(player=player, round_number=2)
    assert [t.round_number for t in trials] == [2] and trials[0].player == player
    player.participant.vars["hits"] = [t.round_number for t in Trial.filter(player=player)
                                       if t.hit]


Work.before_next_page = staticmethod(log_trials)
'''


def test_a_record_class_may_have_its_own_round_number_field(tmp_path):
    root = make_effort_project(tmp_path / "effort_project", NBACK)
    project = load_project(root)
    assert validate_project(project) == []
    store = SqliteStore(root / "labctl.db")
    try:
        engine = Engine(project, store)
        code = engine.create_session("effort", 4, seed=5)
        play_effort(engine, code)
        assert json.loads(people(engine, code)[1]["vars"])["hits"] == [1, 2]

        write_results(store, project, tmp_path / "out", [code])
        trials = rows(tmp_path / "out" / "effort.trial.csv")
        assert list(trials[0])[:8] == ["session.code", "participant.id_in_session",
                                       "participant.code", "participant.label", "app",
                                       "app_round_number", "group.id_in_subsession", "id"]
        assert {(t["app_round_number"], t["round_number"]) for t in trials} == {
            (app_round, trial) for app_round in ("1", "2") for trial in ("1", "2", "3")}
    finally:
        store.close()
        project.unload()


SLIDERS = '''

class Puzzle(labctl.ExtraRecord):
    player = labctl.Link(Player)
    iteration = fields.Integer()


class Slider(labctl.ExtraRecord):
    puzzle = labctl.Link(Puzzle)
    idx = fields.Integer()
    value = fields.Integer(initial=0)


def before_next_page(player, timed_out):
    puzzle = Puzzle.create(player=player, iteration=player.round_number)
    for idx in range(3):
        Slider.create(puzzle=puzzle, idx=idx)
    Slider.filter(puzzle=puzzle, idx=1)[0].value = player.solved
    # a record changed in this step is found by its new value, not by its stored one
    assert [s.idx for s in Slider.filter(puzzle=puzzle, value=player.solved)] == [1]
    assert [s.idx for s in Slider.filter(puzzle=puzzle, value=0)] == [0, 2]
    sliders = Slider.filter(puzzle=puzzle)
    assert [s.puzzle.player.id for s in sliders] == [player.id] * 3
    player.payoff = 10 * sum(s.value for s in sliders)


Work.before_next_page = staticmethod(before_next_page)
'''


def test_an_extra_record_linked_to_another_belongs_to_that_ones_player(tmp_path):
    # qwiglydee's sliders task (copied into ak21200/mission_matching): a slider of a puzzle
    root = make_effort_project(tmp_path / "effort_project", SLIDERS)
    project = load_project(root)
    store = SqliteStore(root / "labctl.db")
    try:
        assert validate_project(project) == []
        engine = Engine(project, store)
        code = engine.create_session("effort", 4, seed=5)
        play_effort(engine, code)
        spec = project.apps["effort"]
        for me, person in people(engine, code).items():
            player = stored_player(store, project, code, spec, person["id"], 2)
            assert player.payoff == 10 * solved(me, 2)
            (puzzle,) = spec.module.Puzzle.filter(player=player)
            sliders = spec.module.Slider.filter(puzzle=puzzle)
            assert [(s.idx, s.value) for s in sliders] == [(0, 0), (1, solved(me, 2)), (2, 0)]
            assert sliders[0].puzzle.iteration == 2
            # oTree's values_dicts: id, links' ids and fields, copies a record can be made of
            dicts = spec.module.Slider.values_dicts(puzzle=puzzle, order_by="value")
            assert [(d["idx"], d["puzzle_id"]) for d in dicts] == [(0, puzzle.id), (2, puzzle.id),
                                                                   (1, puzzle.id)]
            copy = spec.module.Slider(**dicts[-1])
            assert (copy.id, copy.value) == (sliders[1].id, solved(me, 2))
            assert spec.module.Puzzle.values_dicts(player=player)[0]["player_id"] == player.id
        write_results(store, project, tmp_path / "out", [code])
        exported = rows(tmp_path / "out" / "effort.slider.csv")
        assert len(exported) == 4 * 2 * 3
        assert list(exported[0])[-3:] == ["idx", "value", "puzzle_id"]
        puzzles = {row["id"]: row for row in rows(tmp_path / "out" / "effort.puzzle.csv")}
        for row in exported:  # each slider keyed to its puzzle's participant and round
            puzzle = puzzles[row["puzzle_id"]]
            assert (row["participant.code"], row["round_number"]) == (
                puzzle["participant.code"], puzzle["round_number"])
    finally:
        store.close()
        project.unload()


def test_a_link_to_another_apps_record_or_beside_a_player_link_is_refused(tmp_path):
    wrong = SLIDERS.replace("    puzzle = labctl.Link(Puzzle)\n",
                            "    puzzle = labctl.Link(Puzzle)\n    player = labctl.Link(Player)\n")
    root = make_effort_project(tmp_path / "effort_project", wrong)
    project = load_project(root)
    try:
        found = [(p.code, p.message) for p in validate_project(project)]
    finally:
        project.unload()
    assert found == [("LC232", "extra record Slider of app 'effort' has 2 links (puzzle, "
                               "player); labctl keys each record to one player and one group")]
