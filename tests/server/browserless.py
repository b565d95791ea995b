"""A browserless participant, a bot that plays the sample session, and the lab's database read
back through its own sqlite3 connection: what the server tests drive and assert with.

- ``Participant(base_url, code)`` GETs its page over real HTTP, reads what a browser would see
  (title, hidden CSRF token and step, field values, error messages, wait page, payment) and
  POSTs forms (the answer is the page the participant is on next), never following redirects
  unless asked;
- ``SampleBot`` knows what each participant of ``sample_sessions`` answers, keeps every answer
  it submitted, and computes the payment those answers earn; ``play`` drives participants with
  it up to a step;
- ``LabDb(path)`` reads committed rows of the lab's SQLite file (a new connection per query), so
  what a test asserts is what the server saved.

Every loop is bounded in passes and in time; every request has a timeout.
"""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import requests
import websocket

from labctl.engine import Engine
from labctl.participant_urls import POSITION, participant_url
from labctl.project import load_project
from labctl.storage.database_urls import is_url
from labctl.storage.sqlite import SqliteStore

SAMPLE = Path(__file__).resolve().parents[2] / "sample_sessions"


@contextmanager
def sample_engine(root: Path) -> Iterator[Engine]:
    """An engine over a fresh copy of the sample project and a new database, both in
    ``root``; closed and unloaded afterwards."""
    project = root / "sample_sessions"
    shutil.copytree(SAMPLE, project, ignore=shutil.ignore_patterns("*.db*", "__pycache__"))
    loaded = load_project(project)
    store = SqliteStore(root / "labctl.db")
    try:
        yield Engine(loaded, store)
    finally:
        store.close()
        loaded.unload()

#: seconds any one HTTP request or WebSocket read may take
HTTP_TIMEOUT = 10.0
#: bounds of every loop that plays a session: passes over all participants, and seconds
MAX_PASSES = 60
PLAY_SECONDS = 30.0

#: step indexes of the sample session (trust, ultimatum x2, questionnaire)
SEND, WAIT_FOR_TRUSTOR, SEND_BACK, TRUST_RESULTS_WAIT, TRUST_RESULTS = range(5)
OFFER_1, WAIT_FOR_OFFER_1, RESPOND_1, RESULTS_WAIT_1, RESULTS_1 = range(5, 10)
OFFER_2, WAIT_FOR_OFFER_2, RESPOND_2, RESULTS_WAIT_2, RESULTS_2 = range(10, 15)
DEMOGRAPHICS, OPINIONS = 15, 16
FINISHED = 17

FIXED_PAY = 1000  # EUR 10.00 of sessions.py, in cents
ENDOWMENT = PIE = 1000
TRUST_MULTIPLIER = 3


# -- what a participant's browser sees ----------------------------------------------------------


@dataclass
class Page:
    """A participant page as parsed from its HTML."""

    status: int
    html: str
    title: str = ""
    kind: str = "error"  # "page", "wait", "finished" or "error"
    step: int | None = None
    csrf_token: str | None = None
    #: the form's fields (not the hidden ones) with the value the page shows in each
    fields: dict[str, str] = field(default_factory=dict)
    #: per-field error messages, by field name
    errors: dict[str, str] = field(default_factory=dict)
    alert: str = ""
    payment_total: str | None = None

    def __str__(self) -> str:
        return f"<{self.status} {self.kind} step={self.step} {self.title!r}>"


class _PageParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = Page(0, "")
        self._text_target: tuple[str, str] | None = None  # ("title"|"error"|..., key)
        self._texts: dict[tuple[str, str], list[str]] = {}
        self._textarea: str | None = None
        self._select: str | None = None
        self._has_form = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        page = self.page
        if tag == "h1":
            self._text_target = ("title", "")
        elif tag == "form" and a.get("id") == "page-form":
            self._has_form = True
        elif tag == "div" and a.get("id") == "wait-page":
            page.kind = "wait"
            page.step = int(a["data-step"])
        elif tag == "table" and a.get("id") == "payment":
            page.kind = "finished"
        elif tag == "strong" and a.get("id") == "payment-total":
            self._text_target = ("payment", "")
        elif tag == "p" and a.get("class") == "error" and a.get("id", "").startswith("error-"):
            self._text_target = ("error", a["id"][len("error-"):])
        elif tag == "div" and a.get("class") == "alert":
            self._text_target = ("alert", "")
        elif tag == "input":
            self._input(a)
        elif tag == "textarea":
            self._textarea = a["name"]
            page.fields[a["name"]] = ""
        elif tag == "select":
            self._select = a["name"]
            page.fields[a["name"]] = ""
        elif tag == "option" and self._select and "selected" in a:
            page.fields[self._select] = a.get("value", "")

    def _input(self, a: dict[str, str]) -> None:
        name, kind, page = a.get("name", ""), a.get("type", "text"), self.page
        if kind == "hidden":
            if name == "csrf_token":
                page.csrf_token = a.get("value")
            elif name == "step":
                page.step = int(a["value"])
        elif kind in ("radio", "checkbox"):
            page.fields.setdefault(name, "")
            if "checked" in a:
                page.fields[name] = a.get("value", "")
        elif name:
            page.fields[name] = a.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("h1", "strong", "p", "div"):
            self._text_target = None
        if tag == "textarea":
            self._textarea = None
        if tag == "select":
            self._select = None

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self.page.fields[self._textarea] += data
        if self._text_target is not None:
            self._texts.setdefault(self._text_target, []).append(data)

    def result(self) -> Page:
        page = self.page
        text = {key: " ".join("".join(parts).split()) for key, parts in self._texts.items()}
        page.title = text.get(("title", ""), "")
        page.payment_total = text.get(("payment", ""))
        page.alert = text.get(("alert", ""), "")
        page.errors = {key[1]: value for key, value in text.items() if key[0] == "error"}
        if self._has_form and page.kind == "error":
            page.kind = "page"
        return page


def parse_page(response: requests.Response) -> Page:
    parser = _PageParser()
    parser.feed(response.text)
    page = parser.result()
    page.status = response.status_code
    page.html = response.text
    return page


class Participant:
    """A participant's browser without a browser: real HTTP to their link."""

    def __init__(self, base_url: str, code: str) -> None:
        self.base_url = base_url
        self.code = code
        self.http = requests.Session()

    @property
    def url(self) -> str:
        return participant_url(self.base_url, self.code)

    def get(self) -> Page:
        return parse_page(self.http.get(self.url, timeout=HTTP_TIMEOUT))

    def position(self) -> dict[str, Any]:
        response = self.http.get(self.url + POSITION, timeout=HTTP_TIMEOUT)
        assert response.status_code == 200, response.text
        return response.json()

    def post(self, data: dict[str, Any], **kwargs: Any) -> requests.Response:
        """POST raw form data to the participant's link (redirects are not followed)."""
        kwargs.setdefault("allow_redirects", False)
        return self.http.post(self.url, data=data, timeout=HTTP_TIMEOUT, **kwargs)

    @staticmethod
    def form(page: Page, values: dict[str, str], **extra: str) -> dict[str, str]:
        """The form a browser sends from ``page`` with ``values`` typed in."""
        assert page.kind == "page" and page.csrf_token and page.step is not None, str(page)
        return {"csrf_token": page.csrf_token, "step": str(page.step), "timed_out": "0",
                **values, **extra}

    def submit(self, values: dict[str, str], page: Page | None = None) -> requests.Response:
        page = page or self.get()
        return self.post(self.form(page, values))


# -- playing the sample session -----------------------------------------------------------------


def cents(amount: str) -> int:
    """'5.50' → 550: what a typed EUR amount is stored as."""
    return int(Decimal(amount) * 100)


def eur(amount: int) -> str:
    """550 → 'EUR 5.50', as labctl shows money."""
    return f"EUR {amount // 100:,}.{amount % 100:02d}"


@dataclass
class Submitted:
    code: str
    step: int
    values: dict[str, str]


class SampleBot:
    """Answers of the participants of the sample session, by participant number (0-3, then
    over again for larger sessions).

    Trustors send different amounts and responders accept in round 1 and (for half of them)
    reject in round 2, so a payment mix-up between groups or rounds shows.
    """

    SENT = ["3.00", "5.50", "2.00", "8.00"]
    SENT_BACK = ["1.00", "2.50", "3.00", "4.00"]  # at most 3 x 2.00, what any trustee receives
    OFFERED = {1: ["4.00", "3.00", "5.00", "2.50"], 2: ["4.50", "1.00", "6.00", "5.00"]}
    ACCEPTS = {1: ["1", "1", "1", "1"], 2: ["1", "0", "0", "1"]}

    def __init__(self, codes: list[str]) -> None:
        self.codes = list(codes)
        self.submitted: list[Submitted] = []

    def answers(self, number: int, page: Page) -> dict[str, str]:
        number %= 4
        names = set(page.fields)
        round_number = 1 if page.step is not None and page.step < OFFER_2 else 2
        if names == {"sent_amount"}:
            return {"sent_amount": self.SENT[number]}
        if names == {"sent_back_amount"}:
            return {"sent_back_amount": self.SENT_BACK[number]}
        if names == {"amount_offered"}:
            return {"amount_offered": self.OFFERED[round_number][number]}
        if names == {"offer_accepted"}:
            return {"offer_accepted": self.ACCEPTS[round_number][number]}
        if names == {"age", "gender", "field_of_study"}:
            return {"age": str(21 + number), "gender": ["female", "male", "diverse",
                                                        "no_answer"][number],
                    "field_of_study": f"Economics {number}"}
        if names == {"trust_general", "comments"}:
            return {"trust_general": str(number + 3), "comments": f"Fine, says {number}."}
        assert not names, f"the bot has no answers for the fields {sorted(names)} of {page}"
        return {}

    def submit(self, participant: Participant, page: Page) -> None:
        number = self.codes.index(participant.code)
        values = self.answers(number, page)
        response = participant.submit(values, page)
        assert_moved_on(response, page)
        self.submitted.append(Submitted(participant.code, page.step, values))  # type: ignore

    def answer_of(self, code: str, step: int, name: str) -> str:
        for entry in self.submitted:
            if entry.code == code and entry.step == step:
                return entry.values[name]
        raise AssertionError(f"{code} submitted nothing at step {step}")

    def expected_bonuses(self, db: LabDb, session_code: str) -> dict[str, int]:
        """Each participant's bonus in cents, from the answers submitted and the groups in
        the database (who played with whom, in which role)."""
        bonus = dict.fromkeys(self.codes, 0)
        for group in db.groups("trust", session_code, 1):
            trustor, trustee = group["trustor"], group["trustee"]
            sent = cents(self.answer_of(trustor, SEND, "sent_amount"))
            back = cents(self.answer_of(trustee, SEND_BACK, "sent_back_amount"))
            bonus[trustor] += ENDOWMENT - sent + back
            bonus[trustee] += ENDOWMENT + TRUST_MULTIPLIER * sent - back
        for round_number, (offer, respond) in {1: (OFFER_1, RESPOND_1),
                                               2: (OFFER_2, RESPOND_2)}.items():
            for group in db.groups("ultimatum", session_code, round_number):
                proposer, responder = group["proposer"], group["responder"]
                if self.answer_of(responder, respond, "offer_accepted") == "1":
                    offered = cents(self.answer_of(proposer, offer, "amount_offered"))
                    bonus[proposer] += PIE - offered
                    bonus[responder] += offered
        return bonus


def assert_moved_on(response: requests.Response, page: Page) -> Page:
    """The answer to an accepted form: the page after ``page`` (a later step, or the end)."""
    after = parse_page(response)
    assert response.status_code == 200, (str(page), response.status_code, response.text[:500])
    assert after.kind == "finished" or (after.step is not None and page.step is not None
                                        and after.step > page.step), (str(page), str(after))
    return after


def assert_current_page(response: requests.Response, participant: Participant) -> Page:
    """The answer to a refused or stale form: the participant's current page, as the server
    has it (not the page the form came from), and the whole of it."""
    shown = parse_page(response)
    assert response.status_code == 200, (response.status_code, response.text[:500])
    position = participant.position()
    if position["finished"]:
        assert shown.kind == "finished", str(shown)
    else:
        assert shown.step == position["step"], (str(shown), position)
    assert response.text.rstrip().endswith("</html>")
    return shown


def play(participants: list[Participant], bot: SampleBot, stop_step: int = FINISHED,
         passes: int = MAX_PASSES, seconds: float = PLAY_SECONDS) -> dict[str, Page]:
    """Play until every participant is at ``stop_step`` or later (a page they must answer, or a
    wait page); returns each one's page there. Bounded in passes and in time."""
    deadline = time.monotonic() + seconds
    reached: dict[str, Page] = {}
    pages: dict[str, Page] = {}
    for _ in range(passes):
        for participant in participants:
            if participant.code in reached:
                continue
            page = participant.get()
            pages[participant.code] = page
            assert page.status == 200, (participant.code, page.status, page.html[:500])
            if page.kind == "finished" or (page.step is not None and page.step >= stop_step):
                reached[participant.code] = page
            elif page.kind == "page":
                bot.submit(participant, page)
        if len(reached) == len(participants) or time.monotonic() > deadline:
            break
    assert len(reached) == len(participants), (
        f"not everyone reached step {stop_step}: " + ", ".join(str(p) for p in pages.values()))
    return reached


# -- the database, read back --------------------------------------------------------------------

#: the tables a participant's submit may change
STATE_TABLES = ("participants", "page_visits", "wait_arrivals", "wait_releases", "trust_group",
                "trust_player", "ultimatum_group", "ultimatum_player", "questionnaire_player")


class LabDb:
    """Committed rows of a lab's SQLite file (or PostgreSQL database: the same SQL, ``?`` read
    as a parameter), each query on a fresh connection."""

    def __init__(self, path: str | Path) -> None:
        self.url = str(path) if is_url(path) else None
        self.path = Path(path)

    @classmethod
    def of(cls, store: Any) -> LabDb:
        """The database of a running engine's store, whichever store it is."""
        return cls(getattr(store, "url", None) or store.path)

    def query(self, sql: str, params: tuple | list = ()) -> list[dict[str, Any]]:
        if self.url is not None:
            return self._postgres(sql, params)
        conn = sqlite3.connect(self.path, timeout=10)
        try:
            conn.row_factory = sqlite3.Row
            return [dict(row) for row in conn.execute(sql, params).fetchall()]
        finally:
            conn.close()

    def _postgres(self, sql: str, params: tuple | list, fetch: bool = True
                  ) -> list[dict[str, Any]]:
        import psycopg
        from psycopg.rows import dict_row
        from psycopg.types.string import TextLoader

        with psycopg.connect(self.url, autocommit=True, row_factory=dict_row) as conn:
            conn.adapters.register_loader("jsonb", TextLoader)
            cursor = conn.execute(sql.replace("%", "%%").replace("?", "%s"), params)
            return [dict(row) for row in cursor.fetchall()] if fetch else []

    def execute(self, sql: str, params: tuple | list = ()) -> None:
        if self.url is not None:
            self._postgres(sql, params, fetch=False)
            return
        conn = sqlite3.connect(self.path, timeout=10)
        try:
            with conn:
                conn.execute(sql, params)
        finally:
            conn.close()

    def participant(self, code: str) -> dict[str, Any]:
        rows = self.query("SELECT * FROM participants WHERE code = ?", (code,))
        assert len(rows) == 1, code
        return rows[0]

    def visit(self, code: str, step: int) -> dict[str, Any] | None:
        rows = self.query("SELECT v.* FROM page_visits v JOIN participants p ON "
                          "p.id = v.participant_id WHERE p.code = ? AND v.step = ?", (code, step))
        return rows[0] if rows else None

    def player(self, app: str, code: str, round_number: int = 1) -> dict[str, Any]:
        rows = self.query(f'SELECT * FROM "{app}_player" WHERE participant_code = ? AND '
                          "round_number = ?", (code, round_number))
        assert len(rows) == 1, (app, code, round_number)
        return rows[0]

    def group_of(self, app: str, code: str, round_number: int = 1) -> dict[str, Any]:
        group_id = self.player(app, code, round_number)["group_id"]
        return self.query(f'SELECT * FROM "{app}_group" WHERE id = ?', (group_id,))[0]

    def groups(self, app: str, session_code: str, round_number: int) -> list[dict[str, str]]:
        """Each group of a round as {role: participant code}."""
        rows = self.query(f'SELECT group_id, role, participant_code FROM "{app}_player" WHERE '
                          "session_code = ? AND round_number = ? ORDER BY group_id, id_in_group",
                          (session_code, round_number))
        groups: dict[int, dict[str, str]] = {}
        for row in rows:
            groups.setdefault(row["group_id"], {})[row["role"]] = row["participant_code"]
        return list(groups.values())

    def stored_answer(self, code: str, step: int, name: str) -> Any:
        """The value saved for field ``name`` of the page a participant submitted at ``step``
        (on their player record, or their group's)."""
        visit = self.visit(code, step)
        assert visit is not None, (code, step)
        player = self.player(visit["app"], code, visit["round_number"])
        if name in player:
            return player[name]
        return self.group_of(visit["app"], code, visit["round_number"])[name]

    def snapshot(self) -> dict[str, list[dict[str, Any]]]:
        """Every row a submit could change, to compare before and after."""
        return {table: sorted(self.query(f'SELECT * FROM "{table}"'), key=repr)
                for table in STATE_TABLES}


def stored_form(name: str, typed: str) -> Any:
    """What a typed answer is stored as in the sample project's tables."""
    if name in ("sent_amount", "sent_back_amount", "amount_offered"):
        return cents(typed)
    if name in ("offer_accepted", "age", "trust_general"):
        return int(typed)
    return typed


def admin_login(base_url: str, password: str) -> requests.Session:
    """A requests session logged in to the admin."""
    http = requests.Session()
    login = http.get(f"{base_url}/admin/login", timeout=HTTP_TIMEOUT)
    token = re.search(r'name="csrf_token" value="([^"]+)"', login.text)
    assert token, login.text
    response = http.post(f"{base_url}/admin/login", data={
        "csrf_token": token.group(1), "password": password}, timeout=HTTP_TIMEOUT,
        allow_redirects=False)
    assert response.status_code == 302, response.text
    return http


def next_message(ws: websocket.WebSocket, seconds: float = 5.0) -> dict:
    """The next message on a socket other than a keep-alive ping, within ``seconds``."""
    deadline = time.monotonic() + seconds
    for _ in range(20):
        left = deadline - time.monotonic()
        assert left > 0, f"no message within {seconds} s"
        ws.settimeout(left)
        message = json.loads(ws.recv())
        if message.get("type") != "ping":
            return message
    raise AssertionError("only pings on the socket")
