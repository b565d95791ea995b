"""The experimenter chat in an export: ``experimenter_chat.csv``, every message between a
participant and the experimenter (``engine.experimenter_chat``), one row each, in the order
written: what was said to whom, and when, is part of the record of a session.
"""

from __future__ import annotations

from ..engine.store import Store
from .codebook import describe_file
from .tables import Table

CHAT_FILE = "experimenter_chat.csv"
CHAT_COLUMNS = ["id", "at", "session_code", "participant_code", "sender", "body"]


def chat_table(store: Store, session_codes: list[str]) -> Table:
    """The chat messages of the sessions, each session's in the order they were written."""
    with store.reading():
        rows = [row for code in session_codes for row in store.experimenter_messages(code, None)]
    return Table(list(CHAT_COLUMNS), [{column: row[column] for column in CHAT_COLUMNS}
                                      for row in rows])


describe_file(CHAT_FILE, "message between a participant and the experimenter", {
    "id": "the message's number, in the order written",
    "at": "when the server kept it (ISO 8601, UTC)",
    "session_code": "the session's code",
    "participant_code": "the participant who wrote or was answered",
    "sender": "participant or experimenter",
    "body": "the text of the message",
})
