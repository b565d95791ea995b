"""The OpenAPI 3 description of the HTTP API (``/api/v1/openapi.json``), for scripts' clients
and for reading; the routes themselves are in ``api``."""

from __future__ import annotations

from typing import Any


def _error_response(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": {
        "$ref": "#/components/schemas/Error"}}}}


_ERRORS = {"401": _error_response("missing or wrong token"),
           "429": _error_response("too many calls from this address; see Retry-After")}
_CODE = {"name": "session_code", "in": "path", "required": True, "schema": {"type": "string"}}
_BATCH = {"name": "batch", "in": "path", "required": True, "schema": {"type": "string"}}

OPENAPI: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "labctl API", "version": "1",
             "description": "Scripts' access to a labctl lab server. Every call but this "
                            "description needs 'Authorization: Bearer TOKEN' (labctl "
                            "api-token) and is logged."},
    "servers": [{"url": "/api/v1"}],
    "components": {
        "securitySchemes": {"token": {"type": "http", "scheme": "bearer"}},
        "schemas": {
            "Error": {"type": "object", "properties": {"error": {"type": "string"},
                                                       "hint": {"type": "string"}}},
            "NewSession": {"type": "object", "required": ["session_type"], "properties": {
                "session_type": {"type": "string"},
                "num_participants": {"type": "integer", "minimum": 1},
                "labels": {"type": "array", "items": {"type": "string"}},
                "room": {"type": "string"},
                "params": {"type": "object", "description": "replaces params the session "
                                                            "type declares"}}},
            "Batch": {"type": "object", "properties": {"batch": {"type": "string"},
                                                       "version": {"type": "integer"},
                                                       "doc": {}}},
        },
    },
    "security": [{"token": []}],
    "paths": {
        "/sessions": {
            "get": {"summary": "Every session with its progress counts",
                    "responses": {"200": {"description": "{sessions: [...]}"}, **_ERRORS}},
            "post": {"summary": "Create a session",
                     "requestBody": {"required": True, "content": {"application/json": {
                         "schema": {"$ref": "#/components/schemas/NewSession"}}}},
                     "responses": {"201": {"description": "the new session's status"},
                                   "400": _error_response("invalid request"), **_ERRORS}},
        },
        "/sessions/{session_code}": {"get": {
            "summary": "A session's status and every participant's progress",
            "parameters": [_CODE],
            "responses": {"200": {"description": "status"},
                          "404": _error_response("no such session"), **_ERRORS}}},
        "/sessions/{session_code}/export/{file}": {"get": {
            "summary": "A file of the session's export: wide.csv, wide.json, timings.csv, "
                       "timings.json, payments.csv, payments.json, app-APP.csv, "
                       "app-APP.json, apps.zip, results.json, results.zip, custom-APP.csv",
            "parameters": [_CODE, {"name": "file", "in": "path", "required": True,
                                   "schema": {"type": "string"}}],
            "responses": {"200": {"description": "the file, as an attachment"},
                          "404": _error_response("no such session or file"), **_ERRORS}}},
        "/batches/{batch}": {
            "get": {"summary": "A batch's shared data and its version", "parameters": [_BATCH],
                    "responses": {"200": {"description": "the batch", "content": {
                        "application/json": {"schema": {
                            "$ref": "#/components/schemas/Batch"}}}},
                        "404": _error_response("no such batch"), **_ERRORS}},
            "put": {"summary": "Replace a batch's data, made on the version read",
                    "parameters": [_BATCH],
                    "requestBody": {"required": True, "content": {"application/json": {
                        "schema": {"type": "object", "required": ["version", "doc"],
                                   "properties": {"version": {"type": "integer"},
                                                  "doc": {}}}}}},
                    "responses": {"200": {"description": "{batch, version}"},
                                  "400": _error_response("invalid request"),
                                  "409": _error_response("changed since that version"),
                                  **_ERRORS}},
        },
    },
}
