"""One way for every command to take the project: a trailing ``PROJECT_DIR`` or ``--project``.

``labctl validate DIR`` took the folder as an argument while ``labctl test ... --project DIR``
took an option, so ``labctl test demo -n 2 DIR`` was refused. Every command that works on a
project now accepts both spellings (and the current folder when neither is given).

The command then runs from the project folder, as oTree runs from its project root: an app's
``open('my_app/data.csv')`` or ``csv.reader(open('_static/items.csv'))`` reads the same file
in ``labctl validate``, ``run``, ``test``, ``dev`` and ``export`` as it did in oTree, from
whatever folder the command was typed in. Paths the user gives (``--db``, ``--out``,
``--export``, a relative ``LABCTL_DATABASE_URL`` file) keep meaning the folder they were typed
in: they are made absolute when parsed (``from_here``), before the move.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import typer

from ..errors import LabctlError
from ..storage.database_urls import is_url
from ..storage.open_store import ENV

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
    folder = (given or option_value or Path(".")).absolute()
    _run_from(folder)
    return folder


def from_here(value: str | None) -> str | None:
    """A ``--db`` file as an absolute path (a URL as given), so that it names the file in the
    folder the command was typed in, whatever folder the command then runs from."""
    if value is None or is_url(value):
        return value
    return os.path.abspath(value)


def _run_from(folder: Path) -> None:
    """Make ``folder`` the working folder (oTree's project root), keeping a relative
    ``LABCTL_DATABASE_URL`` file where it was typed; a folder that is not there is left for
    the command to refuse by name."""
    if not folder.is_dir():
        return
    database = from_here(os.environ.get(ENV, "").strip() or None)
    if database:
        os.environ[ENV] = database
    os.chdir(folder)
