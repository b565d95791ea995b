"""The results export, cell by cell against what the participants submitted.

One oracle (``expected_row``) gives every wide column's value as a Python value; the CSV must
show it as text (``1``/``0`` for booleans, empty for none, formulas defused) and the JSON as the
value itself.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from typing import Any

import pytest
from played_session import HYPERLINK, MULTILINE, SHARED_FILES, UNICODE, Played

from labctl.export import load_results, write_results
from labctl.money import format_money

WIDE_HEADER = [
    "participant.id_in_session", "participant.code", "participant.label",
    "participant.started_at", "participant.finished_at", "participant.consent",
    "participant.consent_at", "participant.bonus",
    "participant.payment", "participant.payment_formatted", "participant.vars",
    "participant.completion_code",
    "session.code", "session.session_type", "session.label", "session.room",
    "session.created_at", "session.num_participants", "session.currency", "session.fixed_pay",
    "session.params", "session.vars",
    "trust.1.player.id_in_group", "trust.1.player.role", "trust.1.player.payoff",
    "trust.1.group.id_in_subsession", "trust.1.group.sent_amount",
    "trust.1.group.sent_back_amount",
    "ultimatum.1.player.id_in_group", "ultimatum.1.player.role", "ultimatum.1.player.payoff",
    "ultimatum.1.group.id_in_subsession", "ultimatum.1.group.amount_offered",
    "ultimatum.1.group.offer_accepted",
    "ultimatum.2.player.id_in_group", "ultimatum.2.player.role", "ultimatum.2.player.payoff",
    "ultimatum.2.group.id_in_subsession", "ultimatum.2.group.amount_offered",
    "ultimatum.2.group.offer_accepted",
    "questionnaire.1.player.id_in_group", "questionnaire.1.player.role",
    "questionnaire.1.player.payoff", "questionnaire.1.player.age",
    "questionnaire.1.player.gender", "questionnaire.1.player.field_of_study",
    "questionnaire.1.player.trust_general", "questionnaire.1.player.comments",
    "questionnaire.1.group.id_in_subsession",
]


def read_csv(path) -> tuple[list[str], list[dict[str, str]]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "CSV files start with a UTF-8 byte-order mark"
    reader = csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline=""))
    return list(reader.fieldnames or []), list(reader)


def shown_in_csv(value: Any) -> str:
    """How a value must read in a CSV cell."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return str(value)


def expected_row(played: Played, me: int) -> dict[str, Any]:
    """Every wide column of participant ``me`` as the submitted answers make it."""
    answers = played.answers
    person = played.rows("SELECT * FROM participants WHERE session_code = ? AND "
                         "id_in_session = ?", played.code, me)[0]
    session = played.rows("SELECT * FROM sessions WHERE code = ?", played.code)[0]
    ultimatum = {n: played.ultimatum_payoffs(n) for n in (1, 2)}
    bonus = played.trust_payoffs()[me] + ultimatum[1][me] + ultimatum[2][me]
    row: dict[str, Any] = {
        "participant.id_in_session": me, "participant.code": person["code"],
        "participant.label": None, "participant.started_at": person["started_at"],
        "participant.finished_at": person["finished_at"], "participant.consent": None,
        "participant.consent_at": None, "participant.bonus": bonus,
        "participant.payment": 1000 + bonus,
        "participant.payment_formatted": format_money(1000 + bonus, "EUR"),
        "participant.vars": "{}",
        "participant.completion_code": person["completion_code"],
        "session.code": played.code, "session.session_type": "my_session",
        "session.label": None, "session.room": None, "session.created_at": session["created_at"],
        "session.num_participants": 4, "session.currency": "EUR", "session.fixed_pay": 1000,
        "session.params": '{"trust_multiplier": 3}', "session.vars": "{}",
    }
    (trust_pair,) = [g for g in played.groups("trust", 1) if me in g]
    trustor, trustee = trust_pair
    row.update({
        "trust.1.player.id_in_group": trust_pair.index(me) + 1,
        "trust.1.player.role": "trustor" if me == trustor else "trustee",
        "trust.1.player.payoff": played.trust_payoffs()[me],
        "trust.1.group.id_in_subsession": played.groups("trust", 1).index(trust_pair) + 1,
        "trust.1.group.sent_amount": answers.sent[trustor],
        "trust.1.group.sent_back_amount": answers.sent_back[trustee],
    })
    for n in (1, 2):
        groups = played.groups("ultimatum", n)
        (pair,) = [g for g in groups if me in g]
        proposer, responder = pair
        row.update({
            f"ultimatum.{n}.player.id_in_group": pair.index(me) + 1,
            f"ultimatum.{n}.player.role": "proposer" if me == proposer else "responder",
            f"ultimatum.{n}.player.payoff": ultimatum[n][me],
            f"ultimatum.{n}.group.id_in_subsession": groups.index(pair) + 1,
            f"ultimatum.{n}.group.amount_offered": answers.offer(proposer, n),
            f"ultimatum.{n}.group.offer_accepted": answers.accepts(responder, n),
        })
    (everyone,) = played.groups("questionnaire", 1)
    row.update({
        "questionnaire.1.player.id_in_group": everyone.index(me) + 1,
        "questionnaire.1.player.role": None, "questionnaire.1.player.payoff": 0,
        "questionnaire.1.player.age": answers.age(me),
        "questionnaire.1.player.gender": answers.gender[me],
        "questionnaire.1.player.field_of_study": answers.field_of_study[me],
        "questionnaire.1.player.trust_general": me,
        "questionnaire.1.player.comments": answers.comments[me],
        "questionnaire.1.group.id_in_subsession": 1,
    })
    return row


@pytest.fixture
def exported(played: Played, tmp_path):
    return write_results(played.store, played.project, tmp_path / "out", [played.code])


def test_the_csv_export_writes_the_wide_table_a_table_per_app_and_the_timings(exported):
    assert [path.name for path in exported] == [
        "results_wide.csv", "trust.csv", "ultimatum.csv", "questionnaire.csv",
        "page_timings.csv", *SHARED_FILES, "live_messages.csv", "experimenter_chat.csv",
        "codebook.csv", "codebook.md"]


def test_the_wide_csv_has_every_column_in_a_stable_order(played, exported):
    header, rows = read_csv(exported[0])
    assert header == WIDE_HEADER
    assert [row["participant.id_in_session"] for row in rows] == ["1", "2", "3", "4"]


@pytest.mark.parametrize("me", [1, 2, 3, 4])
def test_every_cell_of_the_wide_csv_is_what_was_submitted(played, exported, me):
    _, rows = read_csv(exported[0])
    expected = {column: shown_in_csv(value) for column, value in
                expected_row(played, me).items()}
    assert rows[me - 1] == expected


def test_the_sample_answers_cover_what_the_export_must_get_right(played, exported):
    """The answers hold a formula, Unicode, quotes and a line break, and both booleans."""
    _, rows = read_csv(exported[0])
    studies = [row["questionnaire.1.player.field_of_study"] for row in rows]
    assert studies == ["'" + HYPERLINK, UNICODE, MULTILINE, "'-5 is a negative answer"]
    assert {row["ultimatum.2.group.offer_accepted"] for row in rows} == {"0", "1"}
    assert [row["questionnaire.1.player.comments"] for row in rows] == [
        "", "'@SUM(A1:A9)", "'+1 555 0100", "fine"]


def test_a_formula_is_defused_with_an_apostrophe_but_numbers_are_not(played, exported):
    raw = exported[0].read_bytes().decode("utf-8-sig")
    assert ",'=HYPERLINK(" in raw.replace('"', "")
    assert ",=HYPERLINK(" not in raw.replace('"', "")
    _, rows = read_csv(exported[0])
    assert all(not row["participant.payment"].startswith("'") for row in rows)


def test_unicode_round_trips_through_the_csv_and_the_json(played, tmp_path):
    csv_path = write_results(played.store, played.project, tmp_path / "c", [played.code])[0]
    json_path = write_results(played.store, played.project, tmp_path / "j", [played.code],
                              "json")[0]
    assert UNICODE.encode("utf-8") in csv_path.read_bytes()
    _, rows = read_csv(csv_path)
    assert rows[1]["questionnaire.1.player.field_of_study"] == UNICODE
    data = json.loads(json_path.read_text(encoding="utf-8"))
    person = data["sessions"][0]["participants"][1]
    assert person["apps"]["questionnaire"][0]["player"]["field_of_study"] == UNICODE
    assert UNICODE in json_path.read_text(encoding="utf-8")  # not \u-escaped


def test_every_line_of_the_csv_ends_in_crlf_and_a_line_break_in_an_answer_stays_quoted(
        exported):
    raw = exported[0].read_bytes().decode("utf-8-sig")
    assert raw.endswith("\r\n")
    assert raw.count("\r\n") == 5  # the header and four participants
    assert '"psychology, ""social""\nsecond line"' in raw


@pytest.mark.parametrize(("app", "rounds"), [("trust", 1), ("ultimatum", 2),
                                             ("questionnaire", 1)])
def test_the_tidy_table_of_each_app_has_a_row_per_player_per_round(played, exported, app,
                                                                   rounds):
    (path,) = [p for p in exported if p.name == f"{app}.csv"]
    header, rows = read_csv(path)
    assert header[:5] == ["session.code", "participant.id_in_session", "participant.code",
                          "participant.label", "round_number"]
    assert len(rows) == 4 * rounds
    fields = [c.split(".", 3)[3] for c in WIDE_HEADER if c.startswith(f"{app}.1.")]
    kinds = [c.split(".", 3)[2] for c in WIDE_HEADER if c.startswith(f"{app}.1.")]
    assert header[5:] == [f"{kind}.{name}" for kind, name in zip(kinds, fields, strict=True)]
    for row in rows:
        me, n = int(row["participant.id_in_session"]), int(row["round_number"])
        wide = expected_row(played, me)
        for column in header[5:]:
            assert row[column] == shown_in_csv(wide[f"{app}.{n}.{column}"]), (me, n, column)


def test_page_timings_have_a_row_per_page_visit_with_its_seconds(played, exported):
    header, rows = read_csv(next(p for p in exported if p.name == "page_timings.csv"))
    assert header == ["session.code", "participant.id_in_session", "participant.code",
                      "participant.label", "step", "app", "round_number", "page",
                      "is_wait_page", "arrived_at", "submitted_at", "seconds", "timed_out",
                      "decided_by"]
    visits = played.rows("SELECT v.*, p.id_in_session FROM page_visits v JOIN participants p "
                         "ON p.id = v.participant_id WHERE v.session_code = ? "
                         "ORDER BY p.id_in_session, v.step", played.code)
    assert len(rows) == len(visits) > 0
    waits = {"WaitForTrustor", "ResultsWait", "WaitForOffer"}
    for row, visit in zip(rows, visits, strict=True):
        assert row["participant.id_in_session"] == str(visit["id_in_session"])
        assert (row["step"], row["app"], row["round_number"], row["page"]) == (
            str(visit["step"]), visit["app"], str(visit["round_number"]), visit["page"])
        assert row["arrived_at"] == visit["arrived_at"]
        assert row["submitted_at"] == visit["submitted_at"]
        assert float(row["seconds"]) == visit["seconds"]
        spent = (datetime.fromisoformat(visit["submitted_at"])
                 - datetime.fromisoformat(visit["arrived_at"])).total_seconds()
        assert float(row["seconds"]) == pytest.approx(spent, abs=1e-6)
        assert row["timed_out"] == "0"
        assert row["is_wait_page"] == ("1" if visit["page"] in waits else "0")
        # every form page was answered by its participant; a wait page decides nothing
        assert row["decided_by"] == ("" if visit["page"] in waits else "participant")
    first = rows[0]
    assert (first["page"], first["seconds"]) == ("Send", "1.25")  # 1.25 s by the fake clock


def test_the_json_holds_the_same_content_nested(played, tmp_path):
    path, *codebook = write_results(played.store, played.project, tmp_path / "out",
                                    [played.code], "json")
    assert [p.name for p in codebook] == ["live_messages.csv", "experimenter_chat.csv",
                                          "codebook.csv", "codebook.md"]
    assert path.name == "results.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    (session,) = data["sessions"]
    assert session["code"] == played.code
    assert session["params"] == {"trust_multiplier": 3}
    assert [p["id_in_session"] for p in session["participants"]] == [1, 2, 3, 4]
    for me, person in enumerate(session["participants"], start=1):
        for column, value in expected_row(played, me).items():
            if column.startswith(("participant.", "session.")):
                kind, name = column.split(".")
                found = (person if kind == "participant" else session)[name]
                if name in ("vars", "params"):
                    found = json.dumps(found)
            else:
                app, n, kind, name = column.split(".")
                entry = person["apps"][app][int(n) - 1]
                assert entry["round_number"] == int(n)
                found = entry[kind][name]
            assert found == value, (me, column)
            assert type(found) is type(value), (me, column)
    timings = [t for p in session["participants"] for t in p["page_timings"]]
    assert len(timings) == len(played.rows("SELECT * FROM page_visits WHERE session_code = ?",
                                           played.code))
    assert {t["timed_out"] for t in timings} == {False}


def test_all_sessions_share_one_header_and_keep_their_order(played, tmp_path):
    codes = [played.code, played.running_code, played.idle_code]
    wide = load_results(played.store, played.project, codes).wide()
    assert wide.columns == WIDE_HEADER
    assert [row["session.code"] for row in wide.rows] == [c for c in codes for _ in range(4)]
    idle = [row for row in wide.rows if row["session.code"] == played.idle_code]
    assert all(row["participant.started_at"] is None for row in idle)
    assert all(row["questionnaire.1.player.age"] is None for row in idle)


def test_exporting_again_gives_the_same_bytes_and_leaves_no_partial_file(played,
                                                                          tmp_path):
    out = tmp_path / "out"
    first = [p.read_bytes() for p in write_results(played.store, played.project, out,
                                                   [played.code])]
    again = [p.read_bytes() for p in write_results(played.store, played.project, out,
                                                   [played.code])]
    assert first == again  # the same data gives the same bytes
    assert not list(out.glob("*.partial"))


def test_progress_is_reported_up_to_the_total(played, tmp_path):
    seen: list[tuple[str, int, int]] = []
    write_results(played.store, played.project, tmp_path / "out",
                  [played.code, played.idle_code], progress=lambda *a: seen.append(a))
    assert [done for _, done, _ in seen] == list(range(1, 17))  # 2 sessions, 14 files
    assert {total for _, _, total in seen} == {16}
    assert seen[-1][0] == "wrote codebook.md"
