"""Fixtures of the bots tests: the CLI through typer's CliRunner, and projects to play.

``labctl test`` starts ``labctl run`` as a subprocess of its own and plays it with bots, so
every test here that calls it spawns one server (about one to five seconds each).

- ``cli(*args)``: runs a ``labctl`` command in-process and returns the ``Result``;
- ``templates_project``: a project made with ``labctl new-project`` and one ``labctl new-app
  my_T --template T`` per app template, all in one session type ``all_templates``;
- ``small_project(apps, num_participants)``: a one-session-type project written into
  ``tmp_path`` from app sources (``{"name": {"__init__.py": ..., "Page.html": ...}}``).
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from labctl.cli import app
from labctl.scaffold import list_templates

#: wide enough that rich never folds a file path in what the tests read
ENV = {"COLUMNS": "500"}
#: divisible by every template's group size (2 and 3)
TEMPLATES_PARTICIPANTS = 6

runner = CliRunner()


@pytest.fixture
def cli() -> Callable[..., Result]:
    """``cli("test", "my_session", "--project", path)``: exit code and output (stdout and
    stderr) of one command."""

    def invoke(*args: object) -> Result:
        return runner.invoke(app, [str(a) for a in args], env=ENV)

    return invoke


@pytest.fixture
def templates_project(tmp_path: Path, cli: Callable[..., Result]) -> Path:
    """A new project with one app from every template, in one session type of 6."""
    project = tmp_path / "mylab"
    created = cli("new-project", project)
    assert created.exit_code == 0, created.output
    names = []
    for template in list_templates():
        name = f"my_{template.name}"
        result = cli("new-app", name, "--template", template.name, "--project", project)
        assert result.exit_code == 0, result.output
        names.append(name)
    (project / "sessions.py").write_text(textwrap.dedent(f"""\
        from labctl import SessionType

        SESSION_TYPES = [
            SessionType(
                name="all_templates",
                fixed_pay=500,
                currency="EUR",
                app_sequence={names!r},
                num_participants={TEMPLATES_PARTICIPANTS},
            ),
        ]
        """))
    return project


@pytest.fixture
def small_project(tmp_path: Path) -> Callable[..., Path]:
    """``small_project({"app": {"__init__.py": source, "Page.html": html}}, 2)`` writes a
    project whose session type ``play`` runs those apps in order."""

    def make(apps: dict[str, dict[str, str]], num_participants: int,
             name: str = "small") -> Path:
        project = tmp_path / name
        project.mkdir()
        for app_name, files in apps.items():
            (project / app_name).mkdir()
            for file_name, text in files.items():
                (project / app_name / file_name).write_text(textwrap.dedent(text))
        (project / "sessions.py").write_text(textwrap.dedent(f"""\
            from labctl import SessionType

            SESSION_TYPES = [
                SessionType(name="play", fixed_pay=0, currency="EUR",
                            app_sequence={list(apps)!r}, num_participants={num_participants}),
            ]
            """))
        return project

    return make
