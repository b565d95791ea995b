"""``labctl api-token``: make, replace or revoke the token of the HTTP API for scripts."""

from __future__ import annotations

from pathlib import Path

import typer

from ..errors import LabctlError
from ..storage.api_tokens import ApiTokens
from ..storage.database import database_path, open_database
from ..storage.database_urls import shown
from ..storage.open_store import chosen
from ..storage.server_records import ServerRecords
from ..storage.sqlite import SqliteStore
from . import database_option, project_folder
from .console import console, reports_errors


def register(app: typer.Typer) -> None:
    app.command("api-token")(api_token)


@reports_errors
def api_token(
    revoke: bool = typer.Option(False, "--revoke", help="Remove the token: no script can "
                                "use the API until a new one is made."),
    db: str = database_option.option(),
    project_dir: Path = project_folder.option(),
    project_arg: Path = project_folder.argument(),
) -> None:
    """Make a new token for the HTTP API (replacing the old one) and print it once.

    Scripts send it as "Authorization: Bearer TOKEN" to /api/v1/ of `labctl run`'s server.
    Only its hash is stored in the database.

    Example: labctl api-token --project sample_sessions
    """
    folder = project_folder.project_folder(project_arg, project_dir)
    store = _store(folder, db)
    try:
        tokens = ApiTokens(store)
        if revoke:
            had = tokens.revoke()
            console.print("API token revoked." if had else "There was no API token.",
                          highlight=False)
            return
        token = tokens.rotate()
    finally:
        store.close()
    console.print(f"API token for {shown(database_path(folder, db))} (shown once; any "
                  "earlier token no longer works):", highlight=False)
    console.print(token, highlight=False, soft_wrap=True)


def _store(folder: Path, db: str | None) -> ServerRecords:
    """The database; the project's default one is made if missing (a token may come before
    the first `labctl run`), a --db that does not exist is a typo and refused."""
    target = chosen(db)
    if target is not None:
        return open_database(target)  # type: ignore[return-value]
    if not (folder / "sessions.py").is_file():
        raise LabctlError(f"{folder} is not a labctl project (it has no sessions.py)",
                          "give the project folder, e.g. labctl api-token --project mylab")
    return SqliteStore(database_path(folder))
