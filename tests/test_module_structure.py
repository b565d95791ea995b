"""The package's seams: what ``labctl`` exports, the drawn exception tree, and which module may
import which."""

from __future__ import annotations

import ast
import importlib
import pkgutil
import re
import subprocess
import sys
from pathlib import Path

import pytest

import labctl
import labctl.errors
from labctl.errors import LabctlError

LABCTL = Path(labctl.__file__).resolve().parent

#: the researcher's API: what an app's ``__init__.py`` or a project's ``sessions.py`` writes
RESEARCHER_API = {
    "App", "SessionType", "Room", "Dropout",          # declaring apps, session types, rooms
    "Player", "Group", "Subsession",                  # the model classes an app subclasses
    "Participant", "Session",                         # the records hooks receive (type hints)
    "Page", "WaitPage", "ExperimenterGate",           # the page sequence
    "ExtraRecord", "Link",                            # trial-level records (oTree's ExtraModel)
    "Constants",                                      # class C's base (oTree's BaseConstants)
    "fields",                                         # the field types
    "format_money",                                   # money shown in vars_for_template
    "_",                                              # a text translated where it is shown
    "waiting_seconds",                                # group_by_arrival_time_method's clock
    "__version__",
}


def _every_labctl_module() -> list[str]:
    """Import every module of the package (``__main__`` would run the CLI)."""
    names = [info.name for info in pkgutil.walk_packages([str(LABCTL)], "labctl.")
             if not info.name.endswith("__main__")]
    for name in names:
        importlib.import_module(name)
    return names


# -- labctl.__all__ ------------------------------------------------------------------------

def test_all_is_exactly_the_researchers_api():
    assert set(labctl.__all__) == RESEARCHER_API
    assert labctl.__all__ == sorted(labctl.__all__)


def test_everything_labctl_exports_exists_and_nothing_public_is_left_out():
    for name in labctl.__all__:
        assert hasattr(labctl, name), name
    public = {name for name, value in vars(labctl).items()
              if not name.startswith("_") and not isinstance(value, type(labctl))}
    assert public == set(labctl.__all__) - {"fields", "__version__", "_"}


def test_tooling_is_imported_from_its_module_not_from_labctl():
    for name in ("Project", "load_project", "LabctlError", "Engine", "SqliteStore"):
        assert name not in vars(labctl), name
    from labctl.project import Project, load_project
    assert callable(load_project) and isinstance(Project, type)


# -- the exception tree in errors.py ---------------------------------------------------------

def _drawn_tree() -> dict[str, tuple[str, str]]:
    """Each class drawn in errors.py's docstring: name -> (parent name, module)."""
    drawn: dict[str, tuple[str, str]] = {}
    parents: list[str] = []
    for line in (labctl.errors.__doc__ or "").splitlines():
        root = re.fullmatch(r"\s+(LabctlError)\s+(labctl[\w.]*)", line)
        if root:
            parents = ["LabctlError"]
            drawn["LabctlError"] = ("Exception", root[2])
            continue
        found = re.match(r"(\s+[│ ]*?)[├└]── (\w+)\s+(labctl[\w.]*)", line)
        if found and parents:
            depth = (len(found[1]) - 4) // 4 + 1
            del parents[depth:]
            drawn[found[2]] = (parents[depth - 1], found[3])
            parents.append(found[2])
    return drawn


def _subclasses(cls: type) -> list[type]:
    found = []
    for sub in cls.__subclasses__():
        if sub.__module__ == "labctl" or sub.__module__.startswith("labctl."):
            found += [sub, *_subclasses(sub)]
    return found


def test_errors_docstring_draws_every_labctl_error_with_its_parent_and_module():
    _every_labctl_module()
    drawn = _drawn_tree()
    assert drawn["LabctlError"] == ("Exception", "labctl.errors")
    actual = {cls.__name__: (cls.__bases__[0].__name__, cls.__module__)
              for cls in _subclasses(LabctlError)}
    missing = {name: where for name, where in actual.items() if drawn.get(name) != where}
    assert not missing, f"draw these in labctl/errors.py's docstring: {missing}"
    stale = set(drawn) - set(actual) - {"LabctlError"}
    assert not stale, f"errors.py draws classes that do not exist: {stale}"


def test_the_tree_reader_sees_nesting(monkeypatch):
    """The drawing is read by indentation, so a class drawn under the wrong parent fails."""
    doc = labctl.errors.__doc__.replace("│   └── FieldValueError     labctl.errors  ",
                                        "├── FieldValueError         labctl.errors  ")
    monkeypatch.setattr(labctl.errors, "__doc__", doc)
    assert _drawn_tree()["FieldValueError"] == ("LabctlError", "labctl.errors")


# -- imports -----------------------------------------------------------------------------------

def _function_level_imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            found += [f"{path.name}:{inner.lineno}" for inner in ast.walk(node)
                      if isinstance(inner, (ast.Import, ast.ImportFrom))]
    return found


@pytest.mark.parametrize("module", ["project.py", "validation.py"])
def test_project_and_validation_import_at_module_level_only(module):
    assert _function_level_imports(LABCTL / module) == []


def test_loading_a_project_does_not_import_validation():
    """Validation reads a loaded project (``validate_project(project)``); loading one needs
    none of the rules, so the two modules form no import cycle, not even for annotations."""
    code = ("import sys, labctl.project; "
            "print('labctl.validation' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=60, check=True)
    assert result.stdout.strip() == "False"


def test_importing_labctl_loads_no_tooling():
    code = "import sys, labctl; print(sorted(m for m in sys.modules if m.startswith('labctl.')))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=60, check=True)
    loaded = set(ast.literal_eval(result.stdout.strip()))
    assert not loaded & {"labctl.project", "labctl.validation", "labctl.engine",
                         "labctl.storage", "labctl.server", "labctl.cli"}, loaded
