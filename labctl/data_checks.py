"""``labctl validate`` rules for what apps give the data side: custom exports and extra
records (LC230-LC239).

An export function that cannot be called as labctl calls it, or an extra record class whose
table or file cannot be made, would only fail once participants play or the experimenter
exports; each is refused here, at its line, before anyone comes.

    LC230  a custom_export or custom_export_<name> that does not take one argument (players)
    LC231  an extra record class whose name gives a table or file another one has
    LC232  an extra record class with two Links to the same kind (two players), one to
           anything but the app's Player, Group or another of its extra records, or a link to
           an extra record beside another (without a link, it is the session's)
    LC233  an extra record field named like a column labctl keeps (id, session_code, ...), in
           any case (a field round_number is the class's own: the round is app_round_number)
    LC234  a vars_for_admin_report that does not take one argument (the subsession)
    LC235  a vars_for_admin_report without the admin_report.html that would show it
"""

from __future__ import annotations

import inspect

from .app import AppSpec
from .engine.reports import REPORT_HOOK, REPORT_TEMPLATE, has_report
from .export.custom import custom_exports
from .extra_records import ExtraRecord, Link, engine_columns, extra_record_classes, record_kind
from .fields import Field
from .problems import Problem
from .project import Project
from .records import Group, Player

__all__ = ["problems"]


def problems(project: Project) -> list[Problem]:
    """Every problem with an app's custom exports."""
    found: list[Problem] = []
    for spec in project.apps.values():
        for function in custom_exports(spec).values():
            if not _takes_one(function):
                found.append(Problem.at(
                    "LC230", (function.__code__.co_filename, function.__code__.co_firstlineno),
                    f"{function.__name__}() of app '{spec.name}' must take one argument, the "
                    "players", f"write def {function.__name__}(players): and yield rows, the "
                    "header first"))
        found += _extra_record_problems(spec)
        found += _report_problems(spec)
    return found


def _report_problems(spec: AppSpec) -> list[Problem]:
    """LC234, LC235: an admin report's function must be callable and have its template."""
    hook = getattr(spec.module, REPORT_HOOK, None)
    code = getattr(hook, "__code__", None)
    if code is None or code.co_filename != str(spec.init_file):
        return []
    where = (code.co_filename, code.co_firstlineno)
    if not _takes_one(hook):
        return [Problem.at("LC234", where, f"{REPORT_HOOK}() of app '{spec.name}' must take "
                           "one argument, the subsession",
                           f"write def {REPORT_HOOK}(subsession): and return a dict")]
    if not has_report(spec):
        return [Problem.at("LC235", where, f"app '{spec.name}' defines {REPORT_HOOK}() but "
                           f"has no {REPORT_TEMPLATE}, so no report would show",
                           f"add {REPORT_TEMPLATE} to the app folder; it sees what the "
                           "function returns, subsession and session")]
    return []


#: record names whose table or export file another of labctl's has
_TAKEN_KINDS = frozenset({"player", "group", "subsession", "app", "custom"})


def _extra_record_problems(spec: AppSpec) -> list[Problem]:
    found: list[Problem] = []
    seen: dict[str, str] = {}
    for cls in extra_record_classes(spec):
        kind, where = record_kind(cls), cls._defined_at
        if kind in _TAKEN_KINDS or kind.startswith("custom_") or kind in seen:
            taken = f"the same as {seen[kind]}'s" if kind in seen else "one labctl uses"
            found.append(Problem.at(
                "LC231", where, f"extra record {cls.__name__} of app '{spec.name}' would be "
                f"stored as {spec.name}_{kind}, {taken}", "give the class another name, "
                "e.g. Trial, Bid, Order"))
        seen.setdefault(kind, cls.__name__)
        found += _link_problems(spec, cls)
        seen: dict[str, str] = {}
        taken = {column.lower() for column in engine_columns(cls)}
        for name, declared in cls.declared_fields().items():
            if name != "round_number" and name.lower() in taken:  # any case: Session_Code
                found.append(Problem.at(
                    "LC233", declared.defined_at,
                    f"field '{name}' of {cls.__name__} in app '{spec.name}' is the column "
                    f"{name.lower()!r} labctl keeps for every extra record (a database's "
                    "column names ignore case)", "rename the field"))
            found += same_column_problems(cls.__name__, name, declared, seen)
    return found


def _link_problems(spec: AppSpec, cls: type[ExtraRecord]) -> list[Problem]:
    """LC232: a link to this app's Player or Group, one to each (the player and group
    columns the export keys rows on), or none (a record of the session)."""
    links: list[Link] = cls._links
    allowed = (spec.player_class, spec.group_class, Player, Group,
               *(other for other in extra_record_classes(spec) if other is not cls))
    strangers = [link for link in links if link.to not in allowed]
    kinds = sorted(link.kind for link in links)
    if not strangers and kinds in ([], ["player"], ["group"], ["group", "player"], ["record"]):
        return []  # without a link: a record of the session, as oTree allows
    if strangers:
        what = f"links to {getattr(strangers[0].to, '__name__', strangers[0].to)!s}, not " \
               "this app's Player, Group or another of its extra records"
    else:
        what = f"has {len(links)} links ({', '.join(link.name for link in links)}); labctl " \
               "keys each record to one player and one group"
    return [Problem.at("LC232", cls._defined_at,
                       f"extra record {cls.__name__} of app '{spec.name}' {what}",
                       "declare player = labctl.Link(Player), group = labctl.Link(Group), "
                       "one of each, or one link to another extra record of the app")]


def _takes_one(function: object) -> bool:
    """Whether ``function(players)`` binds (one positional parameter, the rest defaulted)."""
    try:
        inspect.signature(function).bind(object())  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False
    return True


def same_column_problems(owner: str, name: str, declared: Field, seen: dict[str, str]
                         ) -> list[Problem]:
    """LC142 for a field whose name differs from an earlier one's only in case (``score`` and
    ``Score``): the database's column names ignore case, so both would be one column."""
    earlier = seen.setdefault(name.lower(), name)
    if earlier == name:
        return []
    return [Problem.at("LC142", declared.defined_at, f"{owner} field '{name}' differs from "
                       f"field '{earlier}' only in case: a database's column names ignore "
                       "case, so they would be one column", "give one of them another name")]
