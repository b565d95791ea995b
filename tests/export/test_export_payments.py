"""The payments sheet, and a session that pays points with exact decimal fields.

Amounts are integers in minor units, so every sum is checked exactly, against the engine's own
payments and against the payoffs the answers make.
"""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal

import pytest
from played_session import FakeClock

from labctl.engine import Engine
from labctl.export import load_results, write_payments, write_results
from labctl.storage.sqlite import SqliteStore


def read_csv(path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_bytes().decode("utf-8-sig"), newline="")))


def test_the_payments_csv_has_a_row_per_participant_and_a_total_per_session(played, tmp_path):
    codes = [played.code, played.running_code, played.idle_code]
    (path, *_), _ = write_payments(played.store, played.project, tmp_path / "out", codes)
    assert path.name == "payments.csv"
    rows = read_csv(path)
    assert list(rows[0]) == [
        "session.code", "participant.id_in_session", "participant.code", "participant.label",
        "recruitment_id", "started", "finished", "in_total", "currency", "fixed_pay",
        "bonus_points", "bonus", "total", "paid", "fixed_pay_formatted", "bonus_formatted",
        "total_formatted", "paid_formatted", "note"]
    assert len(rows) == 3 * 5
    for code in codes:
        mine = [row for row in rows if row["session.code"] == code]
        people, total = mine[:-1], mine[-1]
        assert (total["participant.label"], total["participant.code"]) == ("Total", "")
        engine_payments = played.engine.payments(code)
        assert [int(row["total"]) for row in people] == [p.total for p in engine_payments]
        assert [int(row["bonus"]) for row in people] == [p.bonus_money for p in engine_payments]
        counted = [row for row in people if row["started"] == "1"]
        assert [row["in_total"] for row in people] == [row["started"] for row in people]
        for column in ("fixed_pay", "bonus", "total", "paid"):
            assert int(total[column]) == sum(int(row[column]) for row in counted)
        assert int(total["total"]) == sum(p.total for p in engine_payments if p.started)
        assert all(row["currency"] == "EUR" and row["bonus_points"] == "" for row in mine)


def test_payments_are_the_fixed_pay_plus_the_payoffs_the_answers_make(played, tmp_path):
    (path, *_), table = write_payments(played.store, played.project, tmp_path / "out",
                                    [played.code])
    rows = read_csv(path)
    trust = played.trust_payoffs()
    rounds = [played.ultimatum_payoffs(1), played.ultimatum_payoffs(2)]
    bonuses = {me: trust[me] + rounds[0][me] + rounds[1][me] for me in range(1, 5)}
    for row in rows[:-1]:
        me = int(row["participant.id_in_session"])
        assert int(row["fixed_pay"]) == 1000
        assert int(row["bonus"]) == bonuses[me]
        assert int(row["total"]) == 1000 + bonuses[me]
        assert row["total_formatted"] == f"EUR {(1000 + bonuses[me]) / 100:.2f}"
        assert (row["started"], row["finished"]) == ("1", "1")
    assert int(rows[-1]["total"]) == 4000 + sum(bonuses.values())
    assert table.rows[-1]["total"] == 4000 + sum(bonuses.values())


def test_payments_show_who_never_started(played, tmp_path):
    (path, *_), _ = write_payments(played.store, played.project, tmp_path / "out",
                                [played.running_code])
    rows = read_csv(path)[:-1]
    assert [(row["started"], row["finished"]) for row in rows] == [
        ("1", "0"), ("0", "0"), ("0", "0"), ("0", "0")]


def test_payments_json_has_the_same_amounts_nested(played, tmp_path):
    written, table = write_payments(played.store, played.project, tmp_path / "out",
                                    [played.code], "json")
    assert [path.name for path in written] == [
        "payments.csv", "payments_orsee.csv", "payments_sona.csv", "payments.json"]
    data = json.loads(written[-1].read_text(encoding="utf-8"))
    (session,) = data["sessions"]
    assert (session["code"], session["currency"]) == (played.code, "EUR")
    assert [p["total"] for p in session["participants"]] == [
        p.total for p in played.engine.payments(played.code)]
    assert session["total"]["total"] == table.rows[-1]["total"]
    assert session["participants"][0]["finished"] is True


@pytest.fixture
def points_session(points_project, tmp_path):
    """A played session of the points project: (store, project, session code)."""
    root, project = points_project()
    store = SqliteStore(root / "labctl.db")
    engine = Engine(project, store, clock=FakeClock())
    code = engine.create_session("points", 2, seed=3)
    answers = {1: [("1", "3.140", "1"), ("2", "-0.125", "0")],
               2: [("5", "10", "0"), ("0", "0.001", "1")]}
    for row in engine.participant_rows(code):
        for earned, guess, sure in answers[row["id_in_session"]]:
            with engine.view(row["code"]) as view:
                index = view.index
            result = engine.submit(row["code"], index,
                                   {"earned": earned, "guess": guess, "sure": sure})
            assert result.status == "advanced", result
    yield store, project, code
    store.close()


def test_points_are_converted_once_per_participant_and_totals_add_up(points_session, tmp_path):
    store, project, code = points_session
    (path, *_), _ = write_payments(store, project, tmp_path / "out", [code])
    rows = read_csv(path)
    # 3 points at 0.5 cent: 1.5 rounds up to 2; 5 points: 2.5 rounds up to 3
    assert [(r["bonus_points"], r["bonus"], r["total"]) for r in rows] == [
        ("3", "2", "502"), ("5", "3", "503"), ("8", "5", "1005")]
    assert rows[-1]["total_formatted"] == "EUR 10.05"


def test_decimals_are_exact_text_and_negative_numbers_are_not_defused(points_session,
                                                                      tmp_path):
    store, project, code = points_session
    path = write_results(store, project, tmp_path / "out", [code])[0]
    rows = read_csv(path)
    assert [(r["earn.1.player.guess"], r["earn.2.player.guess"]) for r in rows] == [
        ("3.140", "-0.125"), ("10", "0.001")]
    assert [(r["earn.1.player.sure"], r["earn.2.player.sure"]) for r in rows] == [
        ("1", "0"), ("0", "1")]
    assert rows[0]["earn.1.subsession.exchange_rate_shown"] == "0.5"
    results = load_results(store, project, [code])
    assert results.wide().rows[0]["earn.2.player.guess"] == Decimal("-0.125")
    json_path = write_results(store, project, tmp_path / "json", [code], "json")[0]
    person = json.loads(json_path.read_text(encoding="utf-8"))["sessions"][0]["participants"][0]
    assert person["apps"]["earn"][0]["player"]["guess"] == "3.140"
    assert person["apps"]["earn"][1]["player"]["sure"] is False
    assert person["apps"]["earn"][0]["subsession"] == {"exchange_rate_shown": "0.5"}


def test_a_column_of_a_field_no_longer_declared_is_still_exported(points_session, tmp_path):
    store, project, code = points_session
    with store.transaction():
        store.db["earn_player"].add_column("old_question", str)
        store.conn.execute("UPDATE earn_player SET old_question = 'kept' WHERE round_number = 1")
    table = load_results(store, project, [code]).app_table("earn")
    player_columns = [c for c in table.columns if c.startswith("player.")]
    assert player_columns == ["player.id_in_group", "player.role", "player.payoff",
                              "player.earned", "player.guess", "player.sure",
                              "player.old_question"]
    assert [row["player.old_question"] for row in table.rows] == ["kept", "kept", None, None]
