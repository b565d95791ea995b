"""The workbench behind ``labctl dev``: the project's server, reloaded on every save.

One process holds a ``Workbench``, a WSGI app that hands each request to the Flask app of the
project as last loaded. A reload loads and validates the project in the same process (each
load is a fresh package, ``project.py``) and swaps the app: far faster than restarting a
server process (figures: ``benchmarks/RESULTS.md``). It runs in one greenlet without
yielding, so no request sees half a reload.

What a reload does:

- the development database (``.labctl-dev.db`` in the project, never the lab's ``labctl.db``)
  is recreated, with each demo session that was open recreated in it, its participants
  played by automatic bots up to the page each had open (``bots/replay.py``);
- links of the replaced sessions and participants redirect to their new codes, so an open tab
  that reloads lands on the same participant number's page of the new session;
- every open tab is told over ``/_dev/ws`` (``static/labctl-dev.js``, added to every page the
  workbench serves) to reload;
- a project with problems is served as one error page listing them, on every URL, until the
  next good save; the last good database is kept, so that save still finds everyone's place.
"""

from __future__ import annotations

import html
import io
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from flask import Flask, render_template
from flask_sock import Sock

from ..bots.replay import PageKey, Place, places, replay
from ..engine import Engine
from ..errors import LabctlError
from ..hub import InProcessHub
from ..problems import Problem
from ..project import Project, load_project
from ..storage.sqlite import SqliteStore
from ..validation import validate_project
from .live import relay
from .security import add_security_headers

log = logging.getLogger("labctl.dev")

#: the development database, in the project folder; recreated on every reload
DEV_DB = ".labctl-dev.db"
#: the database ``labctl run`` keeps the lab's data in: the workbench never touches it
LAB_DB = "labctl.db"
#: the hub channel every open tab of the workbench listens on (only this module uses it)
RELOAD_CHANNEL = "dev:reload"
#: the workbench's own URLs (its socket); everything else is the project's
DEV_PREFIX = "/_dev/"
SOCKET_PATH = "/_dev/ws"
#: the front page: the demo page of ``demo.py``
FRONT_PAGE = "/admin/demo/"
DEV_SCRIPT = "/static/labctl-dev.js"
#: forms larger than this are not kept for replaying (labctl refuses bodies over 256 KB)
MAX_KEPT_FORM = 256 * 1024


@dataclass
class Reload:
    """What one reload did, for the terminal."""

    ok: bool
    seconds: float
    problems: list[Problem] = field(default_factory=list)
    #: sessions recreated (old code, new code, session type)
    sessions: list[tuple[str, str, str]] = field(default_factory=list)
    #: what the researcher should know: participants not back on their page, sessions lost
    notes: list[str] = field(default_factory=list)


@dataclass
class _OpenSession:
    """A demo session as it was before a reload: enough to make it again."""

    code: str
    session_type: str
    participant_codes: dict[int, str]
    places: list[Place]
    #: made from the demo page (``session.is_demo``)
    demo: bool = False


class Workbench:
    """The dev server's WSGI app and its state across reloads."""

    def __init__(self, root: str | Path, db_path: str | Path | None = None) -> None:
        self.root = Path(root).resolve()
        self.db_path = Path(db_path).resolve() if db_path else self.root / DEV_DB
        if self.db_path.name == LAB_DB:
            raise LabctlError(f"the dev server will not use {self.db_path}: it recreates its "
                              "database on every save, and labctl.db holds the lab's data",
                              f"leave --db out (the dev server uses {DEV_DB})")
        self.hub = InProcessHub()
        self.generation = 0
        self.project: Project | None = None
        self.engine: Engine | None = None
        self.store: SqliteStore | None = None
        self.app: Flask | None = None
        self.problems: list[Problem] = []
        self.failure: str | None = None
        #: old session and participant codes -> their codes in the current database
        self.forward: dict[str, str] = {}
        #: participant code -> why they are not on the page they had open
        self.notes: dict[str, str] = {}
        #: participant code -> step -> the form they sent there and the server accepted
        self.answers: dict[str, dict[int, dict[str, str]]] = {}
        #: participant code -> the answers replayed into their session, by page
        self.carried: dict[str, dict[PageKey, dict[str, str]]] = {}
        self.shell = self._shell()

    # -- reloading ------------------------------------------------------------------------

    def reload(self) -> Reload:
        """Load the project again; serve it if it is valid, else its problems."""
        started = time.perf_counter()
        try:
            project = load_project(self.root)
        except LabctlError as exc:  # not a project any more (sessions.py gone)
            self.problems, self.failure = [], str(exc)
            self._announce()
            return Reload(False, time.perf_counter() - started, notes=[str(exc)])
        problems = validate_project(project)
        if problems:
            project.unload()
            self.problems, self.failure = problems, None
            self._announce()
            return Reload(False, time.perf_counter() - started, problems)
        try:
            return self._serve_new(project, started)
        except Exception as exc:  # a bug in the project's code at load (or in labctl): shown
            log.exception("reload failed")
            self.failure = f"The reload failed: {type(exc).__name__}: {exc}"
            self._announce()
            return Reload(False, time.perf_counter() - started, notes=[self.failure])

    def _serve_new(self, project: Project, started: float) -> Reload:
        """Swap in a valid project: a fresh database with the open sessions replayed."""
        before = self._open_sessions()
        self._close()
        store = SqliteStore(self._fresh_db())
        engine = Engine(project, store, hub=self.hub)
        outcome = Reload(True, 0.0)
        self.notes, self.answers, self.carried = {}, {}, {}
        renamed: dict[str, str] = {}
        for session in before:
            self._recreate(engine, session, renamed, outcome)
        self.forward = {old: renamed.get(new, new) for old, new in self.forward.items()}
        self.forward.update(renamed)
        from . import create_app

        self.project, self.engine, self.store = project, engine, store
        self.app = create_app(engine)
        self.problems, self.failure = [], None
        self._announce()
        outcome.seconds = time.perf_counter() - started
        return outcome

    def _open_sessions(self) -> list[_OpenSession]:
        if self.engine is None:
            return []
        return [_OpenSession(row["code"], row["session_type"],
                             {p["id_in_session"]: p["code"]
                              for p in self.engine.participant_rows(row["code"])},
                             places(self.engine, row["code"], self.answers,
                                    self.carried), bool(row.get("is_demo")))
                for row in self.engine.session_rows()]

    def _recreate(self, engine: Engine, session: _OpenSession, renamed: dict[str, str],
                  outcome: Reload) -> None:
        """Make ``session`` again in the new database and replay everyone to their page."""
        try:
            code = engine.create_session(session.session_type, len(session.participant_codes),
                                         demo=session.demo)
        except LabctlError as exc:  # its type is gone, or its size no longer fits
            outcome.notes.append(f"session {session.code} ({session.session_type}) was not "
                                 f"recreated: {exc}")
            return
        rows = {row["id_in_session"]: row["code"] for row in engine.participant_rows(code)}
        renamed[session.code] = code
        for number, old_code in session.participant_codes.items():
            if number in rows:
                renamed[old_code] = rows[number]
        for place in session.places:
            if place.id_in_session in rows and place.answers:
                self.carried[rows[place.id_in_session]] = place.answers
        try:
            notes = replay(engine, code, session.places)
        except LabctlError as exc:  # the app's code failed on the way: its tabs show where
            notes = {}
            outcome.notes.append(f"session {session.code} ({session.session_type}) was "
                                 f"replayed only in part: {exc}")
        for number, note in notes.items():
            self.notes[rows[number]] = note
            outcome.notes.append(note)
        outcome.sessions.append((session.code, code, session.session_type))

    def _fresh_db(self) -> Path:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{self.db_path}{suffix}").unlink(missing_ok=True)
        return self.db_path

    def _close(self) -> None:
        """Close the old database and forget the old project's modules."""
        if self.store is not None:
            self.store.close()
        if self.project is not None:
            self.project.unload()
        self.project = self.engine = self.store = self.app = None

    def close(self) -> None:
        self._close()

    def _announce(self) -> None:
        self.generation += 1
        self.hub.publish(RELOAD_CHANNEL, {"type": "reload", "generation": self.generation})

    # -- serving --------------------------------------------------------------------------

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]
                 ) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "") or "/"
        if path.startswith(DEV_PREFIX) or self.app is None or self.problems or self.failure:
            return self.shell(environ, start_response)
        if path == "/":
            return _redirect(start_response, FRONT_PAGE)
        moved = self._forwarded(path)
        if moved is not None:
            query = environ.get("QUERY_STRING")
            return _redirect(start_response, moved + (f"?{query}" if query else ""))
        if environ.get("HTTP_UPGRADE", "").lower() == "websocket":
            return self.app(environ, start_response)
        answer = _posted_answer(environ, path)
        status, body = self._with_dev_script(self.app, environ, start_response,
                                             self._note_for(path))
        if answer is not None and status.startswith("200"):  # not refused (422)
            code, step, form = answer
            self.answers.setdefault(code, {})[step] = form
        return [body]

    def _forwarded(self, path: str) -> str | None:
        """The same URL with replaced session or participant codes swapped for their new
        ones, or None when it names none."""
        parts = path.split("/")
        if not any(part in self.forward for part in parts):
            return None
        return "/".join(self.forward.get(part, part) for part in parts)

    def _note_for(self, path: str) -> str:
        return next((self.notes[p] for p in path.split("/") if p in self.notes), "")

    def _with_dev_script(self, app: Callable[..., Iterable[bytes]], environ: dict[str, Any],
                         start_response: Callable[..., Any], note: str) -> tuple[str, bytes]:
        """Serve through ``app``, adding the dev script to HTML pages (before ``</head>``);
        returns the status and the body."""
        answer: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            answer.update(status=status, headers=headers, exc_info=exc_info)
            return lambda data: None  # every app here returns its body

        body_parts = app(environ, capture)
        try:
            body = b"".join(body_parts)
        finally:
            closing = getattr(body_parts, "close", None)
            if closing is not None:
                closing()
        headers = answer["headers"]
        content_type = next((v for k, v in headers if k.lower() == "content-type"), "")
        if content_type.startswith("text/html"):
            body = body.replace(b"</head>", self.dev_script(note).encode() + b"</head>", 1)
            headers = [(k, v) for k, v in headers if k.lower() != "content-length"]
            headers.append(("Content-Length", str(len(body))))
        start_response(answer["status"], headers, answer["exc_info"])
        return str(answer["status"]), body

    def dev_script(self, note: str = "") -> str:
        """The tag that makes a page reload when the project does."""
        return (f'<script src="{DEV_SCRIPT}" data-generation="{self.generation}" '
                f'data-note="{html.escape(note, quote=True)}" defer></script>')

    def _shell(self) -> Flask:
        """The workbench's own small app: its socket, labctl's static files, and the page
        that lists a broken project's problems, answered on every other URL."""
        shell = Flask("labctl.server")
        shell.after_request(add_security_headers)
        sock = Sock(shell)

        @sock.route(SOCKET_PATH)
        def reloads(ws: Any) -> None:
            relay(ws, self.hub, RELOAD_CHANNEL,
                  lambda: {"type": "reload", "generation": self.generation})

        @shell.route("/", defaults={"anything": ""}, methods=["GET", "POST"])
        @shell.route("/<path:anything>", methods=["GET", "POST"])
        def broken(anything: str) -> Any:
            return render_template(
                "labctl/demo/broken.html", problems=self.problems, root=self.root,
                failure=self.failure or ("" if self.problems else "The project has not "
                                         "loaded yet."),
                dev_script=self.dev_script()), 500

        return shell


def _posted_answer(environ: dict[str, Any], path: str
                   ) -> tuple[str, int, dict[str, str]] | None:
    """A participant's form (code, step, values), read so that a reload can type it again;
    the body is put back for the app to read."""
    parts = path.split("/")
    if environ.get("REQUEST_METHOD") != "POST" or len(parts) != 4 or parts[1] != "p":
        return None
    length = environ.get("CONTENT_LENGTH") or ""
    if not length.isdigit() or not 0 < int(length) <= MAX_KEPT_FORM:
        return None  # left to the app to read (or refuse)
    body = environ["wsgi.input"].read(int(length))
    environ["wsgi.input"] = io.BytesIO(body)
    form = {k: v[-1] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
    step = form.pop("step", "")
    for name in ("csrf_token", "timed_out"):
        form.pop(name, None)
    return (parts[2], int(step), form) if step.isdigit() else None


def _redirect(start_response: Callable[..., Any], location: str) -> Iterable[bytes]:
    start_response("302 Found", [("Location", location), ("Content-Length", "0"),
                                 ("Cache-Control", "no-store")])
    return [b""]
