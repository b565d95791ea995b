"""Loading a project: ``sessions.py`` and its app folders, imported in isolation.

Each loaded project gets its own package name (``_labctl_project_<n>``) whose ``__path__`` is
the project folder, so two projects with an app called ``trust`` can be loaded in one process
and an app can use relative imports (``from .bots import ...``). The researcher's exceptions
never escape as a labctl traceback: they become problems located at the researcher's own file
and line, reported by ``labctl validate``.
"""

from __future__ import annotations

import dataclasses
import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import inspect
import itertools
import math
import sys
import traceback
import types
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from .app import APP_NAME_PATTERN, App, AppSpec
from .declared_fields import declared_fields
from .errors import ProjectError
from .fields import Field
from .otree_hints import explained_import_failure
from .problems import Problem
from .records import Group, Player, Record, Subsession
from .room import Room
from .session_type import SessionType

__all__ = ["Project", "load_project"]

_package_numbers = itertools.count(1)
PACKAGE_PREFIX = "_labctl_project_"


@dataclass
class Project:
    """A loaded project: its session types, its apps by name, and what failed to load."""

    root: Path
    package: str
    session_types: list[SessionType] = field(default_factory=list)
    apps: dict[str, AppSpec] = field(default_factory=dict)
    rooms: list[Room] = field(default_factory=list)
    #: ``PARTICIPANT_FIELDS`` / ``SESSION_FIELDS`` of sessions.py: each name's field (or
    #: ``None``, any JSON value), read and set as attributes of participant and session
    participant_fields: dict[str, Field | None] = field(default_factory=dict)
    session_fields: dict[str, Field | None] = field(default_factory=dict)
    load_problems: list[Problem] = field(default_factory=list)
    #: the app listed again in a session type, by the name its n-th listing plays under:
    #: ``{"pgg_2": ("pgg", 2)}`` (``_name_repeated_apps``)
    repeated_apps: dict[str, tuple[str, int]] = field(default_factory=dict)

    def folder_apps_only(self) -> Project:
        """This project as its folders declare it, without the repeated listings' apps: what
        ``labctl validate`` checks, so that a problem of an app listed twice is named once."""
        if not self.repeated_apps:
            return self
        return dataclasses.replace(self, apps={name: spec for name, spec in self.apps.items()
                                               if name not in self.repeated_apps})

    @property
    def app_folders(self) -> set[str]:
        """The names of the project's app folders (apps loaded from a folder)."""
        return {name for name in self.apps if name not in self.repeated_apps}

    @property
    def sessions_file(self) -> Path:
        return self.root / "sessions.py"

    def session_type(self, name: str) -> SessionType:
        for session_type in self.session_types:
            if session_type.name == name:
                return session_type
        known = ", ".join(st.name for st in self.session_types) or "none"
        raise ProjectError(f"no session type '{name}' in {self.sessions_file}",
                           f"session types declared: {known}")

    def room(self, name: str) -> Room:
        for room in self.rooms:
            if room.name == name:
                return room
        known = ", ".join(r.name for r in self.rooms) or "none"
        raise ProjectError(f"no room '{name}' in {self.sessions_file}",
                           f"rooms declared in ROOMS: {known}")

    def participant_count(self, session_type: SessionType) -> int:
        """The session type's participants, or the fewest that fill every group in it."""
        if session_type.num_participants is not None:
            return session_type.num_participants
        sizes = [self.apps[name].players_per_group or 1 for name in session_type.app_sequence
                 if name in self.apps]
        return math.lcm(*sizes) if sizes else 1

    def subsession_plan(self, session_type: SessionType) -> list[tuple[AppSpec, int]]:
        """The subsessions of a session in order: (app, round number) for every app round."""
        return [(self.apps[name], round_number) for name in session_type.app_sequence
                for round_number in range(1, self.apps[name].num_rounds + 1)]

    def unload(self) -> None:
        """Forget the project's modules so that the next load sees edited files."""
        for name in [n for n in sys.modules if n == self.package
                     or n.startswith(self.package + ".")]:
            del sys.modules[name]


def load_project(root: str | Path) -> Project:
    """Import a project's ``sessions.py`` and every app folder, collecting load problems.

    Raises ``ProjectError`` only when the folder is not a project at all.
    """
    root = Path(root).resolve()
    if not root.is_dir():
        raise ProjectError(f"{root} is not a folder", "give the folder that holds sessions.py")
    if not (root / "sessions.py").is_file():
        raise ProjectError(f"{root} has no sessions.py",
                           "run labctl in a project folder, or create one with "
                           "`labctl new-project DIR`")
    _install_finder()
    package = f"{PACKAGE_PREFIX}{next(_package_numbers)}"
    package_module = types.ModuleType(package)
    package_module.__path__ = [str(root)]
    package_module.__file__ = None
    sys.modules[package] = package_module
    project = Project(root=root, package=package)
    _load_session_types(project)
    for folder in _app_folders(root):
        _load_app(project, folder)
    _name_repeated_apps(project)
    return project


def _name_repeated_apps(project: Project) -> None:
    """An app listed again in a session type (before and after a treatment) plays as an app
    of its own, ``<app>_<n>`` for its n-th listing: the same code and templates, its own rounds
    and tables (``pgg_2_player``), so its data never mixes with the first listing's. The
    session type's ``app_sequence`` is rewritten to those names; a name that is already an
    app folder is left as it is (``labctl validate``: LC257)."""
    for session_type in project.session_types:
        sequence = session_type.app_sequence
        if not isinstance(sequence, list) or len(set(map(str, sequence))) == len(sequence):
            continue
        seen: dict[str, int] = {}
        named = []
        for name in sequence:
            if not isinstance(name, str):
                named.append(name)
                continue
            count = seen[name] = seen.get(name, 0) + 1
            occurrence = f"{name}_{count}"
            if count == 1 or name not in project.apps or occurrence in project.app_folders:
                named.append(name)
                continue
            if occurrence not in project.apps:
                project.apps[occurrence] = dataclasses.replace(project.apps[name],
                                                               name=occurrence)
                project.repeated_apps[occurrence] = (name, count)
            named.append(occurrence)
        session_type.app_sequence = named


class _FreshSourceLoader(importlib.machinery.SourceFileLoader):
    """Compiles the researcher's source on every load, ignoring ``__pycache__``.

    Bytecode caches are checked against the file's size and mtime in whole seconds, so an edit
    saved within the same second as the last load would otherwise be missed on reload.
    """

    def get_code(self, fullname: str) -> types.CodeType:
        source = self.get_data(self.path)
        return compile(source, self.path, "exec", dont_inherit=True)


class _ProjectFinder(importlib.abc.MetaPathFinder):
    """Gives modules inside a loaded project (``from .helpers import x``) the fresh loader."""

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> Any:
        if not fullname.startswith(PACKAGE_PREFIX) or "." not in fullname:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is not None and isinstance(spec.loader, importlib.machinery.SourceFileLoader):
            spec.loader = _FreshSourceLoader(spec.loader.name, spec.loader.path)
        return spec


def _install_finder() -> None:
    if not any(isinstance(finder, _ProjectFinder) for finder in sys.meta_path):
        sys.meta_path.insert(0, _ProjectFinder())


def _app_folders(root: Path) -> list[Path]:
    return sorted(
        path for path in root.iterdir()
        if path.is_dir() and (path / "__init__.py").is_file()
        and not path.name.startswith(("_", ".")) and not _test_suite(path)
    )


def _test_suite(folder: Path) -> bool:
    """A project's own pytest suite (``tests/`` with ``test_*.py`` or ``conftest.py``), which
    a package ``__init__.py`` does not make an app (no app may be called tests anyway)."""
    return folder.name in ("test", "tests") and (
        (folder / "conftest.py").is_file() or any(folder.glob("test_*.py")))


def _import(project: Project, name: str, file: Path) -> types.ModuleType | None:
    """Import one of the researcher's modules; on failure record where their code broke.

    The module is imported from ``file`` explicitly, so an app folder can never shadow
    ``sessions.py`` (Python prefers a package over a module of the same name).
    """
    qualified = f"{project.package}.{name}"
    try:
        spec = importlib.util.spec_from_file_location(
            qualified, file, loader=_FreshSourceLoader(qualified, str(file)),
            submodule_search_locations=[str(file.parent)] if file.name == "__init__.py"
            else None)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[qualified] = module
        try:
            spec.loader.exec_module(module)
        except BaseException:
            del sys.modules[qualified]
            raise
        return module
    except SyntaxError as exc:
        if not _is_project_file(exc.filename, project.root):
            # raised at run time by the researcher's code (e.g. ast.literal_eval), not a typo
            project.load_problems.append(Problem.at(
                "LC102", researcher_frame(exc, project.root, file),
                f"importing {file.relative_to(project.root)} raised SyntaxError: {exc.msg}",
                "fix the code on this line; it runs when the project is loaded"))
            return None
        where = (exc.filename or str(file), exc.lineno or 0)
        project.load_problems.append(Problem.at(
            "LC101", where, f"syntax error: {exc.msg}", "fix the Python syntax on this line"))
    except SystemExit as exc:  # an app that stops Python when it cannot run ("pip install X")
        project.load_problems.append(Problem.at(
            "LC102", researcher_frame(exc, project.root, file),
            f"importing {file.relative_to(project.root)} stopped Python (SystemExit): "
            + (" ".join(str(exc.code).split()) if exc.code is not None else "no message"),
            "do what the message asks (install the package the app needs), or fix the code "
            "on this line; it runs when the project is loaded"))
    except Exception as exc:
        if explained_import_failure(exc):
            return None  # labctl validate names the oTree spelling and its fix (otree_hints)
        project.load_problems.append(Problem.at(
            "LC102", researcher_frame(exc, project.root, file),
            f"importing {file.relative_to(project.root)} raised {type(exc).__name__}: {exc}",
            "fix the code on this line; it runs when the project is loaded"))
    return None


def researcher_frame(exc: BaseException, root: Path, fallback: Path) -> tuple[str, int]:
    """The innermost traceback frame in the researcher's project, not in labctl or Python."""
    found: tuple[str, int] = (str(fallback), 0)
    for frame in traceback.extract_tb(exc.__traceback__):
        if _is_project_file(frame.filename, root):
            found = (frame.filename, frame.lineno or 0)
    return found


def _is_project_file(filename: str | None, root: Path) -> bool:
    """A real file inside the project (not ``<string>`` or a library file)."""
    if not filename or filename.startswith("<"):
        return False
    return Path(filename).resolve().is_relative_to(root)


def _load_session_types(project: Project) -> None:
    module = _import(project, "sessions", project.sessions_file)
    if module is None:
        return
    _load_rooms(project, module)
    declared_by_owner = declared_fields(module, project.sessions_file, project.load_problems)
    project.participant_fields = declared_by_owner["participant"]
    project.session_fields = declared_by_owner["session"]
    declared = getattr(module, "SESSION_TYPES", None)
    if not isinstance(declared, (list, tuple)) or not declared:
        project.load_problems.append(Problem.at(
            "LC103", project.sessions_file,
            "sessions.py declares no SESSION_TYPES list",
            "add SESSION_TYPES = [SessionType(name=..., app_sequence=[...])]"))
        return
    language = getattr(module, "LANGUAGE", None)  # the project's default language
    for item in declared:
        if isinstance(item, SessionType):
            if item.language is None and isinstance(language, str):
                item.language = language
            project.session_types.append(item)
        else:
            project.load_problems.append(Problem.at(
                "LC103", project.sessions_file,
                f"SESSION_TYPES holds {item!r}, which is not a SessionType",
                "list only SessionType(...) objects"))


def _load_rooms(project: Project, module: types.ModuleType) -> None:
    declared = getattr(module, "ROOMS", [])
    if not isinstance(declared, (list, tuple)):
        project.load_problems.append(Problem.at(
            "LC150", project.sessions_file, "ROOMS in sessions.py is not a list",
            "write ROOMS = [Room(name='lab1', labels=['PC01', 'PC02'])]"))
        return
    for item in declared:
        if isinstance(item, Room):
            project.rooms.append(item)
        else:
            project.load_problems.append(Problem.at(
                "LC150", project.sessions_file, f"ROOMS holds {item!r}, which is not a Room",
                "list only Room(...) objects"))


def _is_package_of_helpers(project: Project, name: str, module: types.ModuleType) -> bool:
    """A folder no session type plays whose ``__init__.py`` declares nothing of an app (no
    ``App``, pages or records): a package of code the apps import (oTree projects keep such
    ``sliders/`` or ``utils/`` beside their apps), not an app without its ``App``."""
    played = any(isinstance(st.app_sequence, (list, tuple)) and name in st.app_sequence
                 for st in project.session_types)
    declares = hasattr(module, "page_sequence") or any(
        isinstance(value, type) and issubclass(value, (Player, Group, Subsession))
        and value.__module__ == module.__name__ for value in vars(module).values())
    return not played and not declares


def _load_app(project: Project, folder: Path) -> None:
    name = folder.name
    init_file = folder / "__init__.py"
    if not APP_NAME_PATTERN.fullmatch(name) or name == "sessions":
        project.load_problems.append(Problem.at(
            "LC120", init_file, f"app folder '{name}' is not a valid app name",
            "rename the folder: letters, digits and _, starting with a letter, "
            "and not 'sessions'"))
        return
    module = _import(project, name, init_file)
    if module is None:
        return
    settings = getattr(module, "app", None)
    if settings is None:
        settings = app_from_constants(module, init_file)
    if settings is None and _is_package_of_helpers(project, name, module):
        return
    if not isinstance(settings, App):
        project.load_problems.append(Problem.at(
            "LC124", init_file, f"app '{name}' declares no `app = labctl.App(...)`",
            "add e.g. app = labctl.App(players_per_group=2, num_rounds=1)"))
        return
    if settings.name is None:  # oTree apps name themselves by __name__; labctl: app.name
        settings.name = name
    def declared(base: type[R]) -> type[R]:
        return _record_class(project, init_file, name, module, base)

    project.apps[name] = AppSpec(
        name=name, folder=folder, module=module, settings=settings,
        player_class=declared(Player), group_class=declared(Group),
        subsession_class=declared(Subsession),
        page_sequence=_page_sequence(module),
        creating_session=getattr(module, "creating_session", None),
        group_by_arrival_time_method=getattr(module, "group_by_arrival_time_method", None),
    )


R = TypeVar("R", bound=Record)

#: oTree's ``C`` names of the settings labctl's ``App`` holds
OTREE_SETTINGS = ("PLAYERS_PER_GROUP", "NUM_ROUNDS")


def app_from_constants(module: types.ModuleType, init_file: Path) -> App | None:
    """An oTree app's settings as it declares them, in ``class C``: ``PLAYERS_PER_GROUP``,
    ``NUM_ROUNDS`` and the ``*_ROLE`` names (their values in the order written, one per
    position in the group, as oTree assigns them); ``None`` when ``C`` declares none. Their
    values are checked like an ``App``'s, at the line of ``class C``."""
    constants = getattr(module, "C", None)
    if not isinstance(constants, type) or not any(
            hasattr(constants, name) for name in OTREE_SETTINGS):
        return None
    roles = [value for name, value in vars(constants).items() if name.endswith("_ROLE")]
    settings = App(players_per_group=getattr(constants, "PLAYERS_PER_GROUP", None),
                   num_rounds=getattr(constants, "NUM_ROUNDS", 1), roles=roles)
    settings.defined_at = (str(init_file), _line_of(constants))
    return settings


def _line_of(declared: type) -> int:
    """The line a class is declared on (1 when its source cannot be read)."""
    try:
        return inspect.getsourcelines(declared)[1]
    except (OSError, TypeError):
        return 1


def _record_class(project: Project, init_file: Path, name: str, module: types.ModuleType,
                  base: type[R]) -> type[R]:
    """The app's subclass of a record base (``Player``...), or the base itself, reported as
    LC125, when what the app declares under that name is not one."""
    attr = base.__name__
    declared = getattr(module, attr, base)
    if isinstance(declared, type) and issubclass(declared, base):
        return declared
    project.load_problems.append(Problem.at(
        "LC125", init_file, f"{attr} in app '{name}' is not a subclass of labctl.{attr}",
        f"declare it as `class {attr}(labctl.{attr}):`"))
    return base


def _page_sequence(module: types.ModuleType) -> list:
    """The declared page_sequence as a list; anything else counts as empty (reported LC130).
    A wait page's ``after_all_players_arrive = 'set_payoffs'``, oTree's name of a function
    of the app, is made that function (one the app lacks stays a name: LC138)."""
    declared = getattr(module, "page_sequence", None)
    pages = list(declared) if isinstance(declared, (list, tuple)) else []
    for page in pages:
        named = vars(page).get("after_all_players_arrive") if isinstance(page, type) else None
        if isinstance(named, str) and callable(getattr(module, named, None)):
            page.after_all_players_arrive = staticmethod(getattr(module, named))
    return pages
