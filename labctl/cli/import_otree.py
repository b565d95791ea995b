"""``labctl import otree``: an oTree project as a labctl project, with a report."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape

from ..errors import LabctlError
from ..otree_import import import_project
from .console import console, err_console

app = typer.Typer(name="import", no_args_is_help=True, rich_markup_mode="rich",
                  help="Bring a project from another tool over to labctl.")


def register(parent: typer.Typer) -> None:
    parent.add_typer(app, name="import")


@app.command("otree")
def otree(
    source: Path = typer.Argument(..., help="The oTree project: the folder with settings.py."),
    dest: Path = typer.Argument(..., help="A new (or empty) folder for the labctl project."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Print the report; write nothing."),
) -> None:
    """Rewrite an oTree 5/6 project (no-self apps) as a labctl project and report what is
    left to do. Exit status: 0 nothing left, 1 manual work listed, 2 an error.

    Example: labctl import otree ~/oTree/my_study my_study
    """
    try:
        report = import_project(source, dest, dry_run=dry_run)
    except LabctlError as exc:
        err_console.print(f"[bold red]Error:[/] {escape(str(exc))}", highlight=False)
        raise typer.Exit(2) from None
    for line in report.lines():
        console.print(escape(line), highlight=False, soft_wrap=True)
    where = "nothing written (--dry-run)" if dry_run else f"written to {dest}"
    console.print(f"{'Manual work left' if report.exit_code else 'Imported'}: {where}.")
    raise typer.Exit(report.exit_code)
