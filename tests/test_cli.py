"""The CLI through typer's CliRunner: exit codes and what a researcher reads."""

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

import labctl
from labctl.cli import app

SAMPLE = Path(__file__).resolve().parent.parent / "sample_sessions"
runner = CliRunner()


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args], env={"COLUMNS": "200"})


def test_help_lists_every_command_with_a_summary():
    result = invoke("--help")
    assert result.exit_code == 0
    for command in ("validate", "new-project", "new-app"):
        assert command in result.output
    assert "Check sessions.py and every app" in result.output


def test_version():
    result = invoke("--version")
    assert result.exit_code == 0
    assert result.output.strip() == f"labctl {labctl.__version__}"


def test_validate_sample_prints_the_session_tree():
    result = invoke("validate", SAMPLE)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    order = ["trust — 2 groups of 2", "ultimatum round 1", "ultimatum round 2",
             "questionnaire — one group of 4"]
    positions = [next(i for i, line in enumerate(lines) if text in line) for text in order]
    assert positions == sorted(positions)
    assert "my_session" in result.output
    assert "4 participants" in result.output
    assert "EUR 10.00" in result.output


def test_validate_reports_every_problem_as_a_table_and_exits_1(tmp_path):
    project = tmp_path / "broken"
    shutil.copytree(SAMPLE, project)
    sessions = project / "sessions.py"
    text = sessions.read_text().replace("fixed_pay=1000", "fixed_pay=-1")
    sessions.write_text(text.replace('"questionnaire"]', '"questionaire"]'))
    result = invoke("validate", project)
    assert result.exit_code == 1
    assert "LC113" in result.output and "LC112" in result.output
    assert "did you mean 'questionnaire'?" in result.output
    assert "2 problems found" in result.output
    assert "Traceback" not in result.output


def test_validate_reports_a_syntax_error_without_a_traceback(tmp_path):
    project = tmp_path / "broken"
    shutil.copytree(SAMPLE, project)
    (project / "trust" / "__init__.py").write_text("import labctl\napp = labctl.App(\n")
    result = invoke("validate", project)
    assert result.exit_code == 1
    assert "LC101" in result.output
    assert "trust/__init__.py:2" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(("folder", "message"), [
    ("missing", "is not a folder"),
    ("empty", "has no sessions.py"),
])
def test_validate_outside_a_project_is_one_clear_line(tmp_path, folder, message):
    (tmp_path / "empty").mkdir()
    result = invoke("validate", tmp_path / folder)
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output


def test_new_project_creates_a_project_that_validates(tmp_path):
    target = tmp_path / "mylab"
    result = invoke("new-project", target)
    assert result.exit_code == 0, result.output
    assert "labctl validate" in result.output
    assert (target / "sessions.py").is_file()
    assert (target / "my_app" / "__init__.py").is_file()
    check = invoke("validate", target)
    assert check.exit_code == 0, check.output
    assert "demo" in check.output


def test_new_project_refuses_to_overwrite(tmp_path):
    target = tmp_path / "mylab"
    target.mkdir()
    (target / "notes.txt").write_text("mine")
    result = invoke("new-project", target)
    assert result.exit_code == 1
    assert "already exists" in result.output
    assert (target / "notes.txt").read_text() == "mine"


def test_new_app_adds_a_working_app(tmp_path):
    target = tmp_path / "mylab"
    invoke("new-project", target)
    result = invoke("new-app", "second_game", "--project", target)
    assert result.exit_code == 0, result.output
    assert "app_sequence" in result.output
    sessions = target / "sessions.py"
    sessions.write_text(sessions.read_text().replace('["my_app"]', '["my_app", "second_game"]'))
    check = invoke("validate", target)
    assert check.exit_code == 0, check.output
    assert "second_game" in check.output


@pytest.mark.parametrize(("name", "message"), [
    ("my_app", "already exists"),
    ("My-App", "not a valid app name"),
    ("2fast", "not a valid app name"),
    ("class", "not a valid app name"),
    ("admin", "reserved by labctl"),
])
def test_new_app_rejects_bad_or_taken_names(tmp_path, name, message):
    target = tmp_path / "mylab"
    invoke("new-project", target)
    before = sorted(p.name for p in target.iterdir())
    result = invoke("new-app", name, "--project", target)
    assert result.exit_code == 1
    assert message in result.output
    assert sorted(p.name for p in target.iterdir()) == before


def test_new_app_outside_a_project(tmp_path):
    result = invoke("new-app", "game", "--project", tmp_path)
    assert result.exit_code == 1
    assert "not a labctl project" in result.output


def test_new_app_unknown_template(tmp_path):
    target = tmp_path / "mylab"
    invoke("new-project", target)
    result = invoke("new-app", "game", "--template", "nope", "--project", target)
    assert result.exit_code == 1
    assert "no app template 'nope'" in result.output


def test_new_app_lists_templates():
    result = invoke("new-app", "--list")
    assert result.exit_code == 0
    assert "blank" in result.output


def test_test_leaves_out_an_app_folder_no_session_type_plays_when_it_has_problems(tmp_path):
    # oTree never loads an app that no session config lists; its mistakes block nothing else
    target = tmp_path / "mylab"
    invoke("new-project", target)
    invoke("new-app", "unfinished", "--project", target)
    init = target / "unfinished" / "__init__.py"
    init.write_text("from otree.api import *\n" + init.read_text())

    checked = invoke("validate", target)
    assert checked.exit_code == 1 and "unfinished/__init__.py:1" in checked.output

    played = invoke("test", "demo", target)
    assert played.exit_code == 0, played.output
    assert "Left out: unfinished (not played here; 1 problem" in played.output

    played = target / "my_app" / "__init__.py"
    original = played.read_text()
    played.write_text("from .. import unfinished\n" + original)  # a played app needs it
    refused = invoke("test", "demo", target)
    assert refused.exit_code == 1 and "the project has" in refused.output
    played.write_text(original)

    sessions = target / "sessions.py"
    sessions.write_text(sessions.read_text().replace('["my_app"]', '["my_app", "unfinished"]'))
    refused = invoke("test", "demo", target)
    assert refused.exit_code == 1 and "the project has" in refused.output


def test_test_leaves_out_the_apps_of_other_session_types_with_problems(tmp_path):
    # oTree runs a session config whatever another config's apps hold; so does labctl test
    target = tmp_path / "mylab"
    invoke("new-project", target)
    invoke("new-app", "unfinished", "--project", target)
    (target / "unfinished" / "Results.html").unlink()  # a page without its template (LC133)
    sessions = target / "sessions.py"
    sessions.write_text(sessions.read_text().replace(
        "SESSION_TYPES = [", 'SESSION_TYPES = [\n    SessionType(name="later", '
        'app_sequence=["unfinished"]),'))

    played = invoke("test", "demo", target)
    assert played.exit_code == 0, played.output
    assert "Left out: unfinished (not played here; 1 problem" in played.output
    refused = invoke("test", "later", target)
    assert refused.exit_code == 1 and "LC133" in refused.output

