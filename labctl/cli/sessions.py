"""``labctl sessions``: the sessions in a project's database and how far each has got."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import typer
from rich.table import Table

from ..errors import LabctlError
from ..project import load_project
from ..storage.database import SessionSummary, database_path, list_sessions
from ..storage.database_urls import shown
from . import database_option, project_folder
from .console import console, reports_errors

STATUS_STYLES = {"not started": "dim", "running": "yellow", "finished": "green"}


def register(app: typer.Typer) -> None:
    app.command("sessions")(sessions)


@reports_errors
def sessions(
    project_arg: Path = project_folder.argument(),
    db: str = database_option.option(),
    project_dir: Path = project_folder.option(),
) -> None:
    """List the sessions in the project's database with their status.

    Example: labctl sessions --project sample_sessions
    """
    project_dir = project_folder.project_folder(project_arg, project_dir)
    summaries = list_sessions(project_dir, db)
    if not summaries:
        console.print(f"No sessions in {shown(database_path(project_dir, db))} yet; "
                      "`labctl run SESSION_TYPE` starts one.", highlight=False)
        return
    console.print(sessions_table(summaries, _languages(project_dir)))


def _languages(project_dir: Path) -> dict[str, str]:
    """Each session type's language, as the project declares it now (none if it cannot load:
    the list of sessions must still show)."""
    try:
        project = load_project(project_dir)
    except LabctlError:
        return {}
    try:
        return {st.name: st.speaks for st in project.session_types if isinstance(st.name, str)}
    finally:
        project.unload()


def sessions_table(summaries: list[SessionSummary], languages: dict[str, str] | None = None
                   ) -> Table:
    languages = languages or {}
    table = Table(title="Sessions")
    table.add_column("Code", style="bold", no_wrap=True)
    table.add_column("Session type")
    table.add_column("Language")
    table.add_column("Created (UTC)", no_wrap=True)
    for heading in ("Participants", "Started", "Finished"):
        table.add_column(heading, justify="right")
    table.add_column("Status", no_wrap=True)
    for summary in summaries:
        table.add_row(summary.code, summary.session_type,
                      languages.get(summary.session_type, "?"), _when(summary.created_at),
                      str(summary.participants), str(summary.started), str(summary.finished),
                      f"[{STATUS_STYLES[summary.status]}]{summary.status}[/]")
    return table


def _when(iso: str | None) -> str:
    """``2023-11-14T22:13:20.000000+00:00`` as ``2023-11-14 22:13``."""
    try:
        return datetime.fromisoformat(iso or "").strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return iso or ""
