"""``labctl validate`` rules for app names as oTree allows them (LC260).

oTree takes any Python package name as an app folder, capitals included (``exit_survey_CB``),
and so does labctl: an imported app keeps the name its export columns and analysis scripts
know. What a name must still not share with another is what case-insensitive places make one:
SQLite's table names (``Survey_player`` is ``survey_player``), a PostgreSQL dump restored
without quotes, and export file names on macOS's and Windows' disks.

    LC260  two apps whose names differ only in case
"""

from __future__ import annotations

from .problems import Problem
from .project import Project

__all__ = ["problems"]


def problems(project: Project) -> list[Problem]:
    """One problem for each app whose name another app has in other capitals."""
    first: dict[str, str] = {}
    found: list[Problem] = []
    for name in sorted(project.apps):
        other = first.setdefault(name.lower(), name)
        if other != name:
            found.append(Problem.at(
                "LC260", project.apps[name].init_file,
                f"apps '{other}' and '{name}' differ only in capitals, so they would share "
                "their database tables and export files",
                f"rename the folder '{name}' (e.g. '{name.lower()}_2')"))
    return found
