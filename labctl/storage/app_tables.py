"""One typed table per app and record kind: ``trust_player``, ``trust_group``, ...

and one per extra record class the app declares (``effort_trial``, see ``extra_records``).

The columns are the app's declared fields with SQL types from the field types, so the database
reads as it is in sqlite-utils or datasette. The same code makes them on PostgreSQL
(``pg_schema.PgDatabase``). New fields become new columns; removed fields keep
their column (and their data).
"""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.db import Table

from ..app import AppSpec
from ..extra_records import ExtraRecord, engine_columns, extra_record_classes, record_kind
from ..records import BUILTIN_COLUMNS
from .pg_schema import PgDatabase, PgTable

_SQL_TO_PYTHON = {"INTEGER": int, "TEXT": str, "REAL": float}


def table_name(app: str, kind: str) -> str:
    """The table of an app's records of one kind: ``trust_player``. Nothing else spells it."""
    return f"{app}_{kind}"


def sync(db: Database | PgDatabase, spec: AppSpec) -> None:
    """Create the app's tables, or add columns for fields declared since they were made."""
    for kind, model in spec.record_classes():
        columns: dict[str, type] = dict(BUILTIN_COLUMNS[kind])
        for name, field in model.declared_fields().items():
            columns[name] = _SQL_TO_PYTHON[field.sql_type]
        table = db.table(table_name(spec.name, kind))
        if not table.exists():
            table.create(columns, pk="id")
            table.create_index(["session_code", "round_number"])
            if kind == "player":
                table.create_index(["participant_id", "round_number"], unique=True)
                table.create_index(["group_id"])
            continue
        _add_missing(table, columns)
    for cls in extra_record_classes(spec):
        _sync_extra(db, spec, cls)


def _sync_extra(db: Database | PgDatabase, spec: AppSpec, cls: type[ExtraRecord]) -> None:
    """An extra record class's table: the engine's keys, then the declared fields."""
    columns: dict[str, type] = engine_columns(cls)
    for name, field in cls.declared_fields().items():
        columns[name] = _SQL_TO_PYTHON[field.sql_type]
    table = db.table(table_name(spec.name, record_kind(cls)))
    if not table.exists():
        table.create(columns, pk="id")
        table.create_index(["session_code"])
        table.create_index(["player_id"])
        table.create_index(["group_id"])
        return
    _add_missing(table, columns)


def _add_missing(table: Table | PgTable, columns: dict[str, type]) -> None:
    """Columns for fields declared since the table was made (removed ones keep theirs)."""
    existing = set(table.columns_dict)
    for name, column_type in columns.items():
        if name not in existing:
            table.add_column(name, column_type)
