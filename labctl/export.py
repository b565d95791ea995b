"""Exporting results: a wide table, a tidy table per app, page timings, payments, and JSON.

A pure library over a ``SqliteStore`` and a loaded ``Project`` (no Flask, no rich), so
``labctl export`` and the admin's downloads give the same bytes. The choices below are made for
the programs researchers open these files with, Excel, R and pandas:

- CSV is UTF-8 with a byte-order mark (without it Excel reads accents as mojibake), quoted by
  the csv module where needed, with CRLF line ends (RFC 4180);
- a text cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a
  leading ``'``, so that a spreadsheet shows a participant's answer instead of running it as a
  formula (CSV injection). Numbers are never changed, and JSON is never escaped;
- booleans are ``1``/``0`` in CSV (as SQLite stores them; read as numbers everywhere) and
  ``true``/``false`` in JSON; decimals are their exact text (a string in JSON); amounts are
  integers in minor units, or points; a missing value is an empty cell (``null`` in JSON);
  times are ISO 8601 in UTC, as stored;
- columns come in a stable order: participant, session, then each app in the session type's
  ``app_sequence``, rounds ascending, player fields in declaration order, then group and
  subsession fields. Columns the database keeps for fields no longer declared follow the
  declared ones, so no answer is ever left out of an export.
"""

from __future__ import annotations

import csv
import decimal
import io
import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import fields
from .app import AppSpec
from .database import database_path, open_database, select_sessions
from .engine.flow import Step, build_steps
from .engine.payment import Payment, payment_of
from .errors import LabctlError
from .fields import Field
from .money import format_money
from .project import Project, load_project
from .session_type import SessionType
from .storage.sqlite import SqliteStore

__all__ = [
    "FORMATS", "Results", "Table", "csv_bytes", "export_payments", "export_results",
    "json_bytes", "load_results", "write_payments", "write_results",
]

Row = dict[str, Any]
#: ``progress(what, done, total)``: told after each session is read and each file written
Progress = Callable[[str, int, int], None]

FORMATS = ("csv", "json")
#: first characters that make a spreadsheet evaluate a cell (OWASP's CSV injection list)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: file names of the export; an app's table is ``<app>.csv`` unless it would clash with these
WIDE_FILE, TIMINGS_FILE, RESULTS_JSON = "results_wide.csv", "page_timings.csv", "results.json"
PAYMENTS_FILE, PAYMENTS_JSON = "payments.csv", "payments.json"
_RESERVED_STEMS = {"results_wide", "page_timings", "payments", "results"}

PARTICIPANT_COLUMNS = [
    "participant.id_in_session", "participant.code", "participant.label",
    "participant.started_at", "participant.finished_at", "participant.bonus",
    "participant.payment", "participant.payment_formatted", "participant.vars",
]
SESSION_COLUMNS = [
    "session.code", "session.session_type", "session.label", "session.room",
    "session.created_at", "session.num_participants", "session.currency", "session.fixed_pay",
    "session.params", "session.vars",
]
_WHO = ["session.code", "participant.id_in_session", "participant.code", "participant.label"]
TIMING_COLUMNS = [*_WHO, "step", "app", "round_number", "page", "is_wait_page", "arrived_at",
                  "submitted_at", "seconds", "timed_out"]
PAYMENT_COLUMNS = [*_WHO, "finished", "currency", "fixed_pay", "bonus_points", "bonus",
                   "total", "fixed_pay_formatted", "bonus_formatted", "total_formatted"]

#: columns the engine keeps in every app table; everything else is a field
_ENGINE_COLUMNS = {"id", "session_code", "round_number", "subsession_id", "group_id",
                   "participant_id", "participant_code", "id_in_group", "role",
                   "id_in_subsession"}


@dataclass
class Table:
    """Rows with a fixed column order; a row leaves out columns that do not apply to it."""

    columns: list[str]
    rows: list[Row]


# -- reading a session -----------------------------------------------------------------------


@dataclass(frozen=True)
class _Column:
    """A column of an app table, read back as the field's type (booleans, exact decimals)."""

    name: str
    field: Field | None = None

    def value(self, row: Row | None) -> Any:
        raw = None if row is None else row.get(self.name)
        if raw is None or self.field is None:
            return raw
        if isinstance(self.field, fields.Boolean) and raw in (0, 1):
            return bool(raw)
        if isinstance(self.field, fields.Decimal):
            try:
                return decimal.Decimal(str(raw))
            except decimal.InvalidOperation:
                return raw
        return raw


@dataclass(frozen=True)
class _AppLayout:
    """An app's columns per record kind: engine columns, declared fields, leftover columns."""

    name: str
    num_rounds: int
    player: list[_Column]
    group: list[_Column]
    subsession: list[_Column]

    def kinds(self) -> list[tuple[str, list[_Column]]]:
        return [("player", self.player), ("group", self.group),
                ("subsession", self.subsession)]


def _layout(store: SqliteStore, spec: AppSpec) -> _AppLayout:
    def columns(kind: str, model: Any, engine_columns: list[str]) -> list[_Column]:
        declared = model.declared_fields()
        found = [_Column(name) for name in engine_columns]
        found += [_Column(name, field) for name, field in declared.items()]
        table = store.db[f"{spec.name}_{kind}"]
        if table.exists():
            found += [_Column(c.name) for c in table.columns
                      if c.name not in _ENGINE_COLUMNS and c.name not in declared]
        return found

    return _AppLayout(spec.name, spec.num_rounds,
                      columns("player", spec.player_class, ["id_in_group", "role"]),
                      columns("group", spec.group_class, ["id_in_subsession"]),
                      columns("subsession", spec.subsession_class, []))


@dataclass
class _Session:
    """Everything stored about one session, read in one go (a consistent snapshot)."""

    row: Row
    session_type: SessionType
    apps: list[str]
    participants: list[Row]
    #: app -> (participant id, round) -> player row
    players: dict[str, dict[tuple[int, int], Row]]
    #: app -> group id -> group row
    groups: dict[str, dict[int, Row]]
    #: app -> round -> subsession row
    subsessions: dict[str, dict[int, Row]]
    visits: list[Row]
    steps: list[Step]
    payments: dict[int, Payment]

    @property
    def code(self) -> str:
        return str(self.row["code"])

    def records(self, app: str, participant_id: int, round_number: int
                ) -> dict[str, Row | None]:
        """A participant's player, group and subsession rows in one app round."""
        player = self.players.get(app, {}).get((participant_id, round_number))
        group_id = player.get("group_id") if player else None
        return {"player": player,
                "group": self.groups.get(app, {}).get(group_id) if group_id else None,
                "subsession": self.subsessions.get(app, {}).get(round_number)}


def _rows(store: SqliteStore, table: str, where: str, args: list[Any], order: str) -> list[Row]:
    if not store.db[table].exists():
        return []
    return list(store.db[table].rows_where(where, args, order_by=order))


def _read_session(store: SqliteStore, project: Project, code: str) -> _Session:
    with store.reading():
        row = store.session_row(code)
        if row is None:
            raise LabctlError(f"no session '{code}' in {store.path}",
                              "`labctl sessions` lists the sessions it holds")
        session_type = _session_type(project, row)
        participants = store.participants_of(code)
        players: dict[str, dict[tuple[int, int], Row]] = {}
        groups: dict[str, dict[int, Row]] = {}
        subsessions: dict[str, dict[int, Row]] = {}
        for app in session_type.app_sequence:
            where = ("session_code = ?", [code])
            players[app] = {(r["participant_id"], r["round_number"]): r for r in _rows(
                store, f"{app}_player", *where, "round_number, participant_id")}
            groups[app] = {r["id"]: r for r in _rows(store, f"{app}_group", *where, "id")}
            subsessions[app] = {r["round_number"]: r for r in _rows(
                store, f"{app}_subsession", *where, "round_number")}
        visits = _rows(store, "page_visits", "session_code = ?", [code], "participant_id, step")
    steps = build_steps(project, session_type)
    payments = {p["id"]: payment_of(session_type, p, len(steps)) for p in participants}
    return _Session(row, session_type, list(session_type.app_sequence), participants, players,
                    groups, subsessions, visits, steps, payments)


def _session_type(project: Project, row: Row) -> SessionType:
    """The session's type from the project, with every app it needs loaded."""
    names = [st.name for st in project.session_types]
    if row["session_type"] not in names:
        raise LabctlError(f"session '{row['code']}' was run with session type "
                          f"'{row['session_type']}', which {project.sessions_file} no longer "
                          "declares", "restore it in sessions.py to export this session")
    session_type = project.session_type(row["session_type"])
    for app in session_type.app_sequence:
        if app not in project.apps:
            raise LabctlError(f"app '{app}' of session '{row['code']}' could not be loaded "
                              f"from {project.root}", "run `labctl validate` and fix it")
    return session_type


# -- the tables ------------------------------------------------------------------------------


class Results:
    """The stored data of some sessions, read once, as every table and file of the export."""

    def __init__(self, project: Project, sessions: list[_Session],
                 layouts: dict[str, _AppLayout]) -> None:
        self.project = project
        self.sessions = sessions
        self.layouts = layouts

    @property
    def apps(self) -> list[str]:
        """Every app of the sessions, in app_sequence order (first seen first)."""
        return list(self.layouts)

    # -- the wide table: a row per participant ---------------------------------------------
    def wide_columns(self) -> list[str]:
        columns = [*PARTICIPANT_COLUMNS, *SESSION_COLUMNS]
        for layout in self.layouts.values():
            for round_number in range(1, layout.num_rounds + 1):
                for kind, kind_columns in layout.kinds():
                    columns += [f"{layout.name}.{round_number}.{kind}.{c.name}"
                                for c in kind_columns]
        return columns

    def wide(self) -> Table:
        rows = []
        for session in self.sessions:
            for person in session.participants:
                row = {**_participant_cells(session, person), **_session_cells(session)}
                for app in session.apps:
                    layout = self.layouts[app]
                    for round_number in range(1, layout.num_rounds + 1):
                        records = session.records(app, person["id"], round_number)
                        for kind, kind_columns in layout.kinds():
                            for column in kind_columns:
                                row[f"{app}.{round_number}.{kind}.{column.name}"] = \
                                    column.value(records[kind])
                rows.append(row)
        return Table(self.wide_columns(), rows)

    # -- a tidy table per app: a row per player per round ----------------------------------
    def app_table(self, app: str) -> Table:
        layout = self.layouts[app]
        columns = [*_WHO, "round_number"]
        for kind, kind_columns in layout.kinds():
            columns += [f"{kind}.{c.name}" for c in kind_columns]
        rows = []
        for session in self.sessions:
            if app not in session.apps:
                continue
            for round_number in range(1, layout.num_rounds + 1):
                for person in session.participants:
                    records = session.records(app, person["id"], round_number)
                    row = {**_who(session, person), "round_number": round_number}
                    for kind, kind_columns in layout.kinds():
                        row.update({f"{kind}.{c.name}": c.value(records[kind])
                                    for c in kind_columns})
                    rows.append(row)
        return Table(columns, rows)

    def app_tables(self) -> dict[str, Table]:
        return {app: self.app_table(app) for app in self.apps}

    # -- page timings: a row per page visit ------------------------------------------------
    def page_timings(self) -> Table:
        rows = []
        for session in self.sessions:
            people = {p["id"]: p for p in session.participants}
            ordered = sorted(session.visits, key=lambda v: (
                people[v["participant_id"]]["id_in_session"], v["step"]))
            for visit in ordered:
                rows.append({**_who(session, people[visit["participant_id"]]),
                             **_timing_cells(session, visit)})
        return Table(list(TIMING_COLUMNS), rows)

    # -- payments: a row per participant and a total per session ---------------------------
    def payments(self) -> Table:
        rows = []
        for session in self.sessions:
            lines = [session.payments[p["id"]] for p in session.participants]
            for person, payment in zip(session.participants, lines):
                rows.append({**_who(session, person), "finished": payment.finished,
                             **_amount_cells([payment], session)})
            rows.append({"session.code": session.code, "participant.label": "Total",
                         **_amount_cells(lines, session)})
        return Table(list(PAYMENT_COLUMNS), rows)

    def payments_json(self) -> dict[str, Any]:
        table = self.payments()
        sessions = []
        for session in self.sessions:
            rows = [r for r in table.rows if r["session.code"] == session.code]
            sessions.append({
                "code": session.code, "session_type": session.session_type.name,
                "currency": session.session_type.currency,
                "participants": [_json_row(r, "session.code") for r in rows[:-1]],
                "total": _json_row(rows[-1], *_WHO, "finished")})
        return {"format_version": 1, "sessions": sessions}

    # -- everything, nested ----------------------------------------------------------------
    def as_json(self) -> dict[str, Any]:
        """Sessions, their participants, and per participant every app round and page."""
        return {"format_version": 1,
                "sessions": [self._session_json(session) for session in self.sessions]}

    def _session_json(self, session: _Session) -> dict[str, Any]:
        cells = _session_cells(session)
        out = {name.removeprefix("session."): cells[name] for name in SESSION_COLUMNS}
        out["params"], out["vars"] = _parse_json(out["params"]), _parse_json(out["vars"])
        visits: dict[int, list[Row]] = {}
        for visit in session.visits:
            visits.setdefault(visit["participant_id"], []).append(visit)
        out["participants"] = []
        for person in session.participants:
            cells = _participant_cells(session, person)
            entry = {name.removeprefix("participant."): cells[name]
                     for name in PARTICIPANT_COLUMNS}
            entry["vars"] = _parse_json(entry["vars"])
            entry["apps"] = {app: self._rounds_json(session, app, person["id"])
                             for app in session.apps}
            entry["page_timings"] = [_timing_cells(session, v)
                                     for v in visits.get(person["id"], [])]
            out["participants"].append(entry)
        return out

    def _rounds_json(self, session: _Session, app: str, participant_id: int) -> list[Row]:
        layout = self.layouts[app]
        rounds = []
        for round_number in range(1, layout.num_rounds + 1):
            records = session.records(app, participant_id, round_number)
            entry: Row = {"round_number": round_number}
            for kind, kind_columns in layout.kinds():
                entry[kind] = {c.name: c.value(records[kind]) for c in kind_columns}
            rounds.append(entry)
        return rounds


def _who(session: _Session, person: Row) -> Row:
    return {"session.code": session.code, "participant.id_in_session": person["id_in_session"],
            "participant.code": person["code"], "participant.label": person["label"]}


def _participant_cells(session: _Session, person: Row) -> Row:
    payment = session.payments[person["id"]]
    return {
        "participant.id_in_session": person["id_in_session"], "participant.code": person["code"],
        "participant.label": person["label"], "participant.started_at": person["started_at"],
        "participant.finished_at": person["finished_at"], "participant.bonus": payment.bonus,
        "participant.payment": payment.total,
        "participant.payment_formatted": payment.shown(payment.total),
        "participant.vars": person["vars"] or "{}",
    }


def _session_cells(session: _Session) -> Row:
    row, session_type = session.row, session.session_type
    return {
        "session.code": row["code"], "session.session_type": row["session_type"],
        "session.label": row.get("label"), "session.room": row.get("room"),
        "session.created_at": row["created_at"],
        "session.num_participants": row["num_participants"],
        "session.currency": session_type.currency, "session.fixed_pay": session_type.fixed_pay,
        "session.params": row["params"] or "{}", "session.vars": row.get("vars") or "{}",
    }


def _timing_cells(session: _Session, visit: Row) -> Row:
    step = visit["step"]
    is_wait = session.steps[step].is_wait if 0 <= step < len(session.steps) else None
    return {"step": step, "app": visit["app"], "round_number": visit["round_number"],
            "page": visit["page"], "is_wait_page": is_wait, "arrived_at": visit["arrived_at"],
            "submitted_at": visit["submitted_at"], "seconds": visit["seconds"],
            "timed_out": None if visit["timed_out"] is None else bool(visit["timed_out"])}


def _amount_cells(payments: list[Payment], session: _Session) -> Row:
    """Fixed pay, bonus and total of one participant, or summed over several (a total row)."""
    session_type = session.session_type
    currency = session_type.currency
    fixed = sum(p.fixed_pay for p in payments)
    bonus = sum(p.bonus_money for p in payments)
    total = sum(p.total for p in payments)
    return {"currency": currency, "fixed_pay": fixed,
            "bonus_points": sum(p.bonus for p in payments) if session_type.pays_points
            else None, "bonus": bonus, "total": total,
            "fixed_pay_formatted": format_money(fixed, currency),
            "bonus_formatted": format_money(bonus, currency),
            "total_formatted": format_money(total, currency)}


def _json_row(row: Row, *leave_out: str) -> Row:
    return {name.removeprefix("participant."): value for name, value in row.items()
            if name not in leave_out}


def _parse_json(text: str) -> Any:
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        return text


def load_results(store: SqliteStore, project: Project, session_codes: list[str],
                 progress: Progress | None = None, total: int | None = None) -> Results:
    """Read the sessions (oldest first as given) with their apps' column layouts."""
    sessions = []
    for done, code in enumerate(session_codes, start=1):
        sessions.append(_read_session(store, project, code))
        if progress:
            progress(f"read session {code}", done, total or len(session_codes))
    layouts: dict[str, _AppLayout] = {}
    with store.reading():
        for session in sessions:
            for app in session.apps:
                if app not in layouts:
                    layouts[app] = _layout(store, project.apps[app])
    return Results(project, sessions, layouts)


# -- encoding --------------------------------------------------------------------------------


def csv_cell(value: Any) -> str:
    """One CSV cell: see the module docstring for booleans, decimals and formula escaping."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (int, decimal.Decimal)):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_text(table: Table) -> str:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(table.columns)
    for row in table.rows:
        writer.writerow([csv_cell(row.get(column)) for column in table.columns])
    return buffer.getvalue()


def csv_bytes(table: Table) -> bytes:
    """The table as a CSV file: UTF-8 with a byte-order mark, for Excel."""
    return csv_text(table).encode("utf-8-sig")


def _json_default(value: Any) -> Any:
    if isinstance(value, decimal.Decimal):
        return str(value)
    raise TypeError(f"cannot export {type(value).__name__} to JSON")


def json_bytes(data: Any) -> bytes:
    """JSON in UTF-8 (no byte-order mark: JSON readers do not expect one), readable text."""
    return (json.dumps(data, ensure_ascii=False, indent=2, default=_json_default) + "\n"
            ).encode("utf-8")


def table_json(table: Table) -> list[Row]:
    """A table as a list of objects, every column present (``null`` where empty)."""
    return [{column: row.get(column) for column in table.columns} for row in table.rows]


# -- files -----------------------------------------------------------------------------------


def app_file_name(app: str) -> str:
    """``<app>.csv``, or ``<app>.app.csv`` for an app named like another file of the export
    (app names cannot hold a dot, so that name is never taken)."""
    return f"{app}.app.csv" if app in _RESERVED_STEMS else f"{app}.csv"


def _write(path: Path, data: bytes) -> Path:
    """Write through a temporary file, so a failed export never leaves half a file."""
    partial = path.with_name(path.name + ".partial")
    partial.write_bytes(data)
    os.replace(partial, path)
    return path


def _out_dir(out_dir: str | Path) -> Path:
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise LabctlError(f"cannot create the folder {out}: {exc.strerror}",
                          "give another folder with --out") from exc
    return out


def _check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise LabctlError(f"unknown format '{fmt}'", "use csv or json")


def write_results(store: SqliteStore, project: Project, out_dir: str | Path,
                  session_codes: list[str], fmt: str = "csv",
                  progress: Progress | None = None) -> list[Path]:
    """Write the results of the sessions: the CSV files, or ``results.json``."""
    _check_format(fmt)
    out = _out_dir(out_dir)
    files = 1 if fmt == "json" else 2 + len(_apps_of(store, project, session_codes))
    total = len(session_codes) + files
    results = load_results(store, project, session_codes, progress, total)
    jobs: list[tuple[str, Callable[[], bytes]]]
    if fmt == "json":
        jobs = [(RESULTS_JSON, lambda: json_bytes(results.as_json()))]
    else:
        jobs = [(WIDE_FILE, lambda: csv_bytes(results.wide()))]
        jobs += [(app_file_name(app), lambda app=app: csv_bytes(results.app_table(app)))
                 for app in results.apps]
        jobs.append((TIMINGS_FILE, lambda: csv_bytes(results.page_timings())))
    written = []
    for name, make in jobs:
        written.append(_write(out / name, make()))
        if progress:
            progress(f"wrote {name}", len(session_codes) + len(written), total)
    return written


def _apps_of(store: SqliteStore, project: Project, session_codes: list[str]) -> set[str]:
    """The apps the sessions went through (checking, before any reading, that each loads)."""
    with store.reading():
        rows = {row["code"]: row for row in store.session_rows()}
    return {app for code in session_codes if code in rows
            for app in _session_type(project, rows[code]).app_sequence}


def write_payments(store: SqliteStore, project: Project, out_dir: str | Path,
                   session_codes: list[str], fmt: str = "csv",
                   progress: Progress | None = None) -> tuple[list[Path], Results]:
    """Write ``payments.csv`` (and ``payments.json`` with fmt json); returns the files and
    what they hold, for the caller to show."""
    _check_format(fmt)
    out = _out_dir(out_dir)
    total = len(session_codes) + (2 if fmt == "json" else 1)
    results = load_results(store, project, session_codes, progress, total)
    written = [_write(out / PAYMENTS_FILE, csv_bytes(results.payments()))]
    if fmt == "json":
        written.append(_write(out / PAYMENTS_JSON, json_bytes(results.payments_json())))
    if progress:
        progress("wrote payments", total, total)
    return written, results


# -- what the commands call ------------------------------------------------------------------


@contextmanager
def opened(project_dir: str | Path, db: str | Path | None) -> Iterator[tuple[SqliteStore,
                                                                              Project]]:
    """The project and its existing database, closed and unloaded afterwards."""
    store = open_database(database_path(project_dir, db))
    try:
        project = load_project(project_dir)
        try:
            yield store, project
        finally:
            project.unload()
    finally:
        store.close()


def export_results(project_dir: str | Path, db: str | Path | None, out_dir: str | Path,
                   session_codes: list[str] | None = None, all_sessions: bool = False,
                   fmt: str = "csv", progress: Progress | None = None) -> list[Path]:
    """``labctl export results``: every selected session's results into ``out_dir``."""
    with opened(project_dir, db) as (store, project):
        codes = select_sessions(store, session_codes or [], all_sessions)
        return write_results(store, project, out_dir, codes, fmt, progress)


def export_payments(project_dir: str | Path, db: str | Path | None, out_dir: str | Path,
                    session_codes: list[str] | None = None, all_sessions: bool = False,
                    fmt: str = "csv", progress: Progress | None = None
                    ) -> tuple[list[Path], Table]:
    """``labctl export payments``: the payments sheet; returns the files and the table."""
    with opened(project_dir, db) as (store, project):
        codes = select_sessions(store, session_codes or [], all_sessions)
        written, results = write_payments(store, project, out_dir, codes, fmt, progress)
        return written, results.payments()
