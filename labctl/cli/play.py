"""``labctl test``: bots play a whole session through the real server."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from ..errors import LabctlError
from ..storage.open_store import chosen
from . import project_folder
from .console import console, err_console, reports_errors
from .validate import load_valid_project


def register(app: typer.Typer) -> None:
    app.command("test")(test)


@reports_errors
def test(
    session_type: str = typer.Argument(..., help="Session type from sessions.py to play."),
    project_arg: Path = project_folder.argument(),
    participants: int = typer.Option(None, "--participants", "-n",
                                     help="Number of bots (default: the session type's)."),
    seed: int = typer.Option(None, "--seed", help="Make matching and automatic bots' "
                             "answers reproducible.", show_default=False),
    export: Path = typer.Option(None, "--export", help="Write the played data into this folder, "
                                "like `labctl export results`.", show_default=False,
                                resolve_path=True),
    project_dir: Path = project_folder.option(),
    db: str = typer.Option(None, "--db", help="Play in this database (a SQLite file or a "
                           "PostgreSQL URL) instead of a temporary SQLite file.",
                           show_default=False, callback=project_folder.from_here),
    browsers: bool = typer.Option(False, "--browsers", help="Bots drive headless Chromium "
                                  "pages: type into the rendered forms, press the pages' own "
                                  "buttons, fail on script errors (keep -n small)."),
    screenshots: Path = typer.Option(Path("browser_bots"), "--screenshots", help="With "
                                     "--browsers: the folder for screenshots of failing "
                                     "pages.", resolve_path=True),
) -> None:
    """Play a whole session with bots through the real server; exit 1 on any failure.

    Example: labctl test my_session -n 8
    """
    from ..bots import run_bots

    project = load_valid_project(project_folder.project_folder(project_arg, project_dir),
                                 session_type)
    declared = project.session_type(session_type)
    count = participants or project.participant_count(declared)
    options: dict[str, Any] = {}
    if browsers:
        options["client"] = _browser_client(screenshots.resolve())
    with _progress(project, declared, count) as show:
        report = run_bots(project, session_type, count, seed, progress=show,
                          finished=(lambda done: _export(project, done, export))
                          if export else None, db=chosen(db) if db else None, **options)
    if not report.ok:
        for failure in report.failures or ["not every bot finished"]:
            err_console.print(f"[bold red]FAILED[/] {failure}", highlight=False, markup=True)
        raise typer.Exit(1)
    console.print(f"[bold green]OK[/] {report.finished} bots played {session_type} "
                  f"({report.pages_submitted} pages) in {report.seconds:.1f} s.")


def _browser_client(screenshots: Path):
    """The bots' client for ``--browsers``: a headless Chromium each."""
    from ..bots.browser import BrowserClient, require_playwright

    chromium = require_playwright()  # before any server starts: a clear error if missing
    return lambda base_url, code: BrowserClient(base_url, code, chromium, screenshots)


@contextlib.contextmanager
def _progress(project, declared, count: int) -> Iterator[Callable[[Any], None] | None]:
    """A progress bar on a terminal (bots finished, pages submitted of at most how many);
    elsewhere (a CI log, a pipe) nothing until the one summary line."""
    if not console.is_terminal:
        yield None
        return
    from ..engine.flow import build_steps

    forms = sum(1 for step in build_steps(project, declared) if not step.is_wait)
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  console=console, transient=True) as bar:
        finished = bar.add_task("bots finished", total=count)
        pages = bar.add_task("pages submitted",  # of at most: pages not shown are skipped
                             total=forms * count)

        def show(report) -> None:
            # with the bots' cases, every case plays a session of its own
            sessions = report.participants // max(count, 1)
            bar.update(finished, completed=report.finished, total=report.participants)
            bar.update(pages, completed=report.pages_submitted,
                       total=max(forms * count * sessions, report.pages_submitted))

        yield show


def _export(project, report, out: Path) -> None:
    from ..export import write_results
    from ..storage.open_store import open_store

    if report.case_number is not None:  # one session per case of the bots: one folder each
        out = out / f"case_{report.case_number + 1}"
    store = open_store(report.db_path)
    try:
        written = write_results(store, project, out, [report.session_code])
    except LabctlError:
        store.close()
        raise
    store.close()
    console.print(f"Wrote {len(written)} files to {out}")
