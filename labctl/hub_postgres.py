"""The hub across processes: PostgreSQL's LISTEN/NOTIFY, nothing more to run.

Chosen over Redis pub/sub because the lab already runs PostgreSQL once it has several
processes, and because NOTIFY is transactional: a message NOTIFYed inside a transaction is
delivered when (and only if) it commits, and notifications of different transactions arrive in
the order those committed. So the engine publishes inside its step's transaction
(``sends_at_commit``), on the store's own connection: a page never hears of a step that was
rolled back, and every process sees version 2 of a shared document before version 3, as the
in-process hub guarantees by publishing under the store's lock.

Each process keeps two more connections: one LISTENs (in a thread: a greenlet under gevent,
which psycopg waits on cooperatively) and hands what arrives to an ``InProcessHub``, whose
queues the sockets of this process read; the other reads large payloads. A process hears its
own messages the same way, so one order holds everywhere. A payload is limited to 8,000
bytes: a larger message is written to ``hub_payloads`` in the same transaction and only its
row id is sent.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
from typing import Any

from .hub import InProcessHub
from .storage.postgres import PostgresStore

log = logging.getLogger("labctl.hub")
CHANNEL = "labctl"
#: PostgreSQL refuses payloads of 8,000 bytes and more; the envelope needs a little room
MAX_INLINE = 7900
#: seconds a large payload's row is kept (every listener has read it long before)
KEEP_SECONDS = 300.0
#: seconds between reconnection attempts of a listener that lost its connection
RETRY_SECONDS = 1.0
PAYLOADS_TABLE = ("CREATE TABLE IF NOT EXISTS hub_payloads (id bigint GENERATED ALWAYS AS "
                  "IDENTITY PRIMARY KEY, body text NOT NULL, at double precision NOT NULL)")


class PostgresHub:
    """Channels across processes: ``publish`` NOTIFYs, a listener thread delivers locally."""

    #: the engine publishes inside the step's transaction (delivered at its commit)
    sends_at_commit = True

    def __init__(self, store: PostgresStore, max_queued: int = 100) -> None:
        self.store = store
        self.local = InProcessHub(max_queued)
        self._stopping = threading.Event()
        self._listening = threading.Event()
        self._large = 0
        with store.transaction():
            store.conn.execute("SELECT pg_advisory_xact_lock(hashtext('labctl migrations'))")
            store.conn.execute(PAYLOADS_TABLE)
            schema = store.conn.execute("SELECT current_schema() AS s").fetchone()["s"]
        #: one channel per schema: labs kept in schemas of one database hear only their own
        self.channel = f"{CHANNEL}:{schema}"[:63]  # LISTEN cuts names at 63 bytes
        self._thread = threading.Thread(target=self._listen, name="labctl-hub", daemon=True)
        self._thread.start()

    # -- the Hub Protocol ------------------------------------------------------------------
    def subscribe(self, channel: str, inbox: queue.Queue | None = None) -> queue.Queue:
        return self.local.subscribe(channel, inbox)

    def unsubscribe(self, channel: str, inbox: queue.Queue) -> None:
        self.local.unsubscribe(channel, inbox)

    def publish(self, channel: str, message: dict[str, Any]) -> int:
        """NOTIFY every process (in the caller's transaction when there is one); returns
        how many subscribers of this process will get it."""
        text = json.dumps({"c": channel, "m": message}, separators=(",", ":"))
        with self.store.transaction():
            if len(text.encode()) > MAX_INLINE:
                text = self._by_reference(text)
            self.store.conn.execute("SELECT pg_notify(%s, %s)", (self.channel, text))
        return self.local.subscriber_count(channel)

    def subscriber_count(self, channel: str) -> int:
        return self.local.subscriber_count(channel)

    def wait_listening(self, seconds: float) -> bool:
        """Whether the listener is connected (tests and the server's start wait for it)."""
        return self._listening.wait(seconds)

    def close(self) -> None:
        self._stopping.set()
        self._thread.join(RETRY_SECONDS * 3)

    # -- large payloads --------------------------------------------------------------------
    def _by_reference(self, text: str) -> str:
        row = self.store.conn.execute("INSERT INTO hub_payloads (body, at) VALUES (%s, %s) "
                                      "RETURNING id", (text, time.time())).fetchone()
        self._large += 1
        if self._large % 100 == 1:
            self.store.conn.execute("DELETE FROM hub_payloads WHERE at < %s",
                                    (time.time() - KEEP_SECONDS,))
        return json.dumps({"r": row["id"]})

    # -- the listener ----------------------------------------------------------------------
    def _listen(self) -> None:
        """LISTEN until closed; a lost connection (PostgreSQL restarted) is opened again
        every ``RETRY_SECONDS``, and the loss and the recovery are logged once each."""
        import psycopg

        lost = False
        while not self._stopping.is_set():
            try:
                with psycopg.connect(self.store.url, autocommit=True) as conn, \
                        psycopg.connect(self.store.url, autocommit=True) as reader:
                    conn.execute(f'LISTEN "{self.channel}"')
                    if lost:
                        log.warning("the hub listens to PostgreSQL again")
                    lost = False
                    self._listening.set()
                    while not self._stopping.is_set():
                        for note in conn.notifies(timeout=1.0):
                            # the listening connection is busy until the loop ends:
                            # large payloads are read on a connection of their own
                            self._deliver(reader, note.payload)
            except psycopg.Error as exc:
                self._listening.clear()
                if not lost:
                    log.error("the hub lost PostgreSQL (%s); pages in this process hear of "
                              "others' moves when it is back (they also poll)",
                              str(exc).strip().splitlines()[0] if str(exc).strip() else exc)
                lost = True
                self._stopping.wait(RETRY_SECONDS)

    def _deliver(self, conn: Any, payload: str) -> None:
        envelope = json.loads(payload)
        if "r" in envelope:
            row = conn.execute("SELECT body FROM hub_payloads WHERE id = %s",
                               (envelope["r"],)).fetchone()
            if row is None:
                log.error("a hub message (row %s of hub_payloads) was gone before it was read",
                          envelope["r"])
                return
            envelope = json.loads(row[0])
        self.local.publish(envelope["c"], envelope["m"])
