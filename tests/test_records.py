"""Records hold field values, track what changed and reach neighbours through a navigator."""

import pytest

import labctl
from labctl import fields
from labctl.errors import FieldValueError, ModelError


class Player(labctl.Player):
    age = fields.Integer(min=0)
    note = fields.Text(initial="none")


class Group(labctl.Group):
    total = fields.Money(initial=0)


class Navigator:
    """A tiny in-memory navigator: what the engine provides for a running session."""

    def __init__(self, rounds):
        self.rounds = rounds  # {round_number: (group, [players])}

    def player_in_round(self, player, round_number):
        _, players = self.rounds[round_number]
        return next(p for p in players if p.participant is player.participant)

    def group_players(self, group):
        return self.rounds[group.round_number][1]

    def subsession_groups(self, subsession):
        return [self.rounds[subsession.round_number][0]]


@pytest.fixture
def two_rounds():
    people = [labctl.Participant(f"code{i}", i) for i in (1, 2)]
    rounds = {}
    for round_number in (1, 2):
        group = Group(id_in_subsession=1, round_number=round_number)
        players = [Player(id_in_group=i, round_number=round_number, role=role, age=20 + i)
                   for i, role in ((1, "proposer"), (2, "responder"))]
        for player, person in zip(players, people, strict=True):
            player.participant = person
            player.group = group
        rounds[round_number] = (group, players)
    navigator = Navigator(rounds)
    for group, players in rounds.values():
        for record in (group, *players):
            record._navigator = navigator
    return rounds


def test_fields_are_collected_in_declaration_order_with_payoff_built_in():
    assert list(Player.declared_fields()) == ["payoff", "age", "note"]


def test_initial_values_and_assignment():
    player = Player()
    assert player.note == "none"
    assert player.payoff == 0
    assert player.age is None
    player.age = 30
    assert player.field_values() == {"payoff": 0, "age": 30, "note": "none"}


def test_only_changed_fields_are_written_back():
    player = Player(age=30)
    assert player.changed_fields() == {}
    player.payoff = 250
    assert player.changed_fields() == {"payoff": 250}


def test_assignment_checks_the_type():
    player = Player()
    with pytest.raises(ModelError, match=r"Player.payoff = 2.5 is not a whole amount"):
        player.payoff = 2.5
    with pytest.raises(FieldValueError):
        player.age = "thirty"


def test_unknown_field_is_refused():
    with pytest.raises(ModelError, match="no field 'height'"):
        Player(height=180)


def test_navigation_without_a_session_says_why():
    with pytest.raises(ModelError, match="not part of a running session"):
        Group().get_players()


def test_group_navigation(two_rounds):
    group, (first, second) = two_rounds[1]
    assert group.get_players() == [first, second]
    assert group.get_player_by_role("responder") is second
    assert group.get_player_by_id(1) is first
    assert first.get_others_in_group() == [second]
    with pytest.raises(ModelError, match="no player with role 'dictator'"):
        group.get_player_by_role("dictator")


def test_round_navigation(two_rounds):
    _, (_, second_round_two) = two_rounds[2]
    _, (_, second_round_one) = two_rounds[1]
    assert second_round_two.in_round(1) is second_round_one
    assert second_round_two.in_previous_rounds() == [second_round_one]
    assert second_round_two.in_all_rounds() == [second_round_one, second_round_two]


def test_session_params_override_the_session_type():
    session_type = labctl.SessionType(name="s", app_sequence=["a"], params={"x": 1, "y": 2})
    session = labctl.Session("abc", session_type, params={"y": 3})
    assert session.params == {"x": 1, "y": 3}
    assert session.currency == "EUR"


def test_subsession_group_matrix():
    subsession = labctl.Subsession()
    subsession.set_group_matrix([(1, 3), (2, 4)])
    assert subsession.group_matrix == [[1, 3], [2, 4]]


def test_session_type_records_where_it_is_declared():
    session_type = labctl.SessionType(name="s", app_sequence=["a"])
    assert session_type.defined_at[0] == __file__
    assert session_type.title == "S"
    assert session_type.batch_name == "s"
    assert not session_type.pays_points
