"""The ``labctl`` command: a thin typer layer over the library, one module per area."""

from __future__ import annotations

import sys

import typer

from .. import __version__
from . import (
    api_token,
    dev,
    export,
    import_otree,
    play,
    run,
    scaffold,
    sessions,
    translations,
    validate,
)

app = typer.Typer(
    name="labctl",
    help="Run interactive economic and psychology experiments in a lab.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
)


def _show_version(value: bool) -> None:
    if value:
        typer.echo(f"labctl {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", callback=_show_version, is_eager=True,
                                 help="Show labctl's version and exit."),
) -> None:
    """Run interactive economic and psychology experiments in a lab."""


validate.register(app)
scaffold.register(app)
run.register(app)
export.register(app)
sessions.register(app)
play.register(app)
api_token.register(app)
dev.register(app)
translations.register(app)
import_otree.register(app)


def main() -> None:
    """The ``labctl`` program.

    ``labctl test`` plays up to thousands of bots at once. Run as a program, it plays them as
    gevent greenlets in one thread, which costs a fraction of a thread each; the server it
    tests runs in its own process either way. Invoked in-process (tests, typer's CliRunner)
    nothing is patched and the bots are ordinary threads; so are browser bots (Playwright's
    sync API runs its own loop in each thread).
    """
    if sys.argv[1:2] == ["test"] and "--browsers" not in sys.argv:  # Playwright: threads
        from .greenlets import patch_all

        patch_all()
    app()
