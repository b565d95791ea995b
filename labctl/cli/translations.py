"""``labctl translations extract|update|compile``: a project's own texts in several languages
(``labctl.i18n.project_texts``)."""

from __future__ import annotations

from pathlib import Path

import typer

from ..i18n.project_texts import (
    LanguageStatus,
    compile_project,
    extract_project,
    update_project,
)
from ..project import load_project
from . import project_folder
from .console import console, reports_errors

translations = typer.Typer(help="Translate a project's own texts (gettext catalogues, Babel).",
                           no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(translations, name="translations")


@translations.command("extract")
@reports_errors
def extract(project_arg: Path = project_folder.argument(),
            project_dir: Path = project_folder.option()) -> None:
    """Collect every marked text (_("...") in Python, _() and {% trans %} in templates) into
    locale/messages.pot.

    Example: labctl translations extract --project mylab
    """
    root = project_folder.project_folder(project_arg, project_dir)
    path, count = extract_project(root)
    console.print(f"{count} texts in {path}; next: labctl translations update", highlight=False)


@translations.command("update")
@reports_errors
def update(languages: list[str] = typer.Option(
               None, "--language", "-l", help="A language to translate into (repeat for "
               "more); default: the languages of the project's session types."),
           project_arg: Path = project_folder.argument(),
           project_dir: Path = project_folder.option()) -> None:
    """Extract, then add the new texts to each language's locale/LANG/LC_MESSAGES/messages.po
    (translations made so far are kept).

    Example: labctl translations update -l de -l fr --project mylab
    """
    root = project_folder.project_folder(project_arg, project_dir)
    extract_project(root)
    if not languages:
        project = load_project(root)
        languages = sorted({st.speaks for st in project.session_types} - {"en"})
        project.unload()
    if not languages:
        console.print("Every session type is in English: give a language with -l, e.g. -l de",
                      highlight=False)
        raise typer.Exit(1)
    _report(update_project(root, languages), "translate the empty msgstr entries, then: "
            "labctl translations compile")


@translations.command("compile")
@reports_errors
def compile_(project_arg: Path = project_folder.argument(),
             project_dir: Path = project_folder.option()) -> None:
    """Compile each language's messages.po to the messages.mo that participants' pages read
    (restart `labctl run` to use them).

    Example: labctl translations compile --project mylab
    """
    root = project_folder.project_folder(project_arg, project_dir)
    _report(compile_project(root), "done: sessions in these languages show them")


def _report(statuses: list[LanguageStatus], then: str) -> None:
    for status in statuses:
        missing = f", {status.missing} not translated yet" if status.missing else ""
        console.print(f"{status.language}: {status.total} texts{missing} ({status.path})",
                      highlight=False)
    console.print(then, highlight=False)
