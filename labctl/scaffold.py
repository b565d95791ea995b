"""Scaffolding: new projects and new apps, copied from ``app_templates/``.

``app_templates/`` holds one folder per app template (``blank``, ...) and ``_project/``, the
skeleton of a new project. In an installed wheel it ships as ``labctl/app_templates``; in a
source checkout it is the repository's top-level folder.
"""

from __future__ import annotations

import keyword
import shutil
from dataclasses import dataclass
from pathlib import Path

from .app import APP_NAME_PATTERN
from .errors import ScaffoldError
from .validation import RESERVED_APP_NAMES

__all__ = ["AppTemplate", "create_app_folder", "create_project", "list_templates", "templates_root"]

PROJECT_SKELETON = "_project"
FIRST_APP = "my_app"


@dataclass(frozen=True)
class AppTemplate:
    name: str
    summary: str
    folder: Path


def templates_root() -> Path:
    """``app_templates/`` inside the installed package, or at the top of a source checkout."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "app_templates", here.parent / "app_templates"):
        if (candidate / PROJECT_SKELETON).is_dir():
            return candidate
    raise ScaffoldError("labctl's app templates are missing from this installation",
                        "reinstall labctl with `pip install --force-reinstall labctl`")


def list_templates() -> list[AppTemplate]:
    """Every app template, with the first line of its docstring as summary."""
    found = []
    for folder in sorted(templates_root().iterdir()):
        init = folder / "__init__.py"
        if folder.name.startswith("_") or not init.is_file():
            continue
        found.append(AppTemplate(folder.name, _summary(init), folder))
    return found


def _summary(init: Path) -> str:
    text = init.read_text(encoding="utf-8").lstrip()
    for quote in ('"""', "'''"):
        if text.startswith(quote):
            first = text[3:].split("\n", 1)[0]
            return first.split(quote, 1)[0].strip().rstrip(".")
    return ""


def check_app_name(name: str) -> None:
    """Refuse names that cannot be an app folder, with the rule they broke."""
    if not APP_NAME_PATTERN.fullmatch(name) or keyword.iskeyword(name):
        raise ScaffoldError(f"'{name}' is not a valid app name",
                            "use letters, digits and _, starting with a letter")
    if name in RESERVED_APP_NAMES:
        raise ScaffoldError(f"'{name}' is reserved by labctl",
                            "choose another name, e.g. " + f"'{name}_game'")


def create_project(target: Path) -> Path:
    """Create a project folder with sessions.py and one blank app; refuse to overwrite."""
    target = Path(target)
    if target.exists() and any(target.iterdir()):
        raise ScaffoldError(f"{target} already exists and is not empty",
                            "choose a new folder name")
    if not APP_NAME_PATTERN.fullmatch(target.name.lower().replace("-", "_")):
        raise ScaffoldError(f"'{target.name}' is not a usable project folder name",
                            "start with a letter; use letters, digits, - and _")
    skeleton = templates_root() / PROJECT_SKELETON
    shutil.copytree(skeleton, target, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("__pycache__"))
    create_app_folder(target, FIRST_APP, "blank")
    return target


def create_app_folder(project_dir: Path, name: str, template: str = "blank") -> Path:
    """Copy an app template into a project as app ``name``; refuse to overwrite."""
    project_dir = Path(project_dir)
    if not (project_dir / "sessions.py").is_file():
        raise ScaffoldError(f"{project_dir.resolve()} is not a labctl project (no sessions.py)",
                            "run this inside a project, or pass --project DIR")
    check_app_name(name)
    templates = {t.name: t for t in list_templates()}
    if template not in templates:
        raise ScaffoldError(f"there is no app template '{template}'",
                            "available: " + ", ".join(templates))
    target = project_dir / name
    if target.exists():
        raise ScaffoldError(f"{target} already exists", "choose another app name")
    shutil.copytree(templates[template].folder, target,
                    ignore=shutil.ignore_patterns("__pycache__"))
    return target
