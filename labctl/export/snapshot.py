"""What an export reads: one session's rows, in one go, and each app's columns.

A session is read under the store's read lock, so an export taken while the lab server runs is
a consistent snapshot and never sees half of a page submit. Values are read back as the field
types declare them (booleans, exact decimals), and the columns of each app come from its
declarations plus whatever columns the database still holds for fields removed since.
"""

from __future__ import annotations

import decimal
from dataclasses import dataclass
from typing import Any

from .. import fields
from ..app import AppSpec
from ..engine.flow import Step, build_steps
from ..engine.payment import Payment, payment_of
from ..engine.store import Store
from ..errors import LabctlError
from ..fields import Field
from ..project import Project
from ..records import BUILTIN_COLUMNS, KINDS
from ..session_type import SessionType

Row = dict[str, Any]

#: columns the engine keeps in any app table; every other column is a field
_ENGINE_COLUMNS = frozenset(name for columns in BUILTIN_COLUMNS.values() for name in columns)
#: the engine's columns an export shows, per record kind, before the fields
_SHOWN_ENGINE_COLUMNS = {"player": ["id_in_group", "role"], "group": ["id_in_subsession"],
                         "subsession": []}


@dataclass(frozen=True)
class Column:
    """A column of an app table, read back as its field's type."""

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
class AppLayout:
    """An app's columns per record kind, in the order every export shows them."""

    name: str
    num_rounds: int
    columns: dict[str, list[Column]]

    def kinds(self) -> list[tuple[str, list[Column]]]:
        return [(kind, self.columns[kind]) for kind in KINDS]


def app_layout(store: Store, spec: AppSpec) -> AppLayout:
    """Engine columns, then declared fields in declaration order, then leftover columns."""
    columns: dict[str, list[Column]] = {}
    for kind, model in spec.record_classes():
        declared = model.declared_fields()
        found = [Column(name) for name in _SHOWN_ENGINE_COLUMNS[kind]]
        found += [Column(name, field) for name, field in declared.items()]
        found += [Column(name) for name in store.app_columns(spec.name, kind)
                  if name not in _ENGINE_COLUMNS and name not in declared]
        columns[kind] = found
    return AppLayout(spec.name, spec.num_rounds, columns)


@dataclass
class SessionSnapshot:
    """Everything stored about one session."""

    row: Row
    session_type: SessionType
    participants: list[Row]
    #: app -> (participant id, round) -> player row
    players: dict[str, dict[tuple[int, int], Row]]
    #: app -> group id -> group row
    groups: dict[str, dict[int, Row]]
    #: app -> round -> subsession row
    subsessions: dict[str, dict[int, Row]]
    #: page visits ordered by participant and step
    visits: list[Row]
    steps: list[Step]
    #: participant id -> payment
    payments: dict[int, Payment]

    @property
    def code(self) -> str:
        return str(self.row["code"])

    @property
    def apps(self) -> list[str]:
        return list(self.session_type.app_sequence)

    def records(self, app: str, participant_id: int, round_number: int
                ) -> dict[str, Row | None]:
        """A participant's player, group and subsession rows in one app round."""
        player = self.players.get(app, {}).get((participant_id, round_number))
        group_id = player.get("group_id") if player else None
        return {"player": player,
                "group": self.groups.get(app, {}).get(group_id) if group_id else None,
                "subsession": self.subsessions.get(app, {}).get(round_number)}

    def is_wait_page(self, step: int) -> bool | None:
        """Whether a visited step is a wait page (unknown if the app has changed since)."""
        return self.steps[step].is_wait if 0 <= step < len(self.steps) else None


def read_session(store: Store, project: Project, code: str) -> SessionSnapshot:
    with store.reading():
        row = store.session_row(code)
        if row is None:
            raise LabctlError(f"no session '{code}' in {store.location}",
                              "`labctl sessions` lists the sessions it holds")
        session_type = session_type_of(project, row)
        participants = store.participants_of(code)
        players: dict[str, dict[tuple[int, int], Row]] = {}
        groups: dict[str, dict[int, Row]] = {}
        subsessions: dict[str, dict[int, Row]] = {}
        for app in session_type.app_sequence:
            players[app] = {(r["participant_id"], r["round_number"]): r
                            for r in store.app_rows(app, "player", code)}
            groups[app] = {r["id"]: r for r in store.app_rows(app, "group", code)}
            subsessions[app] = {r["round_number"]: r
                                for r in store.app_rows(app, "subsession", code)}
        visits = store.session_visits(code)
    steps = build_steps(project, session_type)
    payments = {p["id"]: payment_of(session_type, p, len(steps)) for p in participants}
    return SessionSnapshot(row, session_type, participants, players, groups, subsessions,
                           visits, steps, payments)


def session_type_of(project: Project, row: Row) -> SessionType:
    """The session's type as the project declares it now, with every app it needs loaded."""
    if row["session_type"] not in [st.name for st in project.session_types]:
        raise LabctlError(f"session '{row['code']}' was run with session type "
                          f"'{row['session_type']}', which {project.sessions_file} no longer "
                          "declares", "restore it in sessions.py to export this session")
    session_type = project.session_type(row["session_type"])
    for app in session_type.app_sequence:
        if app not in project.apps:
            raise LabctlError(f"app '{app}' of session '{row['code']}' could not be loaded "
                              f"from {project.root}", "run `labctl validate` and fix it")
    return session_type
