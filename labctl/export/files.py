"""Writing tables as files: CSV cells for spreadsheets, JSON, and the files of an export.

``csv_bytes`` and ``json_bytes`` are what the admin's downloads send, so a downloaded file and
one written by ``labctl export`` are the same bytes.
"""

from __future__ import annotations

import contextlib
import csv
import decimal
import io
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..engine.store import Store
from ..errors import LabctlError
from ..project import Project
from .snapshot import Row, session_type_of
from .tables import Progress, Table, load_results

FORMATS = ("csv", "json")
#: first characters that make a spreadsheet evaluate a cell (OWASP's list for CSV injection)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
WIDE_FILE, TIMINGS_FILE, RESULTS_JSON = "results_wide.csv", "page_timings.csv", "results.json"
PAYMENTS_FILE, PAYMENTS_JSON = "payments.csv", "payments.json"
_TAKEN_STEMS = {"results_wide", "page_timings", "payments", "results"}


# -- encoding --------------------------------------------------------------------------------


def csv_cell(value: Any) -> str:
    """One CSV cell: ``1``/``0`` for booleans, exact numbers, formulas defused.

    A text cell starting with ``= + - @``, a tab or a carriage return gets a leading ``'``:
    spreadsheets then show it as text rather than run it. Numbers are never changed, so a
    negative amount stays a number.
    """
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
    """The table as a CSV file: UTF-8 with a byte-order mark, so Excel reads accents."""
    return csv_text(table).encode("utf-8-sig")


def _json_default(value: Any) -> Any:
    if isinstance(value, decimal.Decimal):
        return str(value)
    raise TypeError(f"cannot export {type(value).__name__} to JSON")


def json_bytes(data: Any) -> bytes:
    """Indented JSON in UTF-8 (no byte-order mark: JSON parsers do not expect one)."""
    text = json.dumps(data, ensure_ascii=False, indent=2, default=_json_default)
    return (text + "\n").encode("utf-8")


def table_json(table: Table) -> list[Row]:
    """A table as a list of objects with every column (``null`` where a cell is empty)."""
    return [{column: row.get(column) for column in table.columns} for row in table.rows]


# -- the files of an export ------------------------------------------------------------------


def app_file_name(app: str) -> str:
    """``<app>.csv``; an app named like another file of the export gets ``<app>.app.csv``
    (app names hold no dot, so that name is never another app's)."""
    return f"{app}.app.csv" if app in _TAKEN_STEMS else f"{app}.csv"


def check_format(fmt: str) -> None:
    if fmt not in FORMATS:
        raise LabctlError(f"unknown format '{fmt}'", "use csv or json")


def write_results(store: Store, project: Project, out_dir: str | Path,
                  session_codes: list[str], fmt: str = "csv",
                  progress: Progress | None = None) -> list[Path]:
    """Write the results of the sessions into ``out_dir``: ``results_wide.csv``, a CSV per
    app and ``page_timings.csv``; or, with fmt json, all of it nested in ``results.json``."""
    check_format(fmt)
    out = _out_dir(out_dir)
    files = 1 if fmt == "json" else 7 + len(_apps_of(store, project, session_codes))
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
        jobs += [(name, lambda table=table: csv_bytes(table))
                 for name, table in results.shared_tables().items()]
    written: list[Path] = []
    for name, make in jobs:
        written.append(_write(out / name, make()))
        if progress:
            progress(f"wrote {name}", len(session_codes) + len(written), total)
    return written


def write_payments(store: Store, project: Project, out_dir: str | Path,
                   session_codes: list[str], fmt: str = "csv",
                   progress: Progress | None = None) -> tuple[list[Path], Table]:
    """Write ``payments.csv`` (and with fmt json also ``payments.json``) into ``out_dir``.

    Returns the files and the payments table, for the caller to show.
    """
    check_format(fmt)
    out = _out_dir(out_dir)
    total = len(session_codes) + 1
    results = load_results(store, project, session_codes, progress, total)
    table = results.payments()
    written = [_write(out / PAYMENTS_FILE, csv_bytes(table))]
    if fmt == "json":
        written.append(_write(out / PAYMENTS_JSON, json_bytes(results.payments_json())))
    if progress:
        progress("wrote payments", total, total)
    return written, table


def _apps_of(store: Store, project: Project, session_codes: list[str]) -> set[str]:
    """The apps the sessions went through (and, before reading anything, that each loads)."""
    with store.reading():
        rows = {row["code"]: row for row in store.session_rows()}
    return {app for code in session_codes if code in rows
            for app in session_type_of(project, rows[code]).app_sequence}


def _out_dir(out_dir: str | Path) -> Path:
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise LabctlError(f"cannot create the folder {out}: {exc.strerror or exc}",
                          "give another folder with --out") from exc
    return out


def _write(path: Path, data: bytes) -> Path:
    """Write through a temporary file, so a failed export never leaves half a file behind."""
    partial = path.with_name(path.name + ".partial")
    try:
        partial.write_bytes(data)
        os.replace(partial, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)
        raise LabctlError(f"cannot write {path}: {exc.strerror or exc}",
                          "check that the folder is writable and the disk is not full"
                          ) from exc
    return path
