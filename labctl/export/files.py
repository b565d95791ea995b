"""Writing tables as files: CSV cells for spreadsheets, JSON, and the files of an export.

``csv_bytes`` and ``json_bytes`` are what the admin's downloads send, so a downloaded file and
one written by ``labctl export`` are the same bytes.
"""

from __future__ import annotations

import contextlib
import decimal
import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..engine.store import Store
from ..errors import LabctlError
from ..extra_records import extra_record_classes
from ..project import Project
from .codebook import (
    CODEBOOK_CSV,
    CODEBOOK_MARKDOWN,
    codebook,
    codebook_markdown,
    extra_field_columns,
)
from .custom import custom_export_files, custom_rows
from .experimenter_chat import CHAT_FILE, chat_table
from .extra import ExtraLayout, extra_layouts, extra_table
from .live_messages import LIVE_FILE, live_table
from .recruitment import ORSEE_FILE, SONA_FILE, orsee_table, sona_table
from .snapshot import Row, session_type_of
from .tables import Progress, Results, Table, load_results

FORMATS = ("csv", "json")
#: first characters that make a spreadsheet evaluate a cell (OWASP's list for CSV injection)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: characters a spreadsheet may split a line on: a file opened in a ";" locale (German, French,
#: Dutch Excel) or as tab-separated is cut at characters that are not this file's separator
SEPARATORS = (",", ";", "\t", "\r", "\n")
_SEPARATOR, _FORMULA = (f"[{re.escape(''.join(chars))}]" for chars in (SEPARATORS,
                                                                         FORMULA_STARTS))
#: where a spreadsheet may start a cell (the start of a text, or after any separator), followed
#: by quotes and apostrophes (which a misread quote or our own prefix leaves in front) and a
#: formula start
_EXPOSED = re.compile(f"(^|{_SEPARATOR})(?=[\"']*{_FORMULA})")
#: the inverse of ``defused``: an apostrophe where ``defused`` puts one
_DEFUSED = re.compile(f"(^|{_SEPARATOR})'(?=[\"']*{_FORMULA})")
WIDE_FILE, TIMINGS_FILE, RESULTS_JSON = "results_wide.csv", "page_timings.csv", "results.json"
PAYMENTS_FILE, PAYMENTS_JSON = "payments.csv", "payments.json"
#: files of a results export that ``results.json`` does not nest: written as CSV either way
NOT_IN_RESULTS_JSON = frozenset({"live_messages.csv", "experimenter_chat.csv"})
_TAKEN_STEMS = {"results_wide", "page_timings", "payments", "payments_orsee", "payments_sona",
                "results", "codebook"}


# -- encoding --------------------------------------------------------------------------------


def defused(text: str) -> str:
    """``text`` with an apostrophe wherever a spreadsheet could start a formula.

    Quoting alone is not enough: Excel in a ";" locale opens a comma-separated file by cutting
    lines at ";" (and a tab-separated reading at tabs), so ``x;=cmd|...`` would become a cell
    ``=cmd|...``. An apostrophe goes at the start and after every comma, semicolon, tab and
    line break that is followed (after any quotes or apostrophes) by ``= + - @``, a tab or a
    carriage return; every such cell then starts with ``'`` and is shown as text. The rule
    also applies to apostrophes already there, so ``undefused`` gets the exact text back.
    """
    return _EXPOSED.sub(r"\1'", text)


def undefused(text: str) -> str:
    """The text ``defused`` was given: what an analyst gets back (README: Exporting data)."""
    return _DEFUSED.sub(r"\1", text)


def csv_cell(value: Any) -> str:
    """What a CSV cell reads: ``1``/``0`` for booleans, exact numbers, text ``defused``.

    Numbers are never changed, so a negative amount stays a number.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (int, decimal.Decimal)):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    return defused(str(value))


def csv_field(value: Any) -> str:
    """A cell as written in the file: every text cell in double quotes, numbers bare.

    Quoting every text (not only those holding a comma, as the csv module does) keeps a
    semicolon or tab in an answer inside its cell for a spreadsheet that splits on it.
    """
    cell = csv_cell(value)
    if value is None or isinstance(value, (bool, int, float, decimal.Decimal)):
        return cell
    return '"' + cell.replace('"', '""') + '"'


def csv_text(table: Table) -> str:
    """RFC 4180 lines ending in CRLF; quoted text may hold line breaks."""
    lines = [",".join(csv_field(column) for column in table.columns)]
    lines += [",".join(csv_field(row.get(column)) for column in table.columns)
              for row in table.rows]
    return "".join(line + "\r\n" for line in lines)


def rows_csv_bytes(header: list[str], rows: list[list[Any]]) -> bytes:
    """Rows as a CSV file written like every table (a custom export's header may repeat a
    name, so its rows are lists, not a ``Table``'s dicts)."""
    lines = [",".join(csv_field(cell) for cell in row) for row in [header, *rows]]
    return "".join(line + "\r\n" for line in lines).encode("utf-8-sig")


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
    app, ``page_timings.csv``, the shared-data tables and ``live_messages.csv``, or with fmt
    json all of it but the live messages nested in ``results.json`` (they are a CSV either
    way); then a CSV per extra record class and custom export, and the codebook of every
    file."""
    check_format(fmt)
    out = _out_dir(out_dir)
    apps = [app for app in project.apps if app in _apps_of(store, project, session_codes)]
    side = len(custom_export_files(project, apps)) + sum(
        len(extra_record_classes(project.apps[app])) for app in apps)
    files = (5 if fmt == "json" else 11 + len(apps)) + side
    total = len(session_codes) + files
    results = load_results(store, project, session_codes, progress, total)
    tables = _result_tables(results, store)
    written: list[Path] = []
    columns: dict[str, list[str]] = {}

    def wrote(path: Path) -> None:
        written.append(path)
        if progress:
            progress(f"wrote {path.name}", len(session_codes) + len(written), total)

    if fmt == "json":
        wrote(_write(out / RESULTS_JSON, json_bytes(results.as_json())))
    for name, make in tables.items():
        if fmt == "json" and name not in NOT_IN_RESULTS_JSON:
            continue
        table = make()
        columns[name] = table.columns
        wrote(_write(out / name, csv_bytes(table)))
    extra = _side_files(store, results)
    for name, data in extra.files.items():
        wrote(_write(out / name, data))
    for name, data in _codebook_files(results, tables, columns, extra).items():
        wrote(_write(out / name, data))
    return written


def results_archive_files(store: Store, results: Results) -> dict[str, bytes]:
    """Every CSV of a results export plus ``payments.csv``, the extra record and custom
    export files, and the codebook of all of them: the admin's and the API's
    ``results.zip``."""
    tables = _result_tables(results, store, with_payments=True)
    columns: dict[str, list[str]] = {}
    files: dict[str, bytes] = {}
    for name, make in tables.items():
        table = make()
        columns[name] = table.columns
        files[name] = csv_bytes(table)
    extra = _side_files(store, results)
    return {**files, **extra.files, **_codebook_files(results, tables, columns, extra)}


@dataclass
class SideFiles:
    """The files an app adds to an export: its extra record tables and custom exports."""

    files: dict[str, bytes] = field(default_factory=dict)
    columns: dict[str, list[str]] = field(default_factory=dict)
    layouts: list[ExtraLayout] = field(default_factory=list)
    #: custom export file -> its app
    custom: dict[str, str] = field(default_factory=dict)


def _side_files(store: Store, results: Results) -> SideFiles:
    side = SideFiles(layouts=extra_layouts(store, results))
    for layout in side.layouts:
        table = extra_table(store, results, layout)
        side.files[layout.file], side.columns[layout.file] = csv_bytes(table), table.columns
    codes = [session.code for session in results.sessions]
    for name, (app, function) in custom_export_files(results.project, results.apps).items():
        header, rows = custom_rows(store, results.project, app, function, codes)
        side.files[name], side.columns[name] = rows_csv_bytes(header, rows), header
        side.custom[name] = app
    return side


def _result_tables(results: Results, store: Store, with_payments: bool = False
                   ) -> dict[str, Callable[[], Table]]:
    """The CSV files of a results export, each made when it is written."""
    tables: dict[str, Callable[[], Table]] = {WIDE_FILE: results.wide}
    tables.update({app_file_name(app): lambda app=app: results.app_table(app)
                   for app in results.apps})
    tables[TIMINGS_FILE] = results.page_timings
    if with_payments:
        tables[PAYMENTS_FILE] = results.payments
    tables.update({name: lambda table=table: table
                   for name, table in results.shared_tables().items()})
    tables[LIVE_FILE] = lambda: live_table(store, [session.code for session in results.sessions])
    tables[CHAT_FILE] = lambda: chat_table(store, [session.code for session in results.sessions])
    return tables


def _codebook_files(results: Results, tables: dict[str, Callable[[], Table]],
                    columns: dict[str, list[str]], side: SideFiles) -> dict[str, bytes]:
    """The codebook's two files, from the columns of the files written (with json, of the
    same tables, which ``results.json`` nests under the same names), the app's own last."""
    app_files = {app_file_name(app): app for app in results.apps}
    columns = {**{name: make().columns for name, make in tables.items()
                  if name not in columns}, **columns}
    extra_fields = {layout.file: extra_field_columns(results, layout)
                    for layout in side.layouts}
    book = codebook(results, {**columns, **side.columns}, app_files, side.custom,
                    extra_fields)
    return {CODEBOOK_CSV: csv_bytes(book),
            CODEBOOK_MARKDOWN: codebook_markdown(book, app_files).encode("utf-8")}


def write_payments(store: Store, project: Project, out_dir: str | Path,
                   session_codes: list[str], fmt: str = "csv",
                   progress: Progress | None = None, include_never_started: bool = False
                   ) -> tuple[list[Path], Table]:
    """Write ``payments.csv`` and the recruitment system's files (``payments_orsee.csv``,
    ``payments_sona.csv``), and with fmt json also ``payments.json``, into ``out_dir``.

    Returns the files and the payments table, for the caller to show.
    """
    check_format(fmt)
    out = _out_dir(out_dir)
    total = len(session_codes) + 1
    results = load_results(store, project, session_codes, progress, total)
    table = results.payments(include_never_started)
    written = [_write(out / PAYMENTS_FILE, csv_bytes(table)),
               _write(out / ORSEE_FILE, csv_bytes(orsee_table(table))),
               _write(out / SONA_FILE, csv_bytes(sona_table(table)))]
    if fmt == "json":
        written.append(_write(out / PAYMENTS_JSON,
                              json_bytes(results.payments_json(include_never_started))))
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
