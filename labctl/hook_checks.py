"""``labctl validate`` rules for oTree hooks that labctl does not run (LC190-LC199).

Code ported from oTree often defines a hook by the name oTree calls it: a page's
``timeout_happened``, a module-level ``before_session_starts``, a Player method
``age_max(self)``. Python accepts all of them and labctl would simply never call them, so the
experiment would run with a result the researcher did not write. Each such name is refused
here by name, at its file and line, with what to write instead. A hook labctl runs is not
listed; once labctl learns one, it leaves these tables.

    LC190  a page or wait page defines a hook labctl does not run
    LC191  an app module defines a function oTree would call and labctl does not
    LC192  a Player, Group or Subsession defines a method oTree would call (old self format)

A field hook is ``<field>_<suffix>`` for a field the app declares: a helper such as
``def group_max(values):`` in an app without a field ``group`` is no hook and is left alone.
"""

from __future__ import annotations

import types
from typing import Any

from .app import FIELD_HOOKS, AppSpec
from .pages import Page, WaitPage, is_sequence_item
from .problems import Problem
from .project import Project
from .records import Group, Player, Record, Subsession

__all__ = ["FIELD_HOOK_SUFFIXES", "problems"]

#: live methods run on a Page or a WaitPage (README, Live pages)
LIVE_ON_PAGE = ("put the live_method on the Page (or WaitPage) the players are on, as "
                "@staticmethod def live_method(player, data):")

#: hooks of an oTree Page that labctl does not run, with what to write instead
PAGE_HOOKS: dict[str, str] = {
    "timeout_happened": "use the timed_out argument of before_next_page(player, timed_out)",
}

#: hooks of an oTree WaitPage that labctl does not run, with what to write instead
WAIT_PAGE_HOOKS: dict[str, str] = {
    "get_players_for_group": "write a module-level group_by_arrival_time_method(subsession, "
                             "waiting_players) returning the players to group (oTree 3's "
                             "name of the same)",
}

#: functions of an oTree app module that labctl does not call, with what to write instead
MODULE_HOOKS: dict[str, str] = {
    "before_session_starts": "move its code into creating_session(subsession)",
    "vars_for_all_templates": "return its values from each page's vars_for_template (a "
                              "helper function the pages call)",
}

#: field hooks oTree calls by name (``<field>_<suffix>``) and what labctl offers for each
FIELD_HOOK_SUFFIXES: dict[str, str] = {
    "choices": "declare choices=[...] on the field",
    "min": "declare min= on the field",
    "max": "declare max= on the field",
    "error_message": "check the value in the page's error_message(player, values)",
}

#: field hook suffixes labctl runs as module-level functions (``def age_max(player):``)
MODULE_FIELD_HOOKS: frozenset[str] = frozenset(FIELD_HOOKS)

#: methods of oTree's old "self" format that labctl does not call, by record class
RECORD_HOOKS: dict[type[Record], dict[str, str]] = {
    Subsession: {
        "creating_session": "write a module-level function def creating_session(subsession):",
        "before_session_starts": "write a module-level function "
                                 "def creating_session(subsession):",
        "vars_for_admin_report": "write a module-level function "
                                 "def vars_for_admin_report(subsession):",
        "group_by_arrival_time_method": "write a module-level function "
                                        "def group_by_arrival_time_method(subsession, "
                                        "waiting_players):",
    },
    Group: {"live_method": LIVE_ON_PAGE},
    Player: {"live_method": LIVE_ON_PAGE},
}


def problems(project: Project) -> list[Problem]:
    """Every oTree hook in the project's apps that labctl would not run."""
    found: list[Problem] = []
    for spec in project.apps.values():
        for item in spec.page_sequence:
            if is_sequence_item(item):
                found += _page_problems(item)
        found += _module_problems(spec)
        for _kind, model in spec.record_classes():
            found += _record_problems(spec, model)
    return found


def _page_problems(page: type[Page] | type[WaitPage]) -> list[Problem]:
    """LC190: hooks on the page's own classes (not labctl's bases) that labctl ignores."""
    table = WAIT_PAGE_HOOKS if issubclass(page, WaitPage) else PAGE_HOOKS
    kind = "wait page" if issubclass(page, WaitPage) else "page"
    found = []
    for name, value in _own_attributes(page, (Page, WaitPage)):
        if name in table:
            found.append(Problem.at(
                "LC190", hook_site(value, page._defined_at),
                f"{kind} '{page.__name__}' defines {name}, which labctl does not run",
                table[name]))
    return found


def _module_problems(spec: AppSpec) -> list[Problem]:
    """LC191: module-level functions oTree would call."""
    fields = _field_names(spec)
    found = []
    for name, value in vars(spec.module).items():
        if not _defined_in(value, spec):
            continue
        where = hook_site(value, (str(spec.init_file), 0))
        if name in MODULE_HOOKS:
            found.append(Problem.at(
                "LC191", where, f"app '{spec.name}' defines {name}(), which labctl does not "
                "call", MODULE_HOOKS[name]))
            continue
        suffix = _field_hook(name, fields)
        if suffix is not None and suffix not in MODULE_FIELD_HOOKS:
            found.append(Problem.at(
                "LC191", where, f"app '{spec.name}' defines {name}(), which labctl does not "
                "call", FIELD_HOOK_SUFFIXES[suffix]))
    return found


def _record_problems(spec: AppSpec, model: type[Record]) -> list[Problem]:
    """LC192: oTree's old "self" format hooks written as methods of a model class."""
    table = RECORD_HOOKS.get(_base_of(model), {})
    fields = _field_names(spec)
    found = []
    for name, value in _own_attributes(model, (Player, Group, Subsession, Record)):
        if not callable(value) and not isinstance(value, (staticmethod, classmethod)):
            continue
        suffix = _field_hook(name, fields)
        hint = table.get(name)
        if hint is None and suffix is not None:
            hint = (f"write a module-level function def {name}(player):"
                    if suffix in MODULE_FIELD_HOOKS else FIELD_HOOK_SUFFIXES[suffix])
        if hint is not None:
            found.append(Problem.at(
                "LC192", hook_site(value, model._defined_at),
                f"{model.__name__}.{name} in app '{spec.name}' is an oTree hook that labctl "
                "does not call as a method", hint))
    return found


def _own_attributes(cls: type, bases: tuple[type, ...]) -> list[tuple[str, Any]]:
    """Attributes the researcher's classes define: labctl's own bases are left out."""
    seen: dict[str, Any] = {}
    for klass in reversed(cls.__mro__):
        if klass in bases or klass is object or any(klass in b.__mro__ for b in bases):
            continue
        seen.update(vars(klass))
    return list(seen.items())


def _field_hook(name: str, fields: set[str]) -> str | None:
    """``"max"`` for ``age_max`` when the app has a field ``age``; otherwise None."""
    for suffix in FIELD_HOOK_SUFFIXES:
        field, _, rest = name.rpartition("_" + suffix)
        if field in fields and rest == "":
            return suffix
    return None


def _field_names(spec: AppSpec) -> set[str]:
    return {name for _kind, model in spec.record_classes() for name in model.declared_fields()}


def _base_of(model: type[Record]) -> type[Record]:
    for base in (Player, Group, Subsession):
        if issubclass(model, base):
            return base
    return Record


def _defined_in(value: Any, spec: AppSpec) -> bool:
    """A function written in the app's own ``__init__.py`` (not one it imported)."""
    code = getattr(value, "__code__", None)
    return isinstance(value, types.FunctionType) and code is not None and (
        code.co_filename == str(spec.init_file))


def hook_site(value: Any, fallback: tuple[str, int]) -> tuple[str, int]:
    """The file and line where a function starts, or the class's own line for a value."""
    function = getattr(value, "__func__", value)
    code = getattr(function, "__code__", None)
    if code is None:
        return fallback
    return code.co_filename, code.co_firstlineno
