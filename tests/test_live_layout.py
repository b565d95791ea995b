"""The live log's layout: a delivered payload is one row with its recipients; a database of
the earlier layout (one "out" row per recipient) is converted keeping every delivery's id, so
pages resume where they were and the export reads the same."""

from __future__ import annotations

from sqlite_utils import Database

from labctl.storage import migrations
from labctl.storage.sqlite import LIVE_DELIVERIES_AFTER, SqliteStore

WHERE = {"session_code": "s1", "app": "market", "round_number": 1, "page": "Market",
         "step": 0, "at": "2026-01-01T00:00:00.000000+00:00"}


def test_deliveries_of_the_earlier_layout_keep_their_ids_for_resume_and_export(tmp_path):
    path = tmp_path / "old.db"
    old = Database(path)
    migrations.core.apply(old, stop_before="m010_liveperf_one_row_per_delivered_payload")
    old["sessions"].insert({"code": "s1", "session_type": "t"})
    for n in (1, 2):
        old["participants"].insert({"id": n, "session_code": "s1", "id_in_session": n,
                                    "code": f"p{n}"})
    old["live_messages"].insert_all([
        {**WHERE, "id": 1, "participant_code": "p1", "id_in_group": 1, "direction": "in",
         "payload": '{"price": 5}', "recipients": "1,2"},
        {**WHERE, "id": 2, "participant_code": "p1", "id_in_group": 1, "direction": "out",
         "reply_to": 1, "payload": '{"book": [5]}'},
        {**WHERE, "id": 3, "participant_code": "p2", "id_in_group": 2, "direction": "out",
         "reply_to": 1, "payload": '{"book": [5]}'},
    ])
    old.close()

    store = SqliteStore(path)  # opening applies what is pending
    try:
        assert store.live_deliveries("p2", 0, 0, 10) == [
            {"id": 3, "reply_to": 1, "payload": '{"book": [5]}'}]
        assert store.live_deliveries("p2", 0, 3, 10) == []  # seen before the upgrade
        assert store.live_deliveries("p2", 1, 0, 10) == []  # another page's
        rows = store.live_messages("s1")
    finally:
        store.close()
    assert [(r["id"], r["direction"], r["participant_code"], r["id_in_group"], r["reply_to"],
             r["recipients"], r["page"], r["step"]) for r in rows] == [
        (1, "in", "p1", 1, None, "1,2", "Market", 0),
        (2, "out", "p1", 1, 1, None, "Market", 0),
        (3, "out", "p2", 2, 1, None, "Market", 0)]


def test_a_page_resumes_through_the_recipients_key(tmp_path):
    store = SqliteStore(tmp_path / "lab.db")
    try:
        plan = " ".join(row[3] for row in store.conn.execute(
            f"EXPLAIN QUERY PLAN {LIVE_DELIVERIES_AFTER}", ("p1", 0, 0, 10)))
    finally:
        store.close()
    assert "SEARCH r USING PRIMARY KEY (participant_code=? AND delivery_id>?)" in plan
