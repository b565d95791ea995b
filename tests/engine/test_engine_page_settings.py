"""Per-player page settings, as oTree runs them: ``get_timeout_seconds`` (a time budget across
pages), ``timer_text``, ``get_form_fields``, the module-level field hooks ``<field>_choices``,
``_min``, ``_max``, ``_error_message``, and ``app_after_this_page``.

Every project here passes ``labctl validate`` (``make_project`` checks it), so these hooks are
neither refused nor ignored: what a participant is shown and what is saved is read back.
"""

from __future__ import annotations

import pytest

from labctl.errors import ModelError

pytestmark = pytest.mark.both_stores

BUDGET_APP = """\
import time

import labctl

app = labctl.App(players_per_group=None)
NOW = time.time  # the test puts the engine's clock here


class Start(labctl.Page):
    @staticmethod
    def before_next_page(player, timed_out):
        player.participant.vars["expiry"] = NOW() + 300


class Task(labctl.Page):
    timer_text = "Time left for all tasks:"

    @staticmethod
    def get_timeout_seconds(player):
        return player.participant.vars["expiry"] - NOW()


class Task2(Task):
    pass


class End(labctl.Page):
    pass


page_sequence = [Start, Task, Task2, End]
"""


def test_get_timeout_seconds_keeps_a_time_budget_across_pages(make_project, open_engine,
                                                              driver_of, clock):
    project = make_project({"budget": BUDGET_APP},
                           'name="demo", app_sequence=["budget"], num_participants=1')
    project.apps["budget"].module.NOW = clock
    engine = open_engine(project)
    driver = driver_of(engine)
    (code,) = driver.codes(engine.create_session("demo", seed=1))

    assert driver.look(code).seconds_left is None  # Start has no timeout
    assert driver.advance(code).seconds_left == 300
    clock.advance(200)
    assert driver.advance(code).seconds_left == 100  # Task2: what is left of the 300
    with engine.view(code) as view:
        assert view.timer_text == "Time left for all tasks:"
    clock.advance(150)
    engine.expire_timeouts()

    assert driver.look(code).page == "End"


def test_an_expired_budget_times_the_page_out_at_once(make_project, open_engine, driver_of,
                                                      clock):
    project = make_project({"budget": BUDGET_APP},
                           'name="demo", app_sequence=["budget"], num_participants=1')
    project.apps["budget"].module.NOW = clock
    engine = open_engine(project)
    driver = driver_of(engine)
    (code,) = driver.codes(engine.create_session("demo", seed=1))
    driver.advance(code)
    clock.advance(400)  # the whole budget spent on Task
    driver.submit(code)

    assert driver.look(code).seconds_left == 0
    clock.advance(engine.timeout_grace)  # the grace every deadline gets for slow clocks
    engine.expire_timeouts()
    assert driver.look(code).page == "End"


FORM_APP = """\
import labctl
from labctl import fields

app = labctl.App(players_per_group=2, roles=["poor", "rich"])


class Player(labctl.Player):
    contribution = fields.Integer(min=0, max=1000)
    color = fields.Text(choices=["red", "green", "blue"], required=False)
    note = fields.Text(required=False)


def contribution_max(player):
    return 10 if player.role == "poor" else 100


def color_choices(player):
    return ["red", "blue"] if player.role == "poor" else ["green"]


def contribution_error_message(player, value):
    if value % 2:
        return "Please give an even number."


class Give(labctl.Page):
    @staticmethod
    def get_form_fields(player):
        return ["contribution", "color"] if player.role == "poor" else ["contribution", "note"]


class End(labctl.Page):
    pass


page_sequence = [Give, End]
"""


@pytest.fixture
def give(make_project, open_engine, driver_of):
    """(engine, driver, poor, rich) of a session of the per-player form app."""
    project = make_project({"give": FORM_APP}, 'name="demo", app_sequence=["give"]')
    engine = open_engine(project)
    driver = driver_of(engine)
    poor, rich = driver.codes(engine.create_session("demo", 2, seed=1))
    return engine, driver, poor, rich


def test_get_form_fields_gives_each_player_their_own_form(give, dbfile):
    _engine, driver, poor, rich = give

    assert driver.look(poor).fields == ("contribution", "color")
    assert driver.look(rich).fields == ("contribution", "note")
    assert driver.submit(rich, {"contribution": "50", "note": "hi"}).advanced
    assert dbfile.one("SELECT contribution, note FROM give_player WHERE role = 'rich'") == {
        "contribution": 50, "note": "hi"}


def test_field_hooks_set_each_players_bounds_and_choices(give, dbfile):
    engine, driver, poor, rich = give
    with engine.view(poor) as view:
        shown = {f.name: f for f in view.fields}
        assert (shown["contribution"].max, shown["color"].choice_values()) == (10, ["red", "blue"])

    refused = driver.submit(poor, {"contribution": "20", "color": "green"})

    assert refused.status == "invalid"
    assert set(refused.errors) == {"contribution", "color"}
    assert "10" in refused.errors["contribution"]
    assert driver.submit(rich, {"contribution": "20", "note": ""}).advanced
    assert driver.submit(poor, {"contribution": "8", "color": "blue"}).advanced
    assert [row["contribution"] for row in dbfile.rows(
        "SELECT contribution FROM give_player ORDER BY id")] == [8, 20]
    # the declared field is untouched: the hooks' values are for one player's form
    assert engine.project.apps["give"].player_class.declared_fields()["contribution"].max == 1000


def test_a_field_error_message_hook_refuses_the_value_with_its_message(give):
    _engine, driver, poor, _rich = give

    refused = driver.submit(poor, {"contribution": "7", "color": "red"})

    assert refused.errors == {"contribution": "Please give an even number."}
    assert driver.look(poor).page == "Give"


def test_get_form_fields_naming_no_field_is_refused_by_name(make_project, open_engine,
                                                           driver_of):
    source = FORM_APP.replace('["contribution", "note"]', '["contribution", "nots"]')
    project = make_project({"give": source}, 'name="demo", app_sequence=["give"]')
    engine = open_engine(project)
    _poor, rich = driver_of(engine).codes(engine.create_session("demo", 2, seed=1))

    with pytest.raises(ModelError, match="get_form_fields of page Give") as raised:
        driver_of(engine).look(rich)

    assert "nots" in str(raised.value)


def test_get_form_fields_returning_nothing_asks_that_player_nothing(make_project, open_engine,
                                                                   driver_of, dbfile):
    # an oTree app whose hook only returns for some players: `else: pass` falls off with None
    source = FORM_APP.replace(
        'return ["contribution", "color"] if player.role == "poor" else ["contribution", "note"]',
        'if player.role == "poor":\n            return ["contribution", "color"]')
    project = make_project({"give": source}, 'name="demo", app_sequence=["give"]')
    engine = open_engine(project)
    driver = driver_of(engine)
    _poor, rich = driver.codes(engine.create_session("demo", 2, seed=1))

    assert driver.look(rich).fields == ()
    assert driver.advance(rich, {}).page == "End"
    assert dbfile.one("SELECT contribution FROM give_player WHERE role = 'rich'") == {
        "contribution": None}


SKIP_FIRST = """\
import labctl

app = labctl.App(players_per_group=None)


class Choose(labctl.Page):
    @staticmethod
    def app_after_this_page(player, upcoming_apps):
        assert upcoming_apps == ["middle", "last"]
        if player.participant.id_in_session == 1:
            return upcoming_apps[-1]


page_sequence = [Choose]
"""
SKIP_MIDDLE = """\
import labctl

app = labctl.App(players_per_group=None)


class Together(labctl.WaitPage):
    pass


class Middle(labctl.Page):
    pass


page_sequence = [Together, Middle]
"""
SKIP_LAST = """\
import labctl

app = labctl.App(players_per_group=None)


class Last(labctl.Page):
    pass


page_sequence = [Last]
"""


WAIT_THEN_SKIP = """\
import labctl

app = labctl.App(players_per_group=2)


class Group(labctl.Group):
    pass


class Choose(labctl.Page):
    pass


class Sort(labctl.WaitPage):
    @staticmethod
    def after_all_players_arrive(group):
        for player in group.get_players():
            player.participant.vars["skip"] = player.id_in_group == 1

    @staticmethod
    def app_after_this_page(player, upcoming_apps):
        assert upcoming_apps == ["middle", "last"]
        if player.participant.vars["skip"]:
            return "last"


page_sequence = [Choose, Sort]
"""


SKIP_ALL = SKIP_FIRST.replace("""        if player.participant.id_in_session == 1:
            return upcoming_apps[-1]""", """        return upcoming_apps[-1]""")
NEVER_PLAYED = """\
import labctl

app = labctl.App(players_per_group=2)


class Together(labctl.WaitPage):
    @staticmethod
    def after_all_players_arrive(group):
        raise RuntimeError("a skipped app's hook ran")


class Middle(labctl.Page):
    pass


page_sequence = [Together, Middle]
"""


def test_the_wait_page_hook_of_an_app_everyone_skipped_does_not_run(
        make_project, open_engine, driver_of):
    # oTree never runs the hooks of an app its players skipped with app_after_this_page
    assert SKIP_ALL != SKIP_FIRST
    project = make_project({"first": SKIP_ALL, "middle": NEVER_PLAYED, "last": SKIP_LAST},
                           'name="demo", app_sequence=["first", "middle", "last"]')
    engine = open_engine(project)
    driver = driver_of(engine)
    one, two = driver.codes(engine.create_session("demo", 2, seed=1))

    assert driver.advance(one).app == "last"
    assert driver.advance(two).app == "last"  # the last skipper released nobody's hook


def test_app_after_this_page_on_a_wait_page_sends_each_released_player_on(
        make_project, open_engine, driver_of):
    # oTree asks a wait page's app_after_this_page too, for each player it lets go
    project = make_project({"first": WAIT_THEN_SKIP, "middle": SKIP_MIDDLE, "last": SKIP_LAST},
                           'name="demo", app_sequence=["first", "middle", "last"]')
    engine = open_engine(project)
    driver = driver_of(engine)
    one, two = driver.codes(engine.create_session("demo", 2, seed=1))

    assert driver.advance(one).page == "Sort"  # waits for the other
    driver.advance(two)  # the last to arrive: both are let go
    placed = {code: driver.look(code) for code in (one, two)}
    skipped = next(code for code, seen in placed.items() if seen.app == "last")
    stayed = next(code for code, seen in placed.items() if seen.app != "last")
    assert (placed[skipped].page, placed[stayed].page) == ("Last", "Middle")


def test_app_after_this_page_skips_to_a_later_app_and_nobody_waits_for_the_skipper(
        make_project, open_engine, driver_of):
    project = make_project({"first": SKIP_FIRST, "middle": SKIP_MIDDLE, "last": SKIP_LAST},
                           'name="demo", app_sequence=["first", "middle", "last"]')
    engine = open_engine(project)
    driver = driver_of(engine)
    skipper, stayer = driver.codes(engine.create_session("demo", 2, seed=1))

    assert (driver.advance(skipper).app, driver.look(skipper).page) == ("last", "Last")
    assert driver.advance(stayer).page == "Middle"  # the wait page does not wait for them


HOOK_CHOICES_APP = """\
import labctl
from labctl import fields

app = labctl.App(players_per_group=None)


class Player(labctl.Player):
    pick = fields.Integer(widget="radio")  # its choices come from the hook, as in oTree


def pick_choices(player):
    return [[1, "One"], [2, "Two"], [3, "Three"]]


class Choose(labctl.Page):
    form_fields = ["pick"]


page_sequence = [Choose]
"""


def test_a_radio_field_may_take_its_choices_from_its_hook_alone(make_project, open_engine,
                                                                 driver_of, dbfile):
    project = make_project({"hook": HOOK_CHOICES_APP},  # validates: no LC144
                           'name="demo", app_sequence=["hook"]')
    engine = open_engine(project)
    driver = driver_of(engine)
    (code,) = driver.codes(engine.create_session("demo", 1, seed=1))
    with engine.view(code) as view:
        assert view.fields[0].choice_values() == [1, 2, 3]
    assert driver.submit(code, {"pick": "5"}).status == "invalid"
    assert driver.advance(code, {"pick": "2"}).kind == "finished"
    assert dbfile.one("SELECT pick FROM hook_player") == {"pick": 2}
