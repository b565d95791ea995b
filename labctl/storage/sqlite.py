"""The SQLite store: one file per project, WAL, one writer at a time, plain SQL on hot paths.

From several threads a plain ``BEGIN`` fails with "database is locked" in most transactions
however long the busy timeout (figures: ``benchmarks/RESULTS.md``); ``BEGIN IMMEDIATE`` under
one in-process lock does not. So every write runs inside ``transaction()``: the process-wide
lock, then ``BEGIN IMMEDIATE``, then one COMMIT. Reads take the same lock (one connection,
shared by threads and greenlets), and stay short because SQLite calls block the event loop.
"""

from __future__ import annotations

import contextlib
import json
import logging
import secrets
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlite_utils import Database

from .. import vars_codec
from ..app import AppSpec
from ..errors import LabctlError
from . import app_tables, migrations
from .checkpoints import LOG_LIMIT_PAGES, Checkpointer, StopSignal

log = logging.getLogger("labctl.storage")
#: SQLite's primary result codes of a write that cannot be done, as the log names them
#: (SQLITE_FULL, SQLITE_READONLY: ``sqlite3`` names them from Python 3.11 only)
FAILURES = {13: "disk full", 8: "read-only"}


class StorageError(LabctlError):
    """The database cannot be used: locked by another program, read-only, disk full."""

    #: True when the database was already failing this way: the server logs state changes only
    repeated = False


Row = dict[str, Any]
#: participants whose page's deadline has passed (served by the partial deadline index)
DUE_PAGES = ("SELECT code, step FROM participants WHERE deadline IS NOT NULL "
             "AND deadline <= ? ORDER BY deadline")

#: a participant's deliveries after one it saw, through the key of ``live_recipients``
LIVE_DELIVERIES_AFTER = (
    "SELECT m.id, m.reply_to, m.payload FROM live_recipients r JOIN live_messages m "
    "ON m.id = r.delivery_id WHERE r.participant_code = ? AND r.delivery_id > ? "
    "AND r.step = ? ORDER BY r.delivery_id LIMIT ?")
#: a session's live messages in, and each delivery out expanded to one row per recipient
#: (reached through the participants' codes: the recipients' key, no index of its own)
LIVE_MESSAGES_TIDY = (
    "SELECT id, at, session_code, participant_code, id_in_group, direction, reply_to, app, "
    "round_number, page, step, payload, recipients FROM live_messages "
    "WHERE session_code = ? AND direction = 'in' "
    "UNION ALL "
    "SELECT m.id, m.at, m.session_code, r.participant_code, r.id_in_group, m.direction, "
    "m.reply_to, m.app, m.round_number, r.page, r.step, m.payload, NULL "
    "FROM participants p JOIN live_recipients r ON r.participant_code = p.code "
    "JOIN live_messages m ON m.id = r.delivery_id WHERE p.session_code = ? "
    "ORDER BY 1, 5")

def to_sql(value: Any) -> Any:
    """Python field values as SQLite stores them: booleans as 0/1, decimals as exact text."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, Decimal):
        return str(value)
    return value


class SqliteStore:
    """Everything labctl keeps about sessions, in one SQLite file: the engine's ``Store``."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        try:
            self.conn = sqlite3.connect(str(self.path), check_same_thread=False,
                                        isolation_level=None, timeout=10)
            self.conn.row_factory = sqlite3.Row
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA synchronous=NORMAL")
            self.conn.execute("PRAGMA foreign_keys=ON")
            self.conn.execute("PRAGMA busy_timeout=10000")
            self.db = Database(self.conn)
            self._lock = threading.RLock()
            self._depth = 0
            self._failure: str | None = None  # why writes fail now ("disk full"), if they do
            self._retry_at = self._failed_at = 0.0
            with self._lock:
                migrations.apply(self.db)
        except sqlite3.Error as exc:
            raise StorageError(f"cannot open the database {self.path}: {exc}",
                               "check that the folder is writable and the disk is not full"
                               ) from exc

    @property
    def location(self) -> str:
        """The database file, as messages name it."""
        return str(self.path)

    def close(self) -> None:
        with self._lock:
            self.conn.close()

    # -- transactions ----------------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[SqliteStore]:
        """One write transaction: the process lock, BEGIN IMMEDIATE, COMMIT or ROLLBACK.

        Nested use joins the outer transaction, so an engine step is always one commit.
        """
        with self._lock:
            if self._depth:
                self._depth += 1
                try:
                    yield self
                finally:
                    self._depth -= 1
                return
            if self._failure is not None:
                self._make_room()
            try:
                self.conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                raise StorageError(f"the database {self.path} is busy or read-only: {exc}",
                                   "close other programs writing to it") from exc
            self._depth = 1
            try:
                yield self
            except sqlite3.Error as exc:  # a full disk, an I/O error: nothing was saved
                self._rollback()
                raise self._cannot_save(exc) from exc
            except BaseException:
                self._rollback()
                raise
            else:
                try:
                    self.conn.execute("COMMIT")
                except sqlite3.Error as exc:
                    self._rollback()
                    raise self._cannot_save(exc) from exc
                if self._failure is not None:
                    self._recovered()
            finally:
                self._depth = 0

    def checkpoint_at(self, pages: int) -> None:
        """Let this connection copy the write-ahead log into the database only once the log
        holds ``pages`` (SQLite's default is 1,000): the server has a thread do it sooner,
        off its serving thread (``checkpoints.py``)."""
        with self._lock:
            self.conn.execute(f"PRAGMA wal_autocheckpoint={int(pages)}")

    def log_copier(self, stopping: StopSignal) -> Checkpointer:
        """A ``Checkpointer`` that copies this database's write-ahead log from a thread of
        the caller's; from now on this connection copies it itself only past
        ``LOG_LIMIT_PAGES`` (a copy on the serving thread stalls every page in flight)."""
        self.checkpoint_at(LOG_LIMIT_PAGES)
        return Checkpointer(self.path, stopping)

    def _rollback(self) -> None:
        """Roll back, unless SQLite already did (it does on SQLITE_FULL and some I/O errors);
        a failing ROLLBACK must never hide the error that caused it."""
        if self.conn.in_transaction:
            with contextlib.suppress(sqlite3.Error):
                self.conn.execute("ROLLBACK")

    @contextmanager
    def reading(self) -> Iterator[SqliteStore]:
        """Hold the connection for a consistent read (no transaction needed in WAL)."""
        with self._lock:
            yield self

    def _one(self, sql: str, params: tuple | list = ()) -> Row | None:
        row = self.conn.execute(sql, params).fetchone()
        return dict(row) if row is not None else None

    def _all(self, sql: str, params: tuple | list = ()) -> list[Row]:
        return [dict(row) for row in self.conn.execute(sql, params).fetchall()]

    def _insert(self, table: str, row: Row, verb: str = "INSERT") -> int:
        columns = ", ".join(f'"{c}"' for c in row)
        marks = ", ".join("?" for _ in row)
        cursor = self.conn.execute(f'{verb} INTO "{table}" ({columns}) VALUES ({marks})',
                                   [to_sql(v) for v in row.values()])
        return int(cursor.lastrowid or 0)

    def _update(self, table: str, key: str, key_value: Any, changes: Row) -> None:
        if not changes:
            return
        assignments = ", ".join(f'"{c}" = ?' for c in changes)
        self.conn.execute(f'UPDATE "{table}" SET {assignments} WHERE "{key}" = ?',
                          [*(to_sql(v) for v in changes.values()), key_value])

    # -- settings and schema ---------------------------------------------------------------
    def secret(self) -> str:
        """The server's signing secret, made once and kept, so tokens survive a restart."""
        with self.transaction():
            row = self._one("SELECT value FROM settings WHERE key = 'secret'")
            if row:
                return str(row["value"])
            value = secrets.token_hex(32)
            self._insert("settings", {"key": "secret", "value": value})
            return value

    def sync_app(self, spec: AppSpec) -> None:
        with self.transaction():
            app_tables.sync(self.db, spec)

    # -- settings, logins and API calls (the server's, not the engine's) -------------------
    # ``ServerRecords`` (``admin_logins``): the same few calls on every store.
    def setting(self, key: str) -> str | None:
        row = self._one("SELECT value FROM settings WHERE key = ?", (key,))
        return str(row["value"]) if row else None

    def put_setting(self, key: str, value: str) -> None:
        self.conn.execute("INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) "
                          "DO UPDATE SET value = excluded.value", (key, value))

    def drop_setting(self, key: str) -> bool:
        return self.conn.execute("DELETE FROM settings WHERE key = ?", (key,)).rowcount > 0

    def login_expiry(self, token_hash: str) -> float | None:
        row = self._one("SELECT expires_at FROM admin_logins WHERE token_hash = ?",
                        (token_hash,))
        return float(row["expires_at"]) if row else None

    def add_login(self, token_hash: str, now: float, expires_at: float) -> None:
        self.conn.execute("DELETE FROM admin_logins WHERE expires_at <= ?", (now,))
        self.conn.execute("INSERT INTO admin_logins VALUES (?, ?, ?)",
                          (token_hash, now, expires_at))

    def extend_login(self, token_hash: str, expires_at: float) -> None:
        self.conn.execute("UPDATE admin_logins SET expires_at = ? WHERE token_hash = ?",
                          (expires_at, token_hash))

    def drop_logins(self, token_hash: str | None = None) -> None:
        """End one login, or every login (``None``)."""
        if token_hash is None:
            self.conn.execute("DELETE FROM admin_logins")
        else:
            self.conn.execute("DELETE FROM admin_logins WHERE token_hash = ?", (token_hash,))

    def log_api_call(self, row: Row) -> None:
        self._insert("api_calls", row)

    def api_calls(self, limit: int) -> list[Row]:
        return self._all("SELECT at, address, method, path, status, session_code FROM "
                         "api_calls ORDER BY id DESC LIMIT ?", (limit,))

    # -- sessions and participants ---------------------------------------------------------
    def insert_session(self, row: Row) -> None:
        self._insert("sessions", {**row, "params": vars_codec.encode(row["params"], "session"),
                                  "vars": json.dumps(row.get("vars") or {})})

    def session_row(self, code: str) -> Row | None:
        return self._one("SELECT * FROM sessions WHERE code = ?", (code,))

    def session_rows(self) -> list[Row]:
        return self._all("SELECT * FROM sessions ORDER BY created_at, code")

    def room_session(self, room: str) -> Row | None:
        """The newest session opened in a room (the one its seats join)."""
        return self._one("SELECT * FROM sessions WHERE room = ? ORDER BY created_at DESC, "
                         "rowid DESC LIMIT 1", (room,))

    def participant_by_label(self, session_code: str, label: str) -> Row | None:
        return self._one("SELECT * FROM participants WHERE session_code = ? AND label = ?",
                         (session_code, label))

    def free_participant(self, session_code: str) -> Row | None:
        """The first participant no seat has claimed yet."""
        return self._one("SELECT * FROM participants WHERE session_code = ? AND label IS NULL "
                         "ORDER BY id_in_session LIMIT 1", (session_code,))

    def unclaimed_participant(self, session_code: str) -> Row | None:
        return self._one("SELECT * FROM participants WHERE session_code = ? AND label IS NULL "
                         "AND claimed_at IS NULL AND started_at IS NULL "
                         "ORDER BY id_in_session LIMIT 1", (session_code,))

    def log_action(self, row: Row) -> None:
        self._insert("admin_actions", row)

    def actions_of(self, session_code: str) -> list[Row]:
        return self._all("SELECT * FROM admin_actions WHERE session_code = ? ORDER BY id",
                         (session_code,))

    def update_session(self, code: str, changes: Row) -> None:
        self._update("sessions", "code", code, changes)

    def insert_participant(self, row: Row) -> int:
        return self._insert("participants", row)

    def participant_by_code(self, code: str) -> Row | None:
        return self._one("SELECT * FROM participants WHERE code = ?", (code,))

    def participant_by_id(self, participant_id: int) -> Row | None:
        return self._one("SELECT * FROM participants WHERE id = ?", (participant_id,))

    def participants_by_ids(self, participant_ids: list[int]) -> list[Row]:
        if not participant_ids:
            return []
        marks = ", ".join("?" for _ in participant_ids)
        return self._all(f"SELECT * FROM participants WHERE id IN ({marks})",
                         list(participant_ids))

    def participants_of(self, session_code: str) -> list[Row]:
        return self._all("SELECT * FROM participants WHERE session_code = ? "
                         "ORDER BY id_in_session", (session_code,))

    def update_participant(self, participant_id: int, changes: Row) -> None:
        self._update("participants", "id", participant_id, changes)

    def expired_deadlines(self, now: float) -> list[Row]:
        return self._all(DUE_PAGES, (now,))

    # -- app records -----------------------------------------------------------------------
    def insert_record(self, app: str, kind: str, row: Row) -> int:
        return self._insert(app_tables.table_name(app, kind), row)

    def record_row(self, app: str, kind: str, record_id: int) -> Row | None:
        return self._one(f'SELECT * FROM "{app_tables.table_name(app, kind)}" WHERE id = ?',
                         (record_id,))

    def update_record(self, app: str, kind: str, record_id: int, changes: Row) -> None:
        self._update(app_tables.table_name(app, kind), "id", record_id, changes)

    def delete_record(self, app: str, kind: str, record_id: int) -> None:
        self.conn.execute(f'DELETE FROM "{app_tables.table_name(app, kind)}" WHERE id = ?',
                          (record_id,))

    def player_row(self, app: str, participant_id: int, round_number: int) -> Row | None:
        table = app_tables.table_name(app, "player")
        return self._one(f'SELECT * FROM "{table}" WHERE participant_id = ? '
                         "AND round_number = ?", (participant_id, round_number))

    def group_player_rows(self, app: str, group_id: int) -> list[Row]:
        table = app_tables.table_name(app, "player")
        return self._all(f'SELECT * FROM "{table}" WHERE group_id = ? '
                         "ORDER BY id_in_group", (group_id,))

    def round_rows(self, app: str, kind: str, session_code: str, round_number: int) -> list[Row]:
        order = {"subsession": "id", "group": "id_in_subsession", "player": "participant_id"}
        table = app_tables.table_name(app, kind)
        return self._all(f'SELECT * FROM "{table}" WHERE session_code = ? AND '
                         f"round_number = ? ORDER BY {order[kind]}", (session_code, round_number))

    def sum_payoffs(self, apps: list[str], participant_id: int) -> int:
        """A participant's payoffs over ``apps``: one statement for all of them (it runs on
        every page that sets a payoff)."""
        if not apps:
            return 0
        tables = [app_tables.table_name(app, "player") for app in apps]
        parts = " + ".join(f'(SELECT COALESCE(SUM(payoff), 0) FROM "{table}" '
                           "WHERE participant_id = ?)" for table in tables)
        row = self._one(f"SELECT {parts} AS s", [participant_id] * len(apps))
        return int(row["s"]) if row else 0

    # -- page visits -----------------------------------------------------------------------
    def insert_visit(self, row: Row) -> None:
        self._insert("page_visits", row)

    def close_visit(self, participant_id: int, step: int, changes: Row) -> None:
        assignments = ", ".join(f'"{c}" = ?' for c in changes)
        self.conn.execute(f"UPDATE page_visits SET {assignments} WHERE participant_id = ? AND "
                          "step = ?", [*changes.values(), participant_id, step])

    def visit(self, participant_id: int, step: int) -> Row | None:
        return self._one("SELECT * FROM page_visits WHERE participant_id = ? AND step = ?",
                         (participant_id, step))

    # -- shared data -----------------------------------------------------------------------
    def shared_doc(self, scope: str, key: str) -> Row | None:
        return self._one("SELECT * FROM shared_docs WHERE scope = ? AND key = ?", (scope, key))

    def save_shared_doc(self, scope: str, key: str, version: int, doc: str, at: str) -> None:
        self.conn.execute("INSERT INTO shared_docs VALUES (?, ?, ?, ?, ?) ON CONFLICT(scope, key)"
                          " DO UPDATE SET version = excluded.version, doc = excluded.doc, "
                          "updated_at = excluded.updated_at", (scope, key, version, doc, at))

    def add_shared_history(self, row: Row) -> None:
        self._insert("shared_history", row)

    def shared_history(self, scope: str | None = None) -> list[Row]:
        if scope is None:
            return self._all("SELECT * FROM shared_history ORDER BY id")
        return self._all("SELECT * FROM shared_history WHERE scope = ? ORDER BY id", (scope,))

    def shared_docs(self, scope: str | None = None) -> list[Row]:
        if scope is None:
            return self._all("SELECT * FROM shared_docs ORDER BY scope, key")
        return self._all("SELECT * FROM shared_docs WHERE scope = ? ORDER BY key", (scope,))

    def add_shared_message(self, row: Row) -> int:
        return self._insert("shared_messages", row)

    def shared_message_of_client(self, sender: str, client_id: str) -> Row | None:
        return self._one("SELECT m.* FROM shared_message_ids i JOIN shared_messages m ON "
                         "m.id = i.message_id WHERE i.sender = ? AND i.client_id = ?",
                         (sender, client_id))

    def add_shared_message_id(self, sender: str, client_id: str, message_id: int) -> None:
        self._insert("shared_message_ids", {"sender": sender, "client_id": client_id,
                                            "message_id": message_id})

    def shared_messages_seen_by(self, scope: str, key: str, participant: str, limit: int
                                ) -> list[Row]:
        return self._all(
            "SELECT m.*, i.client_id FROM (SELECT * FROM shared_messages WHERE scope = ? AND "
            "key = ? AND (recipient IS NULL OR recipient = ? OR sender = ?) ORDER BY id DESC "
            "LIMIT ?) m LEFT JOIN shared_message_ids i ON i.message_id = m.id ORDER BY m.id",
            (scope, key, participant, participant, limit))

    def shared_messages(self) -> list[Row]:
        return self._all("SELECT * FROM shared_messages ORDER BY id")

    # -- wait pages ------------------------------------------------------------------------
    def add_arrival(self, session_code: str, step: int, participant_id: int, when: str,
                    skipped: bool) -> None:
        self.conn.execute("INSERT OR IGNORE INTO wait_arrivals VALUES (?, ?, ?, ?, ?)",
                          (session_code, step, participant_id, when, int(skipped)))

    def arrivals(self, session_code: str, step: int) -> list[int]:
        """Participant ids that arrived at a wait page, in order of arrival."""
        rows = self.conn.execute("SELECT participant_id FROM wait_arrivals WHERE session_code = ?"
                                 " AND step = ? ORDER BY arrived_at, rowid", (session_code, step))
        return [row[0] for row in rows]

    def arrival_count(self, session_code: str, step: int, participant_ids: list[int],
                      shown: bool = False) -> int:
        """How many of these participants have arrived at a wait page."""
        if not participant_ids:
            return 0
        marks = ", ".join("?" for _ in participant_ids)
        only_shown = " AND skipped = 0" if shown else ""
        row = self.conn.execute(
            f"SELECT COUNT(*) FROM wait_arrivals WHERE session_code = ? AND step = ? AND "
            f"participant_id IN ({marks}){only_shown}",
            (session_code, step, *participant_ids)).fetchone()
        return int(row[0])

    def add_release(self, session_code: str, step: int, group_key: str, when: str) -> bool:
        """Record a release; False when this group was already released (exactly once)."""
        cursor = self.conn.execute("INSERT OR IGNORE INTO wait_releases VALUES (?, ?, ?, ?)",
                                   (session_code, step, group_key, when))
        return cursor.rowcount == 1

    def is_released(self, session_code: str, step: int, group_key: str) -> bool:
        return self._one("SELECT 1 AS x FROM wait_releases WHERE session_code = ? AND step = ? "
                         "AND group_key = ?", (session_code, step, group_key)) is not None

    def releases(self, session_code: str) -> list[Row]:
        return self._all("SELECT * FROM wait_releases WHERE session_code = ? ORDER BY "
                         "released_at", (session_code,))

    # -- what an export reads --------------------------------------------------------------
    # Named reads, so that the export never reaches into sqlite-utils (``store.db[...]``):
    # this class stays the one place that knows how app tables are queried.

    def app_columns(self, app: str, kind: str) -> list[str]:
        """The columns an app's table holds now, in table order; ``[]`` when it has none.

        An export shows the declared fields and also the columns of fields removed since
        (a removed field keeps its column and data). An app added to the session type after
        the session ran may have no table at all.
        """
        table = app_tables.table_name(app, kind)
        return [row["name"] for row in self._all(f'PRAGMA table_info("{table}")')]

    def app_rows(self, app: str, kind: str, session_code: str) -> list[Row]:
        """A session's rows of one app table, by round (players by participant within a
        round, groups by id); ``[]`` when the table does not exist, because the app was added
        to the session type after the session ran."""
        table = app_tables.table_name(app, kind)
        if not self.app_columns(app, kind):
            return []
        order = {"player": "round_number, participant_id", "group": "id",
                 "subsession": "round_number"}[kind]
        return self._all(f'SELECT * FROM "{table}" WHERE session_code = ? ORDER BY {order}',
                         (session_code,))

    def extra_rows(self, app: str, kind: str, criteria: Row) -> list[Row]:
        """An extra record table's rows matching ``criteria`` by id; a table not made yet
        (the app declared the class after the database last ran) holds none. Column names
        are the class's fields and links, Python identifiers, quoted all the same."""
        table = app_tables.table_name(app, kind)
        where = " AND ".join(f'"{name}" IS ?' for name in criteria) or "1"
        try:
            return self._all(f'SELECT * FROM "{table}" WHERE {where} ORDER BY id',
                             tuple(criteria.values()))
        except sqlite3.OperationalError as exc:
            if "no such table" in str(exc):
                return []
            raise

    def session_visits(self, session_code: str) -> list[Row]:
        """Every page visit of a session, by participant and step (the timings export)."""
        return self._all("SELECT * FROM page_visits WHERE session_code = ? "
                         "ORDER BY participant_id, step", (session_code,))

    # -- app errors (the monitor) ------------------------------------------------------------
    def record_app_error(self, row: Row) -> None:
        self._insert("app_errors", row, verb="INSERT OR REPLACE")

    def app_error_of(self, participant_code: str) -> Row | None:
        return self._one("SELECT * FROM app_errors WHERE participant_code = ?",
                         (participant_code,))

    def app_errors_of(self, session_code: str) -> list[Row]:
        return self._all("SELECT * FROM app_errors WHERE session_code = ?", (session_code,))

    def clear_app_error(self, participant_code: str) -> None:
        self.conn.execute("DELETE FROM app_errors WHERE participant_code = ?",
                          (participant_code,))

    # -- the experimenter chat --------------------------------------------------------------
    def add_experimenter_message(self, row: Row) -> int:
        return self._insert("experimenter_messages", row)

    def experimenter_messages(self, session_code: str, participant_code: str | None
                              ) -> list[Row]:
        if participant_code is None:
            return self._all("SELECT * FROM experimenter_messages WHERE session_code = ? "
                             "ORDER BY id", (session_code,))
        return self._all("SELECT * FROM experimenter_messages WHERE session_code = ? AND "
                         "participant_code = ? ORDER BY id", (session_code, participant_code))

    # -- live messages ---------------------------------------------------------------------
    def add_live_message(self, row: Row) -> int:
        return self._insert("live_messages", row)

    def add_live_delivery(self, row: Row, recipients: list[Row]) -> int:
        delivery_id = self._insert("live_messages", row)
        self.conn.executemany(
            "INSERT INTO live_recipients (participant_code, delivery_id, id_in_group, step, "
            "page) VALUES (?, ?, ?, ?, ?)",
            [(r["participant_code"], delivery_id, r["id_in_group"], r["step"], r["page"])
             for r in recipients])
        return delivery_id

    def live_deliveries(self, participant_code: str, step: int, after: int, limit: int
                        ) -> list[Row]:
        return self._all(LIVE_DELIVERIES_AFTER, (participant_code, after, step, limit))

    def live_messages(self, session_code: str) -> list[Row]:
        return self._all(LIVE_MESSAGES_TIDY, (session_code, session_code))

    # -- a database that cannot be written, and its recovery --------------------------------
    # A full disk fails every submit until space is freed; the write-ahead log then refilled
    # the freed space (a checkpoint that cannot complete never lets it start over), and every
    # failure was logged (51,339 identical lines). Now the first failure of a kind is logged,
    # each write while failing first tries to copy the log into the database and truncate it
    # (at most every RETRY_SECONDS), and the first write that succeeds once no write has
    # failed for QUIET_SECONDS is logged and shrinks the log: the server recovers by itself,
    # without a restart. (On a nearly full disk small writes succeed between failing larger
    # ones: without the quiet period the log would say "failing", "recovered" on each.)

    RETRY_SECONDS = 1.0
    QUIET_SECONDS = 5.0

    def _cannot_save(self, exc: sqlite3.Error) -> StorageError:
        """The error for a failed write; logs it only when the database was writable."""
        reason = FAILURES.get(getattr(exc, "sqlite_errorcode", -1) & 0xFF, str(exc))
        error = StorageError(f"could not save to {self.path}: {exc}",
                             "check free disk space and file permissions")
        self._failed_at = time.monotonic()
        if reason == self._failure:
            error.repeated = True
        else:
            log.error("database %s cannot be written: %s. Participants see \"cannot save "
                      "right now\" until it can; free disk space (or fix the file's "
                      "permissions) and the server resumes by itself.", self.path, reason)
            self._failure = reason
        return error

    def _make_room(self) -> None:
        """While writes fail: copy the write-ahead log into the database and truncate it, so
        that space freed on the disk is not taken by the log again (fails quietly while the
        disk is still full)."""
        now = time.monotonic()
        if now < self._retry_at:
            return
        self._retry_at = now + self.RETRY_SECONDS
        with contextlib.suppress(sqlite3.Error):
            self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()

    def _recovered(self) -> None:
        if time.monotonic() - self._failed_at < self.QUIET_SECONDS:
            return
        log.warning("database %s can be written again (it was: %s); saving resumes",
                    self.path, self._failure)
        self._failure = None
        self._retry_at = 0.0
        with contextlib.suppress(sqlite3.Error):
            self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()


if TYPE_CHECKING:  # the type checker proves that SqliteStore is a Store
    from ..engine.store import Store

    def _is_a_store(store: SqliteStore) -> Store:
        return store
