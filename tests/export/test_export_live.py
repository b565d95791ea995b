"""``live_messages.csv``: every live message in and every delivery out, one row each, only of
the exported sessions."""

from __future__ import annotations

import csv
import json

from live_counter import counter_project

from labctl.engine import Engine
from labctl.export import write_results
from labctl.project import load_project
from labctl.storage.sqlite import SqliteStore


def test_live_messages_are_one_tidy_table_of_the_exported_sessions(tmp_path):
    project = load_project(counter_project(tmp_path / "project"))
    store = SqliteStore(tmp_path / "labctl.db")
    try:
        engine = Engine(project, store)
        played, other = (engine.create_session("counter") for _ in range(2))
        codes = [row["code"] for row in engine.participant_rows(played)]
        for code in codes + [row["code"] for row in engine.participant_rows(other)]:
            with engine.view(code):
                pass
        mid = engine.live_message(codes[1], 0, {"kind": "whisper", "to": 3})
        engine.live_message(engine.participant_rows(other)[0]["code"], 0, {"kind": "click"})

        written = write_results(store, project, tmp_path / "out", [played])
    finally:
        store.close()
        project.unload()

    [path] = [p for p in written if p.name == "live_messages.csv"]
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["direction"], r["participant_code"], r["id_in_group"], r["reply_to"],
             json.loads(r["payload"]), r["recipients"]) for r in rows] == [
        ("in", codes[1], "2", "", {"kind": "whisper", "to": 3}, "3"),
        ("out", codes[2], "3", str(mid), {"from": 2}, ""),
    ]
    assert {(r["session_code"], r["app"], r["round_number"], r["page"], r["step"])
            for r in rows} == {(played, "counter", "1", "Count", "0")}
