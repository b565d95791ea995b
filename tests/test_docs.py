"""The README documents every command, and the public API is what __all__ says."""

import re
from pathlib import Path

import typer.main

import labctl
from labctl.cli import app

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")


def test_every_cli_command_is_in_the_readme():
    group = typer.main.get_command(app)
    for name in group.commands:
        assert f"labctl {name}" in README, f"`labctl {name}` is missing from README.md"


def test_readme_starts_with_the_two_setup_commands():
    blocks = re.findall(r"```(?:bash|sh)\n(.*?)```", README, flags=re.S)
    assert blocks, "README.md has no shell block"
    commands = [line for line in blocks[0].splitlines() if line and not line.startswith("#")]
    assert len(commands) == 2
    assert "sample_sessions" in commands[0]
    assert "pytest" in commands[1]


def test_all_exports_exist_and_are_complete():
    for name in labctl.__all__:
        assert hasattr(labctl, name), name
    public = {name for name in vars(labctl) if not name.startswith("_")
              and not isinstance(getattr(labctl, name), type(labctl))}
    assert public <= set(labctl.__all__), public - set(labctl.__all__)
