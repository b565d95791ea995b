"""One way for every command to take the project: a trailing ``PROJECT_DIR`` or ``--project``.

``labctl validate DIR`` took the folder as an argument while ``labctl test ... --project DIR``
took an option, so ``labctl test demo -n 2 DIR`` was refused. Every command that works on a
project now accepts both spellings (and the current folder when neither is given).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from ..errors import LabctlError

HELP = "The project folder (holds sessions.py)."


def argument() -> Any:
    """The optional trailing ``PROJECT_DIR`` argument."""
    return typer.Argument(None, help=HELP + " Same as --project.", metavar="[PROJECT_DIR]",
                          show_default="current folder")


def option() -> Any:
    """The ``--project``/``-p`` option."""
    return typer.Option(None, "--project", "-p", help=HELP, show_default="current folder")


def project_folder(given: Path | None, option_value: Path | None) -> Path:
    """The folder named by the argument or the option; both must agree when both are given."""
    if given is not None and option_value is not None \
            and given.resolve() != option_value.resolve():
        raise LabctlError(f"two project folders given: {given} and --project {option_value}",
                          "give the project folder once, either as the last argument or "
                          "with --project")
    return given or option_value or Path(".")
