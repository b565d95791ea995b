"""The extra records part of an export: one tidy table per extra record class of each app.

``<app>.<record>.csv`` (e.g. ``effort.trial.csv``): a row per record, keyed to the session, the
participant (number, code, label; empty for a record linked to a group), the app, round and
group, then the record's id and declared fields in declaration order, then columns the table
keeps for fields removed since (no value is dropped).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..engine.store import Store
from ..extra_records import (
    ExtraRecord,
    engine_columns,
    extra_record_classes,
    link_id,
    record_kind,
    round_column,
)
from .snapshot import Column, Row
from .tables import WHO_COLUMNS, Results, Table

#: the columns before a record's fields
EXTRA_KEY_COLUMNS = [*WHO_COLUMNS, "app", "round_number", "group.id_in_subsession", "id"]


@dataclass(frozen=True)
class ExtraLayout:
    """One extra record class of an app, and the columns its table shows."""

    app: str
    cls: type[ExtraRecord]
    columns: list[Column]

    @property
    def kind(self) -> str:
        return record_kind(self.cls)

    @property
    def file(self) -> str:
        return f"{self.app}.{self.kind}.csv"


def extra_layouts(store: Store, results: Results) -> list[ExtraLayout]:
    """Every extra record class of the exported apps, with its declared and leftover columns."""
    layouts = []
    with store.reading():
        for app in results.apps:
            for cls in extra_record_classes(results.project.apps[app]):
                declared = cls.declared_fields()
                columns = [Column(name, field) for name, field in declared.items()]
                engine = set(engine_columns(cls))
                columns += [Column(link_id(link)) for link in cls._links
                            if link.kind == "record"]  # the linked record's id
                columns += [Column(name) for name in store.app_columns(app, record_kind(cls))
                            if name not in engine and name not in declared]
                layouts.append(ExtraLayout(app, cls, columns))
    return layouts


def extra_table(store: Store, results: Results, layout: ExtraLayout) -> Table:
    """A row per record of the class in the exported sessions, session by session."""
    rows: list[Row] = []
    for session in results.sessions:
        if layout.app not in session.apps:
            continue
        people = {p["id"]: p for p in session.participants}
        groups = session.groups.get(layout.app, {})
        with store.reading():
            stored = store.extra_rows(layout.app, layout.kind, {"session_code": session.code})
        for record in stored:
            person = people.get(record["participant_id"])
            group = groups.get(record["group_id"])
            rows.append({
                "session.code": session.code,
                "participant.id_in_session": person["id_in_session"] if person else None,
                "participant.code": person["code"] if person else None,
                "participant.label": person["label"] if person else None,
                "app": layout.app, round_column(layout.cls): record[round_column(layout.cls)],
                "group.id_in_subsession": group["id_in_subsession"] if group else None,
                "id": record["id"],
                **{column.name: column.value(record) for column in layout.columns}})
    return Table([*extra_key_columns(layout.cls), *(c.name for c in layout.columns)], rows)


def extra_key_columns(cls: type[ExtraRecord]) -> list[str]:
    """The columns before a record's fields in its class's file: the app's round is
    ``app_round_number`` for a class whose own field is called ``round_number``."""
    return [round_column(cls) if name == "round_number" else name
            for name in EXTRA_KEY_COLUMNS]
