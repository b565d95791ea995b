"""Group matching at session creation: fixed, random (seeded), one group, custom matrices.

Groups are read back from the database as matrices of participant numbers (``id_in_session``)
in ``id_in_group`` order, one list per group, per round.
"""

from __future__ import annotations

import pytest

from labctl.errors import LabctlError, ResearcherCodeError

pytestmark = pytest.mark.both_stores

PAIRS_APP = """\
import labctl

app = labctl.App(players_per_group=2, num_rounds=3, roles=["first", "second"],
                 matching={matching!r})

{creating_session}

class Ask(labctl.Page):
    pass


page_sequence = [Ask]
"""
SIX = 'name="demo", app_sequence=["pairs"], num_participants=6'


@pytest.fixture
def pairs(make_project, open_engine):
    """``pairs(matching, creating_session_source)``: an engine of a 3-round app of pairs."""

    def make(matching: str = "fixed", creating_session: str = ""):
        project = make_project({"pairs": PAIRS_APP.format(
            matching=matching, creating_session=creating_session)}, SIX)
        return open_engine(project)

    return make


def test_fixed_matching_keeps_the_groups_of_round_one(pairs, dbfile):
    session = pairs("fixed").create_session("demo", seed=5)

    assert dbfile.group_matrices("pairs", session) == {
        rnd: [[1, 2], [3, 4], [5, 6]] for rnd in (1, 2, 3)}


def test_random_matching_is_reproducible_for_a_seed(engine, dbfile):
    first = engine.create_session("my_session", 4, seed=77)
    second = engine.create_session("my_session", 4, seed=77)

    assert dbfile.group_matrices("ultimatum", first) == dbfile.group_matrices(
        "ultimatum", second)


def test_random_matching_differs_between_seeds_and_rounds(engine, dbfile):
    matrices = {seed: dbfile.group_matrices(
        "ultimatum", engine.create_session("my_session", 4, seed=seed)) for seed in range(8)}

    assert len({repr(m) for m in matrices.values()}) > 1, "every seed gave the same groups"
    assert any(m[1] != m[2] for m in matrices.values()), "no seed regrouped in round 2"
    for by_round in matrices.values():
        for groups in by_round.values():
            assert len(groups) == 2 and all(len(group) == 2 for group in groups)
            assert sorted(n for group in groups for n in group) == [1, 2, 3, 4]


def test_fixed_apps_are_not_shuffled_by_a_random_app(engine, dbfile):
    for seed in range(4):
        session = engine.create_session("my_session", 4, seed=seed)
        assert dbfile.group_matrices("trust", session) == {1: [[1, 2], [3, 4]]}


def test_no_players_per_group_makes_one_group_of_everyone(engine, dbfile):
    session = engine.create_session("my_session", 4, seed=1)

    assert dbfile.group_matrices("questionnaire", session) == {1: [[1, 2, 3, 4]]}
    rows = dbfile.rows("SELECT id_in_group, role FROM questionnaire_player ORDER BY id_in_group")
    assert rows == [{"id_in_group": n, "role": None} for n in range(1, 5)]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_roles_follow_id_in_group(engine, dbfile, seed):
    session = engine.create_session("my_session", 4, seed=seed)
    roles = {"trust": ["trustor", "trustee"], "ultimatum": ["proposer", "responder"]}
    for app, names in roles.items():
        rows = dbfile.rows(f"SELECT id_in_group, role FROM {app}_player WHERE session_code = ?",
                           session)
        assert len(rows) == (4 if app == "trust" else 8)
        assert all(row["role"] == names[row["id_in_group"] - 1] for row in rows), rows


def test_roles_are_seen_by_the_players(engine, driver, dbfile):
    session = engine.create_session("my_session", 4, seed=9)
    seen = [driver.look(code) for code in driver.codes(session)]
    assert [(s.id_in_group, s.role) for s in seen] == [
        (1, "trustor"), (2, "trustee"), (1, "trustor"), (2, "trustee")]


def test_a_matrix_set_in_round_one_carries_over_with_fixed_matching(pairs, dbfile):
    engine = pairs("fixed", """\
def creating_session(subsession):
    if subsession.round_number == 1:
        subsession.set_group_matrix([[1, 4], [6, 2], [3, 5]])
""")
    session = engine.create_session("demo", seed=5)

    assert dbfile.group_matrices("pairs", session) == {
        rnd: [[1, 4], [6, 2], [3, 5]] for rnd in (1, 2, 3)}
    rows = dbfile.rows("SELECT id_in_group, role FROM pairs_player")
    assert all(row["role"] == ["first", "second"][row["id_in_group"] - 1] for row in rows)
    assert dbfile.value("SELECT COUNT(*) FROM pairs_group") == 9


def test_a_matrix_set_in_every_round_is_obeyed(pairs, dbfile):
    engine = pairs("random", """\
MATRICES = {1: [[1, 2], [3, 4], [5, 6]], 2: [[6, 1], [5, 2], [4, 3]], 3: [[3, 5], [1, 6], [2, 4]]}


def creating_session(subsession):
    subsession.set_group_matrix(MATRICES[subsession.round_number])
""")
    session = engine.create_session("demo", seed=5)

    assert dbfile.group_matrices("pairs", session) == {
        1: [[1, 2], [3, 4], [5, 6]], 2: [[6, 1], [5, 2], [4, 3]], 3: [[3, 5], [1, 6], [2, 4]]}


def test_players_see_the_groups_of_a_custom_matrix(pairs):
    engine = pairs("fixed", """\
def creating_session(subsession):
    subsession.set_group_matrix([[2, 1], [4, 3], [6, 5]])
""")
    session = engine.create_session("demo", seed=5)
    driver_codes = [row["code"] for row in engine.participant_rows(session)]
    with engine.view(driver_codes[1]) as view:
        partners = [p.participant.id_in_session for p in view.group.get_players()]
        assert (view.player.id_in_group, view.player.role) == (1, "first")
    assert partners == [2, 1]


def test_a_matrix_may_have_groups_of_other_sizes_as_in_otree(pairs, dbfile):
    engine = pairs("fixed", """\
def creating_session(subsession):
    if subsession.round_number == 1:
        subsession.set_group_matrix([[1, 2, 3], [4, 5], [6]])
""")
    session = engine.create_session("demo", seed=5)

    assert dbfile.group_matrices("pairs", session)[1] == [[1, 2, 3], [4, 5], [6]]
    roles = dbfile.rows("SELECT participant_id, role FROM pairs_player WHERE round_number = 1 "
                        "ORDER BY participant_id")
    assert [row["role"] for row in roles] == ["first", "second", "", "first", "second",
                                              "first"]  # past the declared roles: no role


def test_set_players_reorders_a_group_and_so_its_roles(pairs, dbfile):
    engine = pairs("fixed", """\
def creating_session(subsession):
    if subsession.round_number == 2:
        for group in subsession.get_groups():
            first, second = group.get_players()
            group.set_players([second, first])
            assert group.get_player_by_id(1) == second  # at once, as in oTree
""")
    session = engine.create_session("demo", seed=5)

    matrices = dbfile.group_matrices("pairs", session)
    assert matrices[1] == [[1, 2], [3, 4], [5, 6]]
    assert matrices[2] == [[2, 1], [4, 3], [6, 5]]
    assert dbfile.value("SELECT role FROM pairs_player WHERE round_number = 2 AND "
                        "participant_id = 2") == "first"


def test_set_players_with_someone_from_another_group_is_refused(pairs):
    engine = pairs("fixed", """\
def creating_session(subsession):
    one, two = subsession.get_groups()[:2]
    one.set_players([one.get_players()[0], two.get_players()[0]])
""")
    with pytest.raises(ResearcherCodeError, match="must list exactly its players"):
        engine.create_session("demo", seed=5)


@pytest.mark.parametrize(("matrix", "message"), [
    pytest.param([[1, 2], [3, 4]], "does not place each of the 6 participants exactly once",
                 id="missing"),
    pytest.param([[1, 2], [3, 4], [5, 5]], "does not place each of the 6 participants",
                 id="twice"),
    pytest.param([[1, 2], [3, 4], [5, 7]], "does not place each of the 6 participants",
                 id="unknown"),
])
def test_an_invalid_matrix_is_refused_and_nothing_is_created(pairs, dbfile, matrix, message):
    engine = pairs("fixed", f"""\
def creating_session(subsession):
    subsession.set_group_matrix({matrix!r})
""")
    with pytest.raises(ResearcherCodeError, match=message) as refused:
        engine.create_session("demo", seed=5)

    assert "__init__.py:" in str(refused.value)  # the line of the set_group_matrix call
    assert engine.session_rows() == []
    assert dbfile.value("SELECT COUNT(*) FROM participants") == 0
    assert dbfile.value("SELECT COUNT(*) FROM pairs_player") == 0


@pytest.mark.parametrize("count", [3, 5])
def test_a_count_that_does_not_fill_the_groups_is_refused(engine, count):
    with pytest.raises(LabctlError, match=f"{count} participants cannot form groups of 2"):
        engine.create_session("my_session", count)
    assert engine.session_rows() == []


@pytest.mark.parametrize("count", [
    pytest.param(-1, id="negative"),
    pytest.param(0, id="zero"),
])
def test_a_session_without_participants_is_refused(engine, count):
    with pytest.raises(LabctlError, match=f"at least 1 participant, not {count}"):
        engine.create_session("my_session", count)
    assert engine.session_rows() == []


def test_labels_are_given_to_participants_in_order(engine, dbfile):
    session = engine.create_session("my_session", 4, labels=["PC01", "PC02", "PC03"])

    assert [row["label"] for row in engine.participant_rows(session)] == [
        "PC01", "PC02", "PC03", None]
    assert [p.label for p in engine.payments(session)] == ["PC01", "PC02", "PC03", None]


def test_a_matrix_of_players_is_obeyed_as_in_otree(pairs, dbfile):
    engine = pairs("fixed", """\
def creating_session(subsession):
    players = subsession.get_players()[::-1]
    subsession.set_group_matrix([players[:2], players[2:4], players[4:]])
""")
    session = engine.create_session("demo", seed=5)

    assert dbfile.group_matrices("pairs", session)[1] == [[6, 5], [4, 3], [2, 1]]


def test_a_matrix_of_something_else_is_refused_with_a_labctl_error(pairs):
    engine = pairs("fixed", """\
def creating_session(subsession):
    subsession.set_group_matrix([["a", "b"], ["c", "d"], ["e", "f"]])
""")
    with pytest.raises(LabctlError, match="pairs"):
        engine.create_session("demo", seed=5)


def test_a_hook_that_regroups_reads_the_new_groups_at_once(pairs, dbfile):
    """oTree's idiom: ``group_randomly()``, then a loop over the players reading their new
    ``id_in_group``, role and partners (e.g. to give each role its endowment). The hook read
    the groups of before, and stored a wrong role for some players."""
    engine = pairs("fixed", """\
def creating_session(subsession):
    if subsession.round_number == 1:
        subsession.group_randomly()
        for player in subsession.get_players():
            player.participant.vars["seen"] = [
                player.id_in_group, player.role,
                sorted(p.participant.id_in_session for p in player.group.get_players())]
""")
    session = engine.create_session("demo", seed=5)

    assert dbfile.group_matrices("pairs", session)[1] != [[1, 2], [3, 4], [5, 6]]
    for row in engine.participant_rows(session):
        with engine.view(row["code"]) as view:
            partners = sorted(p.participant.id_in_session for p in view.group.get_players())
            assert view.participant.vars["seen"] == [
                view.player.id_in_group, view.player.role, partners]
