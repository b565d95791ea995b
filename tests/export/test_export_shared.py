"""Shared data in the export: each store's history entry by entry, final documents, messages."""

from __future__ import annotations

import csv
import json

from labctl.engine import Engine
from labctl.export import csv_cell, load_results, write_results
from labctl.project import load_project
from labctl.storage.sqlite import SqliteStore


def read_csv(path):
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def test_every_change_of_every_store_is_exported_in_order(sample_project, tmp_path):
    project = load_project(sample_project)
    store = SqliteStore(tmp_path / "lab.db")
    engine = Engine(project, store)
    code = engine.create_session("my_session", 4, seed=3)
    other = engine.create_session("my_session", 4, seed=4)
    first, second = [r["code"] for r in engine.participant_rows(code)][:2]
    stranger = engine.participant_rows(other)[0]["code"]
    for participant in (first, second, stranger):
        with engine.view(participant):
            pass
    group = engine.shared_target(first, "group")
    engine.shared_change(first, group, 0, patch=[{"op": "add", "path": "/chat", "value": []}])
    engine.shared_change(second, group, 1, patch=[{"op": "add", "path": "/chat/-",
                                                   "value": "=1+1"}])
    refused = engine.shared_change(first, group, 1, replace={"chat": []})
    engine.shared_change(first, engine.shared_target(first, "study"), 0, replace={"seen": 1})
    engine.admin_replace_batch("my_session", 0, {"next_treatment": 1})
    engine.shared_change(stranger, engine.shared_target(stranger, "group"), 0,
                         replace={"elsewhere": True})
    engine.shared_message(second, group, "hello", to=1)

    written = write_results(store, project, tmp_path / "out", [code])
    files = {path.name: path for path in written}

    assert not refused.accepted
    group_rows = read_csv(files["group_data.csv"])
    # a code may start with "-": the CSV shows it as the exporter escapes every text cell
    first_cell, second_cell = csv_cell(first), csv_cell(second)
    assert [(r["key"], r["version"], r["author"], r["kind"]) for r in group_rows] == [
        (group.key, "1", first_cell, "patch"), (group.key, "2", second_cell, "patch")]
    assert json.loads(group_rows[1]["patch"]) == [{"op": "add", "path": "/chat/-",
                                                   "value": "=1+1"}]
    batch_rows = read_csv(files["batch_data.csv"])
    assert [(r["key"], r["version"], r["author"], r["kind"]) for r in batch_rows] == [
        ("my_session", "1", "admin", "replace")]
    study_rows = read_csv(files["study_data.csv"])
    assert [(r["key"], r["version"], r["author"]) for r in study_rows] == [
        (first_cell, "1", first_cell)]
    documents = {(r["scope"], r["key"]): r for r in read_csv(files["shared_documents.csv"])}
    assert set(documents) == {("group", group.key), ("study", first_cell),
                              ("batch", "my_session")}
    assert json.loads(documents[("group", group.key)]["doc"]) == {"chat": ["=1+1"]}
    messages = read_csv(files["shared_messages.csv"])
    assert [(m["sender"], m["recipient"], json.loads(m["body"])) for m in messages] == [
        (second_cell, first_cell, "hello")]

    nested = load_results(store, project, [code]).as_json()["shared_data"]
    assert [h["version"] for h in nested["history"]["group"]] == [1, 2]
    assert nested["history"]["group"][1]["patch"][0]["value"] == "=1+1"
    assert len(nested["documents"]) == 3
