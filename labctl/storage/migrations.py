"""The core schema, created and upgraded by append-only, versioned migrations.

Never edit a migration that has shipped: add a new one. App tables (one per app and record kind,
typed from the app's field declarations) are not migrations: ``app_tables.sync`` creates them
and adds columns for newly declared fields whenever a project is served.
"""

from __future__ import annotations

from sqlite_utils import Database, Migrations

core = Migrations("labctl")


@core()
def m001_core_tables(db: Database) -> None:
    db.table("settings").create({"key": str, "value": str}, pk="key")
    db.table("sessions").create({
        "code": str, "session_type": str, "created_at": str, "num_participants": int,
        "params": str, "vars": str, "seed": int, "label": str,
    }, pk="code")
    db.table("participants").create({
        "id": int, "session_code": str, "id_in_session": int, "code": str, "label": str,
        "vars": str, "step": int, "app": str, "round_number": int, "page": str,
        "page_arrived_at": str, "deadline": float, "started_at": str, "finished_at": str,
        "bonus": int,
    }, pk="id", foreign_keys=[("session_code", "sessions", "code")],
        defaults={"step": -1, "bonus": 0, "vars": "{}"})
    db.table("participants").create_index(["code"], unique=True)
    db.table("participants").create_index(["session_code", "id_in_session"], unique=True)
    db.table("participants").create_index(["deadline"])
    db.table("page_visits").create({
        "id": int, "session_code": str, "participant_id": int, "step": int, "app": str,
        "round_number": int, "page": str, "arrived_at": str, "submitted_at": str,
        "seconds": float, "timed_out": int,
    }, pk="id", foreign_keys=[("participant_id", "participants", "id")])
    db.table("page_visits").create_index(["participant_id", "step"], unique=True)
    db.table("wait_arrivals").create({
        "session_code": str, "step": int, "participant_id": int, "arrived_at": str,
        "skipped": int,
    }, pk=("session_code", "step", "participant_id"))
    db.table("wait_releases").create({
        "session_code": str, "step": int, "group_key": str, "released_at": str,
    }, pk=("session_code", "step", "group_key"))


@core()
def m002_rooms_and_admin_actions(db: Database) -> None:
    db.table("sessions").add_column("room", str)
    db.table("admin_actions").create({
        "id": int, "session_code": str, "participant_code": str, "action": str,
        "step": int, "page": str, "at": str,
    }, pk="id", foreign_keys=[("session_code", "sessions", "code")])


@core()
def m003_shared_data(db: Database) -> None:
    db.table("shared_docs").create({
        "scope": str, "key": str, "version": int, "doc": str, "updated_at": str,
    }, pk=("scope", "key"))
    db.table("shared_history").create({
        "id": int, "scope": str, "key": str, "version": int, "author": str, "kind": str,
        "patch": str, "at": str,
    }, pk="id")
    db.table("shared_history").create_index(["scope", "key", "version"], unique=True)
    db.table("shared_messages").create({
        "id": int, "scope": str, "key": str, "sender": str, "recipient": str, "body": str,
        "at": str,
    }, pk="id")


@core()
def m004_partial_deadline_index(db: Database) -> None:
    """Index only the participants whose page has a deadline. Every page move sets
    ``deadline`` (to NULL, nearly always), and a full index rewrote its entry each time, a
    tenth of what a commit writes to the log (``benchmarks/RESULTS.md``). The timeout sweep's
    ``deadline <= ?`` implies ``IS NOT NULL``, so SQLite still uses this index for it."""
    db.execute("DROP INDEX IF EXISTS idx_participants_deadline")
    db.execute("CREATE INDEX idx_participants_deadline_set ON participants(deadline) "
               "WHERE deadline IS NOT NULL")


@core()
def m005_monitor_app_errors(db: Database) -> None:
    """The last app error of each participant (a researcher's hook raised on their page), so
    the monitor shows its file:line at once; written after the failing step rolled back."""
    db.table("app_errors").create({
        "participant_code": str, "session_code": str, "step": int, "page": str,
        "location": str, "message": str, "at": str,
    }, pk="participant_code")
    db.table("app_errors").create_index(["session_code"])


@core()
def m006_shared_chat_history(db: Database) -> None:
    """A page re-sends a chat message it got no answer for (the connection dropped): the
    sender's client id of each message makes the resend deliver it once; the index serves the
    history a (re)connected page shows."""
    db.table("shared_message_ids").create({
        "sender": str, "client_id": str, "message_id": int,
    }, pk=("sender", "client_id"))
    db.table("shared_messages").create_index(["scope", "key", "id"])


@core()
def m007_admin_logins(db: Database) -> None:
    """The experimenter's logins, kept on the server: the browser's cookie holds only a
    random token, whose hash is looked up here, so a logout or a new password ends a login
    (a signed cookie stayed valid forever). The password's hash is a row of ``settings``."""
    db.table("admin_logins").create({"token_hash": str, "created_at": float,
                                     "expires_at": float}, pk="token_hash")


@core()
def m008_live_messages(db: Database) -> None:
    """Every live message a page sent (``direction`` "in") and every payload its
    ``live_method`` delivered (``direction`` "out", one row per recipient, ``reply_to`` the
    message): the interaction itself is data. The index serves a page that reconnects or polls
    for what it missed (its deliveries after the last id it saw)."""
    db.table("live_messages").create({
        "id": int, "session_code": str, "participant_code": str, "id_in_group": int,
        "direction": str, "reply_to": int, "step": int, "app": str, "round_number": int,
        "page": str, "payload": str, "recipients": str, "at": str,
    }, pk="id")
    db.table("live_messages").create_index(["participant_code", "id"])
    db.table("live_messages").create_index(["session_code", "id"])


@core()
def m009_data_api_calls(db: Database) -> None:
    """Every call of the HTTP API for scripts (``labctl.server.api``): who called what, when,
    and what it answered, so the experimenter can see what scripts did to the lab's data. The
    API token's hash is a row of ``settings``."""
    db.table("api_calls").create({
        "id": int, "at": str, "address": str, "method": str, "path": str, "status": int,
        "session_code": str,
    }, pk="id")


@core()
def m010_liveperf_one_row_per_delivered_payload(db: Database) -> None:
    """A live method's payload is stored once, in one "out" row of ``live_messages`` (its
    ``recipients`` the id_in_group of each member it reached), and each recipient is a small
    row of ``live_recipients``: a market of 10 wrote its order book ten times per order (4 KB
    of database per message, a quarter of that now). The recipients' key (participant_code,
    delivery_id) is the index a page that reconnects reads its missed deliveries through.
    Each earlier per-recipient "out" row becomes a delivery with its one recipient, under its
    own id, so a page open across the upgrade resumes where it was."""
    # the same table on PostgreSQL (through pg_schema), where every table is keyed this way
    lite = isinstance(db, Database)
    number, clustered = ("INTEGER", " WITHOUT ROWID") if lite else ("BIGINT", "")
    db.execute(f"CREATE TABLE live_recipients (participant_code TEXT NOT NULL, "
               f"delivery_id {number} NOT NULL, id_in_group {number}, step {number}, "
               f"page TEXT, PRIMARY KEY (participant_code, delivery_id)){clustered}")
    db.execute("INSERT INTO live_recipients SELECT participant_code, id, id_in_group, step, "
               "page FROM live_messages WHERE direction = 'out'")
    db.execute("UPDATE live_messages SET recipients = CAST(id_in_group AS TEXT) "
               "WHERE direction = 'out'")


@core()
def m011_recipes_completion_codes(db: Database) -> None:
    """Each participant's completion code (``labctl.exit_links``), kept with their data."""
    db.table("participants").add_column("completion_code", str)


@core()
def m012_recipes_experimenter_chat(db: Database) -> None:
    """A participant's chat with the experimenter (the monitor): every message is data."""
    db.table("experimenter_messages").create({
        "id": int, "session_code": str, "participant_code": str, "sender": str, "body": str,
        "at": str,
    }, pk="id")
    db.table("experimenter_messages").create_index(["session_code", "participant_code", "id"])


@core()
def m013_labday_participants(db: Database) -> None:
    """The lab day's facts about each participant: their answer to a session type's consent
    page (``agreed`` or ``declined``) and when, when a browser claimed them through the
    session-wide link (so the next browser gets the next participant), and whether they came
    as a spare; and whether a session was sized to the seats online."""
    db.table("participants").add_column("consent", str)
    db.table("participants").add_column("consent_at", str)
    db.table("participants").add_column("claimed_at", str)
    # a seat that came to a session sized to the seats online but has no place in it: shown
    # a "you are a spare" page and paid the show-up fee
    db.table("participants").add_column("spare", int)
    db.table("sessions").add_column("sized_to_present", int)
    # the dropout policy: when a participant was taken for gone, whether their group was
    # ended for them, and who decided each page (participant, timeout, bot, admin)
    db.table("participants").add_column("dropout_at", str)
    db.table("participants").add_column("group_ended", int)
    db.table("page_visits").add_column("decided_by", str)


@core()
def m014_demo_sessions(db: Database) -> None:
    """Whether a session was made from the demo page (oTree's ``session.is_demo``): apps
    show a demo's extra buttons and shortcuts only there."""
    db.table("sessions").add_column("is_demo", int)


def apply(db: Database) -> None:
    """Bring the core schema to the newest version."""
    core.apply(db)
