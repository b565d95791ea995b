"""The experimenter's live monitor and actions over real HTTP and WebSockets, behind the admin
password: what the monitor shows while participants play, its update socket, "Advance" and
"Release wait page" (CSRF-protected, logged), the create-session form's errors and the payments
sheet.

In the sample session, participants 1 and 2 play the trust game together (fixed matching),
participant 1 the trustor; 3 and 4 likewise.
"""

from __future__ import annotations

import html
import re
import time
from pathlib import Path

import browserless
import pytest
import requests
import websocket
from browserless import (
    FIXED_PAY,
    HTTP_TIMEOUT,
    OFFER_1,
    RESPOND_1,
    RESULTS_1,
    RESULTS_WAIT_1,
    SEND,
    TRUST_RESULTS,
    WAIT_FOR_OFFER_1,
    WAIT_FOR_TRUSTOR,
    LabDb,
    Participant,
    SampleBot,
    admin_login,
    eur,
    play,
)

pytestmark = pytest.mark.both_stores

PASSWORD = "monitor-test-password"
#: how long a participant's move may take to reach the monitor's (or a page's) socket
UPDATE_SECONDS = 3.0

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
    body_text = "Waiting for your partner."

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
GATHER_SESSIONS = """\
from labctl import SessionType

SESSION_TYPES = [SessionType(name="demo", app_sequence=["gather"], num_participants=4,
                             fixed_pay=500, currency="EUR")]
"""
READY, GATHER, DONE = range(3)


@pytest.fixture
def lab(live_server):
    return live_server(admin_password=PASSWORD)


@pytest.fixture
def admin(lab) -> requests.Session:
    return admin_login(lab.base_url, PASSWORD)


def ws_url(base_url: str, path: str) -> str:
    return base_url.replace("http://", "ws://") + path


def next_message(ws: websocket.WebSocket, seconds: float = UPDATE_SECONDS) -> dict:
    return browserless.next_message(ws, seconds)


def closing_frame(ws: websocket.WebSocket) -> tuple[int, bytes]:
    """The status code and reason of the close frame the server sends first."""
    try:
        opcode, data = ws.recv_data(control_frame=True)
    finally:
        ws.close()
    assert opcode == websocket.ABNF.OPCODE_CLOSE, (opcode, data)
    return int.from_bytes(data[:2], "big"), data[2:]


def monitor_socket(base_url: str, session_code: str,
                   http: requests.Session | None = None) -> websocket.WebSocket:
    """The monitor's WebSocket, with the admin's login cookie when ``http`` is given."""
    cookie = f"session={http.cookies['session']}" if http is not None else None
    return websocket.create_connection(
        ws_url(base_url, f"/admin/sessions/{session_code}/ws"), timeout=UPDATE_SECONDS,
        cookie=cookie)


def monitor_json(http: requests.Session, base_url: str, session_code: str) -> dict:
    response = http.get(f"{base_url}/admin/sessions/{session_code}/monitor.json",
                        timeout=HTTP_TIMEOUT, allow_redirects=False)
    assert response.status_code == 200, response.status_code
    assert response.headers["Cache-Control"] == "no-store"
    return response.json()


def rows_by_code(data: dict) -> dict[str, dict]:
    return {row["code"]: row for row in data["participants"]}


def shown(row: dict) -> tuple:
    return (row["status"], row["app"], row["round_number"], row["page"], row["waiting_for"])


def monitor_page(http: requests.Session, base_url: str, session_code: str) -> str:
    response = http.get(f"{base_url}/admin/sessions/{session_code}", timeout=HTTP_TIMEOUT,
                        allow_redirects=False)
    assert response.status_code == 200, response.status_code
    return response.text


def page_rows(page: str) -> dict[str, list[str]]:
    """The participants' table of the monitor page: code -> the text of each cell (the last
    one is the action button's label, or empty)."""
    table = re.search(r'<table id="participants">(.*?)</table>', page, re.S).group(1)
    rows = {}
    for code, body in re.findall(r'<tr data-code="([^"]+)">(.*?)</tr>', table, re.S):
        cells = re.findall(r"<td[^>]*>(.*?)</td>", body, re.S)
        rows[code] = [" ".join(html.unescape(re.sub(r"<[^>]+>", " ", c)).split())
                      for c in cells]
    return rows


def page_actions(page: str) -> list[list[str]]:
    table = re.search(r'<table id="actions">(.*?)</table>', page, re.S).group(1)
    body = table.split("<tbody>", 1)[1]
    return [[html.unescape(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
            for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)]


def admin_csrf(page: str) -> str:
    return re.search(r'data-csrf="([^"]+)"', page).group(1)


def advance(http: requests.Session, base_url: str, session_code: str, code: str,
            token: str | None, step: int | None = None) -> requests.Response:
    """The monitor's form: by default for the step the participant is on now."""
    if step is None:
        step = requests.get(f"{base_url}/p/{code}/position", timeout=HTTP_TIMEOUT).json()["step"]
    data = {"csrf_token": token, "step": str(step)} if token is not None else {"step": str(step)}
    return http.post(f"{base_url}/admin/sessions/{session_code}/participants/{code}/advance",
                     data=data, timeout=HTTP_TIMEOUT, allow_redirects=False)


def actions_in_db(db: LabDb) -> list[dict]:
    return db.query("SELECT * FROM admin_actions ORDER BY id")


# -- the login ----------------------------------------------------------------------------------


def test_the_monitor_refuses_without_the_admin_login(lab):
    db = LabDb.of(lab.engine.store)
    Participant(lab.base_url, lab.codes[0]).get()  # on a page: could be advanced
    before = db.snapshot()
    base = f"/admin/sessions/{lab.session_code}"
    for path in (base, f"{base}/monitor.json", f"{base}/payments"):
        response = requests.get(lab.base_url + path, timeout=HTTP_TIMEOUT,
                                allow_redirects=False)
        assert response.status_code == 302, path
        assert response.headers["Location"] == f"/admin/login?next={path}"
        assert not any(code in response.text for code in lab.codes)

    for cookie in (None, "session=forged"):
        ws = websocket.create_connection(ws_url(lab.base_url, f"{base}/ws"),
                                         timeout=UPDATE_SECONDS, cookie=cookie)
        assert closing_frame(ws) == (1008, b"log in first")

    # an action without the login does nothing, even with the admin's form token
    token = admin_csrf(monitor_page(admin_login(lab.base_url, PASSWORD), lab.base_url,
                                    lab.session_code))
    response = advance(requests.Session(), lab.base_url, lab.session_code, lab.codes[0], token)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/admin/login?next=")
    assert db.snapshot() == before
    assert actions_in_db(db) == []


# -- what the monitor shows ---------------------------------------------------------------------


def test_the_monitor_follows_the_participants_live(lab, admin):
    trustor, trustee, other, _ = (Participant(lab.base_url, code) for code in lab.codes)
    data = monitor_json(admin, lab.base_url, lab.session_code)
    assert [shown(row) for row in data["participants"]] == [
        ("not started", None, None, None, [])] * 4
    assert [row["id_in_session"] for row in data["participants"]] == [1, 2, 3, 4]
    assert data["actions"] == []

    ws = monitor_socket(lab.base_url, lab.session_code, admin)
    try:
        assert next_message(ws) == {"type": "update"}
        assert trustee.get().step == WAIT_FOR_TRUSTOR
        assert next_message(ws) == {"type": "update"}  # a participant started
        assert trustor.get().step == SEND
        assert next_message(ws) == {"type": "update"}
        rows = rows_by_code(monitor_json(admin, lab.base_url, lab.session_code))
        assert shown(rows[trustor.code]) == ("playing", "trust", 1, "Send", [])
        assert shown(rows[trustee.code]) == ("waiting", "trust", 1, "WaitForTrustor", ["#1"])
        assert shown(rows[other.code]) == ("not started", None, None, None, [])
        assert 0 <= rows[trustor.code]["seconds_on_page"] < 30
        assert rows[other.code]["seconds_on_page"] is None

        submitted = time.monotonic()
        assert trustor.submit({"sent_amount": "4.00"}).status_code == 200
        assert next_message(ws) == {"type": "update"}
        assert time.monotonic() - submitted < UPDATE_SECONDS
    finally:
        ws.close()

    rows = rows_by_code(monitor_json(admin, lab.base_url, lab.session_code))
    assert shown(rows[trustor.code]) == ("waiting", "trust", 1, "ResultsWait", ["#2"])
    assert shown(rows[trustee.code]) == ("playing", "trust", 1, "SendBack", [])
    assert [rows[code]["bonus"] for code in lab.codes] == [0, 0, 0, 0]

    page = page_rows(monitor_page(admin, lab.base_url, lab.session_code))
    assert list(page) == lab.codes
    #       #    label  link                          app      round page
    assert page[trustor.code][:6] == ["1", "", f"{lab.base_url}/p/{trustor.code}/", "trust",
                                      "1", "ResultsWait"]
    assert re.fullmatch(r"\d+ s", page[trustor.code][6])
    assert page[trustor.code][7] == "waiting for #2"
    assert page[trustor.code][9:] == ["EUR 0.00", "Release wait page"]
    assert page[trustor.code][8].startswith("online (polling) since ")  # its requests
    assert page[trustee.code][3:6] == ["trust", "1", "SendBack"]
    assert page[trustee.code][7:8] + page[trustee.code][9:] == ["playing", "EUR 0.00", "Advance"]
    assert page[other.code][3:] == ["", "", "", "", "not started", "never connected",
                                    "EUR 0.00", ""]  # no button


def test_the_monitor_of_an_unknown_session_is_a_404(lab, admin):
    response = admin.get(f"{lab.base_url}/admin/sessions/nosuchsession/monitor.json",
                         timeout=HTTP_TIMEOUT)
    assert (response.status_code, response.json()) == (404, {"error": "no session "
                                                                      "'nosuchsession'"})
    ws = monitor_socket(lab.base_url, "nosuchsession", admin)
    assert closing_frame(ws) == (1008, b"no such session")


# -- Advance ------------------------------------------------------------------------------------


def test_advance_submits_the_page_with_its_timeout_values_and_is_logged(lab, admin):
    people = [Participant(lab.base_url, code) for code in lab.codes]
    pages = play(people, SampleBot(lab.codes), stop_step=RESPOND_1)
    responder = next(p for p in people if pages[p.code].step == RESPOND_1)
    db = LabDb.of(lab.engine.store)
    group = db.group_of("ultimatum", responder.code)["id"]
    proposer = next(row["participant_code"] for row in db.query(
        "SELECT participant_code FROM ultimatum_player WHERE group_id = ? AND "
        "participant_code != ?", (group, responder.code)))
    assert pages[proposer].step == RESULTS_WAIT_1
    page = monitor_page(admin, lab.base_url, lab.session_code)
    assert page_rows(page)[responder.code][-1] == "Advance"
    token = admin_csrf(page)

    page_socket = websocket.create_connection(ws_url(lab.base_url, f"/p/{proposer}/ws"),
                                              timeout=UPDATE_SECONDS)
    monitor = monitor_socket(lab.base_url, lab.session_code, admin)
    try:
        assert next_message(page_socket)["step"] == RESULTS_WAIT_1
        assert next_message(monitor) == {"type": "update"}
        response = advance(admin, lab.base_url, lab.session_code, responder.code, token)
        assert response.status_code == 303
        assert response.headers["Location"] == f"/admin/sessions/{lab.session_code}"
        # the proposer's wait page moves on by itself; the monitor refreshes
        assert next_message(page_socket) == {"type": "advance"}
        assert next_message(monitor) == {"type": "update"}
    finally:
        page_socket.close()
        monitor.close()

    # Respond's timeout_submission: the offer counts as rejected; both see the results
    assert db.group_of("ultimatum", responder.code)["offer_accepted"] == 0
    assert db.visit(responder.code, RESPOND_1)["timed_out"] == 1
    assert responder.position()["step"] == RESULTS_1
    assert Participant(lab.base_url, proposer).position()["step"] == RESULTS_1
    for code in (responder.code, proposer):
        assert db.player("ultimatum", code)["payoff"] == 0

    logged = monitor_json(admin, lab.base_url, lab.session_code)["actions"]
    assert [(a["participant_code"], a["action"], a["step"], a["page"]) for a in logged] == [
        (responder.code, "advance", RESPOND_1, "ultimatum round 1, page Respond")]
    page = monitor_page(admin, lab.base_url, lab.session_code)
    [[at, code, action, where]] = page_actions(page)
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", at)
    assert (code, action, where) == (responder.code, "advance",
                                     "ultimatum round 1, page Respond")
    assert page_rows(page)[responder.code][5] == "Results"


def test_advance_submits_the_pages_timeout_values(lab, admin):
    """The trust game's Send declares timeout_submission sent_amount=0 for this."""
    trustor, trustee = (Participant(lab.base_url, code) for code in lab.codes[:2])
    assert trustor.get().step == SEND
    assert trustee.get().step == WAIT_FOR_TRUSTOR
    token = admin_csrf(monitor_page(admin, lab.base_url, lab.session_code))
    assert advance(admin, lab.base_url, lab.session_code, trustor.code, token).status_code == 303
    db = LabDb.of(lab.engine.store)
    assert db.group_of("trust", trustor.code)["sent_amount"] == 0
    assert db.visit(trustor.code, SEND)["timed_out"] == 1
    rows = rows_by_code(monitor_json(admin, lab.base_url, lab.session_code))
    assert shown(rows[trustor.code]) == ("waiting", "trust", 1, "ResultsWait", ["#2"])
    assert shown(rows[trustee.code]) == ("playing", "trust", 1, "SendBack", [])


def test_advance_without_the_forms_token_is_refused_and_changes_nothing(lab, admin):
    Participant(lab.base_url, lab.codes[0]).get()
    db = LabDb.of(lab.engine.store)
    before = db.snapshot()
    for token in (None, "", "0" * 40):
        response = advance(admin, lab.base_url, lab.session_code, lab.codes[0], token)
        assert response.status_code == 400, token
        assert "The form expired; reload the monitor." in response.text
        assert f'href="/admin/sessions/{lab.session_code}"' in response.text
    assert db.snapshot() == before
    assert actions_in_db(db) == []


def test_advancing_a_participant_not_on_a_page_is_refused_with_the_reason(live_server):
    lab = live_server(admin_password=PASSWORD, n=2)
    http = admin_login(lab.base_url, PASSWORD)
    token = admin_csrf(monitor_page(http, lab.base_url, lab.session_code))
    db = LabDb.of(lab.engine.store)

    response = advance(http, lab.base_url, lab.session_code, lab.codes[0], token)
    assert response.status_code == 400
    assert "That action did not work" in response.text
    assert "participant 1 is not on a page" in response.text
    assert "only a started, unfinished participant can be advanced" in response.text
    assert Participant(lab.base_url, lab.codes[0]).position()["step"] == -1

    people = [Participant(lab.base_url, code) for code in lab.codes]
    play(people, SampleBot(lab.codes))
    before = db.snapshot()
    response = advance(http, lab.base_url, lab.session_code, lab.codes[1], token)
    assert response.status_code == 400
    assert "participant 2 is not on a page" in response.text
    unknown = advance(http, lab.base_url, lab.session_code, "not-a-participant", token, 0)
    assert unknown.status_code == 400
    assert "this link does not belong to any participant" in unknown.text
    assert db.snapshot() == before
    assert actions_in_db(db) == []
    page = page_rows(monitor_page(http, lab.base_url, lab.session_code))
    assert [row[7] for row in page.values()] == ["finished", "finished"]
    assert [row[-1] for row in page.values()] == ["", ""]  # no buttons for finished ones


def test_a_doubled_advance_click_moves_the_participant_once(lab, admin):
    people = [Participant(lab.base_url, code) for code in lab.codes]
    play(people, SampleBot(lab.codes), stop_step=TRUST_RESULTS)
    person = people[0]
    assert person.position()["step"] == TRUST_RESULTS  # a page without fields
    token = admin_csrf(monitor_page(admin, lab.base_url, lab.session_code))
    first = advance(admin, lab.base_url, lab.session_code, person.code, token, TRUST_RESULTS)
    assert first.status_code == 303
    step = person.position()["step"]
    assert step in (OFFER_1, WAIT_FOR_OFFER_1)
    again = advance(admin, lab.base_url, lab.session_code, person.code, token, TRUST_RESULTS)
    assert again.status_code == 400 and "has moved on" in again.text
    assert person.position()["step"] == step  # moved past the one page the admin saw
    assert len(actions_in_db(LabDb.of(lab.engine.store))) == 1


def test_advance_refuses_a_participant_of_another_session(lab, admin):
    other_session = lab.engine.create_session("my_session", 2, seed=3)
    other = lab.engine.participant_rows(other_session)[0]["code"]
    Participant(lab.base_url, other).get()
    token = admin_csrf(monitor_page(admin, lab.base_url, lab.session_code))
    response = advance(admin, lab.base_url, lab.session_code, other, token)
    assert response.status_code in (400, 404)
    assert Participant(lab.base_url, other).position()["step"] == SEND


# -- Release wait page --------------------------------------------------------------------------


@pytest.fixture
def gather_lab(live_server, tmp_path: Path):
    """A 4-person project whose groups meet at a wait page that counts its releases."""
    root = tmp_path / "gather_project"
    (root / "gather").mkdir(parents=True)
    (root / "sessions.py").write_text(GATHER_SESSIONS, encoding="utf-8")
    (root / "gather" / "__init__.py").write_text(GATHER_APP, encoding="utf-8")
    for page in ("Ready", "Done"):
        (root / "gather" / f"{page}.html").write_text(
            f"{{% block title %}}{page} page{{% endblock %}}\n{{% block content %}}\n"
            "{{ formfields() }}\n{{ next_button() }}\n{% endblock %}\n", encoding="utf-8")
    return live_server(project=root, session_type="demo", n=4, admin_password=PASSWORD)


def test_release_wait_page_runs_the_hook_once_and_a_late_member_passes_through(gather_lab):
    lab = gather_lab
    releases = lab.engine.project.apps["gather"].module.RELEASES
    db = LabDb.of(lab.engine.store)
    admin = admin_login(lab.base_url, PASSWORD)
    first, second, third, _ = (Participant(lab.base_url, code) for code in lab.codes)
    assert second.get().title == "Ready page"
    page = first.get()
    assert page.title == "Ready page"
    assert first.submit({}, page).status_code == 200
    assert (first.get().kind, first.get().step) == ("wait", GATHER)

    monitor = monitor_page(admin, lab.base_url, lab.session_code)
    rows = page_rows(monitor)
    assert rows[first.code][5] == "Gather"
    assert rows[first.code][7:8] + rows[first.code][9:] == [
        "waiting for #2", "EUR 0.00", "Release wait page"]
    assert rows[second.code][7:8] + rows[second.code][9:] == ["playing", "EUR 0.00", "Advance"]

    ws = websocket.create_connection(ws_url(lab.base_url, f"/p/{first.code}/ws"),
                                     timeout=UPDATE_SECONDS)
    try:
        assert next_message(ws)["step"] == GATHER
        response = advance(admin, lab.base_url, lab.session_code, first.code,
                           admin_csrf(monitor))
        assert response.status_code == 303
        assert next_message(ws) == {"type": "advance"}
    finally:
        ws.close()

    assert releases == [1]
    assert first.get().title == "Done page"
    assert second.position()["page"] == "Ready"  # released, but not pushed past their page
    assert db.group_of("gather", first.code)["releases"] == 1
    assert [db.player("gather", p.code)["payoff"] for p in (first, second)] == [150, 250]
    data = monitor_json(admin, lab.base_url, lab.session_code)
    rows = rows_by_code(data)
    assert [rows[p.code]["bonus"] for p in (first, second, third)] == [150, 250, 0]
    assert [(a["participant_code"], a["step"], a["page"]) for a in data["actions"]] == [
        (first.code, GATHER, "gather, page Gather")]
    assert [row[1:] for row in page_actions(monitor_page(admin, lab.base_url,
                                                          lab.session_code))] == [
        [first.code, data["actions"][0]["action"], "gather, page Gather"]]

    # the last member arrives after the release: straight through, the hook does not rerun
    assert second.submit({}).status_code == 200
    page = second.get()
    assert (page.kind, page.title) == ("page", "Done page")
    assert releases == [1]
    assert db.group_of("gather", second.code)["releases"] == 1
    assert db.query("SELECT COUNT(*) AS n FROM wait_releases") == [{"n": 1}]
    visit = db.visit(second.code, GATHER)  # passed through in the same moment
    assert visit["arrived_at"] == visit["submitted_at"] and visit["seconds"] == 0
    # the payments sheet has the hook's payoffs
    sheet = admin.get(f"{lab.base_url}/admin/sessions/{lab.session_code}/payments",
                      timeout=HTTP_TIMEOUT)
    # who came (two of four): 2 x 5.00 + 1.50 + 2.50; who never started is not paid
    assert 'id="payments-total">EUR 14.00<' in sheet.text


# -- creating sessions --------------------------------------------------------------------------


#: (participants, room, session type) typed into the create form, and the error it shows
BAD_CREATE_FORMS = [
    ("3", "", "my_session", "3 participants cannot form groups of 2 in app 'trust' (use a "
                            "multiple of 2, e.g. -n 4)"),
    ("0", "", "my_session", "a session needs at least 1 participant, not 0"),
    ("-2", "", "my_session", "a session needs at least 1 participant, not -2"),
    ("two", "", "my_session", "'two' is not a number of participants."),
    ("2.5", "", "my_session", "'2.5' is not a number of participants."),
    ("3", "lab1", "my_session", "3 participants cannot form groups of 2 in app 'trust'"),
    ("2", "nosuchroom", "my_session", "no room 'nosuchroom' in "),
    ("2", "", "nosuchtype", "no session type 'nosuchtype' in "),
]


def test_the_create_form_shows_what_is_wrong_on_the_sessions_page(lab, admin):
    token = admin_csrf(monitor_page(admin, lab.base_url, lab.session_code))
    for participants, room, session_type, error in BAD_CREATE_FORMS:
        response = admin.post(f"{lab.base_url}/admin/sessions", data={
            "csrf_token": token, "session_type": session_type, "participants": participants,
            "room": room}, timeout=HTTP_TIMEOUT)
        assert response.status_code == 200
        assert response.url.startswith(f"{lab.base_url}/admin/?error=")
        alert = re.search(r'<div class="alert" role="alert">(.*?)</div>', response.text, re.S)
        assert alert, (participants, room, response.text[:1000])
        assert error in html.unescape(alert.group(1)), (participants, room)
        assert 'id="create-session"' in response.text  # the form is there to try again
    assert [row["code"] for row in lab.engine.session_rows()] == [lab.session_code]


def test_the_create_form_refuses_a_missing_token_and_creates_with_the_defaults(lab, admin):
    response = admin.post(f"{lab.base_url}/admin/sessions", data={
        "session_type": "my_session", "participants": "2"}, timeout=HTTP_TIMEOUT)
    assert "The form expired; please try again." in response.text
    assert len(lab.engine.session_rows()) == 1

    token = admin_csrf(monitor_page(admin, lab.base_url, lab.session_code))
    response = admin.post(f"{lab.base_url}/admin/sessions", data={
        "csrf_token": token, "session_type": "my_session", "participants": ""},
        timeout=HTTP_TIMEOUT, allow_redirects=False)
    assert response.status_code == 303
    code = response.headers["Location"].rsplit("/", 1)[1]
    assert len(lab.engine.participant_rows(code)) == 4  # the session type's default
    in_room = admin.post(f"{lab.base_url}/admin/sessions", data={
        "csrf_token": token, "session_type": "my_session", "participants": "",
        "room": "lab1"}, timeout=HTTP_TIMEOUT, allow_redirects=False)
    room_code = in_room.headers["Location"].rsplit("/", 1)[1]
    assert len(lab.engine.participant_rows(room_code)) == 8  # the room's size
    sessions = admin.get(f"{lab.base_url}/admin/", timeout=HTTP_TIMEOUT).text
    for created in (code, room_code):
        assert f'href="/admin/sessions/{created}"' in sessions


# -- payments -----------------------------------------------------------------------------------


def test_the_payments_sheet_sums_exactly(lab, admin):
    people = [Participant(lab.base_url, code) for code in lab.codes]
    bot = SampleBot(lab.codes)
    play(people, bot)
    bonuses = bot.expected_bonuses(LabDb.of(lab.engine.store), lab.session_code)
    assert len(set(bonuses.values())) > 1  # different amounts, so a mix-up would show

    sheet = admin.get(f"{lab.base_url}/admin/sessions/{lab.session_code}/payments",
                      timeout=HTTP_TIMEOUT)
    assert sheet.status_code == 200
    body = sheet.text.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    rows = [re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
            for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)]
    assert len(rows) == 4
    for number, (code, cells) in enumerate(zip(lab.codes, rows, strict=True), start=1):
        assert cells[:6] == [str(number), "", eur(FIXED_PAY), eur(bonuses[code]),
                             eur(FIXED_PAY + bonuses[code]),
                             f"<strong>{eur(FIXED_PAY + bonuses[code])}</strong>"], cells
        assert cells[6] == "yes"
    total = 4 * FIXED_PAY + sum(bonuses.values())
    assert f'<strong id="payments-total">{eur(total)}</strong>' in sheet.text
    # the monitor's bonus column agrees
    rows = rows_by_code(monitor_json(admin, lab.base_url, lab.session_code))
    assert {code: row["bonus"] for code, row in rows.items()} == bonuses
    # ... and shows it in the session's currency, as the sheet does, never in raw cents
    assert {code: row["bonus_text"] for code, row in rows.items()} == {
        code: eur(bonus) for code, bonus in bonuses.items()}
    page = page_rows(monitor_page(admin, lab.base_url, lab.session_code))
    assert {code: cells[9] for code, cells in page.items()} == {
        code: eur(bonus) for code, bonus in bonuses.items()}
