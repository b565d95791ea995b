"""The admin's downloads of a session's data: the same files as ``labctl export``.

``/admin/sessions/<code>/export/<kind>.<fmt>``, behind the admin password:

| kind | formats | what |
|-|-|-|
| ``wide`` | csv, json | a row per participant (``results_wide.csv``) |
| ``app-<name>`` | csv, json | an app's tidy table: a row per player per round |
| ``apps`` | zip | every app's tidy table as CSV |
| ``timings`` | csv, json | a row per page visit (``page_timings.csv``) |
| ``payments`` | csv, json | fixed pay, bonus and total per participant, with the total |
| ``payments-orsee``, ``payments-sona`` | csv | the recruitment systems' files |
| ``custom-<app>[-<name>]`` | csv | the app's ``custom_export[_<name>](players)`` |
| ``results`` | json, zip | everything nested (``results.json``), or every CSV and the
  codebook in a zip |
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable

from flask import Blueprint, Response, abort

from ..export import (
    Results,
    app_file_name,
    csv_bytes,
    json_bytes,
    load_results,
    results_archive_files,
    table_json,
)
from ..export.custom import custom_export_files, custom_rows, download_kind
from ..export.files import rows_csv_bytes
from ..export.recruitment import orsee_table, sona_table
from .admin import requires_admin
from .current import engine

bp = Blueprint("downloads", __name__, url_prefix="/admin")

CONTENT_TYPES = {"csv": "text/csv; charset=utf-8", "json": "application/json",
             "zip": "application/zip"}
#: the download kinds of one app's table: ``app-<name>``
APP_TABLE_KIND_PREFIX = "app-"


@bp.get("/sessions/<session_code>/export/<kind>.<fmt>")
@requires_admin
def download(session_code: str, kind: str, fmt: str) -> Response:
    if not engine().has_session(session_code):
        abort(404)
    response = file_response(session_code, kind, fmt)
    if response is None:
        abort(404)
    return response


def file_response(session_code: str, kind: str, fmt: str) -> Response | None:
    """A session's file of this kind and format as an attachment (the admin's downloads and
    the API's exports), or None when there is no such file."""
    results = load_results(engine().store, engine().project, [session_code])
    make = _custom_maker(results, session_code, kind) if fmt == "csv" else None
    make = make or _maker(results, kind, fmt)
    if make is None:
        return None
    return Response(make(), content_type=CONTENT_TYPES[fmt], headers={
        "Content-Disposition": f'attachment; filename="{session_code}_{kind}.{fmt}"',
        "Cache-Control": "no-store"})


def _custom_maker(results: Results, session_code: str, kind: str
                  ) -> Callable[[], bytes] | None:
    """A custom export's CSV of this session, or None when the kind names none."""
    for file, (app, function) in custom_export_files(results.project, results.apps).items():
        if download_kind(file) == kind:
            return lambda: rows_csv_bytes(*custom_rows(engine().store, results.project, app,
                                                       function, [session_code]))
    return None


def _maker(results: Results, kind: str, fmt: str) -> Callable[[], bytes] | None:
    """How to make the file of this kind and format, or None when there is no such file."""
    if kind.startswith(APP_TABLE_KIND_PREFIX):
        app = kind.removeprefix(APP_TABLE_KIND_PREFIX)
        if app not in results.apps:
            return None
        return {"csv": lambda: csv_bytes(results.app_table(app)),
                "json": lambda: json_bytes(table_json(results.app_table(app)))}.get(fmt)
    makers: dict[tuple[str, str], Callable[[], bytes]] = {
        ("wide", "csv"): lambda: csv_bytes(results.wide()),
        ("wide", "json"): lambda: json_bytes(table_json(results.wide())),
        ("timings", "csv"): lambda: csv_bytes(results.page_timings()),
        ("timings", "json"): lambda: json_bytes(table_json(results.page_timings())),
        ("payments", "csv"): lambda: csv_bytes(results.payments()),
        ("payments", "json"): lambda: json_bytes(results.payments_json()),
        ("payments-orsee", "csv"): lambda: csv_bytes(orsee_table(results.payments())),
        ("payments-sona", "csv"): lambda: csv_bytes(sona_table(results.payments())),
        ("results", "json"): lambda: json_bytes(results.as_json()),
        ("apps", "zip"): lambda: _zip(_app_files(results)),
        ("results", "zip"): lambda: _zip(results_archive_files(engine().store, results)),
    }
    return makers.get((kind, fmt))


def _app_files(results: Results) -> dict[str, bytes]:
    return {app_file_name(app): csv_bytes(results.app_table(app)) for app in results.apps}


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()
