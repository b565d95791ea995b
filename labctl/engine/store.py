"""The store: what the engine needs from a database, and nothing of how it keeps it.

The engine sees only these Protocols. ``labctl.storage.sqlite.SqliteStore`` is the real
implementation; a second one (PostgreSQL) is written from this module alone. The contract, for
every method:

- **Rows are plain dicts** of column name to value: text, integers (amounts are integers in
  minor units or points), floats (``deadline``, ``seconds``) or ``None``. JSON columns
  (``params``, ``vars``, ``doc``, ``patch``, ``body``) are returned as the JSON text stored.
  Timestamps are ISO 8601 text in UTC as the engine wrote them (``tx.iso``); ``deadline`` is
  a Unix time.
- **Every call runs inside** ``reading()`` **or** ``transaction()``. A transaction is atomic:
  on an exception nothing of it is kept. Transactions never interleave: one commits before the
  next begins (the engine relies on this for exactly-once wait-page releases), and a nested
  ``transaction()`` joins the outer one. ``reading()`` sees a consistent state and excludes
  transactions while it is held.
- **Failures of the database itself** (locked, read-only, full disk) raise a ``LabctlError``
  (``SqliteStore`` raises its ``StorageError``) whose message a researcher can act on; a
  missing row is ``None`` or an empty list, never an exception.

The tables are those of ``labctl.storage.migrations`` (``sessions``, ``participants``,
``page_visits``, ``wait_arrivals``, ``wait_releases``, ``admin_actions``, ``shared_docs``,
``shared_history``, ``shared_messages``, ``settings``, ``live_messages``,
``live_recipients``) plus one table per app and record kind (``labctl.storage.app_tables``):
their columns are the row keys below.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any, Protocol

from ..app import AppSpec

#: one row of a table, column name to value
Row = dict[str, Any]


class Transactions(Protocol):
    """Atomic writes and consistent reads (see the module's contract)."""

    @property
    def location(self) -> str:
        """Where the data is, as a researcher would find it (a file path, a database URL)."""
        ...

    def transaction(self) -> AbstractContextManager[object]:
        """One atomic write: commits when the block ends, keeps nothing if it raises."""
        ...

    def reading(self) -> AbstractContextManager[object]:
        """A consistent read; no transaction commits while it is held."""
        ...

    def close(self) -> None: ...


class Settings(Protocol):
    def secret(self) -> str:
        """The server's signing secret: made on first use, then the same for this database,
        so that signed tokens survive a restart."""
        ...


class Sessions(Protocol):
    """Table ``sessions``: code, session_type, created_at, num_participants, params (JSON),
    vars (JSON), seed, label, room."""

    def insert_session(self, row: Row) -> None:
        """Insert a session; ``params`` and ``vars`` are given as dicts and stored as JSON."""
        ...

    def session_row(self, code: str) -> Row | None: ...

    def session_rows(self) -> list[Row]:
        """Every session, oldest first (by created_at, then code)."""
        ...

    def update_session(self, code: str, changes: Row) -> None: ...

    def room_session(self, room: str) -> Row | None:
        """The newest session opened in a room (the one its seats join)."""
        ...


class Participants(Protocol):
    """Table ``participants``: id (assigned on insert), session_code, id_in_session, code
    (unique), label, vars (JSON), step (-1 before the first page), app, round_number, page,
    page_arrived_at, deadline (Unix time or None), started_at, finished_at, bonus."""

    def insert_participant(self, row: Row) -> int:
        """Insert a participant; returns their new ``id``."""
        ...

    def participant_by_code(self, code: str) -> Row | None: ...

    def participant_by_id(self, participant_id: int) -> Row | None: ...

    def participants_by_ids(self, participant_ids: list[int]) -> list[Row]:
        """Several participants' rows in one read (a group's members: one query, not one
        per member, on every live message); in no particular order."""
        ...

    def participant_by_label(self, session_code: str, label: str) -> Row | None: ...

    def free_participant(self, session_code: str) -> Row | None:
        """The participant with the lowest id_in_session whose label is still None."""
        ...

    def unclaimed_participant(self, session_code: str) -> Row | None:
        """The first participant nobody has taken yet: no label, not claimed through the
        session-wide link (``claimed_at``), never started; None when all are taken."""
        ...

    def participants_of(self, session_code: str) -> list[Row]:
        """A session's participants ordered by id_in_session."""
        ...

    def update_participant(self, participant_id: int, changes: Row) -> None: ...

    def expired_deadlines(self, now: float) -> list[Row]:
        """``code`` and ``step`` of every participant whose deadline is set and ``<= now``,
        earliest deadline first (the timeout sweep runs this every second: keep it indexed)."""
        ...


class AppRecords(Protocol):
    """One table per app and kind (``labctl.storage.app_tables``): the built-in columns plus
    one column per declared field. Booleans are stored as 0/1 and decimals as exact text."""

    def sync_app(self, spec: AppSpec) -> None:
        """Create the app's tables, or add columns for fields declared since; never drops."""
        ...

    def insert_record(self, app: str, kind: str, row: Row) -> int:
        """Insert a subsession, group or player row; returns its new ``id``."""
        ...

    def record_row(self, app: str, kind: str, record_id: int) -> Row | None: ...

    def update_record(self, app: str, kind: str, record_id: int, changes: Row) -> None: ...

    def delete_record(self, app: str, kind: str, record_id: int) -> None: ...

    def player_row(self, app: str, participant_id: int, round_number: int) -> Row | None: ...

    def group_player_rows(self, app: str, group_id: int) -> list[Row]:
        """A group's players ordered by id_in_group."""
        ...

    def round_rows(self, app: str, kind: str, session_code: str, round_number: int
                   ) -> list[Row]:
        """A session's rows of one kind in one round: subsessions by id, groups by
        id_in_subsession, players by participant_id."""
        ...

    def sum_payoffs(self, apps: list[str], participant_id: int) -> int:
        """A participant's payoffs summed over the player tables of ``apps`` (0 if none)."""
        ...


class PageVisits(Protocol):
    """Table ``page_visits``: one row per participant and step they were shown."""

    def insert_visit(self, row: Row) -> None: ...

    def close_visit(self, participant_id: int, step: int, changes: Row) -> None:
        """Set submitted_at, seconds and timed_out of the visit of this participant and step."""
        ...

    def visit(self, participant_id: int, step: int) -> Row | None:
        """The visit of this participant and step (why a late form is stale), or None."""
        ...


class WaitPages(Protocol):
    """Tables ``wait_arrivals`` and ``wait_releases``, each keyed so that a second insert of
    the same arrival or release changes nothing."""

    def add_arrival(self, session_code: str, step: int, participant_id: int, when: str,
                    skipped: bool) -> None:
        """Note an arrival at a wait page; a repeated arrival is ignored."""
        ...

    def arrivals(self, session_code: str, step: int) -> list[int]:
        """Participant ids that arrived at a wait page, in order of arrival."""
        ...

    def arrival_count(self, session_code: str, step: int, participant_ids: list[int],
                      shown: bool = False) -> int:
        """How many of these participants have arrived at a wait page; ``shown``: only
        those it was displayed to (not those who passed over it)."""
        ...

    def add_release(self, session_code: str, step: int, group_key: str, when: str) -> bool:
        """Record a release; False when this group was already released (exactly once)."""
        ...

    def is_released(self, session_code: str, step: int, group_key: str) -> bool: ...

    def releases(self, session_code: str) -> list[Row]:
        """A session's releases in the order they happened."""
        ...


class SharedData(Protocol):
    """Tables ``shared_docs`` (scope, key, version, doc JSON, updated_at), ``shared_history``
    (id, scope, key, version, author, kind, patch JSON, at; unique per scope, key and version)
    and ``shared_messages`` (id, scope, key, sender, recipient, body JSON, at)."""

    def shared_doc(self, scope: str, key: str) -> Row | None: ...

    def save_shared_doc(self, scope: str, key: str, version: int, doc: str, at: str) -> None:
        """Insert the document, or replace its version, doc and updated_at."""
        ...

    def shared_docs(self, scope: str | None = None) -> list[Row]:
        """Documents of one scope ordered by key, or of every scope by scope and key."""
        ...

    def add_shared_history(self, row: Row) -> None: ...

    def shared_history(self, scope: str | None = None) -> list[Row]:
        """Accepted changes in the order they were made (of one scope, or all)."""
        ...

    def add_shared_message(self, row: Row) -> int:
        """Log a message; its id."""
        ...

    def shared_message_of_client(self, sender: str, client_id: str) -> Row | None:
        """The message a sender's page sent under its own ``client_id``, if it arrived."""
        ...

    def add_shared_message_id(self, sender: str, client_id: str, message_id: int) -> None: ...

    def shared_messages_seen_by(self, scope: str, key: str, participant: str, limit: int
                                ) -> list[Row]:
        """The newest ``limit`` messages of a document that a participant may see (to all,
        to them, from them), oldest first, each with its ``client_id`` (or None)."""
        ...

    def shared_messages(self) -> list[Row]:
        """Every message in the order sent."""
        ...


class ResultReads(Protocol):
    """What ``labctl export`` reads beyond the rest: whole app tables and page timings."""

    def app_columns(self, app: str, kind: str) -> list[str]:
        """The columns an app's table holds now, in table order (fields removed since keep
        their column); ``[]`` when the table does not exist."""
        ...

    def app_rows(self, app: str, kind: str, session_code: str) -> list[Row]:
        """A session's rows of one app table: players by round then participant_id,
        groups by id, subsessions by round; ``[]`` when the table does not exist (an app
        added to the session type after the session ran)."""
        ...

    def extra_rows(self, app: str, kind: str, criteria: Row) -> list[Row]:
        """The rows of an app's extra record table (``labctl.extra_records``) whose columns
        equal ``criteria`` (``None`` matches NULL), in creation order; ``[]`` when the table
        does not exist."""
        ...

    def session_visits(self, session_code: str) -> list[Row]:
        """Every page visit of a session, by participant_id then step."""
        ...


class AdminLog(Protocol):
    """Table ``admin_actions``: id, session_code, participant_code, action, step, page, at."""

    def log_action(self, row: Row) -> None: ...

    def actions_of(self, session_code: str) -> list[Row]:
        """A session's logged actions in the order taken."""
        ...


class AppErrors(Protocol):
    """Table ``app_errors``: participant_code, session_code, step, page, location, message,
    at; the last app error of each participant, for the monitor."""

    def record_app_error(self, row: Row) -> None:
        """Keep ``row`` as the participant's app error, replacing an earlier one."""
        ...

    def app_error_of(self, participant_code: str) -> Row | None: ...

    def app_errors_of(self, session_code: str) -> list[Row]:
        """Every participant's last app error in a session."""
        ...

    def clear_app_error(self, participant_code: str) -> None: ...


class LiveMessages(Protocol):
    """Table ``live_messages``: id, session_code, participant_code (the sender of an "in"
    row), id_in_group, direction ("in" or "out"), reply_to (an "out" row's message), step,
    app, round_number, page, payload (JSON), recipients (id_in_group as comma-separated
    text: an "in" row's addressees, an "out" row's members it reached), at. An "out" row is
    one payload of one message, stored once however many members it reached; table
    ``live_recipients`` (participant_code, delivery_id, id_in_group, step, page) holds one
    small row per member it reached."""

    def add_live_message(self, row: Row) -> int:
        """Log one message in; its id (ids grow in commit order)."""
        ...

    def add_live_delivery(self, row: Row, recipients: list[Row]) -> int:
        """Log one payload out and the members it reaches (each with participant_code,
        id_in_group, step, page); its id, the delivery id each of them is sent."""
        ...

    def live_deliveries(self, participant_code: str, step: int, after: int, limit: int
                        ) -> list[Row]:
        """A participant's deliveries (id, reply_to, payload) at ``step`` with an id above
        ``after``, oldest first: what a page that reconnects or polls has not seen yet."""
        ...

    def live_messages(self, session_code: str) -> list[Row]:
        """A session's messages and deliveries in the order they were written, tidy: one
        row per delivery to each member (their participant_code, id_in_group, step, page;
        no recipients), those of one payload sharing its id."""
        ...


class ExperimenterChat(Protocol):
    """Table ``experimenter_messages``: id, session_code, participant_code, sender
    ("participant" or "experimenter"), body (the text), at; a participant's chat with the
    experimenter in the monitor (``engine.experimenter_chat``)."""

    def add_experimenter_message(self, row: Row) -> int:
        """Keep one chat message; its id (ids grow in commit order)."""
        ...

    def experimenter_messages(self, session_code: str, participant_code: str | None
                              ) -> list[Row]:
        """A session's chat messages (one participant's, when given), oldest first."""
        ...


class Store(Transactions, Settings, Sessions, Participants, AppRecords, PageVisits, WaitPages,
            SharedData, ResultReads, AdminLog, AppErrors, LiveMessages, ExperimenterChat,
            Protocol):
    """Everything the engine keeps: the union of the areas above."""
