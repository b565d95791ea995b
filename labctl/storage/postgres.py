"""The PostgreSQL store: the engine's ``Store`` for labs that outgrow one process.

Selected by a ``postgresql://`` URL (``open_store``); needs ``pip install 'labctl[postgres]'``
(psycopg 3). Same migrations and app tables as SQLite (``pg_schema``), integers as ``bigint``,
JSON as ``jsonb`` (returned as JSON text, as the Protocol says).

**Exactly once across processes: a lock per session, taken by the step's first read.** Every
engine step begins by reading its participant (``participant_by_code``/``_by_id``) or its
session (``session_row``); inside a transaction those reads first take a transaction-scoped
advisory lock on the session (``pg_advisory_xact_lock``), then read the row afresh. So the
steps of one session run one after the other whichever process runs them (as on SQLite, where
one writer runs at a time), and steps of different sessions run side by side. Under READ
COMMITTED each statement after the lock sees everything committed before it was granted: the
last arrival at a wait page counts the others' arrivals and releases the group once, a doubled
submit sees the first one's step. Chosen over SERIALIZABLE because a serialization failure
must re-run the whole step, app code included (the engine's ``_committing`` is one pass, and
apps' hooks may have side effects); a lock wait costs nothing to redo and cannot deadlock
while each step locks one session (a shared document's lock is always taken after its
session's). Within a process too, each greenlet has a connection of its own, lent from a few
(``pg_connections``): reads and other sessions' steps need not wait for a step.

**A database that cannot be reached** (restarted, network down) fails the step with a
``StorageError`` naming it (participants see "cannot save right now", nothing half-saved); the
next transaction reconnects, and the first failure and the recovery are logged once each. A
connection found cut when a transaction begins is replaced at once (nothing has run on it).
"""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import TYPE_CHECKING, Any

from .. import vars_codec
from ..app import AppSpec
from ..errors import LabctlError
from . import app_tables, migrations, pg_connections, pg_schema
from .database_urls import shown
from .sqlite import LIVE_DELIVERIES_AFTER, LIVE_MESSAGES_TIDY, StorageError, to_sql

try:
    import psycopg
    from psycopg.rows import dict_row
    from psycopg.types.string import TextLoader
except ImportError:  # pragma: no cover - the message is what is tested
    psycopg = None  # type: ignore[assignment]

log = logging.getLogger("labctl.storage")
Row = dict[str, Any]
ORDER = pg_schema.ORDER_COLUMN


class PostgresStore:
    """Everything labctl keeps about sessions, in one PostgreSQL database."""

    def __init__(self, url: str, connect_timeout: float = 10.0,
                 pool_size: int = pg_connections.POOL_SIZE) -> None:
        if psycopg is None:
            raise LabctlError("a postgresql:// database needs psycopg",
                              "pip install 'labctl[postgres]'")
        self.url = url
        self.connect_timeout = connect_timeout
        self._pool = pg_connections.ConnectionPool(self._connect, pool_size)
        self._loose: Any = None  # for a call outside reading() and transaction()
        self._tables: set[str] = set()  # tables known to exist
        self._failure: str | None = None
        with self.transaction():
            pg_schema.apply(self.conn, migrations.core)

    @property
    def location(self) -> str:
        return shown(self.url)

    @property
    def conn(self) -> Any:
        """The connection lent to the caller (its transaction's, for the hub's NOTIFY too)."""
        lent = self._pool.held()
        if lent is not None:
            return lent.conn
        if self._loose is None or self._loose.closed or self._loose.broken:
            self._loose = self._connect()
        return self._loose

    def _connect(self) -> Any:
        try:
            conn = psycopg.connect(self.url, autocommit=True, row_factory=dict_row,
                                   connect_timeout=max(1, int(self.connect_timeout)))
        except psycopg.Error as exc:
            raise self._unreachable(exc) from exc
        conn.adapters.register_loader("jsonb", TextLoader)
        conn.adapters.register_loader("json", TextLoader)
        return conn

    def _unreachable(self, exc: Exception) -> StorageError:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        error = StorageError(f"cannot reach the PostgreSQL database {self.location}: {reason}",
                             "check that PostgreSQL is running and the URL is right; the "
                             "server keeps trying")
        if self._failure == reason:
            error.repeated = True
        else:
            log.error("PostgreSQL database %s cannot be used: %s. Participants see \"cannot "
                      "save right now\" until it can; the server reconnects by itself.",
                      self.location, reason)
            self._failure = reason
        return error

    def close(self) -> None:
        self._pool.close()
        if self._loose is not None:
            self._loose.close()

    # -- transactions ----------------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[PostgresStore]:
        """One write transaction (BEGIN ... COMMIT) on the caller's connection; nested use
        joins the outer one."""
        with self._lent() as lent:
            if lent.depth:
                lent.depth += 1
                try:
                    yield self
                finally:
                    lent.depth -= 1
                return
            self._begin(lent)
            lent.depth = 1
            try:
                yield self
            except psycopg.Error as exc:
                self._rollback(lent)
                raise self._failed(exc, lent) from exc
            except BaseException:
                self._rollback(lent)
                raise
            else:
                try:
                    lent.conn.execute("COMMIT")
                except psycopg.Error as exc:
                    self._rollback(lent)
                    raise self._failed(exc, lent) from exc
                self._recovered()
            finally:
                lent.depth = 0
                lent.locked.clear()
                lent.sessions.clear()

    @contextmanager
    def _lent(self) -> Iterator[pg_connections.Lent]:
        try:
            with self._pool.lend() as lent:
                yield lent
        except pg_connections.PoolBusy as exc:
            raise StorageError(f"the lab server is too busy to reach {self.location}: {exc}",
                               "nothing was saved; the participant can try again. If this "
                               "recurs, serve the lab with more --workers") from exc

    def _begin(self, lent: pg_connections.Lent) -> None:
        """BEGIN; a connection found cut (a restarted server) is replaced and BEGIN tried once
        more, as nothing has happened on it yet."""
        for attempt in (1, 2):
            try:
                if lent.conn.closed or lent.conn.broken:
                    self._pool.replace(lent)
                lent.conn.execute("BEGIN")
                return
            except psycopg.OperationalError as exc:
                with suppress(psycopg.Error):
                    lent.conn.close()
                if attempt == 2:
                    raise self._unreachable(exc) from exc

    def _failed(self, exc: psycopg.Error, lent: pg_connections.Lent) -> LabctlError:
        if isinstance(exc, psycopg.OperationalError) or lent.conn.broken:
            return self._unreachable(exc)
        return StorageError(f"could not save to {self.location}: {exc}",
                            "the step was not saved; the participant can try again")

    def _recovered(self) -> None:
        if self._failure is not None:
            log.warning("PostgreSQL database %s can be used again (it was: %s); saving "
                        "resumes", self.location, self._failure)
            self._failure = None

    @staticmethod
    def _rollback(lent: pg_connections.Lent) -> None:
        if not lent.conn.closed and not lent.conn.broken:
            with suppress(psycopg.Error):
                lent.conn.execute("ROLLBACK")

    @contextmanager
    def reading(self) -> Iterator[PostgresStore]:
        """A connection of the caller's for a read (each statement sees what was committed);
        a cut connection is opened again first, and a read that fails on it is a
        ``StorageError`` (the participant is asked to wait, never shown a traceback)."""
        with self._lent() as lent:
            if lent.depth == 0 and (lent.conn.closed or lent.conn.broken):
                self._pool.replace(lent)
            try:
                yield self
            except psycopg.Error as exc:
                raise self._failed(exc, lent) from exc

    def _lock_key(self, key: str) -> None:
        """A lock held until the transaction ends (nothing outside a transaction)."""
        lent = self._pool.held()
        if lent is not None and lent.depth and key not in lent.locked:
            lent.conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (key,))
            lent.locked.add(key)

    # -- plain SQL -------------------------------------------------------------------------
    def _one(self, sql: str, params: tuple | list = ()) -> Row | None:
        row = self.conn.execute(sql, params).fetchone()
        return dict(row) if row is not None else None

    def _all(self, sql: str, params: tuple | list = ()) -> list[Row]:
        return [dict(row) for row in self.conn.execute(sql, params).fetchall()]

    def _insert(self, table: str, row: Row, conflict: str = "") -> int:
        columns = ", ".join(pg_schema.quoted(c) for c in row)
        marks = ", ".join("%s" for _ in row)
        returning = "" if table in _CORE_TABLES else " RETURNING id"
        cursor = self.conn.execute(f"INSERT INTO {pg_schema.quoted(table)} ({columns}) "
                                   f"VALUES ({marks}){conflict}{returning}",
                                   [to_sql(v) for v in row.values()])
        if not returning:
            return 0
        found = cursor.fetchone()
        return int(found["id"]) if found else 0

    def _update(self, table: str, key: str, key_value: Any, changes: Row) -> None:
        if not changes:
            return
        assignments = ", ".join(f"{pg_schema.quoted(c)} = %s" for c in changes)
        self.conn.execute(f"UPDATE {pg_schema.quoted(table)} SET {assignments} WHERE "
                          f"{pg_schema.quoted(key)} = %s",
                          [*(to_sql(v) for v in changes.values()), key_value])

    def _table_exists(self, table: str) -> bool:
        if table not in self._tables and pg_schema.PgDatabase(self.conn).table(table).exists():
            self._tables.add(table)
        return table in self._tables

    # -- settings and schema ---------------------------------------------------------------
    def secret(self) -> str:
        with self.transaction():
            self._lock_key("settings:secret")
            row = self._one("SELECT value FROM settings WHERE key = 'secret'")
            if row:
                return str(row["value"])
            value = secrets.token_hex(32)
            self._insert("settings", {"key": "secret", "value": value})
            return value

    def sync_app(self, spec: AppSpec) -> None:
        with self.transaction():
            self._lock_key("labctl migrations")  # workers starting together: one creates
            app_tables.sync(pg_schema.PgDatabase(self.conn), spec)

    # -- settings, logins and API calls (the server's, not the engine's) -------------------
    def setting(self, key: str) -> str | None:
        row = self._one("SELECT value FROM settings WHERE key = %s", (key,))
        return str(row["value"]) if row else None

    def put_setting(self, key: str, value: str) -> None:
        self.conn.execute("INSERT INTO settings (key, value) VALUES (%s, %s) ON CONFLICT (key) "
                          "DO UPDATE SET value = excluded.value", (key, value))

    def drop_setting(self, key: str) -> bool:
        return self.conn.execute("DELETE FROM settings WHERE key = %s", (key,)).rowcount > 0

    def login_expiry(self, token_hash: str) -> float | None:
        row = self._one("SELECT expires_at FROM admin_logins WHERE token_hash = %s",
                        (token_hash,))
        return float(row["expires_at"]) if row else None

    def add_login(self, token_hash: str, now: float, expires_at: float) -> None:
        self.conn.execute("DELETE FROM admin_logins WHERE expires_at <= %s", (now,))
        self.conn.execute("INSERT INTO admin_logins VALUES (%s, %s, %s)",
                          (token_hash, now, expires_at))

    def extend_login(self, token_hash: str, expires_at: float) -> None:
        self.conn.execute("UPDATE admin_logins SET expires_at = %s WHERE token_hash = %s",
                          (expires_at, token_hash))

    def drop_logins(self, token_hash: str | None = None) -> None:
        """End one login, or every login (``None``)."""
        if token_hash is None:
            self.conn.execute("DELETE FROM admin_logins")
        else:
            self.conn.execute("DELETE FROM admin_logins WHERE token_hash = %s", (token_hash,))

    def log_api_call(self, row: Row) -> None:
        self._insert("api_calls", row)

    def api_calls(self, limit: int) -> list[Row]:
        return self._all("SELECT at, address, method, path, status, session_code FROM "
                         "api_calls ORDER BY id DESC LIMIT %s", (limit,))

    # -- sessions and participants ---------------------------------------------------------
    def insert_session(self, row: Row) -> None:
        self._insert("sessions", {**row, "params": vars_codec.encode(row["params"], "session"),
                                  "vars": json.dumps(row.get("vars") or {})})

    def session_row(self, code: str) -> Row | None:
        self._lock_key(f"session:{code}")
        lent = self._pool.held()
        if lent is not None and code in lent.sessions:  # read with the lock just now
            return lent.sessions.pop(code)
        return _without_order(self._one("SELECT * FROM sessions WHERE code = %s", (code,)))

    def session_rows(self) -> list[Row]:
        return [_without_order(row) for row in  # type: ignore[misc]
                self._all("SELECT * FROM sessions ORDER BY created_at, code")]

    def room_session(self, room: str) -> Row | None:
        return _without_order(self._one(
            f"SELECT * FROM sessions WHERE room = %s ORDER BY created_at DESC, {ORDER} DESC "
            "LIMIT 1", (room,)))

    def update_session(self, code: str, changes: Row) -> None:
        lent = self._pool.held()
        if lent is not None:
            lent.sessions.pop(code, None)
        self._update("sessions", "code", code, changes)

    def participant_by_label(self, session_code: str, label: str) -> Row | None:
        return self._one("SELECT * FROM participants WHERE session_code = %s AND label = %s",
                         (session_code, label))

    def free_participant(self, session_code: str) -> Row | None:
        return self._one("SELECT * FROM participants WHERE session_code = %s AND label IS "
                         "NULL ORDER BY id_in_session LIMIT 1", (session_code,))

    def insert_participant(self, row: Row) -> int:
        return self._insert("participants", row)

    def participant_by_code(self, code: str) -> Row | None:
        return self._locked_participant("code", code)

    def participants_by_ids(self, participant_ids: list[int]) -> list[Row]:
        if not participant_ids:
            return []
        return self._all("SELECT * FROM participants WHERE id = ANY(%s)", (list(participant_ids),))

    def unclaimed_participant(self, session_code: str) -> Row | None:
        return self._one("SELECT * FROM participants WHERE session_code = %s AND label IS NULL "
                         "AND claimed_at IS NULL AND started_at IS NULL "
                         "ORDER BY id_in_session LIMIT 1", (session_code,))

    def participant_by_id(self, participant_id: int) -> Row | None:
        return self._locked_participant("id", participant_id)

    def _locked_participant(self, column: str, value: Any) -> Row | None:
        """A participant's row; in a transaction, read again after their session's lock is
        held, so that it is what the previous step of the session committed."""
        sql = f"SELECT * FROM participants WHERE {column} = %s"
        lent = self._pool.held()
        if lent is None or not lent.depth:
            return self._one(sql, (value,))
        if not any(key.startswith("session:") for key in lent.locked):  # a step's first read
            return self._lock_and_read(lent, column, value)
        row = self._one(sql, (value,))
        if row is None or f"session:{row['session_code']}" in lent.locked:
            return row
        self._lock_key(f"session:{row['session_code']}")
        return self._one(sql, (value,))

    def _lock_and_read(self, lent: pg_connections.Lent, column: str, value: Any
                       ) -> Row | None:
        """A step's first read in one round trip: the lock of the participant's session,
        then their row and their session's. A pipeline's statements run in order, each seeing
        what was committed when it starts, so both rows are read after the lock is granted;
        the session's is kept for the step's ``session_row``, which asks for it next."""
        where = f"FROM participants WHERE {column} = %s"
        with lent.conn.pipeline():
            locking = lent.conn.execute("SELECT session_code, pg_advisory_xact_lock(hashtext("
                                        f"'session:' || session_code)) AS locked {where}",
                                        (value,))
            participant = lent.conn.execute(f"SELECT * {where}", (value,))
            session = lent.conn.execute("SELECT * FROM sessions WHERE code = (SELECT "
                                        f"session_code {where})", (value,))
        if locking.fetchone() is None:
            return None
        row = participant.fetchone()
        session_row = session.fetchone()
        if row is None or session_row is None:
            return None
        lent.locked.add(f"session:{row['session_code']}")
        kept = dict(session_row)
        kept.pop(ORDER, None)
        lent.sessions[row["session_code"]] = kept
        return dict(row)

    def participants_of(self, session_code: str) -> list[Row]:
        return self._all("SELECT * FROM participants WHERE session_code = %s "
                         "ORDER BY id_in_session", (session_code,))

    def update_participant(self, participant_id: int, changes: Row) -> None:
        self._update("participants", "id", participant_id, changes)

    def expired_deadlines(self, now: float) -> list[Row]:
        return self._all("SELECT code, step FROM participants WHERE deadline IS NOT NULL "
                         "AND deadline <= %s ORDER BY deadline", (now,))

    def log_action(self, row: Row) -> None:
        self._insert("admin_actions", row)

    def actions_of(self, session_code: str) -> list[Row]:
        return self._all("SELECT * FROM admin_actions WHERE session_code = %s ORDER BY id",
                         (session_code,))

    # -- app records -----------------------------------------------------------------------
    def _app_table(self, app: str, kind: str) -> str:
        return pg_schema.quoted(app_tables.table_name(app, kind))

    def insert_record(self, app: str, kind: str, row: Row) -> int:
        table = app_tables.table_name(app, kind)
        columns = ", ".join(pg_schema.quoted(c) for c in row)
        marks = ", ".join("%s" for _ in row)
        found = self.conn.execute(f"INSERT INTO {pg_schema.quoted(table)} ({columns}) VALUES "
                                  f"({marks}) RETURNING id",
                                  [to_sql(v) for v in row.values()]).fetchone()
        return int(found["id"])

    def record_row(self, app: str, kind: str, record_id: int) -> Row | None:
        return self._one(f"SELECT * FROM {self._app_table(app, kind)} WHERE id = %s",
                         (record_id,))

    def update_record(self, app: str, kind: str, record_id: int, changes: Row) -> None:
        self._update(app_tables.table_name(app, kind), "id", record_id, changes)

    def delete_record(self, app: str, kind: str, record_id: int) -> None:
        self.conn.execute(f"DELETE FROM {self._app_table(app, kind)} WHERE id = %s",
                          (record_id,))

    def player_row(self, app: str, participant_id: int, round_number: int) -> Row | None:
        return self._one(f"SELECT * FROM {self._app_table(app, 'player')} WHERE "
                         "participant_id = %s AND round_number = %s",
                         (participant_id, round_number))

    def group_player_rows(self, app: str, group_id: int) -> list[Row]:
        return self._all(f"SELECT * FROM {self._app_table(app, 'player')} WHERE group_id = %s "
                         "ORDER BY id_in_group", (group_id,))

    def round_rows(self, app: str, kind: str, session_code: str, round_number: int) -> list[Row]:
        order = {"subsession": "id", "group": "id_in_subsession", "player": "participant_id"}
        return self._all(f"SELECT * FROM {self._app_table(app, kind)} WHERE session_code = %s "
                         f"AND round_number = %s ORDER BY {order[kind]}",
                         (session_code, round_number))

    def sum_payoffs(self, apps: list[str], participant_id: int) -> int:
        if not apps:
            return 0
        parts = " + ".join(f"(SELECT COALESCE(SUM(payoff), 0) FROM "
                           f"{self._app_table(app, 'player')} WHERE participant_id = %s)"
                           for app in apps)
        row = self._one(f"SELECT {parts} AS s", [participant_id] * len(apps))
        return int(row["s"]) if row else 0

    # -- page visits -----------------------------------------------------------------------
    def insert_visit(self, row: Row) -> None:
        self._insert("page_visits", row)

    def close_visit(self, participant_id: int, step: int, changes: Row) -> None:
        assignments = ", ".join(f"{pg_schema.quoted(c)} = %s" for c in changes)
        self.conn.execute(f"UPDATE page_visits SET {assignments} WHERE participant_id = %s "
                          "AND step = %s", [*(to_sql(v) for v in changes.values()),
                                            participant_id, step])

    def visit(self, participant_id: int, step: int) -> Row | None:
        return self._one("SELECT * FROM page_visits WHERE participant_id = %s AND step = %s",
                         (participant_id, step))

    # -- shared data -----------------------------------------------------------------------
    def shared_doc(self, scope: str, key: str) -> Row | None:
        self._lock_key(f"shared:{scope}:{key}")  # changes from other sessions' steps
        return self._one("SELECT * FROM shared_docs WHERE scope = %s AND key = %s",
                         (scope, key))

    def save_shared_doc(self, scope: str, key: str, version: int, doc: str, at: str) -> None:
        self.conn.execute("INSERT INTO shared_docs VALUES (%s, %s, %s, %s, %s) ON CONFLICT "
                          "(scope, key) DO UPDATE SET version = excluded.version, doc = "
                          "excluded.doc, updated_at = excluded.updated_at",
                          (scope, key, version, doc, at))

    def shared_docs(self, scope: str | None = None) -> list[Row]:
        if scope is None:
            return self._all("SELECT * FROM shared_docs ORDER BY scope, key")
        return self._all("SELECT * FROM shared_docs WHERE scope = %s ORDER BY key", (scope,))

    def add_shared_history(self, row: Row) -> None:
        self._insert("shared_history", row)

    def shared_history(self, scope: str | None = None) -> list[Row]:
        if scope is None:
            return self._all("SELECT * FROM shared_history ORDER BY id")
        return self._all("SELECT * FROM shared_history WHERE scope = %s ORDER BY id", (scope,))

    def add_shared_message(self, row: Row) -> int:
        return self._insert("shared_messages", row)

    def shared_message_of_client(self, sender: str, client_id: str) -> Row | None:
        return self._one("SELECT m.* FROM shared_message_ids i JOIN shared_messages m ON "
                         "m.id = i.message_id WHERE i.sender = %s AND i.client_id = %s",
                         (sender, client_id))

    def add_shared_message_id(self, sender: str, client_id: str, message_id: int) -> None:
        self._insert("shared_message_ids", {"sender": sender, "client_id": client_id,
                                            "message_id": message_id})

    def shared_messages_seen_by(self, scope: str, key: str, participant: str, limit: int
                                ) -> list[Row]:
        return self._all(
            "SELECT m.*, i.client_id FROM (SELECT * FROM shared_messages WHERE scope = %s AND "
            "key = %s AND (recipient IS NULL OR recipient = %s OR sender = %s) ORDER BY id "
            "DESC LIMIT %s) m LEFT JOIN shared_message_ids i ON i.message_id = m.id ORDER BY "
            "m.id", (scope, key, participant, participant, limit))

    def shared_messages(self) -> list[Row]:
        return self._all("SELECT * FROM shared_messages ORDER BY id")

    # -- wait pages ------------------------------------------------------------------------
    def add_arrival(self, session_code: str, step: int, participant_id: int, when: str,
                    skipped: bool) -> None:
        self.conn.execute("INSERT INTO wait_arrivals (session_code, step, participant_id, "
                          "arrived_at, skipped) VALUES (%s, %s, %s, %s, %s) ON CONFLICT DO "
                          "NOTHING", (session_code, step, participant_id, when, int(skipped)))

    def arrivals(self, session_code: str, step: int) -> list[int]:
        rows = self._all(f"SELECT participant_id FROM wait_arrivals WHERE session_code = %s "
                         f"AND step = %s ORDER BY arrived_at, {ORDER}", (session_code, step))
        return [row["participant_id"] for row in rows]

    def arrival_count(self, session_code: str, step: int, participant_ids: list[int],
                      shown: bool = False) -> int:
        if not participant_ids:
            return 0
        only_shown = " AND skipped = 0" if shown else ""
        row = self._one("SELECT COUNT(*) AS n FROM wait_arrivals WHERE session_code = %s AND "
                        f"step = %s AND participant_id = ANY(%s){only_shown}",
                        (session_code, step, list(participant_ids)))
        return int(row["n"]) if row else 0

    def add_release(self, session_code: str, step: int, group_key: str, when: str) -> bool:
        cursor = self.conn.execute("INSERT INTO wait_releases VALUES (%s, %s, %s, %s) ON "
                                   "CONFLICT DO NOTHING", (session_code, step, group_key, when))
        return cursor.rowcount == 1

    def is_released(self, session_code: str, step: int, group_key: str) -> bool:
        return self._one("SELECT 1 AS x FROM wait_releases WHERE session_code = %s AND step = "
                         "%s AND group_key = %s", (session_code, step, group_key)) is not None

    def releases(self, session_code: str) -> list[Row]:
        return self._all("SELECT * FROM wait_releases WHERE session_code = %s ORDER BY "
                         "released_at", (session_code,))

    # -- what an export reads --------------------------------------------------------------
    def app_columns(self, app: str, kind: str) -> list[str]:
        table = pg_schema.PgDatabase(self.conn).table(app_tables.table_name(app, kind))
        return list(table.columns_dict)

    def app_rows(self, app: str, kind: str, session_code: str) -> list[Row]:
        if not self._table_exists(app_tables.table_name(app, kind)):
            return []
        order = {"player": "round_number, participant_id", "group": "id",
                 "subsession": "round_number"}[kind]
        return self._all(f"SELECT * FROM {self._app_table(app, kind)} WHERE session_code = %s "
                         f"ORDER BY {order}", (session_code,))

    def extra_rows(self, app: str, kind: str, criteria: Row) -> list[Row]:
        """Checked before the query: a failed statement would end the whole transaction."""
        if not self._table_exists(app_tables.table_name(app, kind)):
            return []
        where = " AND ".join(f"{pg_schema.quoted(name)} IS NOT DISTINCT FROM %s"
                             for name in criteria) or "TRUE"
        return self._all(f"SELECT * FROM {self._app_table(app, kind)} WHERE {where} ORDER BY "
                         "id", [to_sql(v) for v in criteria.values()])

    def session_visits(self, session_code: str) -> list[Row]:
        return self._all("SELECT * FROM page_visits WHERE session_code = %s "
                         "ORDER BY participant_id, step", (session_code,))

    # -- app errors ------------------------------------------------------------------------
    def record_app_error(self, row: Row) -> None:
        updates = ", ".join(f"{pg_schema.quoted(c)} = excluded.{pg_schema.quoted(c)}"
                            for c in row if c != "participant_code")
        self._insert("app_errors", row,
                     conflict=f" ON CONFLICT (participant_code) DO UPDATE SET {updates}")

    def app_error_of(self, participant_code: str) -> Row | None:
        return self._one("SELECT * FROM app_errors WHERE participant_code = %s",
                         (participant_code,))

    def app_errors_of(self, session_code: str) -> list[Row]:
        return self._all("SELECT * FROM app_errors WHERE session_code = %s", (session_code,))

    def clear_app_error(self, participant_code: str) -> None:
        self.conn.execute("DELETE FROM app_errors WHERE participant_code = %s",
                          (participant_code,))

    # -- live messages ---------------------------------------------------------------------
    def add_live_message(self, row: Row) -> int:
        return self._insert("live_messages", row)

    def add_live_delivery(self, row: Row, recipients: list[Row]) -> int:
        delivery_id = self._insert("live_messages", row)
        with self.conn.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO live_recipients (participant_code, delivery_id, id_in_group, step, "
                "page) VALUES (%s, %s, %s, %s, %s)",
                [(r["participant_code"], delivery_id, r["id_in_group"], r["step"], r["page"])
                 for r in recipients])
        return delivery_id

    def live_deliveries(self, participant_code: str, step: int, after: int, limit: int
                        ) -> list[Row]:
        return self._all(_pg(LIVE_DELIVERIES_AFTER), (participant_code, after, step, limit))

    def live_messages(self, session_code: str) -> list[Row]:
        return self._all(_pg(LIVE_MESSAGES_TIDY), (session_code, session_code))

    # -- the experimenter's chat ---------------------------------------------------------------
    def add_experimenter_message(self, row: Row) -> int:
        return self._insert("experimenter_messages", row)

    def experimenter_messages(self, session_code: str, participant_code: str | None
                              ) -> list[Row]:
        if participant_code is None:
            return self._all("SELECT * FROM experimenter_messages WHERE session_code = %s "
                             "ORDER BY id", (session_code,))
        return self._all("SELECT * FROM experimenter_messages WHERE session_code = %s AND "
                         "participant_code = %s ORDER BY id", (session_code, participant_code))


def _pg(sql: str) -> str:
    """One of ``sqlite.py``'s queries in psycopg's placeholders (they hold no literal ``?``)."""
    return sql.replace("?", "%s")


#: core tables without an ``id`` column (``_insert`` asks no id of them)
_CORE_TABLES = frozenset({"settings", "sessions", "wait_arrivals", "wait_releases",
                          "shared_docs", "app_errors", "shared_message_ids", "admin_logins"})


def _without_order(row: Row | None) -> Row | None:
    if row is not None:
        row.pop(ORDER, None)
    return row


if TYPE_CHECKING:  # the type checker proves that PostgresStore is a Store
    from ..engine.store import Store

    def _is_a_store(store: PostgresStore) -> Store:
        return store


class SweeperLock:
    """One timeout sweeper among every process serving a database: a session-level advisory
    lock held on a connection of its own. PostgreSQL releases it when that connection ends
    (the process was killed), and the next process that asks takes it over."""

    KEY = "labctl timeout sweeper:"

    def __init__(self, url: str) -> None:
        self.url = url
        self.conn: Any = None
        self.holding = False

    def held(self) -> bool:
        """Whether this process holds the lock now (asked once a second by the sweeper)."""
        try:
            if self.conn is None or self.conn.closed or self.conn.broken:
                self.conn = psycopg.connect(self.url, autocommit=True)
                self.holding = False
            if self.holding:
                self.conn.execute("SELECT 1")  # still connected, so still holding
            else:  # one lock per schema: labs in schemas of one database sweep their own
                row = self.conn.execute("SELECT pg_try_advisory_lock(hashtext(%s || "
                                        "current_schema()))", (self.KEY,)).fetchone()
                self.holding = bool(row and row[0])
        except psycopg.Error:
            self.holding = False
            if self.conn is not None:
                with suppress(psycopg.Error):
                    self.conn.close()
            self.conn = None
        return self.holding
