"""``labctl run``: create (or resume) a session and serve it on the lab LAN."""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from ..admin_password import require_strong
from ..errors import LabctlError
from ..participant_urls import participant_url
from . import database_option, project_folder
from .console import console, reports_errors
from .present import announce_room, await_enter
from .present import check_options as check_present
from .validate import load_valid_project


def register(app: typer.Typer) -> None:
    app.command("run")(run)


@reports_errors
def run(
    session_type: str = typer.Argument(None, help="Session type from sessions.py to start.",
                                       show_default=False),
    project_arg: Path = project_folder.argument(),
    participants: int = typer.Option(None, "--participants", "-n",
                                     help="Number of participants (default: the session "
                                     "type's num_participants)."),
    host: str = typer.Option("0.0.0.0", "--host", help="Interface to listen on; the default "
                             "serves every interface so lab PCs on the LAN can connect."),
    port: int = typer.Option(8000, "--port", help="Port to listen on."),
    db: str = database_option.option(),
    project_dir: Path = project_folder.option(),
    resume: bool = typer.Option(False, "--resume", help="Serve the newest session in the "
                                "database again instead of creating one."),
    labels: str = typer.Option(None, "--labels", help="Participant labels: a comma-separated "
                               "list, or @FILE with one label per line.", show_default=False),
    room: str = typer.Option(None, "--room", help="Open the session in this room (from ROOMS "
                             "in sessions.py): its seats' URLs join it.", show_default=False),
    seed: int = typer.Option(None, "--seed", help="Seed random matching, for a session that "
                             "can be replayed exactly.", show_default=False),
    qr: bool = typer.Option(None, "--qr/--no-qr", help="Print a QR code per participant link "
                            "(default: when the terminal can show them and n <= 12).",
                            show_default=False),
    new_password: bool = typer.Option(False, "--new-password", help="Make a new admin "
                                      "password (the database keeps its password otherwise); "
                                      "every admin login ends."),
    present: bool = typer.Option(False, "--present", help="With --room: serve the room, "
                                 "then size the session to the seats online when you press "
                                 "Enter (rounded down to the group size); the other seats "
                                 "online are spares, paid the show-up fee."),
    allowed_origin: list[str] = typer.Option(None, "--allowed-origin", help="A public "
                                             "address (e.g. https://lab.example.org) whose "
                                             "pages may open this server's WebSockets, behind "
                                             "a reverse proxy; repeatable; also "
                                             "LABCTL_ALLOWED_ORIGINS (comma-separated).",
                                             show_default=False),
    workers: int = typer.Option(1, "--workers", min=1, max=64, help="Server processes on "
                                "the same port (needs a PostgreSQL --db): for thousands of "
                                "participants online."),
    only: bool = typer.Option(False, "--only", hidden=True, help="labctl test's server: "
                              "problems in other session types' apps do not stop it, and "
                              "those session types are not offered."),
) -> None:
    """Create a session and serve it to the lab: prints the admin URL, password and links.

    Example: labctl run my_session -n 4
    """
    from .greenlets import patch_all

    patch_all()
    from ..engine import Engine
    from ..server import create_app
    from ..server.lan import public_host
    from ..server.serve import serve
    from ..server.workers import refuse_on_sqlite
    from ..storage.admin_logins import AdminLogins
    from ..storage.database_urls import is_url
    from ..storage.open_store import chosen, open_hub, open_store

    given = os.environ.get("LABCTL_ADMIN_PASSWORD")
    if given:
        require_strong(given)  # before the database is touched
    project = load_valid_project(project_folder.project_folder(project_arg, project_dir),
                                 session_type if only else None)
    target = chosen(db) or project.root / "labctl.db"
    refuse_on_sqlite(workers, is_url(target))  # before the database is touched
    store = open_store(target)
    hub = open_hub(store)
    engine = Engine(project, store, hub=hub)
    if present:
        check_present(session_type, room, participants, labels, resume)
        code = None
    else:
        code = _session_to_serve(engine, session_type, participants, _read_labels(labels),
                                 resume, room, seed)
    logins = AdminLogins(store)
    password = _admin_password(logins, given, new_password)
    origins = [*(allowed_origin or []),
               *os.environ.get("LABCTL_ALLOWED_ORIGINS", "").split(",")]
    app = create_app(engine, logins=logins, config={"LABCTL_ALLOWED_ORIGINS": origins})
    base = f"http://{public_host(host)}"

    def announce(bound_port: int) -> None:
        url = f"{base}:{bound_port}"
        if code is None:  # --present: the session starts when the seats are in
            announce_room(engine, room, url, password)
            await_enter(engine, session_type, room, seed,
                        lambda started: _print_session(engine, started, url, None, qr))
        else:
            _print_session(engine, code, url, password, qr)
        processes = f" with {workers} workers" if workers > 1 else ""
        console.print(f"Serving on {host}:{bound_port}{processes}. Press Ctrl+C to stop; "
                      f"`labctl run --resume` continues.", highlight=False)
        sys.stdout.flush()

    if workers > 1:
        _serve_workers(project, target, workers, host, port, origins, announce, (store, hub))
        console.print("Stopped. Every answer is saved; `labctl run --resume` continues.")
        return
    try:
        serve(app, engine, host, port, store, on_ready=announce)
    except KeyboardInterrupt:
        pass
    finally:
        store.close()
    console.print("Stopped. Every answer is saved; `labctl run --resume` continues.")


def _serve_workers(project, target, workers: int, host: str, port: int, origins: list[str],
                   announce, opened: tuple[Any, Any]) -> None:
    """``--workers N``: the parent's connections close before the workers are forked (none is
    shared across processes); each worker opens its own and serves the shared socket."""
    from ..engine import Engine
    from ..server import create_app
    from ..server.serve import serve
    from ..server.tuning import LISTEN_BACKLOG
    from ..server.workers import Workers, listen
    from ..storage.admin_logins import AdminLogins
    from ..storage.open_store import open_hub, open_store

    sock = listen(host, port, LISTEN_BACKLOG)
    announce(sock.getsockname()[1])  # reads the links through the parent's store
    store, hub = opened
    hub.close()
    store.close()

    def work(number: int) -> None:
        store = open_store(target)
        engine = Engine(project, store, hub=open_hub(store))
        app = create_app(engine, logins=AdminLogins(store),
                         config={"LABCTL_ALLOWED_ORIGINS": origins})
        try:
            serve(app, engine, host, port, store, listener=sock)
        finally:
            store.close()

    Workers(workers, work).run()


def _admin_password(logins, given: str | None, new: bool) -> str | None:
    """The admin password to print, or None when the database's password is unchanged.

    The database keeps its password (hashed) across ``--resume`` and new sessions, so the
    experimenter's note stays right; ``LABCTL_ADMIN_PASSWORD`` or ``--new-password`` replace
    it, and a replaced password ends every admin login."""
    if given:
        if not logins.password_ok(given):
            logins.set_password(given)
        return given
    if logins.has_password() and not new:
        return None
    password = secrets.token_urlsafe(12)  # 96 random bits
    logins.set_password(password)
    return password


def _read_labels(labels: str | None) -> list[str] | None:
    if not labels:
        return None
    if labels.startswith("@"):
        path = Path(labels[1:])
        if not path.is_file():
            raise LabctlError(f"label file {path} does not exist",
                              "give a text file with one label per line")
        return [line.strip() for line in path.read_text(encoding="utf-8").splitlines()
                if line.strip()]
    return [label.strip() for label in labels.split(",") if label.strip()]


def _session_to_serve(engine, session_type: str | None, participants: int | None,
                      labels: list[str] | None, resume: bool, room: str | None,
                      seed: int | None = None) -> str:
    if resume:
        rows = [r for r in engine.session_rows()
                if session_type is None or r["session_type"] == session_type]
        if not rows:
            raise LabctlError(f"there is no session to resume in {engine.location}",
                              "start one with `labctl run SESSION_TYPE`")
        return rows[-1]["code"]
    if not session_type:
        names = ", ".join(st.name for st in engine.project.session_types)
        raise LabctlError("give the session type to run", f"one of: {names}")
    if labels and room:
        raise LabctlError("--labels and --room cannot be combined",
                          "in a room, participants take the labels of the seats they join")
    if labels and participants is None:
        participants = len(labels)
    return engine.create_session(session_type, participants, labels=labels, room=room,
                                 seed=seed)


#: up to this many participants their links are a table; more are plain lines, the same
#: columns: rich is slow to lay out a table of a thousand rows, and the server waits for it
LINKS_TABLE_ROWS = 100


def _print_links(rows: list[dict[str, Any]], url: str) -> None:
    if len(rows) <= LINKS_TABLE_ROWS:
        table = Table(title="Participant links", show_lines=False)
        table.add_column("#", justify="right")
        table.add_column("Label")
        table.add_column("Start URL", overflow="fold")
        for row in rows:
            table.add_row(str(row["id_in_session"]), row["label"] or "",
                          participant_url(url, row["code"]))
        console.print(table)
        return
    width = max(len("Label"), *(len(row["label"] or "") for row in rows))
    lines = [f"{'#':>5}  {'Label':<{width}}  Start URL"] + [
        f"{row['id_in_session']:>5}  {row['label'] or '':<{width}}  "
        f"{participant_url(url, row['code'])}"
        for row in rows]
    console.print("Participant links", style="italic", justify="center")
    console.print("\n".join(lines), markup=False, highlight=False, soft_wrap=True)


def _print_session(engine, code: str, url: str, password: str | None, qr: bool | None
                   ) -> None:
    session_type = engine.session_type_of(code)
    rows = engine.participant_rows(code)
    console.print(f"\n[bold]Session {code}[/] — {session_type.title} "
                  f"({len(rows)} participants)", highlight=False)
    if password is None:
        console.print(f"Admin:    {url}/admin/   password unchanged (kept for {engine.location}; "
                      "`labctl run --resume --new-password` makes a new one)", highlight=False,
                      markup=False)
    else:
        console.print(f"Admin:    {url}/admin/   password: [bold]{password}[/]",
                      highlight=False)
    _print_links(rows, url)
    room = next((r["room"] for r in engine.session_rows() if r["code"] == code), None)
    if room:
        seats = engine.project.room(room).seat_labels(engine.project.root)
        console.print(f"Room:     {url}/room/{room}/   (seat URLs: {url}/room/{room}/LABEL/, "
                      f"e.g. {url}/room/{room}/{seats[0]}/; {len(seats)} seats)",
                      highlight=False)
    show_qr = qr if qr is not None else (sys.stdout.isatty() and len(rows) <= 12)
    if show_qr:
        import segno

        for row in rows:
            console.print(f"#{row['id_in_session']} {row['label'] or ''}")
            segno.make(participant_url(url, row["code"]), error="l").terminal(compact=True)
