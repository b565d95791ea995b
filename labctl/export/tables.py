"""The tables of an export, built from session snapshots: wide, per app, timings, payments.

Cells hold Python values (``None``, ``bool``, ``int``, ``float``, ``Decimal``, ``str``); how
they are written is ``files``' business, so CSV and JSON show the same content.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .. import vars_codec
from ..declared_fields import Declared, read_declared
from ..engine.payment import Payment
from ..engine.shared_data import SCOPES
from ..engine.store import Store
from ..money import format_money
from ..project import Project
from .shared_data import (
    DOCUMENT_COLUMNS,
    DOCUMENTS_FILE,
    HISTORY_COLUMNS,
    MESSAGE_COLUMNS,
    MESSAGES_FILE,
    SharedData,
    history_file,
    read_shared,
)
from .snapshot import AppLayout, Row, SessionSnapshot, app_layout, read_session

#: ``progress(what, done, total)``: told after each session is read and each file written
Progress = Callable[[str, int, int], None]

PARTICIPANT_COLUMNS = [
    "participant.id_in_session", "participant.code", "participant.label",
    "participant.started_at", "participant.finished_at", "participant.consent",
    "participant.consent_at", "participant.bonus",
    "participant.payment", "participant.payment_formatted", "participant.vars",
    "participant.completion_code",
]
SESSION_COLUMNS = [
    "session.code", "session.session_type", "session.label", "session.room",
    "session.created_at", "session.num_participants", "session.currency", "session.fixed_pay",
    "session.params", "session.vars",
]
#: who a row of a long table is about
WHO_COLUMNS = ["session.code", "participant.id_in_session", "participant.code",
               "participant.label"]
TIMING_COLUMNS = [*WHO_COLUMNS, "step", "app", "round_number", "page", "is_wait_page",
                  "arrived_at", "submitted_at", "seconds", "timed_out", "decided_by"]
PAYMENT_COLUMNS = [*WHO_COLUMNS, "recruitment_id", "started", "finished", "in_total",
                   "currency", "fixed_pay", "bonus_points", "bonus", "total", "paid",
                   "fixed_pay_formatted", "bonus_formatted", "total_formatted",
                   "paid_formatted", "note"]
#: the label of a session's total row in the payments table (which has no participant code)
TOTAL_LABEL = "Total"


@dataclass
class Table:
    """Rows with a fixed column order; a row may leave out columns that do not apply to it."""

    columns: list[str]
    rows: list[Row]


class Results:
    """The stored data of some sessions, read once, as every table of the export."""

    def __init__(self, project: Project, sessions: list[SessionSnapshot],
                 layouts: dict[str, AppLayout], shared: SharedData | None = None) -> None:
        self.project = project
        self.sessions = sessions
        self.layouts = layouts
        self.shared = shared or SharedData([], [], [])

    # -- live shared data: a tidy table per store, final documents, messages ----------------
    def shared_tables(self) -> dict[str, Table]:
        tables = {history_file(scope): Table(list(HISTORY_COLUMNS),
                                             self.shared.history_of(scope))
                  for scope in SCOPES}
        tables[DOCUMENTS_FILE] = Table(list(DOCUMENT_COLUMNS), self.shared.documents)
        tables[MESSAGES_FILE] = Table(list(MESSAGE_COLUMNS), self.shared.messages)
        return tables

    @property
    def apps(self) -> list[str]:
        """Every app of the sessions, in app_sequence order (first seen first)."""
        return list(self.layouts)

    # -- the wide table: a row per participant ---------------------------------------------
    def wide(self) -> Table:
        declared = {"participant": self.project.participant_fields,
                    "session": self.project.session_fields}
        columns = [*PARTICIPANT_COLUMNS, *declared_columns("participant", declared),
                   *SESSION_COLUMNS, *declared_columns("session", declared)]
        for layout in self.layouts.values():
            for round_number in range(1, layout.num_rounds + 1):
                for kind, kind_columns in layout.kinds():
                    columns += [f"{layout.name}.{round_number}.{kind}.{c.name}"
                                for c in kind_columns]
        rows = []
        for session in self.sessions:
            for person in session.participants:
                row = {**participant_cells(session, person), **session_cells(session)}
                row.update(declared_cells("participant", declared, row))
                row.update(declared_cells("session", declared, row))
                for app in session.apps:
                    for round_number, records in self._rounds(session, app, person["id"]):
                        for kind, kind_columns in self.layouts[app].kinds():
                            row.update({f"{app}.{round_number}.{kind}.{c.name}":
                                        c.value(records[kind]) for c in kind_columns})
                rows.append(row)
        return Table(columns, rows)

    # -- a tidy table per app: a row per player per round ----------------------------------
    def app_table(self, app: str) -> Table:
        columns = [*WHO_COLUMNS, "round_number"]
        for kind, kind_columns in self.layouts[app].kinds():
            columns += [f"{kind}.{c.name}" for c in kind_columns]
        rows = []
        for session in self.sessions:
            if app not in session.apps:
                continue
            for round_number in range(1, self.layouts[app].num_rounds + 1):
                for person in session.participants:
                    records = session.records(app, person["id"], round_number)
                    row = {**who_cells(session, person), "round_number": round_number}
                    for kind, kind_columns in self.layouts[app].kinds():
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
            for person, visit in _visits_in_order(session):
                rows.append({**who_cells(session, person), **timing_cells(session, visit)})
        return Table(list(TIMING_COLUMNS), rows)

    # -- payments: a row per participant, then a total row per session ---------------------
    def payments(self, include_never_started: bool = False) -> Table:
        """Who never opened their link is listed (``in_total`` 0) but left out of the total,
        which is the money to bring, unless ``include_never_started``."""
        rows = []
        for session in self.sessions:
            counted = []
            for person in session.participants:
                payment = session.payments[person["id"]]
                in_total = payment.started or include_never_started
                counted += [payment] if in_total else []
                rows.append({**who_cells(session, person),
                             "recruitment_id": payment.recruitment_id,
                             "started": payment.started, "finished": payment.finished,
                             "in_total": in_total, **amount_cells(session, [payment]),
                             "note": payment.note})
            rows.append({"session.code": session.code, "participant.label": TOTAL_LABEL,
                         **amount_cells(session, counted)})
        return Table(list(PAYMENT_COLUMNS), rows)

    def payments_json(self, include_never_started: bool = False) -> dict[str, Any]:
        table = self.payments(include_never_started)
        sessions = []
        for session in self.sessions:
            rows = [r for r in table.rows if r["session.code"] == session.code]
            sessions.append({
                "code": session.code, "session_type": session.session_type.name,
                "currency": session.session_type.currency,
                "participants": [_unprefixed(r, "session.code") for r in rows[:-1]],
                "total": _unprefixed(rows[-1], *WHO_COLUMNS)})
        return {"format_version": 1, "sessions": sessions}

    # -- everything, nested ----------------------------------------------------------------
    def as_json(self) -> dict[str, Any]:
        """Sessions, their participants, and per participant every app round and page."""
        return {"format_version": 1,
                "sessions": [self._session_json(session) for session in self.sessions],
                "shared_data": self.shared.as_json()}

    def _session_json(self, session: SessionSnapshot) -> dict[str, Any]:
        out = _unprefixed(session_cells(session))
        out["params"], out["vars"] = _parse_json(out["params"]), _parse_json(out["vars"])
        visits: dict[int, list[Row]] = {}
        for person, visit in _visits_in_order(session):
            visits.setdefault(person["id"], []).append(timing_cells(session, visit))
        out["participants"] = []
        for person in session.participants:
            entry = _unprefixed(participant_cells(session, person))
            entry["vars"] = _parse_json(entry["vars"])
            entry["apps"] = {}
            for app in session.apps:
                entry["apps"][app] = [
                    {"round_number": round_number,
                     **{kind: {c.name: c.value(records[kind]) for c in kind_columns}
                        for kind, kind_columns in self.layouts[app].kinds()}}
                    for round_number, records in self._rounds(session, app, person["id"])]
            entry["page_timings"] = visits.get(person["id"], [])
            out["participants"].append(entry)
        return out

    def _rounds(self, session: SessionSnapshot, app: str, participant_id: int
                ) -> list[tuple[int, dict[str, Row | None]]]:
        return [(n, session.records(app, participant_id, n))
                for n in range(1, self.layouts[app].num_rounds + 1)]


def load_results(store: Store, project: Project, session_codes: list[str],
                 progress: Progress | None = None, total: int | None = None) -> Results:
    """Read the sessions, in the order given, and the column layout of each of their apps."""
    sessions = []
    for done, code in enumerate(session_codes, start=1):
        sessions.append(read_session(store, project, code))
        if progress:
            progress(f"read session {code}", done, total or len(session_codes))
    layouts: dict[str, AppLayout] = {}
    with store.reading():
        for session in sessions:
            for app in session.apps:
                if app not in layouts:
                    layouts[app] = app_layout(store, project.apps[app])
    shared = read_shared(store, {s.session_type.batch_name for s in sessions},
                         {s.code for s in sessions},
                         {p["code"] for s in sessions for p in s.participants})
    return Results(project, sessions, layouts, shared)


# -- cells -----------------------------------------------------------------------------------


def who_cells(session: SessionSnapshot, person: Row) -> Row:
    return {"session.code": session.code, "participant.id_in_session": person["id_in_session"],
            "participant.code": person["code"], "participant.label": person["label"]}


def participant_cells(session: SessionSnapshot, person: Row) -> Row:
    payment = session.payments[person["id"]]
    return {
        "participant.id_in_session": person["id_in_session"], "participant.code": person["code"],
        "participant.label": person["label"], "participant.started_at": person["started_at"],
        "participant.finished_at": person["finished_at"],
        "participant.consent": person.get("consent"),
        "participant.consent_at": person.get("consent_at"), "participant.bonus": payment.bonus,
        "participant.payment": payment.total,
        "participant.payment_formatted": payment.shown(payment.total),
        "participant.vars": vars_codec.plain(person["vars"]),
        "participant.completion_code": person.get("completion_code"),
    }


def session_cells(session: SessionSnapshot) -> Row:
    row, session_type = session.row, session.session_type
    return {
        "session.code": row["code"], "session.session_type": row["session_type"],
        "session.label": row.get("label"), "session.room": row.get("room"),
        "session.created_at": row["created_at"],
        "session.num_participants": row["num_participants"],
        "session.currency": session_type.currency, "session.fixed_pay": session_type.fixed_pay,
        "session.params": vars_codec.plain(row["params"]),
        "session.vars": vars_codec.plain(row.get("vars")),
    }


def declared_columns(owner: str, declared: dict[str, Declared]) -> list[str]:
    """A column per field declared in sessions.py (``PARTICIPANT_FIELDS``/``SESSION_FIELDS``)."""
    return [f"{owner}.{name}" for name in declared[owner]]


def declared_cells(owner: str, declared: dict[str, Declared], row: Row) -> Row:
    """The declared fields' values from the row's ``vars``, which then leaves them out: each
    value is in one column."""
    fields = declared[owner]
    if not fields:
        return {}
    kept = _parse_json(row[f"{owner}.vars"])
    if not isinstance(kept, dict):
        return {}
    cells = {f"{owner}.{name}": _cell(read_declared(field, kept.pop(name, None)))
             for name, field in fields.items()}
    cells[f"{owner}.vars"] = json.dumps(kept, sort_keys=True)
    return cells


def _cell(value: Any) -> Any:
    """An untyped declared field's list or dict is written as the JSON it is stored as."""
    return json.dumps(value, sort_keys=True) if isinstance(value, (list, dict)) else value


def timing_cells(session: SessionSnapshot, visit: Row) -> Row:
    return {"step": visit["step"], "app": visit["app"], "round_number": visit["round_number"],
            "page": visit["page"], "is_wait_page": session.is_wait_page(visit["step"]),
            "arrived_at": visit["arrived_at"], "submitted_at": visit["submitted_at"],
            "seconds": visit["seconds"],
            "timed_out": None if visit["timed_out"] is None else bool(visit["timed_out"]),
            "decided_by": visit.get("decided_by")}


def amount_cells(session: SessionSnapshot, payments: list[Payment]) -> Row:
    """Fixed pay, bonus and total of one participant, or summed over several (a total row).

    ``bonus`` is money (minor units); ``bonus_points`` the points it was converted from, when
    the session type pays points; ``paid`` the total rounded up as the session type declares.
    """
    session_type = session.session_type
    currency = session_type.currency
    fixed = sum(p.fixed_pay for p in payments)
    bonus = sum(p.bonus_money for p in payments)
    total = sum(p.total for p in payments)
    paid = sum(p.paid for p in payments)
    return {"currency": currency, "fixed_pay": fixed,
            "bonus_points": sum(p.bonus for p in payments) if session_type.pays_points
            else None, "bonus": bonus, "total": total, "paid": paid,
            "fixed_pay_formatted": format_money(fixed, currency),
            "bonus_formatted": format_money(bonus, currency),
            "total_formatted": format_money(total, currency),
            "paid_formatted": format_money(paid, currency)}


def _visits_in_order(session: SessionSnapshot) -> list[tuple[Row, Row]]:
    """(participant, visit) pairs by participant number, then step."""
    people = {p["id"]: p for p in session.participants}
    pairs = [(people[v["participant_id"]], v) for v in session.visits
             if v["participant_id"] in people]
    return sorted(pairs, key=lambda pair: (pair[0]["id_in_session"], pair[1]["step"]))


def _unprefixed(row: Row, *leave_out: str) -> Row:
    """``participant.code`` -> ``code``: the keys of a nested JSON object."""
    return {name.split(".", 1)[-1]: value for name, value in row.items()
            if name not in leave_out}


def _parse_json(text: str) -> Any:
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        return text
