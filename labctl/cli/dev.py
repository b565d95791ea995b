"""``labctl dev``: the development server, reloaded on every save of the project."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path

import typer

from . import project_folder
from .console import console, err_console, reports_errors


def register(app: typer.Typer) -> None:
    app.command("dev")(dev)


@reports_errors
def dev(
    project_arg: Path = project_folder.argument(),
    host: str = typer.Option("127.0.0.1", "--host", help="Interface to listen on (this PC "
                             "only by default: the dev server has no admin password)."),
    port: int = typer.Option(8000, "--port", help="Port to listen on."),
    project_dir: Path = project_folder.option(),
) -> None:
    """Serve the project for development: reload on every save, with a demo page.

    The front page lists every session type with a button that plays it with all its
    participants' pages side by side. Each save of a Python file, template, static file or
    sessions.py reloads the project on a fresh development database (.labctl-dev.db, never
    labctl.db), recreates the open demo sessions and brings every open tab back to its page.

    Example: labctl dev sample_sessions
    """
    from .greenlets import patch_all

    patch_all()
    from ..devserver import DevServer

    server = DevServer(project_folder.project_folder(project_arg, project_dir), host, port,
                       report=_report)
    with contextlib.suppress(KeyboardInterrupt):
        server.run(on_ready=_ready)
    console.print("Stopped the dev server.")


def _ready(url: str) -> None:
    console.print(f"Dev server on {url}/ (the demo page). Watching for changes; "
                  "press Ctrl+C to stop.", highlight=False)
    if not url.startswith(("http://127.", "http://localhost")):
        err_console.print("[bold yellow]Warning:[/] the dev server's admin has no password, "
                          "and it listens beyond this PC; use `labctl run` for a session "
                          "with participants.", highlight=False)
    sys.stdout.flush()


def _report(outcome, root: Path, changed: list[str]) -> None:
    """One line per reload; a broken project's problem table."""
    from .validate import problem_table

    what = f" ({', '.join(changed[:3])}{', ...' if len(changed) > 3 else ''})" if changed else ""
    if outcome.ok:
        sessions = len(outcome.sessions)
        console.print(f"[bold green]Reloaded[/] in {outcome.seconds * 1000:.0f} ms{what}; "
                      f"{sessions} demo session{'s' if sessions != 1 else ''} recreated.",
                      highlight=False)
    else:
        if outcome.problems:
            console.print(problem_table(outcome.problems, root))
        err_console.print(f"[bold red]Not reloaded[/]{what}: "
                          f"{len(outcome.problems) or 'the project has'} problem"
                          f"{'s' if len(outcome.problems) != 1 else ''}; every open tab shows "
                          "them until the next good save.", highlight=False)
    for note in outcome.notes:
        console.print(f"  {note}", highlight=False, markup=False)
    sys.stdout.flush()
