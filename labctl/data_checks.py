"""``labctl validate`` rules for what apps give the data side: custom exports (LC230-LC239).

An export function that cannot be called as labctl calls it would only fail when the
experimenter exports, after the session; it is refused here, at its line, before anyone comes.

    LC230  a custom_export or custom_export_<name> that does not take one argument (players)
"""

from __future__ import annotations

import inspect

from .export.custom import custom_exports
from .problems import Problem
from .project import Project

__all__ = ["problems"]


def problems(project: Project) -> list[Problem]:
    """Every problem with an app's custom exports."""
    found: list[Problem] = []
    for spec in project.apps.values():
        for function in custom_exports(spec).values():
            if not _takes_one(function):
                found.append(Problem.at(
                    "LC230", (function.__code__.co_filename, function.__code__.co_firstlineno),
                    f"{function.__name__}() of app '{spec.name}' must take one argument, the "
                    "players", f"write def {function.__name__}(players): and yield rows, the "
                    "header first"))
    return found


def _takes_one(function: object) -> bool:
    """Whether ``function(players)`` binds (one positional parameter, the rest defaulted)."""
    try:
        inspect.signature(function).bind(object())  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False
    return True
