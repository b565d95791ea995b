"""The ``--db`` option every command that reads or writes a lab's data takes.

Text, not a ``Path``: a PostgreSQL URL (``postgresql://user@host/db``) would lose a slash of
its ``//`` as a path. ``labctl.storage.open_store`` tells a URL from a file.
"""

from __future__ import annotations

from typing import Any

import typer

from .project_folder import from_here

HELP = ("SQLite file, or a PostgreSQL URL (postgresql://user:password@host/db); default: "
        "LABCTL_DATABASE_URL if set, else labctl.db in the project.")


def option() -> Any:
    """``--db``, a relative file made absolute when parsed (the command may then run from the
    project folder: ``project_folder``)."""
    return typer.Option(None, "--db", help=HELP, show_default=False, callback=from_here)
