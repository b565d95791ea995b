"""The HTTP API for scripts: sessions, their progress, their exports and batch data, as JSON.

``/api/v1/...`` with ``Authorization: Bearer TOKEN`` (the token of ``labctl api-token``; never
a participant's code, never the admin's cookie, so no CSRF token either). Refused without the
token (401), limited per address (429 with ``Retry-After``), and every call, refused or not,
is logged (``api_calls``, shown in the admin at ``/admin/api-log``, and the ``labctl.api``
logger). Errors are JSON ``{"error": ..., "hint": ...}`` a script can print.

| method | path | what |
|-|-|-|
| GET | ``/api/v1/sessions`` | every session with its progress counts |
| POST | ``/api/v1/sessions`` | create one (``session_type``, ``num_participants``, ...) |
| GET | ``/api/v1/sessions/<code>`` | its status and every participant's progress |
| GET | ``/api/v1/sessions/<code>/export/<kind>.<fmt>`` | an admin download (``downloads``) |
| GET | ``/api/v1/batches/<batch>`` | a batch's data and version |
| PUT | ``/api/v1/batches/<batch>`` | replace it: ``{"version": N, "doc": ...}``; 409 if stale |
| GET | ``/api/v1/openapi.json`` | this description, as OpenAPI 3 (no token needed) |
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from typing import Any

from flask import Blueprint, Flask, Response, current_app, jsonify, render_template, request

from ..errors import LabctlError
from ..storage.api_tokens import ApiTokens
from ..storage.database import participant_counts
from . import downloads
from .admin import requires_admin
from .current import ENGINE, engine
from .openapi import OPENAPI

bp = Blueprint("api", __name__, url_prefix="/api/v1")
log = logging.getLogger("labctl.api")
#: ``app.extensions`` keys: the database's ``ApiTokens`` and the per-address rate limit
TOKENS, LIMIT = "labctl.api_tokens", "labctl.api_limit"
#: calls one address may make per window (a script polling a session's status every second
#: stays well below; a password guesser or a runaway loop does not)
CALLS_PER_WINDOW, WINDOW_SECONDS = 120, 60.0
#: the largest JSON body a call takes (a batch document, a session's labels)
MAX_JSON_BYTES = 256 * 1024


def register(app: Flask, tokens: ApiTokens | None = None) -> None:
    """Serve the API on ``app``: its token store (the engine's database) and rate limit."""
    app.extensions[TOKENS] = tokens or ApiTokens(app.extensions[ENGINE].store)
    calls, window = app.config.get("LABCTL_API_RATE", (CALLS_PER_WINDOW, WINDOW_SECONDS))
    app.extensions[LIMIT] = RateLimit(calls, window)
    app.register_blueprint(bp)
    app.add_url_rule("/admin/api-log", "api_log", requires_admin(api_log))


class RateLimit:
    """A sliding window of call times per address; addresses idle for a window are dropped,
    so the table stays as small as the set of active callers."""

    def __init__(self, calls: int, window: float) -> None:
        self.calls, self.window = calls, window
        self._times: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def retry_after(self, address: str) -> float | None:
        """Seconds to wait, or None when this call may go ahead (and is counted)."""
        now = time.monotonic()
        with self._lock:
            if len(self._times) > 1000:
                self._times = {a: t for a, t in self._times.items()
                               if t and t[-1] > now - self.window}
            times = self._times.setdefault(address, deque())
            while times and times[0] <= now - self.window:
                times.popleft()
            if len(times) >= self.calls:
                return max(times[0] + self.window - now, 0.001)
            times.append(now)
            return None


def _error(status: int, message: str, hint: str = "", **headers: str) -> Response:
    response = jsonify({"error": message, "hint": hint})
    response.status_code = status
    response.headers.update(headers)
    return response


@bp.before_request
def _guard() -> Response | None:
    """Rate limit first (a guesser is slowed whatever it sends), then the token."""
    if request.endpoint == "api.openapi":
        return None
    wait = current_app.extensions[LIMIT].retry_after(request.remote_addr or "")
    if wait is not None:
        return _error(429, "too many API calls from this address",
                      f"wait {wait:.0f} s; poll less often", **{"Retry-After": str(
                          max(1, round(wait)))})
    tokens: ApiTokens = current_app.extensions[TOKENS]
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not tokens.matches(given.strip()):
        hint = ("send the header 'Authorization: Bearer TOKEN'" if tokens.exists() else
                "no API token is set: run `labctl api-token` on the lab computer")
        return _error(401, "missing or wrong API token", hint,
                      **{"WWW-Authenticate": 'Bearer realm="labctl"'})
    return None


@bp.after_request
def _logged(response: Response) -> Response:
    """Every call is kept: the admin sees what scripts did (and who tried)."""
    if request.endpoint == "api.openapi":
        return response
    row = {"at": time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime()),
           "address": request.remote_addr or "", "method": request.method,
           "path": request.path[:500], "status": response.status_code,
           "session_code": (request.view_args or {}).get("session_code")}
    log.info("%s %s %s -> %s", row["address"], row["method"], row["path"], row["status"])
    try:
        current_app.extensions[TOKENS].log(row)
    except LabctlError as exc:  # a full disk must not turn an answered call into an error
        log.error("API call not logged: %s", exc)
    return response


@bp.errorhandler(LabctlError)
def _labctl_error(exc: LabctlError) -> Response:
    return _error(400, str(exc.args[0]) if exc.args else str(exc), exc.hint)


@bp.get("/openapi.json")
def openapi() -> Response:
    return jsonify(OPENAPI)


@bp.get("/sessions")
def list_sessions() -> Response:
    found = []
    for row in engine().session_rows():
        count, started, finished = participant_counts(engine().participant_rows(row["code"]))
        status = ("finished" if count and finished == count else
                  "running" if started else "not started")
        found.append({"code": row["code"], "session_type": row["session_type"],
                      "created_at": row["created_at"], "room": row.get("room"),
                      "participants": count, "started": started, "finished": finished,
                      "status": status})
    return jsonify({"sessions": found})


@bp.post("/sessions")
def create_session() -> Response:
    body = _json_body()
    if isinstance(body, Response):
        return body
    unknown = sorted(set(body) - {"session_type", "num_participants", "labels", "room",
                                  "params"})
    if unknown:
        return _error(400, f"unknown field '{unknown[0]}'", "fields: session_type, "
                      "num_participants, labels, room, params")
    problem = _creation_problem(body)
    if problem:
        return _error(400, problem, "see /api/v1/openapi.json")
    code = engine().create_session(body["session_type"], body.get("num_participants"),
                                   labels=body.get("labels"), room=body.get("room"),
                                   params=body.get("params"))
    response = jsonify(_status(code))
    response.status_code = 201
    response.headers["Location"] = f"{request.script_root}/api/v1/sessions/{code}"
    return response


def _creation_problem(body: dict[str, Any]) -> str | None:
    """What is wrong with a creation request's types (the engine checks the values)."""
    names = [st.name for st in engine().project.session_types]
    if body.get("session_type") not in names:
        return f"session_type must be one of {', '.join(names)}"
    count = body.get("num_participants")
    if count is not None and (not isinstance(count, int) or isinstance(count, bool)
                              or not 1 <= count <= 10_000):
        return "num_participants must be a whole number from 1 to 10000"
    labels = body.get("labels")
    if labels is not None and (not isinstance(labels, list) or not all(
            isinstance(label, str) and 0 < len(label) <= 100 for label in labels)):
        return "labels must be a list of texts of 1 to 100 characters"
    if labels is not None and count is not None and len(labels) > count:
        return f"{len(labels)} labels for {count} participants"
    if body.get("room") is not None and body["room"] not in [
            r.name for r in engine().project.rooms]:
        return f"there is no room '{body['room']}' in this project"
    if body.get("params") is not None and not isinstance(body["params"], dict):
        return "params must be an object of the session type's params"
    return None


@bp.get("/sessions/<session_code>")
def session_status(session_code: str) -> Response:
    if not engine().has_session(session_code):
        return _error(404, f"no session '{session_code}'", "GET /api/v1/sessions lists them")
    return jsonify(_status(session_code))


def _status(session_code: str) -> dict[str, Any]:
    row = next(r for r in engine().session_rows() if r["code"] == session_code)
    people = [r.as_dict() for r in engine().monitor(session_code)]
    keep = ("id_in_session", "code", "label", "status", "app", "round_number", "page",
            "seconds_on_page", "waiting_for", "bonus", "app_error")
    count, started, finished = participant_counts(engine().participant_rows(session_code))
    return {"code": session_code, "session_type": row["session_type"],
            "created_at": row["created_at"], "room": row.get("room"),
            "participants_count": count, "started": started, "finished": finished,
            "participants": [{name: person[name] for name in keep} for person in people]}


@bp.get("/sessions/<session_code>/export/<kind>.<fmt>")
def export(session_code: str, kind: str, fmt: str) -> Response:
    if not engine().has_session(session_code):
        return _error(404, f"no session '{session_code}'", "GET /api/v1/sessions lists them")
    response = downloads.file_response(session_code, kind, fmt)
    if response is None:
        return _error(404, f"no export '{kind}.{fmt}'", "kinds: wide, timings, payments "
                      "(csv, json), app-APP (csv, json), apps (zip), results (json, zip), "
                      "custom-APP[-NAME] (csv)")
    return response


@bp.get("/batches/<batch>")
def read_batch(batch: str) -> Response:
    for found in engine().batch_documents():
        if found["batch"] == batch:
            return jsonify(found)
    return _error(404, f"no batch '{batch}'", "batches are named by the session types' batch")


@bp.put("/batches/<batch>")
def replace_batch(batch: str) -> Response:
    body = _json_body()
    if isinstance(body, Response):
        return body
    version = body.get("version")
    if "doc" not in body or not isinstance(version, int) or isinstance(version, bool):
        return _error(400, "send {\"version\": N, \"doc\": ...}",
                      "version is the one you read with GET; doc the whole new document")
    result = engine().admin_replace_batch(batch, version, body["doc"])
    if not result.accepted:
        return _error(409, f"the batch data changed since version {version} (now version "
                      f"{result.version})", "GET it again, apply your change, PUT again")
    return jsonify({"batch": batch, "version": result.version})


def _json_body() -> dict[str, Any] | Response:
    """The call's JSON object, or the 400/413 answer saying what is wrong with it."""
    if (request.content_length or 0) > MAX_JSON_BYTES:
        return _error(413, f"the body is over {MAX_JSON_BYTES} bytes")
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return _error(400, "the body must be a JSON object",
                      "send Content-Type: application/json")
    return body


def api_log() -> Any:
    """The admin's view of every API call, newest first."""
    return render_template("labctl/admin/api_log.html",
                           calls=current_app.extensions[TOKENS].calls(),
                           has_token=current_app.extensions[TOKENS].exists())
