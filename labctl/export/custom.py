"""Custom exports: an app's ``custom_export(players)``, oTree's way to shape a file itself.

An app module may define ``custom_export(players)`` and any number of named ones,
``custom_export_<name>(players)``; each yields rows, the first being the header, as in oTree::

    def custom_export(players):
        yield ["session", "participant", "round", "offer"]
        for p in players:
            yield [p.session.code, p.participant.code, p.round_number, p.group.offer]

Each becomes a file of ``labctl export results`` (``<app>.custom.csv``,
``<app>.custom_<name>.csv``) and a download in the admin. ``players`` are the app's players
of the exported sessions (session by session, then round, then participant), loaded as the
app's own ``Player`` records, so ``p.participant``, ``p.group``, ``p.in_all_rounds()`` work
as in a page's hook. The rows are written as the export writes every CSV (text defused for
spreadsheets, see ``files``). An exception in the app's function is reported with its file
and line; no half file is written.
"""

from __future__ import annotations

import re
import types
from collections.abc import Callable, Iterable
from typing import Any

from ..app import AppSpec
from ..engine.recordset import RecordSet
from ..engine.store import Store
from ..errors import LabctlError
from ..extra_records import ExtraRecord, every_record
from ..project import Project, researcher_frame
from ..records import Player

#: ``custom_export`` or ``custom_export_<name>``: the functions an app module may define
CUSTOM_EXPORT = re.compile(r"custom_export(?:_([a-z0-9_]+))?")
#: the most rows one custom export may yield: a generator that never ends is stopped here
MAX_ROWS = 10_000_000

CustomExport = Callable[[list[Player]], Iterable[Any]]


def custom_exports(spec: AppSpec) -> dict[str, CustomExport]:
    """The app's custom exports by file name (``trust.custom.csv``), in source order.

    Only functions written in the app's own ``__init__.py`` count: one imported from another
    app is that app's export.
    """
    found: dict[str, CustomExport] = {}
    for name, value in vars(spec.module).items():
        match = CUSTOM_EXPORT.fullmatch(name)
        code = getattr(value, "__code__", None)
        if (match and isinstance(value, types.FunctionType) and code is not None
                and code.co_filename == str(spec.init_file)):
            suffix = f"custom_{match.group(1)}" if match.group(1) else "custom"
            found[f"{spec.name}.{suffix}.csv"] = value
    return found


def custom_export_files(project: Project, apps: list[str]) -> dict[str, tuple[str, CustomExport]]:
    """Every custom export of these apps: file name -> (app, function)."""
    return {file: (app, function) for app in apps
            for file, function in custom_exports(project.apps[app]).items()}


def custom_download_kinds(project: Project, apps: list[str]) -> list[str]:
    """The admin's download kinds of the custom exports of these apps (those loaded)."""
    return [download_kind(file) for file in custom_export_files(
        project, [app for app in apps if app in project.apps])]


def download_kind(file: str) -> str:
    """The admin's download kind of a custom export's file: ``trust.custom.csv`` ->
    ``custom-trust``, ``trust.custom_offers.csv`` -> ``custom-trust-offers`` (app names and
    export names hold no ``-``, so the kind names one file)."""
    app, suffix, _csv = file.split(".")
    name = suffix.removeprefix("custom").removeprefix("_")
    return f"custom-{app}-{name}" if name else f"custom-{app}"


def custom_rows(store: Store, project: Project, app: str, function: CustomExport,
                session_codes: list[str]) -> tuple[list[str], list[list[Any]]]:
    """Run one custom export over the app's players of the sessions: its header and rows."""
    spec = project.apps[app]
    with store.reading():
        players = _players(store, project, spec, session_codes)
        token = every_record.set(_every_record_loader(store, project, session_codes))
        try:
            rows = _collected(function(players))
        except LabctlError:
            raise
        except Exception as exc:
            file, line = researcher_frame(exc, project.root, spec.init_file)
            raise LabctlError(
                f"{function.__name__}(players) of app '{app}' failed at {file}:{line}: "
                f"{type(exc).__name__}: {exc}",
                "fix the function; `labctl export results` writes no custom file until "
                "it runs") from exc
        finally:
            every_record.reset(token)
    if not rows:
        raise LabctlError(f"{function.__name__}(players) of app '{app}' yielded no rows",
                          "yield the header row first, then one row per line of the file")
    header, *body = rows
    for number, row in enumerate(rows, start=1):
        if not isinstance(row, (list, tuple)):
            raise LabctlError(
                f"{function.__name__}(players) of app '{app}' yielded row {number} as "
                f"{type(row).__name__}, not a list", "yield each row as a list of cells")
    return [str(cell) for cell in header], [list(row) for row in body]


def _every_record_loader(store: Store, project: Project, session_codes: list[str]
                         ) -> Callable[[type[ExtraRecord], dict[str, Any]], list[ExtraRecord]]:
    """What ``Trial.filter()`` without a link gives inside a custom export: the records of
    the exported sessions (oTree's "every record"), session by session."""

    def load(cls: type[ExtraRecord], criteria: dict[str, Any]) -> list[ExtraRecord]:
        spec = next((s for s in project.apps.values()
                     if getattr(s.module, cls.__name__, None) is cls), None)
        if spec is None:
            raise LabctlError(f"{cls.__name__} is not declared by any app of the project")
        found: list[ExtraRecord] = []
        for code in session_codes:
            row = store.session_row(code)
            if row is not None:
                records = RecordSet(store, project, project.session_type(row["session_type"]),
                                    row)
                found += records.extra_records(spec, cls, criteria)
        return found

    return load


def _collected(rows: Iterable[Any]) -> list[Any]:
    collected = []
    for row in rows:
        collected.append(row)
        if len(collected) > MAX_ROWS:
            raise LabctlError(f"a custom export yielded more than {MAX_ROWS} rows",
                              "check that its loop ends")
    return collected


def _players(store: Store, project: Project, spec: AppSpec, session_codes: list[str]
             ) -> list[Player]:
    """The app's players of the sessions, each session read through its own record set."""
    players: list[Player] = []
    for code in session_codes:
        row = store.session_row(code)
        if row is None or spec.name not in project.session_type(
                row["session_type"]).app_sequence:
            continue
        records = RecordSet(store, project, project.session_type(row["session_type"]), row)
        for stored in store.app_rows(spec.name, "player", code):
            players.append(records.player(spec, stored["participant_id"],
                                          stored["round_number"]))
    return players
