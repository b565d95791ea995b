"""Rooms, the live monitor and the experimenter's actions, on the engine without HTTP.

- Rooms: a seat joins the session open in its room (the newest one), claims the next free
  participant, keeps it on every later visit, and is refused when it is not a seat of the room or
  when every participant already has a seat.
- ``monitor``: each participant's status ('not started', 'playing', 'waiting', 'finished'), page,
  time on page (the fake clock) and whom a waiting participant waits for.
- ``admin_advance``: submits a page with its timeout values, or releases the wait page a
  participant is on; logged. A released group stays released: ``after_all_players_arrive`` runs
  once, even when the last member arrives after the experimenter forced the release.
"""

from __future__ import annotations

import threading

import pytest

from labctl.engine import SessionFull, UnknownSeat
from labctl.errors import LabctlError, ProjectError, ResearcherCodeError

pytestmark = pytest.mark.both_stores

SEATS = [f"PC{n:02d}" for n in range(1, 9)]  # sample_sessions/lab1_seats.txt

# step indexes of the sample session
SEND, WAIT_FOR_TRUSTOR, SEND_BACK, TRUST_RESULTS_WAIT, TRUST_RESULTS = range(5)
OFFER_1, WAIT_FOR_OFFER_1, RESPOND_1, RESULTS_WAIT_1, RESULTS_1 = range(5, 10)
FINISHED = 17

JOIN_SECONDS = 30

GATHER_APP = """\
import labctl
from labctl import fields

RELEASES = []

app = labctl.App(players_per_group=2)


class Group(labctl.Group):
    releases = fields.Integer(min=0, required=False)


class Ready(labctl.Page):
    pass


class Gather(labctl.WaitPage):
    @staticmethod
    def after_all_players_arrive(group):
        group.releases = (group.releases or 0) + 1
        RELEASES.append(group.id_in_subsession)
        for player in group.get_players():
            player.payoff = 100 * player.id_in_group + 50


class Done(labctl.Page):
    pass


page_sequence = [Ready, Gather, Done]
"""
READY, GATHER, DONE, GATHER_FINISHED = range(4)


@pytest.fixture
def gather(make_project, open_engine):
    """(project, engine, session code, participant codes) of a 4-person counting app: groups
    (1, 2) and (3, 4) meet at a wait page whose hook counts its runs and sets payoffs."""
    project = make_project({"gather": GATHER_APP},
                           'name="demo", app_sequence=["gather"], num_participants=4')
    engine = open_engine(project)
    session = engine.create_session("demo", 4, seed=1)
    codes = [row["code"] for row in engine.participant_rows(session)]
    return project, engine, session, codes


def releases_of(project):
    return project.apps["gather"].module.RELEASES


def row_of(engine, session, code):
    return next(r for r in engine.monitor(session) if r.code == code)


# -- rooms --------------------------------------------------------------------------------------


def test_a_seat_waits_while_no_session_is_open_in_the_room(engine, dbfile):
    assert engine.join_room("lab1", "PC01") is None
    assert engine.join_room("lab1", "PC01") is None  # asking again creates nothing either
    assert engine.room_is_open("lab1") is False
    assert engine.session_rows() == []
    # a session without a room does not open the room
    engine.create_session("my_session", 2, seed=1)
    assert engine.join_room("lab1", "PC01") is None
    assert engine.room_is_open("lab1") is False
    assert dbfile.value("SELECT COUNT(*) FROM participants WHERE label IS NOT NULL") == 0


def test_seats_claim_participants_in_order_and_keep_them(engine, dbfile):
    session = engine.create_session("my_session", 4, seed=1, room="lab1")
    codes = [row["code"] for row in engine.participant_rows(session)]
    assert engine.room_is_open("lab1") is True
    assert [row["label"] for row in engine.participant_rows(session)] == [None] * 4

    assert engine.join_room("lab1", "PC05") == codes[0]
    assert engine.join_room("lab1", "PC02") == codes[1]
    for _ in range(3):  # a reload, a second tab, a restarted browser: the same participant
        assert engine.join_room("lab1", "PC05") == codes[0]
        assert engine.join_room("lab1", "PC02") == codes[1]
    assert engine.join_room("lab1", "PC07") == codes[2]

    labels = {row["code"]: row["label"] for row in dbfile.rows(
        "SELECT code, label FROM participants WHERE session_code = ?", session)}
    assert labels == {codes[0]: "PC05", codes[1]: "PC02", codes[2]: "PC07", codes[3]: None}
    assert [r.label for r in engine.monitor(session)] == ["PC05", "PC02", "PC07", None]
    # joining only claims the seat: nobody has started yet
    assert [r.status for r in engine.monitor(session)] == ["not started"] * 4


def test_a_room_session_is_as_large_as_the_room_by_default(engine):
    session = engine.create_session("my_session", room="lab1", seed=1)
    assert len(engine.participant_rows(session)) == len(SEATS)
    codes = {engine.join_room("lab1", label) for label in SEATS}
    assert len(codes) == len(SEATS)


def test_an_unknown_seat_or_room_is_refused_and_changes_nothing(engine, dbfile):
    with pytest.raises(UnknownSeat, match="'PC99' is not a seat of room 'Economics lab'"):
        engine.join_room("lab1", "PC99")  # refused even while no session is open
    session = engine.create_session("my_session", 2, seed=1, room="lab1")
    before = dbfile.snapshot()
    for label in ("PC99", "pc01", "", " PC01", "PC01/"):
        with pytest.raises(UnknownSeat):
            engine.join_room("lab1", label)
    with pytest.raises(ProjectError):
        engine.join_room("no_such_room", "PC01")
    with pytest.raises(ProjectError):
        engine.room_is_open("no_such_room")
    assert dbfile.snapshot() == before
    assert engine.join_room("lab1", "PC01") == engine.participant_rows(session)[0]["code"]


def test_a_seat_beyond_the_sessions_size_is_refused(engine, dbfile):
    session = engine.create_session("my_session", 2, seed=1, room="lab1")
    first, second = (engine.join_room("lab1", label) for label in ("PC01", "PC02"))
    before = dbfile.snapshot()
    with pytest.raises(SessionFull, match="every place in this session is taken"):
        engine.join_room("lab1", "PC03")
    assert dbfile.snapshot() == before
    # the seats that have a participant keep getting it
    assert engine.join_room("lab1", "PC02") == second
    assert engine.join_room("lab1", "PC01") == first
    assert {r["label"] for r in engine.participant_rows(session)} == {"PC01", "PC02"}


def test_seats_join_the_newest_session_of_the_room(engine):
    old = engine.create_session("my_session", 2, seed=1, room="lab1")
    old_code = engine.join_room("lab1", "PC01")
    new = engine.create_session("my_session", 2, seed=2, room="lab1")
    new_code = engine.join_room("lab1", "PC01")
    assert new_code != old_code
    assert new_code in [r["code"] for r in engine.participant_rows(new)]
    assert [r["label"] for r in engine.participant_rows(old)] == ["PC01", None]
    assert [r["label"] for r in engine.participant_rows(new)] == ["PC01", None]


def test_opening_a_room_session_tells_the_rooms_seats(engine):
    seats = engine.hub.subscribe("room:lab1")
    other_room = engine.hub.subscribe("room:lab2")
    engine.create_session("my_session", 2, seed=1)  # not in the room: no message
    assert seats.empty()
    engine.create_session("my_session", 2, seed=1, room="lab1")
    assert seats.get_nowait() == {"type": "advance"}
    assert seats.empty() and other_room.empty()


def test_a_seat_joining_tells_the_monitor(engine):
    session = engine.create_session("my_session", 2, seed=1, room="lab1")
    monitor = engine.hub.subscribe(f"monitor:{session}")
    engine.join_room("lab1", "PC01")
    assert monitor.get_nowait() == {"type": "update"}


# -- the monitor --------------------------------------------------------------------------------


def test_monitor_rows_follow_the_participants(engine, driver, bot, clock, dbfile):
    session = engine.create_session("my_session", 4, seed=8)
    codes = driver.codes(session)
    rows = engine.monitor(session)
    assert [(r.id_in_session, r.code, r.label, r.status, r.app, r.round_number, r.page,
             r.seconds_on_page, r.waiting_for, r.bonus) for r in rows] == [
        (n, code, None, "not started", None, None, None, None, [], 0)
        for n, code in enumerate(codes, start=1)]

    trustor, trustee = codes[0], codes[1]  # the first trust group
    driver.look(trustor)
    driver.look(trustee)
    clock.advance(12.5)
    row = row_of(engine, session, trustor)
    assert (row.status, row.app, row.round_number, row.page, row.seconds_on_page,
            row.waiting_for) == ("playing", "trust", 1, "Send", 12.5, [])
    row = row_of(engine, session, trustee)
    assert (row.status, row.page, row.seconds_on_page, row.waiting_for) == (
        "waiting", "WaitForTrustor", 12.5, ["#1"])  # no label: the participant's number
    assert row_of(engine, session, codes[2]).status == "not started"

    driver.advance(trustor, {"sent_amount": "4.00"})
    clock.advance(3)
    row = row_of(engine, session, trustor)
    assert (row.status, row.page, row.seconds_on_page, row.waiting_for) == (
        "waiting", "ResultsWait", 3.0, ["#2"])
    row = row_of(engine, session, trustee)
    assert (row.status, row.page, row.seconds_on_page, row.waiting_for) == (
        "playing", "SendBack", 3.0, [])

    driver.play(session, bot.answer)
    payoffs = bot.trust_payoffs()
    ultimatum = bot.ultimatum_payoffs(dbfile.group_matrices("ultimatum", session))
    for row in engine.monitor(session):
        assert (row.status, row.app, row.round_number, row.page, row.seconds_on_page,
                row.waiting_for) == ("finished", None, None, None, None, [])
        assert row.bonus == payoffs[row.id_in_session] + ultimatum[row.id_in_session]
    assert row.as_dict()["status"] == "finished"


def test_monitor_names_the_awaited_seats_by_label(engine):
    session = engine.create_session("my_session", 2, seed=1, room="lab1")
    trustor, trustee = (engine.join_room("lab1", label) for label in ("PC04", "PC03"))
    with engine.view(trustee):
        pass
    assert row_of(engine, session, trustee).waiting_for == ["PC04"]
    with engine.view(trustor):
        pass
    engine.submit(trustor, SEND, {"sent_amount": "1.00"})
    assert row_of(engine, session, trustor).waiting_for == ["PC03"]


def test_the_monitor_of_an_unknown_session_is_an_error(engine):
    with pytest.raises(LabctlError, match="no session 'nosuchsession'"):
        engine.monitor("nosuchsession")


# -- advancing a participant on a page ----------------------------------------------------------


@pytest.fixture
def at_respond(engine, driver, bot):
    """Round 1 of the ultimatum, offers made: (session, responders, proposers)."""
    session = engine.create_session("my_session", 4, seed=8)
    driver.play(session, bot.answer, stop=lambda seen: seen.page == "Respond")
    codes = driver.codes(session)
    responders = [c for c in codes if driver.look(c).page == "Respond"]
    proposers = [c for c in codes if c not in responders]
    assert len(responders) == 2
    assert {driver.look(c).page for c in proposers} == {"ResultsWait"}
    return session, responders, proposers


def group_offer_accepted(dbfile, code, round_number=1):
    return dbfile.value("SELECT g.offer_accepted FROM ultimatum_player p JOIN ultimatum_group g "
                        "ON g.id = p.group_id WHERE p.participant_code = ? AND "
                        "p.round_number = ?", code, round_number)


def partner_of(dbfile, code, app="ultimatum", round_number=1):
    return dbfile.value(f'SELECT o.participant_code FROM "{app}_player" p JOIN "{app}_player" o '
                        "ON o.group_id = p.group_id AND o.id != p.id WHERE "
                        "p.participant_code = ? AND p.round_number = ?", code, round_number)


def test_advance_submits_the_page_with_its_timeout_values(engine, driver, dbfile, clock,
                                                          at_respond):
    session, responders, _ = at_respond
    responder = responders[0]
    proposer = partner_of(dbfile, responder)
    monitor = engine.hub.subscribe(f"monitor:{session}")
    mine = engine.hub.subscribe(f"participant:{responder}")
    theirs = engine.hub.subscribe(f"participant:{proposer}")
    clock.advance(5)  # long before the page's own 120 s timeout

    assert engine.admin_advance(responder) == "advance"

    assert group_offer_accepted(dbfile, responder) == 0  # timeout_submission: rejected
    visit = dbfile.one("SELECT v.* FROM page_visits v JOIN participants p ON "
                       "p.id = v.participant_id WHERE p.code = ? AND v.step = ?",
                       responder, RESPOND_1)
    assert (visit["timed_out"], visit["seconds"]) == (1, 5.0)
    # the responder was the last of the group: both see the results, with no payoff
    assert driver.look(responder).page == driver.look(proposer).page == "Results"
    for code in (responder, proposer):
        assert dbfile.value("SELECT payoff FROM ultimatum_player WHERE participant_code = ? "
                            "AND round_number = 1", code) == 0
    # the other responder was not touched
    assert driver.look(responders[1]).page == "Respond"
    assert engine.admin_actions(session) == [{
        "id": 1, "session_code": session, "participant_code": responder, "action": "advance",
        "step": RESPOND_1, "page": "ultimatum round 1, page Respond",
        "at": "2023-11-14T22:13:25.000000+00:00"}]
    # both pages move on by themselves, and the monitor refreshes
    assert mine.get_nowait() == {"type": "advance"}
    assert theirs.get_nowait() == {"type": "advance"}
    assert monitor.get_nowait() == {"type": "update"}


def test_advance_submits_the_timeout_values(engine, driver, dbfile):
    """The trust game's Send declares ``timeout_submission``: sent_amount 0, and the trustee
    is released to SendBack."""
    session = engine.create_session("my_session", 2, seed=1)
    trustor, trustee = driver.codes(session)
    driver.look(trustor)
    driver.look(trustee)

    assert engine.admin_advance(trustor) == "advance"

    assert dbfile.value("SELECT g.sent_amount FROM trust_player p JOIN trust_group g ON "
                        "g.id = p.group_id WHERE p.participant_code = ?", trustor) == 0
    assert [(r.status, r.page) for r in engine.monitor(session)] == [
        ("waiting", "ResultsWait"), ("playing", "SendBack")]
    assert dbfile.value("SELECT timed_out FROM page_visits v JOIN participants p ON "
                        "p.id = v.participant_id WHERE p.code = ? AND v.step = ?",
                        trustor, SEND) == 1


def test_the_partner_of_an_advanced_trustor_can_go_on(engine, driver):
    session = engine.create_session("my_session", 2, seed=1)
    trustor, trustee = driver.codes(session)
    driver.look(trustor)
    driver.look(trustee)
    engine.admin_advance(trustor)
    assert driver.look(trustee).page == "SendBack"


@pytest.mark.parametrize("where", ["not started", "finished"])
def test_only_a_participant_on_a_page_can_be_advanced(engine, driver, bot, dbfile, where):
    session = engine.create_session("my_session", 4, seed=8)
    code = driver.codes(session)[0]
    if where == "finished":
        driver.play(session, bot.answer)
        assert driver.look(code).kind == "finished"
    before = dbfile.snapshot()
    with pytest.raises(LabctlError, match="participant 1 is not on a page") as raised:
        engine.admin_advance(code)
    assert "only a started, unfinished participant can be advanced" in str(raised.value)
    assert dbfile.snapshot() == before
    assert engine.admin_actions(session) == []  # a refused action is not logged


# -- releasing a wait page ----------------------------------------------------------------------


def test_a_forced_release_runs_the_hook_once_and_a_late_member_passes_through(gather, dbfile):
    project, engine, session, codes = gather
    first, second, third, _ = codes
    for code in codes[:2]:
        with engine.view(code):
            pass
    engine.submit(first, READY, {})
    assert row_of(engine, session, first).waiting_for == ["#2"]

    assert engine.admin_advance(first) == "release"

    assert releases_of(project) == [1]
    assert row_of(engine, session, first).page == "Done"
    assert row_of(engine, session, second).page == "Ready"  # not pushed past their own page
    # the hook set both players' payoffs, also the one who has not arrived
    assert [r.bonus for r in engine.monitor(session)][:2] == [150, 250]
    assert dbfile.value("SELECT COUNT(*) FROM wait_releases WHERE session_code = ?",
                        session) == 1
    action = engine.admin_actions(session)[0]
    assert (action["participant_code"], action["step"], action["page"]) == (
        first, GATHER, "gather, page Gather")

    # the last member arrives later: straight through, no second run of the hook
    assert engine.submit(second, READY, {}).advanced
    assert row_of(engine, session, second).page == "Done"
    assert releases_of(project) == [1]
    assert dbfile.value('SELECT releases FROM "gather_group" WHERE session_code = ? AND '
                        "id_in_subsession = 1", session) == 1
    assert dbfile.value("SELECT COUNT(*) FROM wait_releases WHERE session_code = ?",
                        session) == 1
    assert [r.bonus for r in engine.monitor(session)][:2] == [150, 250]
    # the other group is untouched, and is released as usual when it is complete
    assert row_of(engine, session, third).status == "not started"
    for code in codes[2:]:
        with engine.view(code):
            pass
        engine.submit(code, READY, {})
    assert releases_of(project) == [1, 2]


def test_a_release_is_logged_as_a_release(gather):
    _, engine, session, codes = gather
    with engine.view(codes[0]):
        pass
    engine.submit(codes[0], READY, {})
    assert engine.admin_advance(codes[0]) == "release"
    assert engine.admin_actions(session)[0]["action"] == "release"


def test_a_release_and_the_last_arrival_at_once_run_the_hook_once(gather):
    project, engine, session, codes = gather
    first, second = codes[:2]
    for code in (first, second):
        with engine.view(code):
            pass
    engine.submit(first, READY, {})
    barrier = threading.Barrier(2)
    results: dict[str, object] = {}

    def run(name, call):
        barrier.wait(timeout=JOIN_SECONDS)
        try:
            results[name] = call()
        except Exception as exc:  # reported by the assertion below
            results[name] = exc

    threads = [threading.Thread(target=run, args=("release", lambda: engine.admin_advance(first))),
               threading.Thread(target=run, args=("arrive", lambda: engine.submit(second, READY,
                                                                                 {})))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(JOIN_SECONDS)
    assert not any(thread.is_alive() for thread in threads)
    assert results["arrive"].advanced, results
    # whichever came first released the group; the release either released it or (coming
    # second) found the participant already on the next page
    assert results["release"] in ("release", "advance"), results
    assert releases_of(project) == [1]
    assert row_of(engine, session, second).page == "Done"
    assert row_of(engine, session, first).page in ("Done", None)


def test_a_release_of_the_sample_ultimatum_pays_a_late_acceptance_nothing(engine, driver,
                                                                         dbfile, at_respond):
    """The proposer's results wait page is released before the responder answers: the hook
    runs then (no answer: rejected, both get 0) and not again when the responder accepts."""
    session, responders, proposers = at_respond
    responder = responders[0]
    proposer = partner_of(dbfile, responder)
    assert proposer in proposers
    bonuses = {r.code: r.bonus for r in engine.monitor(session)}

    assert engine.admin_advance(proposer) == "release"

    assert driver.look(proposer).page == "Results"
    assert driver.look(responder).page == "Respond"
    assert engine.submit(responder, RESPOND_1, {"offer_accepted": "1"}).advanced
    assert driver.look(responder).page == "Results"  # passed straight through
    assert group_offer_accepted(dbfile, responder) == 1
    for code in (responder, proposer):
        assert dbfile.value("SELECT payoff FROM ultimatum_player WHERE participant_code = ? "
                            "AND round_number = 1", code) == 0
        assert row_of(engine, session, code).bonus == bonuses[code]
    assert dbfile.value("SELECT COUNT(*) FROM wait_releases WHERE session_code = ? AND "
                        "step = ?", session, RESULTS_WAIT_1) == 1  # the other group waits on


def test_a_release_whose_hook_fails_changes_nothing(engine, driver, dbfile):
    """The trust results wait page released before the trustee answered: the sample's hook
    fails on the missing amount; the release is refused as a whole, and not logged."""
    session = engine.create_session("my_session", 2, seed=1)
    trustor, trustee = driver.codes(session)
    driver.look(trustor)
    driver.look(trustee)
    driver.advance(trustor, {"sent_amount": "2.00"})
    before = dbfile.snapshot()
    with pytest.raises(ResearcherCodeError, match="after_all_players_arrive of trust, page "
                                                  "ResultsWait raised TypeError"):
        engine.admin_advance(trustor)
    assert dbfile.snapshot() == before
    assert engine.admin_actions(session) == []
    assert [r.page for r in engine.monitor(session)] == ["ResultsWait", "SendBack"]


NO_TIMEOUT_VALUES = """\
import labctl
from labctl import fields

app = labctl.App(players_per_group=None)


class Player(labctl.Player):
    answer = fields.Integer(min=0, max=9)
    note = fields.Text(required=False)


class Ask(labctl.Page):
    form_fields = ["answer", "note"]


page_sequence = [Ask]
"""


def test_a_page_without_timeout_values_is_not_advanced(make_project, open_engine, driver_of,
                                                       dbfile):
    project = make_project({"ask": NO_TIMEOUT_VALUES},
                           'name="demo", app_sequence=["ask"], num_participants=1')
    engine = open_engine(project)
    session = engine.create_session("demo")
    (code,) = driver_of(engine).codes(session)
    driver_of(engine).look(code)
    before = dbfile.snapshot()
    with pytest.raises(LabctlError, match="declares no timeout value for answer, so") as raised:
        engine.admin_advance(code)
    assert "declare timeout_submission" in str(raised.value)
    assert dbfile.snapshot() == before


def test_the_experimenter_advances_a_page_without_timeout_values_with_typed_answers(
        make_project, open_engine, driver_of, dbfile):
    """A stuck participant on a page with no timeout values can always be moved on: the
    experimenter types the missing answers, read and checked as the participant's would be;
    an answer that does not fit changes nothing."""
    project = make_project({"ask": NO_TIMEOUT_VALUES},
                           'name="demo", app_sequence=["ask"], num_participants=1')
    engine = open_engine(project)
    session = engine.create_session("demo")
    (code,) = driver_of(engine).codes(session)
    driver_of(engine).look(code)
    before = dbfile.snapshot()
    for answers, message in (({"answer": "12"}, "answer: "), ({"answer": "x"}, "answer: "),
                             ({"answer": ""}, "no timeout value for answer"),
                             ({"answer": "3", "bonus": "9"}, "has no field bonus")):
        with pytest.raises(LabctlError, match=message):
            engine.admin_advance(code, session_code=session, step=0, answers=answers)
        assert dbfile.snapshot() == before, answers

    assert engine.admin_advance(code, session_code=session, step=0,
                                answers={"answer": " 7 "}) == "advance with answers"
    (player,) = dbfile.rows("SELECT answer, note FROM ask_player")
    assert player == {"answer": 7, "note": None}
    (row,) = engine.monitor(session)
    assert row.status == "finished"
    assert [a["action"] for a in engine.admin_actions(session)] == ["advance with answers"]


LOBBY_APP = """\
import labctl

app = labctl.App(players_per_group=2)


class Lobby(labctl.WaitPage):
    group_by_arrival_time = True


class Play(labctl.Page):
    pass


page_sequence = [Lobby, Play]
"""


def test_the_monitor_offers_advance_only_where_the_engine_can_advance(
        make_project, open_engine, driver_of):
    """A form page whose required field has no value to submit, and a wait page that forms
    groups as people arrive, cannot be advanced: the row offers nothing and says why."""
    project = make_project({"ask": NO_TIMEOUT_VALUES, "arrival": LOBBY_APP},
                           'name="demo", app_sequence=["ask", "arrival"], num_participants=2')
    engine = open_engine(project)
    session = engine.create_session("demo")
    first, _ = driver_of(engine).codes(session)
    driver_of(engine).look(first)
    (row, untouched) = engine.monitor(session)
    assert (row.status, row.page, row.action) == ("playing", "Ask", None)
    assert row.cannot_advance == ("page Ask declares no timeout value for answer: type an "
                                  "answer for each below, declare timeout_submission on the "
                                  "page, or ask the participant to answer")
    assert row.answer_fields == [{"name": "answer", "label": "answer"}]
    assert (untouched.action, untouched.cannot_advance) == (None, None)  # not started

    driver_of(engine).submit(first, {"answer": "3"})
    driver_of(engine).look(first)
    (row, _) = engine.monitor(session)
    assert (row.status, row.page, row.action) == ("waiting", "Lobby", None)
    assert "forms groups as people arrive" in row.cannot_advance
