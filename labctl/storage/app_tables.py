"""One typed table per app and record kind: ``trust_player``, ``trust_group``, ...

The columns are the app's declared fields with SQL types from the field types, so the database
reads as it is in sqlite-utils or datasette. New fields become new columns; removed fields keep
their column (and their data).
"""

from __future__ import annotations

from sqlite_utils import Database

from ..app import AppSpec
from ..records import BUILTIN_COLUMNS

_SQL_TO_PYTHON = {"INTEGER": int, "TEXT": str, "REAL": float}


def table_name(app: str, kind: str) -> str:
    """The table of an app's records of one kind: ``trust_player``. Nothing else spells it."""
    return f"{app}_{kind}"


def sync(db: Database, spec: AppSpec) -> None:
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
        existing = set(table.columns_dict)
        for name, column_type in columns.items():
            if name not in existing:
                table.add_column(name, column_type)
