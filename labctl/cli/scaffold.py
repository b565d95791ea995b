"""``labctl new-project`` and ``labctl new-app``: start from working templates."""

from __future__ import annotations

from pathlib import Path

import typer

from .. import scaffold
from . import project_folder
from .console import console, reports_errors


def register(app: typer.Typer) -> None:
    app.command("new-project")(new_project)
    app.command("new-app")(new_app)


@reports_errors
def new_project(
    directory: Path = typer.Argument(..., help="Folder to create the project in."),
) -> None:
    """Create a project folder with sessions.py and a first app.

    Example: labctl new-project mylab
    """
    target = scaffold.create_project(directory)
    console.print(f"[green]Created project[/] {target}")
    console.print("Next:\n"
                  f"  cd {target}\n"
                  "  labctl validate\n"
                  "  labctl new-app trust          # add an app, then list it in sessions.py")


@reports_errors
def new_app(
    name: str = typer.Argument(None, help="Name of the new app (its folder name).",
                               show_default=False),
    template: str = typer.Option("blank", "--template", "-t",
                                 help="App template to start from (see --list)."),
    project_dir: Path = project_folder.option(),
    list_only: bool = typer.Option(False, "--list", help="List the app templates and exit."),
    project_arg: Path = project_folder.argument(),
) -> None:
    """Add a working app to the current project from an app template.

    Example: labctl new-app trust
    """
    if list_only:
        for found in scaffold.list_templates():
            console.print(f"[cyan]{found.name:<20}[/] {found.summary}")
        return
    if not name:
        raise typer.BadParameter("give the new app's name, e.g. `labctl new-app trust`")
    target = scaffold.create_app_folder(project_folder.project_folder(project_arg, project_dir),
                                        name, template)
    console.print(f"[green]Created app[/] {target} from template '{template}'")
    console.print(f"Next: add '{name}' to an app_sequence in sessions.py, edit "
                  f"{target / '__init__.py'}, then run `labctl validate`.")
