"""``labctl export results`` and ``labctl export payments``: sessions' data as files."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from enum import Enum
from pathlib import Path

import typer
from rich import progress as rich_progress
from rich.markup import escape
from rich.table import Table

from ..export import Progress, export_payments, export_results
from ..export import Table as ExportTable
from ..export.recruitment import without_recruitment_id
from . import database_option, project_folder
from .console import console, reports_errors

app = typer.Typer(name="export", no_args_is_help=True, rich_markup_mode="rich",
                  help="Write sessions' results or payments to CSV or JSON files.")


class Format(str, Enum):
    csv = "csv"
    json = "json"


def register(parent: typer.Typer) -> None:
    parent.add_typer(app, name="export")


SESSIONS_HELP = "A session code to export; repeat for several (default: every session)."
ALL_HELP = "Export every session in the database (the default when no --session is given)."
OUT_HELP = "Folder to write the files into; created if missing, files in it are replaced."
@reports_errors
def results(
    session: list[str] = typer.Option(None, "--session", "-s", help=SESSIONS_HELP,
                                      show_default=False),
    all_sessions: bool = typer.Option(False, "--all", help=ALL_HELP),
    fmt: Format = typer.Option(Format.csv, "--format", "-f", help="csv: results_wide.csv, a "
                               "CSV per app and page_timings.csv; json: results.json."),
    out: Path = typer.Option(Path("export"), "--out", "-o", help=OUT_HELP,
                                   resolve_path=True),
    db: str = database_option.option(),
    project_dir: Path = project_folder.option(),
    project_arg: Path = project_folder.argument(),
) -> None:
    """Write the results: a wide CSV, a tidy CSV per app and page timings, or JSON.

    Example: labctl export results --session a1b2c3d4 --out results/
    """
    folder = project_folder.project_folder(project_arg, project_dir)
    with progress_bar() as report:
        written = export_results(folder, db, out, session, all_sessions, fmt.value, report)
    _print_written(written)


@reports_errors
def payments(
    session: list[str] = typer.Option(None, "--session", "-s", help=SESSIONS_HELP,
                                      show_default=False),
    all_sessions: bool = typer.Option(False, "--all", help=ALL_HELP),
    fmt: Format = typer.Option(Format.csv, "--format", "-f", help="csv: payments.csv; json: "
                               "payments.csv and payments.json."),
    out: Path = typer.Option(Path("export"), "--out", "-o", help=OUT_HELP,
                                   resolve_path=True),
    db: str = database_option.option(),
    include_never_started: bool = typer.Option(
        False, "--include-never-started",
        help="Count participants who never opened their link in the total (listed either way)."),
    project_dir: Path = project_folder.option(),
    project_arg: Path = project_folder.argument(),
) -> None:
    """Show and write the payments sheet (fixed pay, bonus, total, the amount paid) and the
    files for ORSEE and SONA.

    Example: labctl export payments --session a1b2c3d4
    """
    folder = project_folder.project_folder(project_arg, project_dir)
    with progress_bar() as report:
        written, table = export_payments(folder, db, out, session, all_sessions, fmt.value,
                                         report, include_never_started)
    for code in dict.fromkeys(row["session.code"] for row in table.rows):
        console.print(payments_table(table, code))
    _print_written(written)
    unbooked = without_recruitment_id(table)
    if unbooked:
        console.print(f"[yellow]{unbooked} participant(s) who took part have no label, so no "
                      "recruitment id: they are not in the ORSEE and SONA files. Give seats "
                      "labels, or start links with ?participant_label=ID.[/yellow]")


app.command("results")(results)
app.command("payments")(payments)


@contextmanager
def progress_bar() -> Iterator[Progress]:
    """A rich progress bar that the library reports to; gone once the export is done."""
    columns = (rich_progress.SpinnerColumn(), rich_progress.TextColumn("{task.description}"),
               rich_progress.BarColumn(), rich_progress.MofNCompleteColumn(),
               rich_progress.TimeElapsedColumn())
    with rich_progress.Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task("Exporting", total=None)

        def report(what: str, done: int, total: int) -> None:
            bar.update(task, description=what, completed=done, total=total)

        yield report


def _progress_word(row: dict) -> str:
    """Finished, not finished, or never started (then not in the total unless asked)."""
    if not row["started"]:
        return "never started" + ("" if row["in_total"] else " (not in total)")
    return "yes" if row["finished"] else "no"


def payments_table(table: ExportTable, session_code: str) -> Table:
    """One session's payments as a terminal table, with its total row in bold."""
    shown = Table(title=f"Payments of session {session_code}")
    for heading, justify in (("#", "right"), ("Label", "left"), ("Fixed pay", "right"),
                             ("Bonus", "right"), ("Total", "right"), ("Paid", "right"),
                             ("Finished", "left")):
        shown.add_column(heading, justify=justify)  # type: ignore[arg-type]
    for row in table.rows:
        if row["session.code"] != session_code:
            continue
        total_row = row.get("participant.code") is None
        shown.add_row(str(row.get("participant.id_in_session") or ""),
                      escape(row.get("participant.label") or ""), row["fixed_pay_formatted"],
                      row["bonus_formatted"], row["total_formatted"], row["paid_formatted"],
                      "" if total_row else _progress_word(row),
                      style="bold" if total_row else None)
    return shown


def _print_written(written: list[Path]) -> None:
    folder = written[0].parent if written else Path(".")
    console.print(f"Wrote {len(written)} file{'s' if len(written) != 1 else ''} to "
                  f"{folder}:", highlight=False)
    for path in written:
        console.print(f"  {path.name}", highlight=False)
