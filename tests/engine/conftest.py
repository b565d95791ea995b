"""Shared fixtures of the engine tests: real SQLite files in ``tmp_path``, a fake clock, projects.

Every engine runs over a real ``SqliteStore`` on ``tmp_path / "labctl.db"``; tests read the
outcome back through a second, independent sqlite3 connection (``dbfile``), so what they assert
is what was committed. Time never passes by itself: ``clock`` is a ``FakeClock`` that tests move.

- ``sample``: the sample project (trust, ultimatum x2 with random matching, questionnaire);
  ``bot`` knows what each of its four participants answers and what that pays.
- ``make_project(apps, session_types)``: a small project written into ``tmp_path`` and loaded
  (checked valid with ``labctl validate``'s rules, so tests never rely on a broken project).
- ``open_engine(project)``: an ``Engine`` over a new ``SqliteStore`` on the test's database.
- ``driver``: looks at and submits participants' current pages, and plays a whole session.
"""

from __future__ import annotations

import sqlite3
import textwrap
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from labctl.engine import Engine, SubmitResult
from labctl.pages import Page
from labctl.project import Project, load_project
from labctl.storage.database_urls import is_url
from labctl.storage.open_store import open_store
from labctl.validation import validate_project

SAMPLE_SESSIONS = Path(__file__).resolve().parents[2] / "sample_sessions"

#: 2023-11-14 22:13:20 UTC: a round number so that timings are easy to read
START = 1_700_000_000.0

#: bound of every loop that plays a session, in passes over all participants
MAX_PASSES = 60


class FakeClock:
    """A clock the test moves: ``Engine(..., clock=FakeClock())``."""

    def __init__(self, now: float = START) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> float:
        self.now += seconds
        return self.now


# -- projects -------------------------------------------------------------------------------


def sessions_py(*session_types: str) -> str:
    """A sessions.py declaring ``SessionType(<arguments>)`` for each argument."""
    entries = "".join(f"    SessionType({arguments}),\n" for arguments in session_types)
    return f"from labctl import SessionType\n\nSESSION_TYPES = [\n{entries}]\n"


def write_project(root: Path, files: dict[str, str]) -> Path:
    """Write ``relative path -> text`` under ``root``."""
    for relative, content in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
    return root


@pytest.fixture
def load() -> Iterator[Callable[[Path], Project]]:
    """``load(root)`` loads a project; every project loaded is unloaded after the test."""
    loaded: list[Project] = []

    def load_one(root: Path) -> Project:
        project = load_project(root)
        assert project.load_problems == [], project.load_problems
        loaded.append(project)
        return project

    yield load_one
    for project in loaded:
        project.unload()


@pytest.fixture
def sample(load: Callable[[Path], Project]) -> Project:
    return load(SAMPLE_SESSIONS)


@pytest.fixture
def make_project(tmp_path: Path, load: Callable[[Path], Project]) -> Callable[..., Project]:
    """``make_project({"game": source}, 'name="demo", app_sequence=["game"]')``.

    App sources are dedented; a template is written for every page, and the project must pass
    ``labctl validate`` so that a test never passes only because its project is broken.
    """
    made = iter(range(1, 100))

    def make(apps: dict[str, str], *session_types: str) -> Project:
        root = tmp_path / f"project{next(made)}"
        files = {"sessions.py": sessions_py(*session_types)}
        files.update({f"{name}/__init__.py": textwrap.dedent(source)
                      for name, source in apps.items()})
        project = load(write_project(root, files))
        for spec in project.apps.values():
            for page in spec.page_sequence:
                if issubclass(page, Page) and not spec.template_path(page).exists():
                    spec.template_path(page).write_text("{{ formfields() }}\n"
                                                        "{{ next_button() }}\n")
        assert validate_project(project) == [], validate_project(project)
        return project

    return make


# -- engines and the database file ----------------------------------------------------------


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def db_path(new_store_target: Callable[[], Any]) -> Any:
    """The test's database: a SQLite file, or a PostgreSQL URL in a module marked
    ``both_stores`` (then every test that uses it runs on each store)."""
    return new_store_target()


@pytest.fixture
def open_engine(db_path: Path, clock: FakeClock) -> Iterator[Callable[..., Engine]]:
    """``open_engine(project)``: an Engine over a new store on the test's database."""
    stores: list[Any] = []

    def open_(project: Project, path: Any = db_path, **options: Any) -> Engine:
        store = open_store(path)
        stores.append(store)
        return Engine(project, store, clock=clock, **options)

    yield open_
    for store in stores:
        store.close()


@pytest.fixture
def engine(open_engine: Callable[..., Engine], sample: Project) -> Engine:
    """An engine of the sample project."""
    return open_engine(sample)


class DatabaseFile:
    """Reads the database file through its own connection: only committed data is seen.

    On PostgreSQL the same SQL runs with ``?`` read as a parameter, and JSON as its text."""

    def __init__(self, path: Any) -> None:
        self.path = path

    def rows(self, sql: str, *params: Any) -> list[dict[str, Any]]:
        if is_url(self.path):
            return postgres_rows(self.path, sql, params)
        conn = sqlite3.connect(self.path)
        conn.row_factory = sqlite3.Row
        try:
            return [dict(row) for row in conn.execute(sql, params).fetchall()]
        finally:
            conn.close()

    @property
    def postgres(self) -> bool:
        return is_url(self.path)

    def execute(self, sql: str, *params: Any) -> None:
        """A change committed at once (a test setting up what an app would have stored)."""
        if is_url(self.path):
            postgres_rows(self.path, sql, params, fetch=False)
            return
        with sqlite3.connect(self.path) as conn:
            conn.execute(sql, params)
        conn.close()

    def one(self, sql: str, *params: Any) -> dict[str, Any]:
        found = self.rows(sql, *params)
        assert len(found) == 1, found
        return found[0]

    def value(self, sql: str, *params: Any) -> Any:
        (only,) = self.one(sql, *params).values()
        return only

    def snapshot(self) -> dict[str, list[tuple[Any, ...]]]:
        """Every row of every table, to show that something changed nothing at all."""
        tables = [row["name"] for row in self.rows(
            "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = "
            "current_schema() ORDER BY table_name" if is_url(self.path) else
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        return {table: sorted(tuple(row.values()) for row in self.rows(f'SELECT * FROM "{table}"'))
                for table in tables}

    def participant(self, code: str) -> dict[str, Any]:
        return self.one("SELECT * FROM participants WHERE code = ?", code)

    def group_matrices(self, app: str, session_code: str) -> dict[int, list[list[int]]]:
        """Per round, the groups as lists of ``id_in_session`` in ``id_in_group`` order."""
        rows = self.rows(
            f'SELECT pl.round_number, g.id_in_subsession AS grp, pa.id_in_session AS number '
            f'FROM "{app}_player" pl JOIN "{app}_group" g ON g.id = pl.group_id '
            f"JOIN participants pa ON pa.id = pl.participant_id WHERE pl.session_code = ? "
            f"ORDER BY pl.round_number, g.id_in_subsession, pl.id_in_group", session_code)
        matrices: dict[int, dict[int, list[int]]] = {}
        for row in rows:
            matrices.setdefault(row["round_number"], {}).setdefault(row["grp"], []).append(
                row["number"])
        return {rnd: list(groups.values()) for rnd, groups in matrices.items()}


def postgres_rows(url: str, sql: str, params: tuple[Any, ...], fetch: bool = True
                  ) -> list[dict[str, Any]]:
    import psycopg
    from psycopg.rows import dict_row
    from psycopg.types.string import TextLoader

    with psycopg.connect(url, autocommit=True, row_factory=dict_row) as conn:
        conn.adapters.register_loader("jsonb", TextLoader)
        cursor = conn.execute(sql.replace("%", "%%").replace("?", "%s"), params)
        return [dict(row) for row in cursor.fetchall()] if fetch else []


@pytest.fixture
def dbfile(db_path: Path) -> DatabaseFile:
    return DatabaseFile(db_path)


# -- driving participants ---------------------------------------------------------------------


@dataclass(frozen=True)
class Seen:
    """What a participant was shown by ``engine.view``, copied out of its transaction."""

    code: str
    id_in_session: int
    kind: str
    index: int
    page: str | None = None
    app: str | None = None
    round_number: int | None = None
    role: str = ""
    id_in_group: int = 0
    group: int | None = None
    waiting_for: int = 0
    seconds_left: float | None = None
    fields: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)
    bonus: int | None = None
    total_pay: int | None = None


class Driver:
    """Looks at and submits participants' pages through the engine, as a browser would."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def codes(self, session_code: str) -> list[str]:
        """Participant codes in ``id_in_session`` order."""
        return [row["code"] for row in self.engine.participant_rows(session_code)]

    def look(self, code: str) -> Seen:
        with self.engine.view(code) as view:
            seen: dict[str, Any] = {"code": code,
                                    "id_in_session": view.participant.id_in_session,
                                    "kind": view.kind, "index": view.index}
            if view.step is not None and view.player is not None:
                seen.update(page=view.step.name, app=view.step.app.name,
                            round_number=view.step.round_number, role=view.player.role,
                            id_in_group=view.player.id_in_group,
                            group=view.group.id_in_subsession if view.group else None,
                            waiting_for=view.waiting_for, seconds_left=view.seconds_left,
                            fields=tuple(f.name for f in view.fields), extra=dict(view.extra))
            if view.payment is not None:
                seen.update(bonus=view.payment.bonus, total_pay=view.payment.total)
        return Seen(**seen)

    def submit(self, code: str, form: dict[str, str] | None = None, **options: Any
               ) -> SubmitResult:
        """Submit the participant's current page (at the step they are shown now)."""
        return self.engine.submit(code, self.look(code).index, form or {}, **options)

    def advance(self, code: str, form: dict[str, str] | None = None) -> Seen:
        """Submit the current page, which must be accepted; returns what comes next."""
        result = self.submit(code, form)
        assert result.status == "advanced", (self.look(code), result)
        return self.look(code)

    def play(self, session_code: str, answer: Callable[[Seen], dict[str, str]],
             codes: list[str] | None = None, stop: Callable[[Seen], bool] | None = None,
             tick: Callable[[], Any] | None = None) -> dict[str, list[Seen]]:
        """Let participants answer their pages, in turns, until every one has finished (or
        reached a page where ``stop`` is true). Returns the pages each one was shown.

        ``tick`` runs before each look at a page (e.g. to move a fake clock on)."""
        codes = codes or self.codes(session_code)
        shown: dict[str, list[Seen]] = {code: [] for code in codes}
        for _ in range(MAX_PASSES):
            moved = False
            for code in codes:
                if tick is not None:
                    tick()
                seen = self.look(code)
                if seen.kind != "page" or (stop and stop(seen)):
                    continue
                shown[code].append(seen)
                result = self.engine.submit(code, seen.index, answer(seen))
                assert result.status == "advanced", (seen, result)
                moved = True
            if not moved:
                break
        return shown


@pytest.fixture
def driver_of() -> type[Driver]:
    """``driver_of(engine)``: a driver of any engine."""
    return Driver


@pytest.fixture
def driver(engine: Engine) -> Driver:
    """A driver of the sample project's engine."""
    return Driver(engine)


# -- the sample project's participants --------------------------------------------------------


def cents_text(cents: int) -> str:
    """What a participant types for an amount: ``450 -> '4.50'``."""
    return f"{cents // 100}.{cents % 100:02d}"


class SampleBot:
    """What each of the sample session's 4 participants answers, and what that pays (cents).

    Trust groups are participants (1, 2) and (3, 4); the trustor is the first of each pair.
    Ultimatum groups are random, so offers and answers depend on the participant and round.
    """

    ENDOWMENT = 1000
    MULTIPLIER = 3
    PIE = 1000
    FIXED_PAY = 1000
    SENT = {1: 400, 3: 1000}
    SENT_BACK = {2: 500, 4: 0}

    @staticmethod
    def offer(id_in_session: int, round_number: int) -> int:
        return 100 * id_in_session + 50 * round_number

    @staticmethod
    def accepts(id_in_session: int, round_number: int) -> bool:
        return (id_in_session + round_number) % 2 == 1

    def answer(self, seen: Seen) -> dict[str, str]:
        me, round_number = seen.id_in_session, seen.round_number or 1
        forms: dict[str, Callable[[], dict[str, str]]] = {
            "Send": lambda: {"sent_amount": cents_text(self.SENT[me])},
            "SendBack": lambda: {"sent_back_amount": cents_text(self.SENT_BACK[me])},
            "Offer": lambda: {"amount_offered": cents_text(self.offer(me, round_number))},
            "Respond": lambda: {"offer_accepted": "1" if self.accepts(me, round_number)
                                else "0"},
            "Results": dict,
            "Demographics": lambda: {"age": str(20 + me), "gender": "diverse",
                                     "field_of_study": f"economics {me}"},
            "Opinions": lambda: {"trust_general": str(me), "comments": ""},
        }
        return forms[seen.page or ""]()

    def trust_payoffs(self) -> dict[int, int]:
        """Payoff by ``id_in_session``, from the sample's formulas."""
        payoffs = {}
        for trustor, trustee in ((1, 2), (3, 4)):
            sent, back = self.SENT[trustor], self.SENT_BACK[trustee]
            payoffs[trustor] = self.ENDOWMENT - sent + back
            payoffs[trustee] = self.ENDOWMENT + sent * self.MULTIPLIER - back
        return payoffs

    def ultimatum_payoffs(self, matrices: dict[int, list[list[int]]]) -> dict[int, int]:
        """Payoff by ``id_in_session`` summed over rounds, given who played with whom."""
        payoffs = dict.fromkeys(range(1, 5), 0)
        for round_number, groups in matrices.items():
            for proposer, responder in groups:
                if self.accepts(responder, round_number):
                    offered = self.offer(proposer, round_number)
                    payoffs[proposer] += self.PIE - offered
                    payoffs[responder] += offered
        return payoffs


@pytest.fixture
def bot() -> SampleBot:
    return SampleBot()
