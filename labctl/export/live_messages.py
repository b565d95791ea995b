"""The live-page part of an export: ``live_messages.csv``, every live message a page sent and
every payload its ``live_method`` delivered to each member, one row each (tidy: ``direction``
"in" or "out"; an "out" row's ``reply_to`` is the id of the message it answers, its
``participant_code`` the recipient; the recipients of one payload share its id, as their pages
were sent it). The database stores such a payload once; this file expands it. Like shared
data, the interaction itself is data: a market's order book can be replayed from it.
"""

from __future__ import annotations

from ..engine.store import Store
from .codebook import describe_file
from .tables import Table

LIVE_FILE = "live_messages.csv"
LIVE_COLUMNS = ["id", "at", "session_code", "participant_code", "id_in_group", "direction",
                "reply_to", "app", "round_number", "page", "step", "payload", "recipients"]


def live_table(store: Store, session_codes: list[str]) -> Table:
    """The live messages of the sessions, each session's in the order they were written."""
    with store.reading():
        rows = [row for code in session_codes for row in store.live_messages(code)]
    return Table(list(LIVE_COLUMNS), [{column: row[column] for column in LIVE_COLUMNS}
                                      for row in rows])


describe_file(LIVE_FILE, "live message a page sent, or payload its live_method delivered", {
    "id": "the message's number, in the order the server handled them (the members one "
          "payload reached share its number)",
    "at": "when the server handled it (ISO 8601, UTC)",
    "session_code": "the session's code",
    "participant_code": "who sent it (direction in) or received it (direction out)",
    "id_in_group": "that participant's number in their group",
    "direction": "in: sent by the page (liveSend); out: delivered to a page (liveRecv)",
    "reply_to": "for an out row: the id of the message whose live_method sent it",
    "app": "the app of the live page", "round_number": "the app's round",
    "page": "the live page's name", "step": "the participant's page number in the session",
    "payload": "the message as JSON", "recipients": "for an in row: who the method answered",
})
