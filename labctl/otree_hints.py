"""oTree names in a labctl project, each refused with the labctl spelling to write instead.

Code ported from oTree often still says ``from otree.api import *``, ``models.IntegerField``,
``cu(5)`` or ``widgets.RadioSelect``. Without oTree installed the import fails on its first
such line, and with oTree installed its fields would be silently ignored. So the project's
source is scanned (without running it) and every oTree name gets one problem per file, at its
first line, saying what to write in labctl; the loader leaves the import failure these names
cause to this report instead of a generic one.

    LC200  ``import otree`` / ``from otree... import``
    LC201  ``cu()`` / ``Currency`` / ``currency_range``: amounts are whole minor units
    LC202  ``models.*Field``: ``labctl.fields``
    LC203  ``BasePlayer`` / ``BaseGroup`` / ``BaseSubsession`` / ``BaseConstants``
    LC204  ``widgets.*``: a ``widget="..."`` string
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from .problems import Problem

__all__ = ["OTREE_NAMES", "explained_import_failure", "problems"]

MONEY = ("amounts are whole minor units (cents) as int: write 500 for 5.00 and declare the "
         "field as fields.Money(...); templates show amounts with money(...)")
#: oTree's field classes (``models.X``) and what to declare in labctl
FIELDS = {
    "IntegerField": "fields.Integer(min=..., max=...)",
    "FloatField": "fields.Decimal(places=2, ...) (labctl stores exact decimals, no floats)",
    "CurrencyField": "fields.Money(...) (in minor units: cents)",
    "StringField": "fields.Text(...)",
    "LongStringField": 'fields.Text(widget="textarea")',
    "BooleanField": "fields.Boolean(...)",
}
#: oTree's base classes and what to subclass in labctl
BASES = {
    "BasePlayer": "class Player(labctl.Player):",
    "BaseGroup": "class Group(labctl.Group):",
    "BaseSubsession": "class Subsession(labctl.Subsession):",
    "BaseConstants": "class C: (a plain class of constants)",
}
#: oTree's widgets and labctl's ``widget=`` string for each
WIDGETS = {
    "RadioSelect": 'widget="radio"',
    "RadioSelectHorizontal": 'widget="radio_horizontal"',
    "Select": 'widget="select"',
    "Slider": 'widget="slider" (with min and max)',
    "TextArea": 'fields.Text(widget="textarea")',
    "Textarea": 'fields.Text(widget="textarea")',
    "CheckboxInput": 'fields.Boolean(widget="checkbox")',
}
#: names whose ``NameError`` at import time this module explains
OTREE_NAMES = frozenset({"cu", "Currency", "currency_range", "models", "widgets", *FIELDS,
                         *BASES})
#: oTree's inclusive range of amounts: labctl's amounts are ints, so Python's range does it
CURRENCY_RANGE = ("range(first, last + 1, step) over whole minor units or points: note the "
                  "+ 1, since currency_range includes its last amount and range does not")


def problems(root: Path) -> list[Problem]:
    """One problem per oTree name per source file of the project in ``root``, at its first
    use."""
    found: list[Problem] = []
    for file in _source_files(root):
        try:
            tree = ast.parse(file.read_text(encoding="utf-8"), str(file))
        except (SyntaxError, UnicodeDecodeError, ValueError):
            continue  # reported by the loader (LC101) when the file is imported
        first: dict[str, Problem] = {}
        for node in ast.walk(tree):
            for key, problem in _hints(node, file):
                if key not in first or _line(problem) < _line(first[key]):
                    first[key] = problem
        found += first.values()
    return found


def explained_import_failure(exc: BaseException) -> bool:
    """Whether importing failed on an oTree name that ``problems`` reports with its fix."""
    if isinstance(exc, ModuleNotFoundError):
        return (exc.name or "").split(".")[0] == "otree"
    return isinstance(exc, NameError) and getattr(exc, "name", None) in OTREE_NAMES


def _source_files(root: Path) -> list[Path]:
    """``sessions.py``, the Python files of the project's packages (app folders and helper
    packages: not hidden or private ones), and of the plain folders (no ``__init__.py``) that
    those files import: a repository's own ``tests/`` for pytest, ``scripts/`` or ``docs/``
    are no part of the project labctl runs, so an ``import otree`` there is not reported."""
    packages = [folder for folder in _folders(root) if (folder / "__init__.py").is_file()]
    files = [root / "sessions.py", *(path for folder in packages for path in _python(folder))]
    imported = _imported_names([file for file in files if file.is_file()])
    files += [path for folder in _folders(root)
              if folder not in packages and folder.name in imported for path in _python(folder)]
    return [file for file in files if file.is_file()]


def _folders(root: Path) -> list[Path]:
    return [folder for folder in sorted(root.iterdir())
            if folder.is_dir() and not folder.name.startswith(("_", "."))]


def _python(folder: Path) -> list[Path]:
    return sorted(path for path in folder.rglob("*.py")
                  if not any(part.startswith((".", "_")) and part != "__init__.py"
                             for part in path.relative_to(folder).parts))


def _imported_names(files: list[Path]) -> set[str]:
    """The first name of every module the files import (``from ..tools import x``: tools)."""
    names: set[str] = set()
    for file in files:
        try:
            tree = ast.parse(file.read_text(encoding="utf-8"), str(file))
        except (SyntaxError, UnicodeDecodeError, ValueError):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                names.update([(node.module or "").split(".")[0],
                              *(alias.name for alias in node.names)])
    return names


def _line(problem: Problem) -> int:
    return problem.location.line or 0


def _hints(node: ast.AST, file: Path) -> Iterator[tuple[str, Problem]]:
    """The oTree names ``node`` uses: (name, problem) pairs."""
    line = getattr(node, "lineno", 0)
    where = (str(file), line)
    if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "otree":
        yield "otree", _import_problem(where, f"from {node.module} import ...")
    if isinstance(node, ast.Import):
        for alias in node.names:
            if alias.name.split(".")[0] == "otree":
                yield "otree", _import_problem(where, f"import {alias.name}")
    if isinstance(node, ast.Name) and node.id in ("cu", "Currency"):
        yield node.id, Problem.at("LC201", where, f"oTree's {node.id} does not exist in labctl",
                                  f"in labctl, write: {MONEY}")
    if isinstance(node, ast.Name) and node.id == "currency_range":
        yield node.id, Problem.at("LC201", where, "oTree's currency_range does not exist in "
                                  "labctl", f"in labctl, write: {CURRENCY_RANGE}")
    if isinstance(node, ast.Name) and node.id in BASES:
        yield node.id, Problem.at("LC203", where, f"oTree's {node.id} does not exist in labctl",
                                  f"in labctl, write: {BASES[node.id]}")
    name = _attribute_of(node, "models") or _bare(node, FIELDS)
    if name in FIELDS:
        yield name, Problem.at("LC202", where, f"oTree's models.{name} does not exist in labctl",
                               f"in labctl, write: from labctl import fields, then "
                               f"{FIELDS[name]}")
    widget = _attribute_of(node, "widgets")
    if widget is not None:
        yield f"widgets.{widget}", Problem.at(
            "LC204", where, f"oTree's widgets.{widget} does not exist in labctl",
            f"in labctl, write: {WIDGETS.get(widget, 'widget=' + repr(widget.lower()))} in "
            "the field's declaration")


def _import_problem(where: tuple[str, int], statement: str) -> Problem:
    return Problem.at("LC200", where, f"'{statement}': this is oTree, which labctl does not use",
                      "in labctl, write: import labctl and from labctl import fields (models.* "
                      "fields become fields.*, BasePlayer becomes labctl.Player, cu(5) becomes "
                      "500 minor units)")


def _attribute_of(node: ast.AST, module: str) -> str | None:
    """``X`` for ``module.X`` (``models.IntegerField``), else ``None``."""
    if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
            and node.value.id == module):
        return node.attr
    return None


def _bare(node: ast.AST, names: dict[str, str]) -> str | None:
    """A name used on its own (``FloatField`` after ``from otree.models import *``)."""
    return node.id if isinstance(node, ast.Name) and node.id in names else None
