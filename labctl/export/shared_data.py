"""The shared-data part of an export: each store's documents and full change history.

One tidy table per store (``batch_data.csv``, ``group_data.csv``, ``study_data.csv``): a row per
accepted change (version, author, kind, the JSON Patch it made, time), so the interaction itself
can be replayed; ``shared_documents.csv`` holds each document's final version; and
``shared_messages.csv`` the logged group and batch messages. Only what belongs to the exported
sessions: their batches, their groups (keys ``SESSION/APP/ROUND/GROUP``) and their
participants' study data.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from ..engine.shared_data import SCOPES
from ..engine.store import Store

Row = dict[str, Any]
HISTORY_COLUMNS = ["scope", "key", "version", "author", "kind", "patch", "at"]
DOCUMENT_COLUMNS = ["scope", "key", "version", "doc", "updated_at"]
MESSAGE_COLUMNS = ["scope", "key", "sender", "recipient", "body", "at"]
DOCUMENTS_FILE = "shared_documents.csv"
MESSAGES_FILE = "shared_messages.csv"


def history_file(scope: str) -> str:
    return f"{scope}_data.csv"


@dataclass
class SharedData:
    documents: list[Row]
    history: list[Row]
    messages: list[Row]

    def history_of(self, scope: str) -> list[Row]:
        return [row for row in self.history if row["scope"] == scope]

    def as_json(self) -> dict[str, Any]:
        return {
            "documents": [{**row, "doc": json.loads(row["doc"])} for row in self.documents],
            "history": {scope: [{**row, "patch": json.loads(row["patch"])}
                                for row in self.history_of(scope)] for scope in SCOPES},
            "messages": [{**row, "body": json.loads(row["body"])} for row in self.messages],
        }


def read_shared(store: Store, batches: set[str], session_codes: set[str],
                participant_codes: set[str]) -> SharedData:
    """The shared documents, history and messages of the given sessions."""

    def belongs(row: Row) -> bool:
        if row["scope"] == "batch":
            return row["key"] in batches
        if row["scope"] == "group":
            return row["key"].split("/", 1)[0] in session_codes
        return row["key"] in participant_codes

    with store.reading():
        documents = [_without_rowid(r) for r in store.shared_docs() if belongs(r)]
        history = [_without_rowid(r) for r in store.shared_history() if belongs(r)]
        messages = [_without_rowid(r) for r in store.shared_messages() if belongs(r)]
    return SharedData(documents, history, messages)


def _without_rowid(row: Row) -> Row:
    return {k: v for k, v in row.items() if k != "id"}
