"""One typed table per app and record kind: ``trust_player``, ``trust_group``, ...

The columns are the app's declared fields with SQL types from the field types, so the database
reads as it is in sqlite-utils or datasette. New fields become new columns; removed fields keep
their column (and their data).
"""

from __future__ import annotations

from sqlite_utils import Database

from ..app import AppSpec

KINDS = ("subsession", "group", "player")

_BUILTIN_COLUMNS: dict[str, dict[str, type]] = {
    "subsession": {"id": int, "session_code": str, "round_number": int},
    "group": {"id": int, "session_code": str, "round_number": int, "subsession_id": int,
              "id_in_subsession": int},
    "player": {"id": int, "session_code": str, "round_number": int, "subsession_id": int,
               "group_id": int, "participant_id": int, "participant_code": str,
               "id_in_group": int, "role": str},
}
_SQL_TO_PYTHON = {"INTEGER": int, "TEXT": str, "REAL": float}


def table_name(app: str, kind: str) -> str:
    return f"{app}_{kind}"


def sync(db: Database, spec: AppSpec) -> None:
    """Create the app's tables, or add columns for fields declared since they were made."""
    models = {"subsession": spec.subsession_class, "group": spec.group_class,
              "player": spec.player_class}
    for kind in KINDS:
        columns: dict[str, type] = dict(_BUILTIN_COLUMNS[kind])
        for name, field in models[kind].declared_fields().items():
            columns[name] = _SQL_TO_PYTHON[field.sql_type]
        table = db[table_name(spec.name, kind)]
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
