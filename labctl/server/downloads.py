"""The admin's downloads of a session's data: the same files as ``labctl export``.

``/admin/sessions/<code>/export/<kind>.<fmt>``, behind the admin password:

| kind | formats | what |
|-|-|-|
| ``wide`` | csv, json | a row per participant (``results_wide.csv``) |
| ``app-<name>`` | csv, json | an app's tidy table: a row per player per round |
| ``apps`` | zip | every app's tidy table as CSV |
| ``timings`` | csv, json | a row per page visit (``page_timings.csv``) |
| ``payments`` | csv, json | fixed pay, bonus and total per participant, with the total |
| ``results`` | json, zip | everything nested (``results.json``), or every CSV in a zip |
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable

from flask import Blueprint, Response, abort

from ..export import (
    PAYMENTS_FILE,
    TIMINGS_FILE,
    WIDE_FILE,
    Results,
    app_file_name,
    csv_bytes,
    json_bytes,
    load_results,
    table_json,
)
from ..export.live_messages import LIVE_FILE, live_table
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
    results = load_results(engine().store, engine().project, [session_code])
    make = _maker(results, kind, fmt)
    if (kind, fmt) == ("results", "zip"):
        make = _with_live_messages(results, session_code)
    if make is None:
        abort(404)
    return Response(make(), content_type=CONTENT_TYPES[fmt], headers={
        "Content-Disposition": f'attachment; filename="{session_code}_{kind}.{fmt}"',
        "Cache-Control": "no-store"})


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
        ("results", "json"): lambda: json_bytes(results.as_json()),
        ("apps", "zip"): lambda: _zip(_app_files(results)),
    }
    return makers.get((kind, fmt))


def _with_live_messages(results: Results, session_code: str) -> Callable[[], bytes]:
    """results.zip: every CSV ``labctl export results`` writes, ``live_messages.csv`` too."""
    store = engine().store
    return lambda: _zip({
        WIDE_FILE: csv_bytes(results.wide()), **_app_files(results),
        TIMINGS_FILE: csv_bytes(results.page_timings()),
        PAYMENTS_FILE: csv_bytes(results.payments()),
        **{name: csv_bytes(table) for name, table in results.shared_tables().items()},
        LIVE_FILE: csv_bytes(live_table(store, [session_code]))})


def _app_files(results: Results) -> dict[str, bytes]:
    return {app_file_name(app): csv_bytes(results.app_table(app)) for app in results.apps}


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()
