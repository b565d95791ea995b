"""The live-page part of an export: ``live_messages.csv``, every live message a page sent and
every payload its ``live_method`` delivered, one row each (tidy: ``direction`` "in" or "out";
an "out" row's ``reply_to`` is the id of the message it answers, its ``participant_code`` the
recipient). Like shared data, the interaction itself is data: a market's order book can be
replayed from it.
"""

from __future__ import annotations

from ..engine.store import Store
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
