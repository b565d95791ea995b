"""``labctl validate``: every problem as a table, or the tree of each session type."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table
from rich.tree import Tree

from ..errors import ValidationFailed
from ..money import format_money
from ..problems import Problem
from ..project import Project, load_project
from ..session_type import SessionType
from ..validation import validate_project
from . import project_folder
from .console import console, reports_errors


def register(app: typer.Typer) -> None:
    app.command("validate")(validate)


@reports_errors
def validate(
    project_arg: Path = project_folder.argument(),
    project_dir: Path = project_folder.option(),
) -> None:
    """Check sessions.py and every app; list each mistake with file, line and fix.

    Example: labctl validate sample_sessions
    """
    project = load_project(project_folder.project_folder(project_arg, project_dir))
    try:
        problems = validate_project(project)
        if problems:
            console.print(problem_table(problems, project.root))
            console.print(f"[bold red]{len(problems)} problem{'s' if len(problems) != 1 else ''}"
                          "[/] found; fix them and run `labctl validate` again.")
            raise typer.Exit(1)
        for session_type in project.session_types:
            console.print(session_tree(project, session_type))
        console.print(f"[bold green]OK:[/] {len(project.session_types)} session type(s), "
                      f"{len(project.apps)} app(s), no problems.")
    finally:
        project.unload()


def load_valid_project(project_dir: Path, session_type: str | None = None) -> Project:
    """The project in ``project_dir``, for a command that runs it (``run``, ``test``); if it
    has problems, they are printed as a table and ``ValidationFailed`` is raised.

    Problems only in app folders that will not be played do not stop it, as oTree loads only
    the apps of its session configs: folders no session type plays, and for ``labctl test``
    (``session_type``) those of other session types. They are named in a warning, and apps
    no session type plays are left out (``labctl validate`` still lists every problem)."""
    project = load_project(project_dir)
    problems = validate_project(project)
    played = {name for kind in _chosen(project, session_type) for name in kind.app_sequence}
    folders = {path.name for path in project.root.iterdir()
               if path.is_dir() and (path / "__init__.py").is_file()}
    unplayed = folders - played
    located = [(problem, _folder_of(problem, project.root)) for problem in problems]
    aside = [problem for problem, folder in located if folder in unplayed]
    blocking = [problem for problem, folder in located if folder not in unplayed]
    if aside and not played <= set(project.apps):  # a played app that failed with them
        blocking = problems
    if blocking:
        console.print(problem_table(problems, project.root))
        raise ValidationFailed(blocking)
    if aside:
        names = sorted({folder for _, folder in located if folder in unplayed})
        # a session type that plays one of them is not offered (the admin could start one)
        withdrawn = [kind.name for kind in project.session_types
                     if set(kind.app_sequence) & set(names)]
        console.print(f"[yellow]Left out:[/] {', '.join(names)} (not played "
                      f"{'here' if session_type else 'by any session type'}; {len(aside)} "
                      f"problem{'s' if len(aside) != 1 else ''}: see `labctl validate`)"
                      + (f"; session types not offered: {', '.join(withdrawn)}"
                         if withdrawn else ""))
        project.session_types = [kind for kind in project.session_types
                                 if kind.name not in withdrawn]
        project.apps = {name: spec for name, spec in project.apps.items()
                        if name not in names}
    return project


def _chosen(project: Project, session_type: str | None) -> list[SessionType]:
    """The session type to be played, or all of them."""
    chosen = [kind for kind in project.session_types if kind.name == session_type]
    return chosen or project.session_types


def _folder_of(problem: Problem, root: Path) -> str | None:
    """The top folder of the project a problem is located in, None for a top-level file."""
    try:
        parts = Path(problem.location.file).resolve().relative_to(root.resolve()).parts
    except (ValueError, OSError):
        return None
    return parts[0] if len(parts) > 1 else None


def problem_table(problems: list[Problem], root: Path) -> Table:
    table = Table(title="Problems", show_lines=True, expand=True)
    table.add_column("Code", style="bold red", no_wrap=True)
    table.add_column("Where", style="cyan", overflow="fold")
    table.add_column("What is wrong", overflow="fold")
    table.add_column("How to fix it", style="green", overflow="fold")
    for problem in problems:
        table.add_row(problem.code, problem.location.display(root), problem.message, problem.hint)
    return table


def session_tree(project: Project, session_type: SessionType) -> Tree:
    """The subsessions of a session type in order, with group sizes and pages."""
    count = project.participant_count(session_type)
    pay = format_money(session_type.fixed_pay, session_type.currency)
    paid_in = ""
    if session_type.pays_points:
        paid_in = (", payoffs in points worth nothing (money_per_point 0)"
                   if session_type.rate == 0 else
                   f", payoffs in points at {session_type.money_per_point} minor units per point")
    tree = Tree(f"[bold]{session_type.name}[/] — {session_type.title}: {count} participants, "
                f"fixed pay {pay}{paid_in}, batch '{session_type.batch_name}', "
                f"language {session_type.speaks}")
    for spec, round_number in project.subsession_plan(session_type):
        label = spec.name if spec.num_rounds == 1 else f"{spec.name} round {round_number}"
        size = spec.players_per_group
        number = count // size if size else 1
        groups = (f"{number} group{'s' if number != 1 else ''} of {size}" if size
                  else f"one group of {count}")
        roles = f", roles {', '.join(spec.settings.roles)}" if spec.settings.roles else ""
        node = tree.add(f"[cyan]{label}[/] — {groups}{roles}")
        node.add("pages: " + " → ".join(page.__name__ for page in spec.page_sequence))
    return tree
