"""Exporting results: a wide table, a tidy table per app, page timings, payments, and JSON.

A pure library over a ``Store`` and a loaded ``Project`` (no Flask, no rich), so that
``labctl export`` and the admin's downloads give the same bytes::

    results = load_results(store, project, ["a1b2c3d4"])
    results.wide()            # Table: a row per participant
    results.app_table("trust")  # Table: a row per player per round
    write_results(store, project, "export", ["a1b2c3d4"], fmt="csv")

The choices are made for the programs researchers open these files with, Excel, R and pandas:

- CSV is UTF-8 with a byte-order mark (without it Excel shows accents as mojibake), quoted by
  the csv module where needed, with CRLF line ends (RFC 4180);
- a text cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a
  leading ``'``, so that a spreadsheet shows a participant's answer instead of running it as a
  formula (CSV injection). Numbers are never changed, and JSON is never escaped;
- booleans are ``1``/``0`` in CSV (as SQLite stores them, read as numbers everywhere) and
  ``true``/``false`` in JSON; decimals are their exact text (a string in JSON); amounts are
  integers in minor units, or points; a missing value is an empty cell (``null`` in JSON);
  times are ISO 8601 in UTC, as stored;
- columns come in a stable order: participant, session, then each app in the session type's
  ``app_sequence``, rounds ascending, player fields in declaration order, then group and
  subsession fields. Columns the database keeps for fields no longer declared follow the
  declared ones, so no answer is ever left out of an export.

Modules: ``snapshot`` reads a session, ``tables`` builds the tables, ``files`` writes them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..project import Project, load_project
from ..storage.database import database_path, open_database, select_sessions
from ..storage.sqlite import SqliteStore
from .files import (
    FORMATS,
    FORMULA_STARTS,
    PAYMENTS_FILE,
    PAYMENTS_JSON,
    RESULTS_JSON,
    TIMINGS_FILE,
    WIDE_FILE,
    app_file_name,
    csv_bytes,
    csv_cell,
    json_bytes,
    results_archive_files,
    table_json,
    write_payments,
    write_results,
)
from .tables import (
    PARTICIPANT_COLUMNS,
    PAYMENT_COLUMNS,
    SESSION_COLUMNS,
    TIMING_COLUMNS,
    TOTAL_LABEL,
    Progress,
    Results,
    Table,
    load_results,
)

__all__ = [
    "FORMATS", "FORMULA_STARTS", "PARTICIPANT_COLUMNS", "PAYMENTS_FILE", "PAYMENTS_JSON",
    "PAYMENT_COLUMNS", "RESULTS_JSON", "SESSION_COLUMNS", "TIMINGS_FILE", "TIMING_COLUMNS",
    "TOTAL_LABEL", "WIDE_FILE", "Progress", "Results", "Table", "app_file_name", "csv_bytes",
    "csv_cell", "export_payments", "export_results", "json_bytes", "load_results", "opened",
    "results_archive_files", "table_json", "write_payments", "write_results",
]


@contextmanager
def opened(project_dir: str | Path, db: str | Path | None = None
           ) -> Iterator[tuple[SqliteStore, Project]]:
    """The project and its existing database (``--db``, or ``labctl.db`` in the project),
    closed and unloaded afterwards."""
    project = load_project(project_dir)
    try:
        store = open_database(database_path(project_dir, db))
        try:
            yield store, project
        finally:
            store.close()
    finally:
        project.unload()


def export_results(project_dir: str | Path, db: str | Path | None, out_dir: str | Path,
                   session_codes: list[str] | None = None, all_sessions: bool = False,
                   fmt: str = "csv", progress: Progress | None = None) -> list[Path]:
    """``labctl export results``: the selected sessions (default: all) into ``out_dir``."""
    with opened(project_dir, db) as (store, project):
        codes = select_sessions(store, session_codes or [], all_sessions)
        return write_results(store, project, out_dir, codes, fmt, progress)


def export_payments(project_dir: str | Path, db: str | Path | None, out_dir: str | Path,
                    session_codes: list[str] | None = None, all_sessions: bool = False,
                    fmt: str = "csv", progress: Progress | None = None,
                    include_never_started: bool = False) -> tuple[list[Path], Table]:
    """``labctl export payments``: the payments sheet; returns the files and the table."""
    with opened(project_dir, db) as (store, project):
        codes = select_sessions(store, session_codes or [], all_sessions)
        return write_payments(store, project, out_dir, codes, fmt, progress,
                              include_never_started)
