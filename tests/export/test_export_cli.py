"""``labctl export results``, ``labctl export payments`` and ``labctl sessions`` through
typer's CliRunner: exit codes, the files written and what a researcher reads."""

from __future__ import annotations

import csv
import io
import json

import pytest
from typer.testing import CliRunner

from labctl.cli import app

runner = CliRunner()


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args], env={"COLUMNS": "200"})


def wide_rows(folder) -> list[dict[str, str]]:
    text = (folder / "results_wide.csv").read_bytes().decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text, newline="")))


def one_error_line(result) -> str:
    """The command failed with exit code 1 and one red line, no traceback."""
    assert result.exit_code == 1, result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: ")
    assert "Traceback" not in result.output
    return lines[0]


def test_export_results_writes_every_session_by_default(played, tmp_path):
    out = tmp_path / "out"
    result = invoke("export", "results", "--project", played.project_dir, "--out", out)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == [
        "batch_data.csv", "codebook.csv", "codebook.md", "experimenter_chat.csv",
        "group_data.csv", "live_messages.csv",
        "page_timings.csv", "questionnaire.csv", "results_wide.csv", "shared_documents.csv",
        "shared_messages.csv", "study_data.csv", "trust.csv", "ultimatum.csv"]
    assert "Wrote 14 files" in result.output
    codes = [row["session.code"] for row in wide_rows(out)]
    assert codes == [c for c in (played.code, played.running_code, played.idle_code)
                     for _ in range(4)]


def test_export_results_all_is_every_session(played, tmp_path):
    out = tmp_path / "out"
    result = invoke("export", "results", "--all", "--project", played.project_dir,
                    "--out", out)
    assert result.exit_code == 0, result.output
    assert len(wide_rows(out)) == 12


def test_export_results_of_chosen_sessions(played, tmp_path):
    out = tmp_path / "out"
    result = invoke("export", "results", "--session", played.idle_code, "-s", played.code,
                    "--project", played.project_dir, "--out", out)
    assert result.exit_code == 0, result.output
    assert [row["session.code"] for row in wide_rows(out)] == [played.code] * 4 + [
        played.idle_code] * 4  # oldest first


def test_export_results_as_json_with_an_explicit_db(played, tmp_path):
    out = tmp_path / "out"
    result = invoke("export", "results", "--format", "json", "--db", played.db,
                    "--project", played.project_dir, "--session", played.code, "--out", out)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == [
        "codebook.csv", "codebook.md", "experimenter_chat.csv", "live_messages.csv",
        "results.json"]
    data = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert [s["code"] for s in data["sessions"]] == [played.code]


def test_export_payments_prints_the_sheet_with_its_total_and_writes_it(played, tmp_path):
    out = tmp_path / "out"
    result = invoke("export", "payments", "--session", played.code, "--format", "json",
                    "--project", played.project_dir, "--out", out)
    assert result.exit_code == 0, result.output
    total = sum(p.total for p in played.engine.payments(played.code))
    assert f"Payments of session {played.code}" in result.output
    assert "Total" in result.output
    assert f"EUR {total / 100:.2f}" in result.output
    assert sorted(p.name for p in out.iterdir()) == [
        "payments.csv", "payments.json", "payments_orsee.csv", "payments_sona.csv"]
    # the played session's participants have no labels: nobody can be booked back, said so
    assert "4 participant(s) who took part have no label" in " ".join(result.output.split())


@pytest.mark.parametrize("command", ["results", "payments"])
def test_an_unknown_session_code_is_one_clear_line(played, tmp_path, command):
    out = tmp_path / "out"
    result = invoke("export", command, "--session", played.code, "--session", "nope1234",
                    "--project", played.project_dir, "--out", out)
    line = one_error_line(result)
    assert "no session 'nope1234'" in line
    assert "labctl sessions" in line
    assert not out.exists() or not list(out.iterdir())


def test_session_and_all_together_are_refused(played, tmp_path):
    result = invoke("export", "results", "--all", "--session", played.code,
                    "--project", played.project_dir, "--out", tmp_path / "out")
    assert "either --session or --all" in one_error_line(result)


@pytest.mark.parametrize("command", [["export", "results"], ["export", "payments"],
                                     ["sessions"]])
def test_a_missing_database_is_an_error_that_says_to_run_first(sample_project, tmp_path,
                                                               command):
    result = invoke(*command, "--project", sample_project, "--db", tmp_path / "none.db")
    line = one_error_line(result)
    assert "no database at" in line and "labctl run" in line
    assert not (tmp_path / "none.db").exists()  # looking did not create an empty one


def test_a_missing_project_database_is_an_error_too(sample_project, tmp_path):
    result = invoke("export", "results", "--project", sample_project, "--out", tmp_path / "o")
    assert "no database at" in one_error_line(result)


def test_an_empty_database_has_nothing_to_export(sample_project, tmp_path):
    from labctl.storage.sqlite import SqliteStore

    SqliteStore(sample_project / "labctl.db").close()
    result = invoke("export", "results", "--project", sample_project, "--out", tmp_path / "o")
    assert "there are no sessions" in one_error_line(result)
    listed = invoke("sessions", "--project", sample_project)
    assert listed.exit_code == 0, listed.output
    assert "No sessions in" in listed.output


def test_a_folder_that_is_not_a_project_is_one_line(tmp_path):
    result = invoke("export", "results", "--project", tmp_path, "--out", tmp_path / "o")
    assert "has no sessions.py" in one_error_line(result)


def test_sessions_lists_each_session_with_its_status(played):
    result = invoke("sessions", "--project", played.project_dir)
    assert result.exit_code == 0, result.output
    lines = {code: next(line for line in result.output.splitlines() if code in line)
             for code in (played.code, played.running_code, played.idle_code)}
    assert "finished" in lines[played.code]
    assert "running" in lines[played.running_code]
    assert "not started" in lines[played.idle_code]
    assert "my_session" in lines[played.code]
    assert "2023-11-14 22:13" in lines[played.code]
    assert cells(lines[played.running_code])[-4:] == ["4", "1", "0", "running"]
    assert cells(lines[played.code])[-4:] == ["4", "4", "4", "finished"]


def cells(line: str) -> list[str]:
    """The cells of a row of a rich table."""
    return [cell.strip() for cell in line.split("│") if cell.strip()]


def test_the_export_group_shows_its_commands():
    result = invoke("export", "--help")
    assert result.exit_code == 0
    assert "results" in result.output and "payments" in result.output
