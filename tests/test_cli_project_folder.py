"""Every command that works on a project takes it the same way: a trailing ``PROJECT_DIR`` or
``--project DIR`` (``labctl test demo -n 2 DIR`` was refused while ``labctl validate DIR``
worked). Run from the repository, which is no project, so each answer below can only come from
reading the folder given."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from labctl.cli import app

runner = CliRunner()

#: each command, and what it answers for a new project (read from that project's folder)
COMMANDS = [
    pytest.param(["validate"], "OK: 1 session type(s), 1 app(s), no problems.", id="validate"),
    pytest.param(["test", "nosuch", "-n", "2"], "no session type 'nosuch' in {root}",
                 id="test"),
    pytest.param(["run", "nosuch"], "no session type 'nosuch' in {root}", id="run"),
    pytest.param(["sessions"], "no database at {root}", id="sessions"),
    pytest.param(["export", "results", "--all"], "no database at {root}", id="export-results"),
    pytest.param(["export", "payments", "--all"], "no database at {root}",
                 id="export-payments"),
    pytest.param(["new-app", "extra"], "Created app {root}", id="new-app"),
]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "lab"
    created = runner.invoke(app, ["new-project", str(root)])
    assert created.exit_code == 0, created.output
    return root


@dataclass
class Answer:
    exit_code: int
    output: str


def _invoke(args: list[str]) -> Answer:
    """Run a command: in-process, except ``labctl run``, which patches its process with
    gevent first thing (a server must be cooperative from its first import): run in the test
    process, that patching would break every test after it."""
    if args[0] == "run":
        done = subprocess.run([sys.executable, "-m", "labctl", *args], capture_output=True,
                              text=True, timeout=60, env={**os.environ, "COLUMNS": "500"})
        return Answer(done.returncode, done.stdout + done.stderr)
    result = runner.invoke(app, args, env={"COLUMNS": "500"})
    return Answer(result.exit_code, result.output)


@pytest.mark.parametrize("spelling", ["argument", "option"])
@pytest.mark.parametrize(("command", "answer"), COMMANDS)
def test_every_command_takes_the_project_as_argument_or_option(project, command, answer,
                                                               spelling):
    given = [str(project)] if spelling == "argument" else ["--project", str(project)]
    result = _invoke([*command, *given])
    assert answer.format(root=project) in " ".join(result.output.split()), result.output


@pytest.mark.parametrize(("command", "answer"), COMMANDS)
def test_two_different_project_folders_are_refused(project, tmp_path, command, answer):
    result = _invoke([*command, str(project), "--project", str(tmp_path)])
    assert result.exit_code == 1
    assert f"two project folders given: {project} and --project {tmp_path}" in " ".join(
        result.output.split())
    assert not (project / "extra").exists()
