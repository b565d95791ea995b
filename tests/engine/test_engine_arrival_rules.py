"""Grouping at arrival by the app's rule (oTree's ``group_by_arrival_time_method``), in apps with
and without a fixed group size, and arrival pages passed over in round 2+ keeping round 1's
groups."""

from __future__ import annotations

import pytest

from labctl.errors import LabctlError

#: oTree's "new partner each round" recipe: pair only people who have not played together
NEW_PARTNER_APP = """\
import labctl

app = labctl.App(players_per_group=2, num_rounds=3)


def group_by_arrival_time_method(subsession, waiting_players):
    for first in waiting_players:
        met = first.participant.vars.get("met", set())
        for second in waiting_players:
            if second is not first and second.participant.id_in_session not in met:
                return [first, second]
    return None


class Lobby(labctl.WaitPage):
    group_by_arrival_time = True

    @staticmethod
    def after_all_players_arrive(group):
        players = group.get_players()
        for player in players:
            met = player.participant.vars.get("met", set())
            met |= {p.participant.id_in_session for p in players if p is not player}
            player.participant.vars["met"] = met


class Play(labctl.Page):
    pass


page_sequence = [Lobby, Play]
"""

#: oTree's "fall back to a solo task" recipe, in an app with no fixed group size
SOLO_APP = """\
import labctl
from labctl import fields

app = labctl.App(players_per_group=None)


class Player(labctl.Player):
    alone = fields.Boolean(required=False)


def group_by_arrival_time_method(subsession, waiting_players):
    if len(waiting_players) >= 3:
        return waiting_players[:3]
    for player in waiting_players:
        if labctl.waiting_seconds(player) > 60:
            player.alone = True
            return [player]
    return None


class Lobby(labctl.WaitPage):
    group_by_arrival_time = True


class Play(labctl.Page):
    pass


page_sequence = [Lobby, Play]
"""

#: arrival grouping in round 1 only; later rounds pass over the arrival page
ROUND_ONE_APP = """\
import labctl

app = labctl.App(players_per_group=2, num_rounds=3)


class Lobby(labctl.WaitPage):
    group_by_arrival_time = True

    @staticmethod
    def is_displayed(player):
        return player.round_number == 1


class Play(labctl.Page):
    pass


page_sequence = [Lobby, Play]
"""


def _session(make_project, open_engine, driver_of, source, count):
    project = make_project({"arrival": source},
                           f'name="demo", app_sequence=["arrival"], num_participants={count}')
    engine = open_engine(project)
    session = engine.create_session("demo", seed=1)
    return engine, driver_of(engine), session


def test_new_partner_each_round_never_repeats_a_pair(make_project, open_engine, driver_of,
                                                     dbfile):
    _engine, driver, session = _session(make_project, open_engine, driver_of, NEW_PARTNER_APP, 4)
    codes = driver.codes(session)
    for _round in range(3):
        # the same order every round: grouping in order of arrival would pair 1-2, 3-4 again
        for code in codes:
            assert driver.look(code).kind in ("wait", "page")
        for code in codes:
            seen = driver.look(code)
            assert seen.kind == "page", seen
            driver.advance(code)

    matrices = dbfile.group_matrices("arrival", session)
    pairs = [frozenset(pair) for groups in matrices.values() for pair in groups]
    assert len(pairs) == 6 and len(set(pairs)) == 6, matrices
    assert [driver.look(code).kind for code in codes] == ["finished"] * 4


def test_a_player_left_waiting_goes_on_alone_once_the_rule_says_so(
        make_project, open_engine, driver_of, dbfile, clock):
    engine, driver, session = _session(make_project, open_engine, driver_of, SOLO_APP, 4)
    codes = driver.codes(session)

    assert driver.look(codes[0]).kind == "wait"
    clock.advance(30)
    assert engine.group_waiting_arrivals() == 0
    assert driver.look(codes[0]).kind == "wait"
    clock.advance(31)
    assert engine.group_waiting_arrivals() == 1

    assert driver.look(codes[0]).page == "Play"
    assert dbfile.rows("SELECT alone, id_in_group FROM arrival_player WHERE group_id IS NOT "
                       "NULL") == [{"alone": 1, "id_in_group": 1}]


def test_a_group_of_three_forms_without_a_fixed_size_and_a_reload_asks_the_rule_again(
        make_project, open_engine, driver_of, dbfile, clock):
    _engine, driver, session = _session(make_project, open_engine, driver_of, SOLO_APP, 4)
    codes = driver.codes(session)

    assert [driver.look(code).kind for code in codes[:3]] == ["wait", "wait", "page"]
    assert dbfile.group_matrices("arrival", session) == {1: [[1, 2, 3]]}
    assert driver.look(codes[3]).kind == "wait"
    clock.advance(61)
    assert driver.look(codes[3]).page == "Play"  # seeing the page again asks the rule
    assert dbfile.group_matrices("arrival", session) == {1: [[1, 2, 3], [4]]}


@pytest.mark.parametrize(("returned", "message"), [
    ("42", "returned 42, not a list of players"),
    ("[waiting_players[0], waiting_players[0]]", "returned participant 1 twice"),
    ("[subsession]", "which is not one of the waiting_players"),
])
def test_a_rule_that_returns_no_waiting_players_is_refused_by_name(
        make_project, open_engine, driver_of, dbfile, returned, message):
    source = NEW_PARTNER_APP.replace(
        "    for first in waiting_players:", f"    return {returned}\n    for first in "
        "waiting_players:")
    _engine, driver, session = _session(make_project, open_engine, driver_of, source, 4)
    codes = driver.codes(session)

    with pytest.raises(LabctlError, match="group_by_arrival_time_method of app 'arrival'") as exc:
        driver.look(codes[0])

    assert message in str(exc.value)
    assert "arrival/__init__.py:6:" in str(exc.value)  # the method's own line
    assert dbfile.rows("SELECT * FROM arrival_group") == []
    assert dbfile.participant(codes[0])["step"] == -1  # nothing of that step was saved


def test_waiting_seconds_outside_the_rule_is_refused(make_project, open_engine, driver_of):
    source = ROUND_ONE_APP.replace(
        "        return player.round_number == 1",
        "        labctl.waiting_seconds(player)\n        return True")
    _engine, driver, session = _session(make_project, open_engine, driver_of, source, 2)

    with pytest.raises(LabctlError, match="known only inside group_by_arrival_time_method"):
        driver.look(driver.codes(session)[0])


def test_an_arrival_page_passed_over_in_later_rounds_keeps_round_one_groups(
        make_project, open_engine, driver_of, dbfile):
    _engine, driver, session = _session(make_project, open_engine, driver_of, ROUND_ONE_APP, 4)
    codes = driver.codes(session)
    for number in (3, 1, 4, 2):
        driver.look(codes[number - 1])

    # everyone plays on in session order, which arrival order would turn into 1-2, 3-4
    shown = driver.play(session, lambda seen: {})

    assert dbfile.group_matrices("arrival", session) == {
        1: [[3, 1], [4, 2]], 2: [[3, 1], [4, 2]], 3: [[3, 1], [4, 2]]}
    assert all(len(pages) == 3 for pages in shown.values())
    assert [driver.look(code).kind for code in codes] == ["finished"] * 4


#: oTree's "wait for specific people" recipe: in a group of four, odd and even positions
#: wait only for each other
SPECIFIC_PEOPLE_APP = """\
import labctl
from labctl import fields

app = labctl.App(players_per_group=4)


class Group(labctl.Group):
    releases = fields.Integer(initial=0)


class Ready(labctl.Page):
    pass


class Partners(labctl.WaitPage):
    @staticmethod
    def wait_for(player):
        return [p for p in player.group.get_players()
                if p.id_in_group % 2 == player.id_in_group % 2]

    @staticmethod
    def after_all_players_arrive(group):
        group.releases += 1


class Done(labctl.Page):
    pass


page_sequence = [Ready, Partners, Done]
"""


def test_a_wait_page_waits_only_for_the_people_wait_for_names(make_project, open_engine,
                                                              driver_of, dbfile):
    _engine, driver, session = _session(make_project, open_engine, driver_of,
                                        SPECIFIC_PEOPLE_APP, 4)
    codes = driver.codes(session)

    assert driver.advance(codes[0]).kind == "wait"
    assert driver.advance(codes[1]).kind == "wait"
    assert driver.advance(codes[2]).page == "Done"  # 3 is 1's partner: both go on

    assert [driver.look(code).page for code in codes] == ["Done", "Partners", "Done", "Ready"]
    assert dbfile.value("SELECT releases FROM arrival_group") == 1
    assert driver.advance(codes[3]).page == "Done"
    assert dbfile.value("SELECT releases FROM arrival_group") == 2
    assert sorted(row["group_key"] for row in dbfile.rows("SELECT group_key FROM "
                  "wait_releases")) == ["players:1,3", "players:2,4"]


def test_wait_for_returning_no_players_is_refused_at_its_line(make_project, open_engine,
                                                              driver_of):
    source = SPECIFIC_PEOPLE_APP.replace(
        "        return [p for p in", "        return 3\n        return [p for p in")
    _engine, driver, session = _session(make_project, open_engine, driver_of, source, 4)

    with pytest.raises(LabctlError, match=r"wait_for of .* returned 3, not a list of players"
                       ) as exc:
        driver.advance(driver.codes(session)[0])
    assert "arrival/__init__.py:16:" in str(exc.value)


#: a wait page with a limit: a player left waiting a minute goes on (or ends)
TIMED_WAIT_APP = """\
import labctl
from labctl import fields

app = labctl.App(players_per_group=2)


class Group(labctl.Group):
    releases = fields.Integer(initial=0)


class Ready(labctl.Page):
    pass


class Hold(labctl.WaitPage):
    timeout_seconds = 60
    after_timeout = "RULE"

    @staticmethod
    def after_all_players_arrive(group):
        group.releases += 1


class Done(labctl.Page):
    pass


page_sequence = [Ready, Hold, Done]
"""


@pytest.mark.parametrize(("rule", "first_is_on"), [("go_on_alone", "page"), ("end", "finished")])
def test_a_wait_page_timeout_moves_the_waiting_player_by_its_rule(
        make_project, open_engine, driver_of, dbfile, clock, rule, first_is_on):
    engine, driver, session = _session(make_project, open_engine, driver_of,
                                       TIMED_WAIT_APP.replace("RULE", rule), 2)
    first, second = driver.codes(session)
    assert driver.advance(first).kind == "wait"
    clock.advance(59)
    assert engine.expire_timeouts() == 0 and driver.look(first).kind == "wait"

    clock.advance(2)
    assert engine.expire_timeouts() == 1

    assert driver.look(first).kind == first_is_on
    assert dbfile.one("SELECT timed_out, submitted_at IS NOT NULL AS done FROM page_visits "
                      "WHERE participant_id = 1 AND page = 'Hold'") == {"timed_out": 1,
                                                                        "done": 1}
    # the other member is not held for the one who went on: released at once, hook once
    assert driver.advance(second).page == "Done"
    assert dbfile.value("SELECT releases FROM arrival_group") == 1


#: an experimenter gate: the group waits for the die the experimenter rolls in the room
GATE_APP = """\
import labctl
from labctl import fields

app = labctl.App(players_per_group=2)


class Group(labctl.Group):
    die = fields.Integer(min=1, max=6, label="Die")


class Ready(labctl.Page):
    pass


class Roll(labctl.ExperimenterGate):
    gate_field = "die"
    gate_label = "Die roll (1-6)"

    @staticmethod
    def after_all_players_arrive(group):
        for player in group.get_players():
            player.payoff = group.die


class Done(labctl.Page):
    pass


page_sequence = [Ready, Roll, Done]
"""


def test_a_gate_waits_for_the_experimenters_value_and_stores_it(make_project, open_engine,
                                                                 driver_of, dbfile):
    engine, driver, session = _session(make_project, open_engine, driver_of, GATE_APP, 2)
    first, second = driver.codes(session)
    driver.advance(first)

    assert driver.advance(second).kind == "wait"  # everyone is there: still closed
    (row, _) = engine.monitor(session)
    assert (row.action, row.answer_fields) == (None, [{"name": "die", "label": "Die roll (1-6)"}])
    with pytest.raises(LabctlError, match=r"die: .*at most 6"):
        engine.admin_advance(first, session, row.step, answers={"die": "7"})
    assert driver.look(first).kind == "wait"

    assert engine.admin_advance(first, session, row.step, answers={"die": "4"}) == "open gate"

    assert [driver.look(code).page for code in (first, second)] == ["Done", "Done"]
    assert dbfile.value("SELECT die FROM arrival_group") == 4
    assert [r["bonus"] for r in dbfile.rows("SELECT bonus FROM participants")] == [4, 4]
    assert dbfile.one("SELECT action FROM admin_actions") == {"action": "open gate"}


def test_a_gate_opened_early_lets_the_last_member_pass_when_they_come(
        make_project, open_engine, driver_of, dbfile):
    engine, driver, session = _session(make_project, open_engine, driver_of, GATE_APP, 2)
    first, second = driver.codes(session)
    waiting = driver.advance(first)
    assert waiting.kind == "wait"

    engine.admin_advance(first, session, waiting.index, answers={"die": "2"})

    assert driver.look(first).page == "Done"
    assert driver.advance(second).page == "Done"
    assert dbfile.value("SELECT die FROM arrival_group") == 2
