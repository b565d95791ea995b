"""oTree's regrouping calls: ``group_randomly``, ``group_like_round``, ``get_group_matrix``,
and ``set_group_matrix`` in a wait page for all groups (regrouping the rest of the round).

Groups are read back from the database as matrices of participant numbers per round, and what
the next page shows (a partner's number) is read through the engine as a browser would.
"""

from __future__ import annotations

import pytest

from labctl.errors import ResearcherCodeError

pytestmark = pytest.mark.both_stores

SIX = 'name="demo", app_sequence=["pairs"], num_participants=6'

CREATING_APP = """\
import random

import labctl

app = labctl.App(players_per_group=2, num_rounds=2, roles=["first", "second"])


def creating_session(subsession):
    {body}


class Ask(labctl.Page):
    pass


page_sequence = [Ask]
"""


@pytest.fixture
def created(make_project, open_engine, dbfile):
    """``created(body)``: the pairs matrices per round after a creating_session of ``body``."""

    def make(body: str) -> dict[int, list[list[int]]]:
        project = make_project({"pairs": CREATING_APP.format(body=body)}, SIX)
        session = open_engine(project).create_session("demo", seed=1)
        return dbfile.group_matrices("pairs", session)

    return make


def test_get_group_matrix_gives_participant_numbers_that_set_group_matrix_takes(created):
    matrices = created("subsession.set_group_matrix("
                       "[row[::-1] for row in subsession.get_group_matrix()])")

    # round 2 starts as a copy of round 1 (fixed matching), which the hook reverses again
    assert matrices == {1: [[2, 1], [4, 3], [6, 5]], 2: [[1, 2], [3, 4], [5, 6]]}


def test_group_randomly_shuffles_everyone_into_groups_of_the_same_size(created):
    matrices = created("random.seed(subsession.round_number)\n"
                       "    subsession.group_randomly()")

    for matrix in matrices.values():
        assert sorted(n for row in matrix for n in row) == [1, 2, 3, 4, 5, 6]
        assert [len(row) for row in matrix] == [2, 2, 2]
    assert matrices[1] != [[1, 2], [3, 4], [5, 6]]
    assert matrices[1] != matrices[2]


def test_group_randomly_with_fixed_id_in_group_keeps_each_position(created):
    matrices = created("random.seed(3)\n    subsession.group_randomly(fixed_id_in_group=True)")

    assert matrices[1] != [[1, 2], [3, 4], [5, 6]]
    assert sorted(row[0] for row in matrices[1]) == [1, 3, 5]  # the "first" players stay first
    assert sorted(row[1] for row in matrices[1]) == [2, 4, 6]


def test_group_like_round_copies_an_earlier_rounds_groups(created):
    matrices = created("if subsession.round_number == 1:\n"
                       "        subsession.set_group_matrix([[1, 4], [5, 2], [3, 6]])\n"
                       "    else:\n"
                       "        subsession.group_like_round(1)")

    assert matrices == {1: [[1, 4], [5, 2], [3, 6]], 2: [[1, 4], [5, 2], [3, 6]]}


WAIT_APP = """\
import labctl

app = labctl.App(players_per_group=2, num_rounds=2)


class Ask(labctl.Page):
    pass


class Regroup(labctl.WaitPage):
    wait_for_all_groups = {all_groups}

    @staticmethod
    def after_all_players_arrive({target}):
        {body}


class Show(labctl.Page):
    @staticmethod
    def vars_for_template(player):
        partner = player.get_others_in_group()[0]
        return {{"partner": partner.participant.id_in_session}}


page_sequence = [Ask, Regroup, Show]
"""
REGROUP_ROUND_ONE = ("if subsession.round_number == 1:\n"
                     "            subsession.set_group_matrix([[1, 4], [2, 5], [3, 6]])")


def test_set_group_matrix_in_a_wait_page_for_all_groups_regroups_from_the_next_page_on(
        make_project, open_engine, driver_of, dbfile):
    project = make_project({"pairs": WAIT_APP.format(
        all_groups=True, target="subsession", body=REGROUP_ROUND_ONE)}, SIX)
    engine = open_engine(project)
    session = engine.create_session("demo", seed=1)
    driver = driver_of(engine)
    codes = driver.codes(session)
    for code in codes:
        driver.submit(code)

    shown = [driver.look(code) for code in codes]
    assert [seen.page for seen in shown] == ["Show"] * 6
    assert [seen.extra["partner"] for seen in shown] == [4, 5, 6, 1, 2, 3]
    assert dbfile.group_matrices("pairs", session) == {
        1: [[1, 4], [2, 5], [3, 6]], 2: [[1, 2], [3, 4], [5, 6]]}


def test_set_group_matrix_where_it_would_change_nothing_is_refused_by_name(
        make_project, open_engine, driver_of, dbfile):
    project = make_project({"pairs": WAIT_APP.format(
        all_groups=False, target="group",
        body="group.subsession.set_group_matrix([[1, 4], [2, 5], [3, 6]])")}, SIX)
    engine = open_engine(project)
    session = engine.create_session("demo", seed=1)
    driver = driver_of(engine)
    first, second = driver.codes(session)[:2]
    driver.submit(first)

    with pytest.raises(ResearcherCodeError) as raised:
        driver.submit(second)

    assert "set_group_matrix" in str(raised.value)
    assert "wait page with wait_for_all_groups = True" in str(raised.value)
    assert driver.look(second).page == "Ask"  # nothing of the step was saved
    assert dbfile.group_matrices("pairs", session)[1] == [[1, 2], [3, 4], [5, 6]]
