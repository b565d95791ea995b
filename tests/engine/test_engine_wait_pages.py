"""Wait pages: each group is released exactly once, even when everyone arrives at once.

The apps here count releases twice: in a group (or subsession) field, which shows what was
committed, and in a module-level list ``RELEASES``, which shows how often the hook really ran.
"""

from __future__ import annotations

import threading

import pytest

from labctl.records import Group, Subsession

pytestmark = pytest.mark.both_stores

GROUPS = 20
GROUP_SIZE = 4
JOIN_SECONDS = 60

GATHER_APP = """\
import labctl
from labctl import fields

RELEASES = []

app = labctl.App(players_per_group={size})


class Group(labctl.Group):
    releases = fields.Integer(min=0, required=False)


class Ready(labctl.Page):
    pass


class Gather(labctl.WaitPage):
    @staticmethod
    def is_displayed(player):
        return player.id_in_group not in {skipped!r}

    @staticmethod
    def after_all_players_arrive(group):
        group.releases = (group.releases or 0) + 1
        RELEASES.append((type(group).__name__, group.id_in_subsession))


class Done(labctl.Page):
    pass


page_sequence = [Ready, Gather, Done]
"""


@pytest.fixture
def gather(make_project, open_engine):
    """``gather(participants, size, skipped)``: (project, engine) of the counting app."""

    def make(participants: int, size: int = GROUP_SIZE, skipped: tuple[int, ...] = ()):
        project = make_project(
            {"gather": GATHER_APP.format(size=size, skipped=set(skipped) or set())},
            f'name="demo", app_sequence=["gather"], num_participants={participants}')
        return project, open_engine(project)

    return make


def releases_of(project):
    return project.apps["gather"].module.RELEASES


def run_together(calls, timeout=JOIN_SECONDS):
    """Run every call on its own thread, all released at the same moment; return results."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(position, call):
        barrier.wait(timeout=timeout)
        results[position] = call()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    assert not any(thread.is_alive() for thread in threads), "a submit never returned"
    return results


@pytest.mark.parametrize("engines", [1, 8], ids=["one-engine", "eight-connections"])
def test_eighty_simultaneous_arrivals_release_each_group_once(gather, open_engine, dbfile,
                                                              engines):
    project, engine = gather(GROUPS * GROUP_SIZE)
    session = engine.create_session("demo", seed=1)
    codes = [row["code"] for row in engine.participant_rows(session)]
    for code in codes:
        with engine.view(code) as view:
            assert (view.kind, view.index) == ("page", 0)
    pool = [engine] + [open_engine(project) for _ in range(engines - 1)]

    statuses = run_together([
        lambda code=code, n=n: pool[n % engines].submit(code, 0, {}).status
        for n, code in enumerate(codes)])

    assert statuses == ["advanced"] * len(codes)
    assert sorted(releases_of(project)) == [("Group", n) for n in range(1, GROUPS + 1)]
    assert [row["releases"] for row in dbfile.rows(
        "SELECT releases FROM gather_group ORDER BY id")] == [1] * GROUPS
    assert {(row["step"], row["page"]) for row in dbfile.rows(
        "SELECT step, page FROM participants")} == {(2, "Done")}
    released = dbfile.rows("SELECT group_key, step FROM wait_releases WHERE session_code = ?",
                           session)
    group_ids = [row["id"] for row in dbfile.rows("SELECT id FROM gather_group")]
    assert sorted(row["group_key"] for row in released) == sorted(
        f"group:{group_id}" for group_id in group_ids)
    assert {row["step"] for row in released} == {1}
    assert dbfile.value("SELECT COUNT(*) FROM page_visits WHERE page = 'Gather' AND "
                        "submitted_at IS NOT NULL") == len(codes)


def test_a_group_waits_until_its_last_member_arrives(gather, driver_of, dbfile):
    project, engine = gather(8)
    driver = driver_of(engine)
    session = engine.create_session("demo", seed=1)
    codes = driver.codes(session)

    waits = [driver.advance(code) for code in codes[:3]]

    assert [(seen.kind, seen.page, seen.waiting_for) for seen in waits] == [
        ("wait", "Gather", 3), ("wait", "Gather", 2), ("wait", "Gather", 1)]
    assert releases_of(project) == []
    assert dbfile.rows("SELECT * FROM wait_releases") == []
    assert driver.advance(codes[3]).page == "Done"
    assert [driver.look(code).page for code in codes[:4]] == ["Done"] * 4
    assert releases_of(project) == [("Group", 1)]
    assert [driver.look(code).kind for code in codes[4:]] == ["page"] * 4


def test_the_release_tells_the_waiting_members_and_not_the_one_who_caused_it(gather,
                                                                             driver_of):
    """The last member's own answer shows them their next page; an "advance" on their socket
    would be stale by the time they reach the next wait page."""
    _, engine = gather(4)
    driver = driver_of(engine)
    codes = driver.codes(engine.create_session("demo", seed=1))
    for code in codes[:3]:
        driver.advance(code)
    inboxes = {code: engine.hub.subscribe(f"participant:{code}") for code in codes}

    driver.advance(codes[3])

    told = {code: [inbox.get_nowait() for _ in range(inbox.qsize())]
            for code, inbox in inboxes.items()}
    assert told == {**{code: [{"type": "advance"}] for code in codes[:3]}, codes[3]: []}


@pytest.mark.parametrize("skipper_first", [True, False], ids=["skipper-first", "skipper-last"])
def test_a_member_who_does_not_see_the_wait_page_does_not_hold_the_group(
        gather, driver_of, dbfile, skipper_first):
    project, engine = gather(3, size=3, skipped=(3,))
    driver = driver_of(engine)
    codes = driver.codes(engine.create_session("demo", seed=1))
    order = [codes[2], codes[0], codes[1]] if skipper_first else codes

    shown = [driver.advance(code) for code in order]

    assert shown[-1].page == "Done"
    assert [driver.look(code).page for code in codes] == ["Done"] * 3
    assert releases_of(project) == [("Group", 1)]
    assert dbfile.value("SELECT releases FROM gather_group") == 1
    assert dbfile.rows("SELECT participant_id, skipped FROM wait_arrivals ORDER BY "
                       "participant_id") == [{"participant_id": 1, "skipped": 0},
                                             {"participant_id": 2, "skipped": 0},
                                             {"participant_id": 3, "skipped": 1}]
    assert [row["page"] for row in dbfile.rows(
        "SELECT page FROM page_visits WHERE participant_id = 3 ORDER BY step")] == [
        "Ready", "Done"]


ALL_GROUPS_APP = """\
import labctl
from labctl import fields

RELEASES = []

app = labctl.App(players_per_group=2)


class Subsession(labctl.Subsession):
    total = fields.Integer(required=False)


class Player(labctl.Player):
    number = fields.Integer(min=0, max=100)


class Ready(labctl.Page):
    form_fields = ["number"]


class Everyone(labctl.WaitPage):
    wait_for_all_groups = True

    @staticmethod
    def after_all_players_arrive(subsession):
        RELEASES.append(type(subsession).__name__)
        subsession.total = sum(p.number for p in subsession.get_players())
        for player in subsession.get_players():
            player.payoff = player.number


class Done(labctl.Page):
    pass


page_sequence = [Ready, Everyone, Done]
"""


def test_wait_for_all_groups_releases_the_subsession_once(make_project, open_engine, driver_of,
                                                          dbfile):
    project = make_project({"everyone": ALL_GROUPS_APP},
                           'name="demo", app_sequence=["everyone"], num_participants=6')
    engine = open_engine(project)
    driver = driver_of(engine)
    codes = driver.codes(engine.create_session("demo", seed=1))
    releases = project.apps["everyone"].module.RELEASES

    waiting = [driver.advance(code, {"number": str(10 * n)}).waiting_for
               for n, code in enumerate(codes[:5], start=1)]

    assert waiting == [5, 4, 3, 2, 1]
    assert releases == []
    assert driver.advance(codes[5], {"number": "60"}).page == "Done"
    assert releases == ["Subsession"]
    assert issubclass(project.apps["everyone"].subsession_class, Subsession)
    assert [driver.look(code).page for code in codes] == ["Done"] * 6
    assert dbfile.value("SELECT total FROM everyone_subsession") == 210
    assert dbfile.rows("SELECT group_key, step FROM wait_releases") == [
        {"group_key": "all", "step": 1}]
    assert [row["bonus"] for row in dbfile.rows("SELECT bonus FROM participants ORDER BY id")
            ] == [10, 20, 30, 40, 50, 60]


ARRIVAL_APP = """\
import labctl
from labctl import fields

RELEASES = []

app = labctl.App(players_per_group=2, roles=["first", "second"])


class Group(labctl.Group):
    releases = fields.Integer(required=False)


class Lobby(labctl.WaitPage):
    group_by_arrival_time = True

    @staticmethod
    def after_all_players_arrive(group):
        group.releases = (group.releases or 0) + 1
        RELEASES.append([p.participant.id_in_session for p in group.get_players()])


class Play(labctl.Page):
    pass


page_sequence = [Lobby, Play]
"""


def test_group_by_arrival_time_groups_in_order_of_arrival(make_project, open_engine, driver_of,
                                                          clock, dbfile):
    project = make_project({"arrival": ARRIVAL_APP},
                           'name="demo", app_sequence=["arrival"], num_participants=6')
    engine = open_engine(project)
    driver = driver_of(engine)
    session = engine.create_session("demo", seed=1)
    codes = driver.codes(session)
    assert dbfile.rows("SELECT * FROM arrival_group") == []
    releases = project.apps["arrival"].module.RELEASES
    order = [5, 2, 6, 1, 3, 4]

    first = None
    for position, number in enumerate(order):
        clock.advance(1)
        seen = driver.look(codes[number - 1])
        if position == 0:
            first = seen
            assert (seen.kind, seen.page, seen.group, seen.waiting_for) == (
                "wait", "Lobby", None, 1)
        else:
            assert seen.kind == ("page" if position % 2 else "wait")

    assert first is not None and driver.look(codes[4]).page == "Play"
    assert releases == [[5, 2], [6, 1], [3, 4]]
    assert dbfile.group_matrices("arrival", session) == {1: [[5, 2], [6, 1], [3, 4]]}
    assert dbfile.rows("SELECT pa.id_in_session AS number, pl.id_in_group, pl.role FROM "
                       "arrival_player pl JOIN participants pa ON pa.id = pl.participant_id "
                       "ORDER BY pl.group_id, pl.id_in_group") == [
        {"number": n, "id_in_group": 1 + i % 2, "role": ["first", "second"][i % 2]}
        for i, n in enumerate(order)]
    assert [row["releases"] for row in dbfile.rows("SELECT releases FROM arrival_group")
            ] == [1, 1, 1]
    assert len(dbfile.rows("SELECT * FROM wait_releases")) == 3


def test_hooks_see_the_group_and_subsession_records(make_project, open_engine, driver_of):
    project = make_project({"everyone": ALL_GROUPS_APP},
                           'name="demo", app_sequence=["everyone"], num_participants=2')
    engine = open_engine(project)
    driver = driver_of(engine)
    codes = driver.codes(engine.create_session("demo", seed=1))
    for code in codes:
        driver.advance(code, {"number": "1"})
    with engine.view(codes[0]) as view:
        assert isinstance(view.group, Group)
        assert isinstance(view.subsession, Subsession)
        assert [p.participant.code for p in view.group.get_players()] == codes


INITIAL_APP = """\
import labctl
from labctl import fields

app = labctl.App(players_per_group=2)


class Group(labctl.Group):
    releases = fields.Integer(initial=0)


class Ready(labctl.Page):
    pass


class Gather(labctl.WaitPage):
    @staticmethod
    def after_all_players_arrive(group):
        group.releases += 1


class Done(labctl.Page):
    pass


page_sequence = [Ready, Gather, Done]
"""


def test_a_hook_reads_the_initial_value_of_a_field_never_set(make_project, open_engine,
                                                             driver_of, dbfile):
    project = make_project({"initial": INITIAL_APP},
                           'name="demo", app_sequence=["initial"], num_participants=2')
    engine = open_engine(project)
    driver = driver_of(engine)
    codes = driver.codes(engine.create_session("demo", seed=1))
    for code in codes:
        driver.look(code)

    for code in codes:
        driver.advance(code)

    assert dbfile.value("SELECT releases FROM initial_group") == 1


def test_simultaneous_arrivals_form_each_group_once(make_project, open_engine, dbfile):
    source = ARRIVAL_APP.replace("players_per_group=2", "players_per_group=4").replace(
        'roles=["first", "second"]', 'roles=["a", "b", "c", "d"]')
    project = make_project({"arrival": source},
                           'name="demo", app_sequence=["arrival"], num_participants=40')
    engine = open_engine(project)
    codes = [row["code"] for row in engine.participant_rows(engine.create_session("demo"))]

    def arrive(code):
        with engine.view(code) as view:
            return view.kind

    kinds = run_together([lambda code=code: arrive(code) for code in codes])

    assert sorted(kinds) == ["page"] * 10 + ["wait"] * 30  # the last of each group moves on
    groups = project.apps["arrival"].module.RELEASES
    assert len(groups) == 10 and all(len(group) == 4 for group in groups)
    assert sorted(n for group in groups for n in group) == list(range(1, 41))
    assert {(row["step"], row["page"]) for row in dbfile.rows(
        "SELECT step, page FROM participants")} == {(1, "Play")}
    assert dbfile.value("SELECT COUNT(*) FROM arrival_group") == 10
    assert [row["releases"] for row in dbfile.rows("SELECT releases FROM arrival_group")] == [
        1] * 10
    assert dbfile.value("SELECT COUNT(*) FROM wait_releases") == 10


def test_groups_form_anew_by_arrival_in_every_round(make_project, open_engine, driver_of,
                                                    dbfile):
    source = ARRIVAL_APP.replace('roles=["first", "second"]',
                                 'roles=["first", "second"], num_rounds=2')
    project = make_project({"arrival": source},
                           'name="demo", app_sequence=["arrival"], num_participants=4')
    engine = open_engine(project)
    driver = driver_of(engine)
    session = engine.create_session("demo", seed=1)
    codes = driver.codes(session)

    for number in (4, 1, 3, 2):
        driver.look(codes[number - 1])
    for number in (2, 3, 4, 1):
        driver.advance(codes[number - 1])

    assert dbfile.group_matrices("arrival", session) == {1: [[4, 1], [3, 2]],
                                                         2: [[2, 3], [4, 1]]}
    assert [driver.look(code).page for code in codes] == ["Play"] * 4


def test_a_wait_page_nobody_sees_holds_nobody(gather, driver_of, dbfile):
    project, engine = gather(4, skipped=(1, 2, 3, 4))
    driver = driver_of(engine)
    codes = driver.codes(engine.create_session("demo", seed=1))

    pages = [driver.advance(code).page for code in codes]

    assert pages == ["Done"] * 4
    assert dbfile.value("SELECT COUNT(*) FROM page_visits WHERE page = 'Gather'") == 0
    # as in oTree, a wait page nobody was shown runs no after_all_players_arrive: it is a round
    # or role nobody played, and its hook would compute from fields nobody filled
    assert releases_of(project) == []
    assert dbfile.value("SELECT releases FROM gather_group") is None
    assert dbfile.value("SELECT COUNT(*) FROM wait_releases") == 1  # yet the group went on
