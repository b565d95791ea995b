"""``labctl import otree``: an oTree 5/6 project ("no self" format) as a labctl project.

    report = import_project(Path("otree_project"), Path("lab_project"))
    print("\\n".join(report.lines())); raise SystemExit(report.exit_code)

The pieces: ``settings`` (``settings.py`` -> ``sessions.py``), ``python_code`` (each app's
Python, ``tests.py`` -> ``bots.py``), ``templates`` (static references, amounts shown, the
global layout) and ``report``. The written project is then checked with ``labctl validate``'s
own rules, and every problem left is part of the report, so the report never says "done" for a
project that would not load.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import tempfile
from collections.abc import Collection, Iterator, Sequence
from dataclasses import replace
from pathlib import Path

import libcst as cst

from ..errors import LabctlError
from ..otree_templates import ANY_TAG
from .column_names import clashing_fields, renamed_in_template
from .old_format import is_old_format, no_self_app, no_self_bots
from .participant_values import ParticipantValues, ParticipantWrites
from .python_code import Amounts, amount_names, fractional_functions, rewrite
from .report import Item, Report
from .settings import (
    Settings,
    declared_name,
    labctl_language,
    read_settings,
    sessions_source,
)
from .templates import (
    global_template_notes,
    handlers_to_file,
    rewrite_template,
    scripts_to_files,
)

__all__ = ["Report", "import_project"]

#: top-level files of an oTree project that are oTree's deployment, not the experiment
NOT_COPIED = frozenset({"settings.py", "requirements.txt", "requirements_base.txt", "Procfile",
                        "db.sqlite3", "runtime.txt", "manage.py"})
#: where apps in oTree's old format are kept (labctl loads no folder starting with "_")
OLD_FORMAT = "_otree_old_format"
SKIPPED_PARTS = frozenset({"__pycache__", ".git", ".idea", ".venv", "venv"})


def import_project(source: Path, dest: Path, *, dry_run: bool = False) -> Report:
    """Write the labctl version of the oTree project ``source`` into ``dest`` (which must
    not exist or be empty) and say what was done and what is left; ``dry_run`` writes into a
    temporary folder, so the report (validation included) is the same, and removes it."""
    source, dest = source.resolve(), dest.resolve()
    if not source.is_dir():
        raise LabctlError(f"{source} is not a folder: give the oTree project's folder (the one "
                          "with settings.py)")
    settings = read_settings(source / "settings.py")
    if dest.exists() and (not dest.is_dir() or any(dest.iterdir())):
        raise LabctlError(f"{dest} is not empty: labctl import never overwrites; give a new "
                          "folder")
    if dry_run:
        with tempfile.TemporaryDirectory(prefix="labctl-import-") as scratch:
            return _import(source, Path(scratch) / dest.name, settings)
    return _import(source, dest, settings)


def _read_python(source: Path, apps: Collection[str], folders: Collection[str],
                 shared: Collection[str]) -> Iterator[tuple[str, str]]:
    """Every Python module of the project the import rewrites, as (its app or package, its
    text); an app in oTree's old format as the no-self module it becomes, without its bots."""
    for name in (*apps, *folders):
        if name in apps and is_old_format(source / name):
            with contextlib.suppress(cst.ParserSyntaxError, OSError, UnicodeDecodeError):
                yield name, no_self_app(source / name)
            continue
        for path in sorted((source / name).glob("*.py")):
            if path.name not in ("tests.py", "bots.py"):
                with contextlib.suppress(OSError, UnicodeDecodeError):
                    yield name, path.read_text(encoding="utf-8")
    for name in shared:
        if (source / f"{name}.py").is_file():
            with contextlib.suppress(OSError, UnicodeDecodeError):
                yield "", (source / f"{name}.py").read_text(encoding="utf-8")


def _stored_on_participants(modules: Sequence[tuple[str, str]], amounts: Amounts,
                            apps: frozenset[str]) -> ParticipantValues:
    """What the project's modules store on participants, and in which unit: each module is
    read as the import rewrites it, and read again while a value stored from another stored
    value gets its unit from the reading before (three readings at most)."""
    for _ in range(3):
        writes = ParticipantWrites()
        for app, text in modules:
            with contextlib.suppress(cst.ParserSyntaxError):  # reported when it is imported
                rewrite(text, amounts, bots=False, app=app, apps=apps, writes=writes)
        found = writes.values()
        if found == amounts.participant_values:
            break
        amounts = replace(amounts, participant_values=found)
    return amounts.participant_values


def _import(source: Path, dest: Path, settings: Settings) -> Report:
    report = Report()
    dest.mkdir(parents=True, exist_ok=True)
    amounts = Amounts(scale=1 if settings.use_points else settings.scale,
                      points=settings.use_points,
                      config_units=tuple(sorted(settings.config_units().items())),
                      renamed_fields=tuple(
                          (owner, name, declared_name(owner, name))
                          for owner, names in (("participant", settings.participant_fields),
                                               ("session", settings.session_fields))
                          for name in names if declared_name(owner, name) != name))
    _write(dest / "sessions.py", sessions_source(settings, _reads_settings(source), source), dest,
           report)
    report.manual += settings.unknown
    if settings.ran_for:
        report.done.append(f"settings.py was run, as oTree runs it, to read "
                           f"{', '.join(settings.ran_for)}: its text alone does not give "
                           "the value (a helper function, a loop, a later change)")
    report.done.append(f"settings.py: {len(settings.configs)} session config(s) -> "
                       "sessions.py SESSION_TYPES" + (f", {len(settings.rooms)} room(s)"
                                                      if settings.rooms else ""))
    unit = ("points (USE_POINTS), converted at each session type's money_per_point"
            if settings.use_points else f"minor units of {settings.currency}")
    report.done.append(f"amounts: cu(x) of a number is an exact int in {unit}")
    if settings.language and labctl_language(settings.language):
        report.done.append(f"LANGUAGE_CODE {settings.language!r} -> LANGUAGE = "
                           f"{labctl_language(settings.language)!r} in sessions.py: labctl's "
                           "own texts and the money format follow it")
    elif settings.language:
        report.manual.append(Item("settings.py", 0, f"LANGUAGE_CODE {settings.language!r} is "
                                  "not a language code labctl reads: set LANGUAGE in "
                                  "sessions.py"))
    for name, line in settings.other.items():
        if name == "CUSTOM_POINTS_NAME" and not settings.use_points:
            report.done.append("CUSTOM_POINTS_NAME not carried over: without points (USE_POINTS "
                               "= False) oTree did not use it either")
            continue
        report.manual.append(Item("settings.py", line, f"{name} has no labctl equivalent and "
                                  "was not carried over"))
    apps = frozenset(path.name for path in source.iterdir() if path.is_dir()
                     and (path / "__init__.py").is_file() and not path.name.startswith("_"))
    folders = frozenset(path.name for path in source.iterdir() if path.is_dir()
                        and path.name not in apps and path.name[0] not in "._"
                        and path.name not in SKIPPED_PARTS and any(path.glob("*.py")))
    shared = folders | frozenset(path.stem for path in source.glob("*.py")
                                 if path.name not in NOT_COPIED)
    modules = list(_read_python(source, apps, folders, shared))
    amounts = replace(amounts, fractional_functions=fractional_functions(
        text for _, text in modules))
    amounts = replace(amounts, participant_values=_stored_on_participants(
        modules, amounts, apps | shared))
    for path in sorted(source.iterdir()):
        if path.name.startswith(".") or path.name in SKIPPED_PARTS:
            continue
        if path.name in apps:
            _import_app(path, dest / path.name, source, amounts, report, apps | shared)
        elif path.suffix == ".py" and path.stem in shared:  # a module the apps import
            _import_python(path, dest / path.name, dest, amounts, report, apps | shared,
                           bots=False)
        elif path.is_dir():
            shutil.copytree(path, dest / path.name,
                            ignore=shutil.ignore_patterns(*SKIPPED_PARTS, "*.pyc"))
            for module in sorted(path.glob("*.py")) if path.name in folders else []:
                # a package of the project folder that apps import (oTree runs from there)
                _import_python(module, dest / path.name / module.name, dest, amounts, report,
                               apps | shared, bots=False)
            report.done.append(f"{path.name}/ copied as it is" + (
                " (labctl serves no project-wide static files: the files templates name were "
                "copied into their apps)" if path.name == "_static" else ""))
        elif path.name not in NOT_COPIED:
            shutil.copyfile(path, dest / path.name)
    for note in global_template_notes(source):
        report.manual.append(Item("_templates", 0, note))
    _validate(dest, report)
    return report


def _import_app(app: Path, dest_app: Path, project: Path, amounts: Amounts,
                report: Report, apps: frozenset[str]) -> None:
    """One app folder: Python rewritten, ``tests.py`` as ``bots.py``, templates, the rest as
    it is."""
    if is_old_format(app):
        _import_old_format(app, dest_app, project, amounts, report, apps)
        return
    init = (app / "__init__.py").read_text(encoding="utf-8", errors="replace")
    money, constants = amount_names(init)
    columns = clashing_fields(init)
    has_bots = (app / "bots.py").is_file()
    shared: list[Path] = []  # files of _templates/ the app's templates include
    for path in sorted(app.rglob("*")):
        relative = path.relative_to(app)
        if path.is_dir() or SKIPPED_PARTS & set(relative.parts) or path.suffix == ".pyc":
            continue
        target = dest_app / _template_home(app, relative, report)
        if relative.as_posix() == "tests.py" and not has_bots:
            target = dest_app / "bots.py"
        target.parent.mkdir(parents=True, exist_ok=True)
        if path.suffix == ".py":
            _import_python(path, target, dest_app.parent, amounts, report, apps,
                           bots=target.name == "bots.py", columns=columns)
        elif path.suffix == ".html":
            _import_template(path, target, app, dest_app, project, (money, constants),
                             report, shared, amounts.renamed_fields, columns)
        else:
            shutil.copyfile(path, target)
    for path in shared:  # grows while included files include others
        name = path.relative_to(project / "_templates").as_posix()
        (dest_app / name).parent.mkdir(parents=True, exist_ok=True)
        _import_template(path, dest_app / name, app, dest_app, project,
                         (money, constants), report, shared, amounts.renamed_fields, columns)
        report.done.append(f"_templates/{name} -> {dest_app.name}/{name}, which its templates "
                           "include")
    report.done.append(f"{app.name}: app rewritten" + (" (tests.py -> bots.py)"
                       if (app / "tests.py").is_file() and not has_bots else ""))


def _import_old_format(app: Path, dest_app: Path, project: Path, amounts: Amounts,
                       report: Report, apps: frozenset[str]) -> None:
    """An app in oTree's old format: made the no-self format in a scratch copy (its
    models.py and pages.py as one __init__.py, tests.py without ``pages.``), then imported
    like any app. One whose files are not Python is copied aside and listed instead."""
    with tempfile.TemporaryDirectory(prefix="labctl-old-format-") as scratch:
        staged = Path(scratch) / app.name
        shutil.copytree(app, staged, ignore=shutil.ignore_patterns(
            *SKIPPED_PARTS, "*.pyc", "_builtin", "models.py", "pages.py", "tests.py"))
        try:
            (staged / "__init__.py").write_text(no_self_app(app), encoding="utf-8")
            if (app / "tests.py").is_file():
                (staged / "tests.py").write_text(no_self_bots(app), encoding="utf-8")
        except cst.ParserSyntaxError as exc:
            aside = dest_app.parent / OLD_FORMAT / app.name
            shutil.copytree(app, aside, ignore=shutil.ignore_patterns(*SKIPPED_PARTS, "*.pyc"))
            report.manual.append(Item(f"{OLD_FORMAT}/{app.name}", exc.raw_line, "oTree's old "
                                      f"format with a file that is not Python ({exc.message}), "
                                      "copied aside as it is"))
            return
        report.done.append(f"{app.name}: oTree's old format (models.py, pages.py, self) "
                           "made the no-self format")
        _import_app(staged, dest_app, project, amounts, report, apps)


def _import_template(path: Path, target: Path, app: Path, dest_app: Path, project: Path,
                     amounts: tuple[frozenset[str], frozenset[str]], report: Report,
                     shared: list[Path], renamed: Sequence[tuple[str, str, str]] = (),
                     columns: dict[str, str] | None = None) -> None:
    text = rewrite_template(path.read_text(encoding="utf-8"), app, dest_app, project,
                            *amounts, report.done, shared)
    text = renamed_in_template(text, columns or {})
    for owner, name, spelled in renamed:  # {{ session.params.x }}: the renamed field
        text = ANY_TAG.sub(lambda tag, owner=owner, name=name, spelled=spelled: re.sub(
            rf"\b{owner}\.{name}\b", f"{owner}.{spelled}", tag[0]), text)
    text = scripts_to_files(text, path, dest_app, report.done)
    text = handlers_to_file(text, path, dest_app, report.done)
    _write(target, text, dest_app.parent, report)


#: an app reading oTree's settings: ``from otree import settings``, ``import settings``...
_READS_SETTINGS = re.compile(r"^\s*(?:from\s+otree\s+import\s+settings\b|import\s+settings\b|"
                             r"from\s+settings\s+import\b)", re.M)


def _reads_settings(source: Path) -> bool:
    """Whether a module of the project imports oTree's settings (``sessions.py`` then holds
    what they read of it)."""
    return any(_READS_SETTINGS.search(path.read_text(encoding="utf-8", errors="replace"))
               for path in source.rglob("*.py") if not SKIPPED_PARTS & set(path.parts)
               and path.name != "settings.py")


def _template_home(app: Path, relative: Path, report: Report) -> Path:
    """Where a file of the app goes: as it is, but a template in oTree's older place,
    ``<app>/templates/<app>/Page.html`` (which oTree 5 still searches), moves to
    ``<app>/Page.html``, where labctl finds the templates of an app."""
    parts = relative.parts
    if len(parts) > 2 and parts[:2] == ("templates", app.name) and relative.suffix == ".html" \
            and not (app / Path(*parts[2:])).exists():
        report.done.append(f"{app.name}/{relative.as_posix()} -> {app.name}/"
                           f"{Path(*parts[2:]).as_posix()}")
        return Path(*parts[2:])
    return relative


def _import_python(path: Path, target: Path, root: Path, amounts: Amounts, report: Report,
                   apps: frozenset[str], *, bots: bool, columns: dict[str, str] | None = None
                   ) -> None:
    text = path.read_text(encoding="utf-8")
    app = target.relative_to(root).parts[0] if target.parent != root else ""
    try:
        text, removed = rewrite(text, amounts, bots=bots, app=app, apps=apps, columns=columns)
    except cst.ParserSyntaxError as exc:
        target.write_text(text, encoding="utf-8")
        report.manual.append(Item(target.relative_to(root).as_posix(), exc.raw_line,
                                  f"not valid Python, copied as it is: {exc.message}"))
        return
    _write(target, text, root, report)
    report.done += [f"{target.relative_to(root).as_posix()}: {note}" for note in removed]


def _write(target: Path, text: str, root: Path, report: Report) -> None:
    target.write_text(text, encoding="utf-8")
    report.add_marked(target.relative_to(root).as_posix(), text)


def _validate(dest: Path, report: Report) -> None:
    """``labctl validate`` on the written project, run from its folder as labctl's commands
    run (so an app that opens a file by a path from the project root loads): each problem
    left is manual work."""
    dest = dest.resolve()
    with contextlib.chdir(dest):
        _validate_here(dest, report)


def _validate_here(dest: Path, report: Report) -> None:
    from ..project import load_project
    from ..validation import validate_project

    try:
        project = load_project(dest)
    except LabctlError as exc:
        report.manual.append(Item("sessions.py", 0, f"the project does not load: {exc}"))
        return
    try:
        marked = {(item.file, item.line) for item in report.manual}
        for problem in validate_project(project):
            file = Path(problem.location.file).resolve()
            relative = (file.relative_to(dest).as_posix() if file.is_relative_to(dest)
                        else str(file))
            line = problem.location.line or 0
            if (relative, line) in marked:
                continue
            report.manual.append(Item(relative or "(project)", line,
                                      f"{problem.code} {problem.message} ({problem.hint})"))
    finally:
        project.unload()


