"""Live shared data: versioned JSON documents changed by JSON Patch, with a full history.

Three scopes (adapted from JATOS): ``batch`` (every participant of every session in a batch),
``group`` (the members of one group in one app round) and ``study`` (one participant). Each
document has a version. A change names the version it was made on; a change on a stale version
is refused with the current version and document, never merged, so two concurrent writers never
silently overwrite each other. Every accepted change is appended to ``shared_history`` with its
author, version and patch (a replacement is recorded as the patch it amounts to).

Patches are applied by the ``jsonpatch`` library (RFC 6902: add, remove, replace, move, copy,
test). A failed ``test`` operation is a conflict too: its precondition no longer holds.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import jsonpatch
import jsonpointer

from ..errors import LabctlError
from .store import SharedData

SCOPES = ("batch", "group", "study")
#: a shared document is live state, not a file store
MAX_DOC_BYTES = 512 * 1024
#: JSON nested deeper than this is refused before it is parsed: Python's parser (and the
#: patch library) recurse once per level and would fail with RecursionError near 1,000
MAX_JSON_DEPTH = 64
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_BRACKET = re.compile(r"[\[\]{}]")


class SharedDataError(LabctlError):
    """A change that can never apply: malformed patch, wrong scope, closed document."""


@dataclass
class ChangeResult:
    """``accepted`` with the new version, or refused as a ``conflict`` with the current one."""

    accepted: bool
    version: int
    doc: Any
    patch: list[dict[str, Any]] = field(default_factory=list)
    reason: str = ""


def read(store: SharedData, scope: str, key: str) -> tuple[int, Any]:
    """The document's version and content; a document never written is version 0, ``{}``."""
    row = store.shared_doc(scope, key)
    if row is None:
        return 0, {}
    return int(row["version"]), json.loads(row["doc"])


#: why a document may not be written (``None``: it may), e.g. an app's declared schema
ShapeCheck = Callable[[Any], "str | None"]


def change(store: SharedData, scope: str, key: str, base_version: Any, *, author: str, now_iso: str,
           patch: Any = None, replace: Any = None, check: ShapeCheck | None = None
           ) -> ChangeResult:
    """Apply a patch or a replacement made on ``base_version``; call inside a transaction.

    ``check`` sees the document the change would make: a participant's write is refused
    unless the result has the shape the app declared, so no page can leave the app a document
    it cannot read.
    """
    if scope not in SCOPES:
        raise SharedDataError(f"there is no shared store '{scope}'",
                              "use 'batch', 'group' or 'study'")
    version, doc = read(store, scope, key)
    if not isinstance(base_version, int) or isinstance(base_version, bool) or \
            base_version != version:
        return ChangeResult(False, version, doc, reason="stale version")
    if replace is not None:
        new_doc, ops, kind = replace, jsonpatch.make_patch(doc, replace).patch, "replace"
    else:
        ops = _checked_ops(patch)
        try:
            new_doc = jsonpatch.apply_patch(doc, ops)
        except jsonpatch.JsonPatchTestFailed:
            return ChangeResult(False, version, doc, reason="test failed")
        except (jsonpatch.JsonPatchException, jsonpointer.JsonPointerException) as exc:
            raise SharedDataError(f"the patch cannot apply: {exc}",
                                  "check each operation's path against the document") from exc
        kind = "patch"
    problem = check(new_doc) if check is not None else None
    if problem is not None:
        raise SharedDataError(f"refused: this {scope} data must keep the shape the app declares "
                              f"({problem}); nothing was changed",
                              "write only what the app's shared_schemas allow")
    encoded = _encode(new_doc)
    store.save_shared_doc(scope, key, version + 1, encoded, now_iso)
    store.add_shared_history({"scope": scope, "key": key, "version": version + 1,
                              "author": author, "kind": kind, "patch": json.dumps(ops),
                              "at": now_iso})
    return ChangeResult(True, version + 1, json.loads(encoded), ops)


def too_deep(raw: str, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether JSON text nests arrays and objects deeper than ``limit``, found without parsing.

    Most messages hold fewer brackets than the limit in all, which one C-speed count shows;
    only the others are scanned (outside strings) for their actual depth.
    """
    if raw.count("[") + raw.count("{") <= limit:
        return False
    depth = 0
    for bracket in _BRACKET.findall(_STRING.sub("", raw)):
        depth += 1 if bracket in "[{" else -1
        if depth > limit:
            return True
    return False


def _checked_ops(patch: Any) -> list[dict[str, Any]]:
    if not isinstance(patch, list) or not all(
            isinstance(op, dict) and isinstance(op.get("op"), str)
            and isinstance(op.get("path"), str) for op in patch):
        raise SharedDataError("a patch must be a list of operations like "
                              '{"op": "add", "path": "/x", "value": 1}',
                              "see RFC 6902 (JSON Patch)")
    return patch


def _encode(doc: Any) -> str:
    try:
        encoded = json.dumps(doc, allow_nan=False, separators=(",", ":"), ensure_ascii=False)
    except (TypeError, ValueError) as exc:
        raise SharedDataError(f"shared data must be plain JSON: {exc}",
                              "use dicts, lists, text, numbers, booleans and null") from exc
    if len(encoded.encode()) > MAX_DOC_BYTES:
        raise SharedDataError(f"the shared document would exceed {MAX_DOC_BYTES // 1024} KiB",
                              "keep live state small; store results in the app's fields")
    return encoded
