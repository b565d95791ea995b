"""``labctl test``: N bots play a whole session through the real server, concurrently.

The server is ``labctl run`` in its own process, on 127.0.0.1 on a free port, with a temporary
database. Each bot is a thread (a greenlet when run as the ``labctl`` program) that GETs its
page, submits it, and waits on its WebSocket on wait pages, exactly like a browser. Before each
step the runner reads the bot's player, group and participant from the database, so checks see
what the server stored. The first failure stops every bot and is reported with the session
type, app, round, page and participant; a failure in the app's own code carries the
researcher's file and line from the server's log.
"""

from __future__ import annotations

import importlib
import inspect
import random
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..app import AppSpec
from ..engine.bot_changes import bot_changes
from ..engine.progress import form_fields
from ..engine.recordset import RecordSet, stored_player, stored_records
from ..engine.store import Store
from ..errors import LabctlError
from ..pages import WaitPage
from ..project import Project
from ..storage.open_store import open_store
from .api import Bot, BotCheckFailed, Submission
from .auto import automatic_values
from .client import ParticipantClient, ShownPage
from .server_process import ServerProcess

if TYPE_CHECKING:
    from ..engine.facade import Engine

#: how long a bot waits on one wait page before it reports itself stuck
WAIT_SECONDS = 60.0
#: how often an automatic bot redraws a form a page's own check refused
AUTO_ATTEMPTS = 20


class BotFailure(LabctlError):
    """A bot could not finish: where it was, and what went wrong."""


@dataclass
class TestReport:
    session_type: str
    participants: int
    pages_submitted: int = 0
    finished: int = 0
    failures: list[str] = field(default_factory=list)
    session_code: str = ""
    db_path: str | Path | None = None
    #: which of the bots' ``cases`` the session being played is (``None`` without cases)
    case_number: int | None = None
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.failures and self.finished == self.participants


Progress = Callable[[TestReport], None]
#: makes a bot's connection to the server from (base URL, participant code): the HTTP client
#: by default, a headless browser for ``--browsers`` (``browser.py``)
ClientFactory = Callable[[str, str], Any]


def run_bots(project: Project, session_type: str, participants: int | None = None,
             seed: int | None = None, workdir: Path | None = None,
             progress: Progress | None = None,
             finished: Callable[[TestReport], None] | None = None,
             client: ClientFactory = ParticipantClient,
             db: str | Path | None = None) -> TestReport:
    """Play a session of ``session_type`` with bots, once per case; returns what happened.

    As in oTree, a ``PlayerBot`` with ``cases = [...]`` plays the whole session once per case
    (the most cases any app's bot declares; an app with fewer repeats its own), so that every
    bot's ``self.case`` is the same within one session. ``finished`` runs after each session
    while its test database still exists (e.g. to export it); it is removed afterwards unless
    ``workdir`` was given. ``db`` is the database to play in instead (a PostgreSQL URL: the
    sessions stay there).
    """
    declared = project.session_type(session_type)
    count = participants or project.participant_count(declared)
    seed = random.SystemRandom().randrange(2**31) if seed is None else seed
    bots = {name: _bot_class(project, project.apps[name]) for name in declared.app_sequence}
    cases = case_count(bots.values())
    report = TestReport(session_type, count * cases)
    started = time.monotonic()
    for case_number in range(cases):
        if report.failures:
            break
        report.case_number = case_number if cases > 1 else None
        _play_session(project, declared.name, count, seed, workdir, bots, report, progress,
                      finished, client, db)
    report.seconds = time.monotonic() - started
    return report


def case_count(bots: Iterable[type[Bot] | None]) -> int:
    """How many sessions the bots play: the most ``cases`` any of them declares, at least 1."""
    return max([len(bot.cases) for bot in bots if bot is not None and bot.cases] or [1])


def _play_session(project: Project, session_type: str, count: int, seed: int,
                  workdir: Path | None, bots: dict[str, type[Bot] | None], report: TestReport,
                  progress: Progress | None,
                  finished: Callable[[TestReport], None] | None,
                  client: ClientFactory = ParticipantClient,
                  db: str | Path | None = None) -> None:
    """One session of the test, in its own server process and database."""
    with ServerProcess(project.root, session_type, count, seed, workdir, db) as server:
        report.session_code, report.db_path = server.session_code, server.db_path
        store = open_store(server.db_path)
        try:
            team = Team(project, session_type, store, server, bots, seed, report, progress,
                        client)
            team.play()
        finally:
            store.close()
        if report.failures:
            report.failures = [_with_server_log(f, server.log()) for f in report.failures]
        if finished is not None:
            finished(report)


#: the files an app's bots may be in: labctl's name, then oTree's
BOT_FILES = ("bots", "tests")


def _bot_class(project: Project, spec: AppSpec) -> type[Bot] | None:
    """The app's ``PlayerBot`` from ``bots.py`` (or oTree's ``tests.py``), or ``None`` for
    automatic bots."""
    found_in = next((name for name in BOT_FILES if (spec.folder / f"{name}.py").is_file()), None)
    if found_in is None:
        return None
    try:
        module = importlib.import_module(f"{project.package}.{spec.name}.{found_in}")
    except Exception as exc:
        raise BotFailure(f"app '{spec.name}': importing {found_in}.py raised "
                         f"{type(exc).__name__}: {exc}", f"fix the app's {found_in}.py") from exc
    found = getattr(module, "PlayerBot", None)
    if not (isinstance(found, type) and issubclass(found, Bot)):
        raise BotFailure(f"app '{spec.name}': {found_in}.py declares no "
                         "PlayerBot(labctl.bots.Bot)",
                         "add class PlayerBot(Bot) with a play_round method")
    if not isinstance(found.cases, (list, tuple)):
        raise BotFailure(f"app '{spec.name}': PlayerBot.cases is {found.cases!r}, not a list",
                         'write e.g. cases = ["basic", "min", "max"]')
    return found


def _live_caller(bot: type[Bot]) -> Callable[..., Any] | None:
    """The ``call_live_method`` defined beside the app's ``PlayerBot``, if any."""
    module = sys.modules.get(bot.__module__)
    caller = getattr(module, "call_live_method", None)
    return caller if callable(caller) else None


def _with_server_log(failure: str, log: str) -> str:
    """Add the server's account of a failure in the app's code (file and line)."""
    causes = [line.strip() for line in log.splitlines() if "experiment code failed" in line]
    return failure + (f"\n  server: {causes[-1]}" if causes else "")


class Team:
    """The bots of one session, each in its own thread."""

    def __init__(self, project: Project, session_type: str, store: Store,
                 server: ServerProcess, bots: dict[str, type[Bot] | None], seed: int,
                 report: TestReport, progress: Progress | None,
                 client: ClientFactory = ParticipantClient) -> None:
        self.project = project
        self.client = client
        self.session_type = project.session_type(session_type)
        self.store = store
        self.server = server
        self.bots = bots
        self.seed = seed
        self.report = report
        self.progress = progress
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.minor_digits = self.session_type.minor_digits
        #: each app's oTree ``call_live_method(method, **kwargs)`` from its tests.py
        self.live_callers = {name: caller for name, bot in bots.items() if bot is not None
                             if (caller := _live_caller(bot)) is not None}
        #: (step, group) whose ``call_live_method`` ran: once per group, as in oTree
        self.live_called: set[tuple[int, int]] = set()
        self._engine: Engine | None = None
        #: each app module's functions as loaded: a bot that replaces one is refused
        self.functions = {name: _functions(spec.module) for name, spec in project.apps.items()}

    def replaced_functions(self) -> list[str]:
        """App functions a bot replaced (``APP.piece_rate = lambda c: 15``): oTree's bots
        shared the server's process, so the app then ran the replacement; labctl's server
        runs the app in its own process and never sees it."""
        return [f"{app}.{name}" for app, functions in self.functions.items()
                for name, function in functions.items()
                if vars(self.project.apps[app].module).get(name) is not function]

    def engine(self) -> Engine:
        """An engine on the test's database, for ``call_live_method`` (made on first use)."""
        from ..engine.facade import Engine  # the engine's dropouts import the bots

        with self.lock:
            if self._engine is None:
                self._engine = Engine(self.project, self.store)
            return self._engine

    def play(self) -> None:
        rows = self.store.participants_of(self.server.session_code)
        threads = [threading.Thread(target=self._play_one, args=(row,), daemon=True)
                   for row in rows]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + WAIT_SECONDS * 10
        for thread in threads:
            thread.join(timeout=max(0.1, deadline - time.monotonic()))
        if any(thread.is_alive() for thread in threads):
            self.fail("the bots did not finish within the time limit")

    def fail(self, message: str) -> None:
        with self.lock:
            self.report.failures.append(message)
        self.stop.set()

    def counted(self, pages: int = 0, finished: int = 0) -> None:
        with self.lock:
            self.report.pages_submitted += pages
            self.report.finished += finished
        if self.progress:
            self.progress(self.report)

    def _play_one(self, row: dict[str, Any]) -> None:
        try:
            player = PlayerRun(self, row)
        except Exception as exc:  # a browser that did not start
            self._fail_unless_stopped(f"participant {row['id_in_session']}: could not start "
                                      f"its client: {type(exc).__name__}: {exc}")
            return
        try:
            player.play()
        except (BotFailure, BotCheckFailed, LabctlError) as exc:
            self._fail_unless_stopped(player.where() + str(exc))
        except Exception as exc:  # a bug in a bots.py, or the server going away
            notes = "".join(f" ({note})" for note in getattr(exc, "__notes__", ()))
            self._fail_unless_stopped(player.where() + f"{type(exc).__name__}: {exc}{notes}")
        finally:
            player.client.close()

    def _fail_unless_stopped(self, message: str) -> None:
        """Report a failure, unless it only follows from another bot's (the first counts)."""
        if not self.stop.is_set():
            self.fail(message)


class PlayerRun:
    """One participant's bot through the whole session."""

    def __init__(self, team: Team, row: dict[str, Any]) -> None:
        self.team = team
        self.row = row
        self.client = team.client(team.server.base_url, row["code"])
        self.rng = random.Random(f"{team.seed}:{row['id_in_session']}")
        self.page: ShownPage | None = None
        #: the page the bot is submitting, checking or waiting on: where a failure happened
        self.at = "before the first page"

    def where(self) -> str:
        return (f"session type {self.team.session_type.name}, {self.case_label()}participant "
                f"{self.row['id_in_session']}, {self.at}: ")

    def case_label(self) -> str:
        """``case 2 ('min'), `` while the bots play one of several cases; else nothing."""
        number = self.team.report.case_number
        if number is None:
            return ""
        names = [repr(bot.cases[number % len(bot.cases)]) for bot in self.team.bots.values()
                 if bot is not None and bot.cases]  # a case may be a dict: named by its repr
        return f"case {number + 1} ({', '.join(dict.fromkeys(names))}), "

    def _mark(self, page: ShownPage) -> None:
        if page.app:
            self.at = f"app {page.app}, round {page.round_number}, page {page.name}"

    def play(self) -> None:
        self.page = self.client.current()
        for spec, round_number in self.team.project.subsession_plan(self.team.session_type):
            self._play_round(spec, round_number)
            if self.team.stop.is_set():
                return
        self._settle()
        if self.page.kind != "finished":
            raise BotFailure(f"the session ended for the bots but the server shows "
                             f"{self.page.kind} page {self.page.name}")
        verify = getattr(self.client, "verify", None)  # a browser: the last page's errors
        if verify is not None:
            verify()
        self.team.counted(finished=1)

    def _play_round(self, spec: AppSpec, round_number: int) -> None:
        """Play one app round. As in oTree, the bot's code after a ``yield`` runs when the bot
        reaches its next page (after any wait page has released it), with ``self.html`` that
        page, so a bot can submit a decision and then check the results page."""
        self._settle()
        if self._skipped(spec):
            return
        bot = self._new_bot(spec)
        plan = iter(bot.play_round() or ()) if bot is not None else None
        resume = plan is not None
        pending: Submission | None = None
        while not self.team.stop.is_set():
            self._settle()
            assert self.page is not None
            if resume and bot is not None:
                pending = self._next(plan, bot, spec, round_number)
                resume = False
            if self.page.app != spec.name or self.page.round_number != round_number:
                break
            resume = self._submit(spec, bot, pending)
        if pending is not None and not self.team.stop.is_set():
            raise BotFailure(f"the bot of app {spec.name} round {round_number} yielded page "
                             f"{pending.page.__name__}, which was not shown to it")

    def _skipped(self, spec: AppSpec) -> bool:
        """Whether the participant is already in a later app (an ``app_after_this_page``
        skipped this one): its bot does not play, as the participant never sees its pages."""
        assert self.page is not None
        if not self.page.app or self.page.app == spec.name:
            return False
        order = [planned.name for planned, _ in
                 self.team.project.subsession_plan(self.team.session_type)]
        return self.page.app in order and order.index(self.page.app) > order.index(spec.name)

    def _new_bot(self, spec: AppSpec) -> Bot | None:
        """The app's bot for one round, with the case of the session being played."""
        bot_class = self.team.bots[spec.name]
        if bot_class is None:
            return None
        bot = bot_class()
        if bot_class.cases:
            number = self.team.report.case_number or 0
            bot.case = bot_class.cases[number % len(bot_class.cases)]
        return bot

    def _settle(self) -> None:
        """Wait while on wait pages; fail on an error page."""
        assert self.page is not None
        while self.page.kind == "wait" and not self.team.stop.is_set():
            self._mark(self.page)
            if not self.client.wait_until_moved(self.page, WAIT_SECONDS, self.team.stop):
                if self.team.stop.is_set():
                    return
                raise BotFailure(f"stuck on wait page {self.page.name} for {WAIT_SECONDS:.0f} s")
            self.page = self.client.current()
        if self.page.kind == "error":
            raise BotFailure(f"the server answered {self.page.status}: "
                             f"{' '.join(self.page.errors()) or 'an error page'}")

    def _submit(self, spec: AppSpec, bot: Bot | None, pending: Submission | None) -> bool:
        """Submit the page shown; ``True`` when it was the bot's yielded submission, so that
        the bot's code after that ``yield`` runs on the page that follows."""
        page = self.page
        assert page is not None
        self._mark(page)
        page_class = next(p for p in spec.page_sequence if p.__name__ == page.name)
        fields = list(page_class.form_fields)
        if bot is None:
            self._auto_submit(spec, page_class)
            return False
        if pending is None or pending.page.__name__ != page.name:
            if not fields:  # a page without a form the bot did not mention: Next
                self._post({}, expect_error=None)
                return False
            expected = pending.page.__name__ if pending else "nothing more"
            raise BotFailure(f"the server shows page {page.name}, but the bot yielded "
                             f"{expected}")
        # as in oTree, a live page's call_live_method runs when a bot submits that page
        # (a bot whose case skips the page, by yielding nothing, runs no live test)
        self._call_live_method(spec, page_class, bot)
        if pending.timeout_happened:
            self._time_out(page)
            return True
        self._post(pending.values, expect_error=pending.error)
        return True

    def _time_out(self, page: ShownPage) -> None:
        """oTree's ``Submission(Page, timeout_happened=True)``: the page submits as its timer
        would, now (a test does not wait for the deadline; the server itself refuses an early
        "timed out" post from a browser)."""
        result = self.team.engine().bot_timed_out(self.row["code"], page.step)
        if not result.advanced:
            raise BotFailure(f"page {page.name} could not time out: {result.status}")
        self.page = self.client.current()
        self.team.counted(pages=1)

    def _call_live_method(self, spec: AppSpec, page_class: type, bot: Bot) -> None:
        """oTree's bots on a live page: the first bot of a group to arrive runs the app's
        ``call_live_method`` with ``method(id_in_group, data)``, which runs the live method
        for that member (wherever its bot is) and returns what it returned, before it
        submits the page."""
        caller = self.team.live_callers.get(spec.name)
        page = self.page
        if caller is None or page is None or getattr(page_class, "live_method", None) is None:
            return
        store = self.team.store
        records = stored_records(store, self.team.project, self.team.server.session_code)
        with store.reading():
            player = records.player(spec, self.row["id"], page.round_number or 1)
            key = (page.step, player.group.id_in_subsession)
            with self.team.lock:
                if key in self.team.live_called:
                    return
                self.team.live_called.add(key)
            engine, code = self.team.engine(), self.row["code"]
            from ..engine.live import LiveRefused  # the engine's dropouts import the bots

            def method(id_in_group: int, data: Any) -> Any:
                try:
                    return engine.bot_live_call(code, id_in_group, data)
                except LiveRefused as exc:
                    where = (f"call_live_method sent {data!r} as player {id_in_group}: "
                             f"{exc.failure or exc}")
                    original = exc.failure.__cause__ if exc.failure is not None else None
                    if isinstance(original, Exception):
                        # as in oTree, the live method's own error reaches the test, which may
                        # expect it (``with expect_failure(TypeError): method(1, None)``)
                        original.add_note(where)
                        raise original from None
                    raise BotFailure(where) from exc
                finally:  # the test's records show what the live method changed, as oTree's
                    records.reload()

            caller(method=method, case=bot.case, round_number=page.round_number,
                   page_class=page_class, group=player.group)

    def _post(self, values: dict[str, Any], expect_error: str | None) -> None:
        assert self.page is not None
        shown = self.page
        after = self.client.submit(shown, values, must_fail=expect_error is not None)
        if expect_error is not None:
            if after.status != 422 or after.step != shown.step:
                wanted = f" with '{expect_error}'" if expect_error else ""
                raise BotFailure(f"submitting {values} should have been refused{wanted}, but "
                                 "it was accepted")
            if not any(expect_error in message for message in after.errors()):
                raise BotFailure(f"submitting {values} was refused with {after.errors()}, not "
                                 f"with '{expect_error}'")
            self.page = after
            return
        if after.status == 422:
            raise BotFailure(f"submitting {values} was refused: {'; '.join(after.errors())}")
        self.page = after
        self.team.counted(pages=1)

    def _auto_submit(self, spec: AppSpec, page_class: type) -> None:
        assert self.page is not None
        player_fields = self._form_fields(spec, page_class)
        for attempt in range(AUTO_ATTEMPTS):
            values = automatic_values(player_fields, self.rng, attempt, self.team.minor_digits,
                                      self.team.session_type.decimal_mark)
            after = self.client.submit(self.page, values)
            if after.status != 422:
                self.page = after
                self.team.counted(pages=1)
                return
        raise BotFailure(f"page {self.page.name} refused {AUTO_ATTEMPTS} forms of valid random "
                         f"values, the last with: {'; '.join(after.errors())}; its checks "
                         "accept answers that random values do not find (a quiz?): write a "
                         f"bots.py (or oTree's tests.py) for app {spec.name} that submits "
                         "them, as oTree's bots play only apps with a tests.py")

    def _form_fields(self, spec: AppSpec, page_class: type) -> list[Any]:
        """The fields the page asks this player: its ``form_fields``, or, with
        ``get_form_fields`` or field hooks, what the server computes for the player."""
        assert self.page is not None
        if page_class.get_form_fields is not None or spec.field_hooks:
            with self.team.store.reading():
                player = stored_player(self.team.store, self.team.project,
                                       self.team.server.session_code, spec, self.row["id"],
                                       self.page.round_number or 1)
                return form_fields(page_class, player)
        model = spec.model_class(page_class.form_model)
        declared = model.declared_fields() if model else {}
        return [declared[name] for name in page_class.form_fields]

    def _next(self, plan: Iterator[Any] | None, bot: Bot, spec: AppSpec,
              round_number: int) -> Submission | None:
        if plan is None:
            return None
        records = self._refresh(bot, spec, round_number)
        with self.team.store.reading():
            try:
                item = next(plan)
            except StopIteration:
                item = None
        self._save_changes(records)
        if (replaced := self.team.replaced_functions()):
            raise BotFailure(
                f"the bot replaced {', '.join(replaced)}: the app runs in the server's own "
                "process, so the server keeps the app's function (oTree's bots shared its "
                "process); give the case its values through session.vars or a session "
                "type's params instead")
        if item is None:
            return None
        submission = Submission.of(item)
        if issubclass(submission.page, WaitPage):
            raise BotFailure(f"the bot yielded wait page {submission.page.__name__}; bots "
                             "wait on wait pages by themselves")
        return submission

    def _save_changes(self, records: RecordSet) -> None:
        """Save what the bot's own code set on the records it was given (and on those it
        reached from them) before its next submission, as oTree's in-process bots changed
        the database (``engine.bot_changes``)."""
        try:
            changes = bot_changes(records.unsaved())
        except LabctlError as exc:  # a value vars cannot hold
            raise BotFailure(f"the bot set a value that cannot be saved: {exc}") from exc
        if not changes:
            return
        try:
            self.team.engine().save_bot_changes(self.row["code"], changes)
        except LabctlError as exc:
            raise BotFailure(f"the bot set {', '.join(changes.names())}, which cannot be "
                             f"saved: {exc}") from exc

    def _refresh(self, bot: Bot, spec: AppSpec, round_number: int) -> RecordSet:
        """Give the bot its records as the server stored them now; the set they come from,
        which the caller keeps while the bot's code runs (see ``_save_changes``)."""
        records = stored_records(self.team.store, self.team.project,
                                 self.team.server.session_code)
        with self.team.store.reading():
            player = records.player(spec, self.row["id"], round_number)
        bot.player, bot.group = player, player.group
        bot.participant, bot.session = player.participant, player.session
        bot.round_number = round_number
        bot.html = self.page.html if self.page else ""
        page = self.page
        if page is not None:
            bot._live = lambda data: self._live(page, data)
            bot._live_received = lambda: self.client.live_messages(page)
        return records

    def _live(self, page: ShownPage, data: Any) -> list[Any]:
        """A bot's live message; when the app's live_method failed, the failure names the
        researcher's file:line, as the monitor does."""
        self._mark(page)  # a live message is sent on this page: a failure names it
        try:
            return self.client.live(page, data)
        except LabctlError as exc:
            with self.team.store.reading():
                error = self.team.store.app_error_of(self.row["code"])
            if error is None or error["step"] != page.step:
                raise
            raise BotFailure(f"{exc}; {error['location']}: {error['message']}") from exc


def _functions(module: Any) -> dict[str, Any]:
    """A module's own functions, by name (what a bot could replace to steer the app)."""
    return {name: value for name, value in vars(module).items()
            if inspect.isfunction(value) and value.__module__ == module.__name__}
