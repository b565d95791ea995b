"""The README documents every command, the public API is what __all__ says, and no file cites
a document outside this repository."""

import re
import subprocess
from pathlib import Path

import typer.main

import labctl
from labctl.cli import app

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")

#: a citation of a document that lives beside the repository, not in it: the shared folder of
#: the project's notes, its three files by name, or a path on one machine ("[k]" keeps this
#: line from matching itself)
OUTSIDE = re.compile(r"\.\./shared\b|\b(?:SERVING|DESIGN|STYLE)\.md\b|/wor[k]/")

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


def tracked_files() -> list[str]:
    """The repository's .py and .md files (and CI's script): git's list, or in a copy without
    git (an sdist) every such file outside virtual environments."""
    try:
        listed = subprocess.run(["git", "ls-files", "-z", "*.py", "*.md", ".ci/*"], cwd=ROOT,
                                capture_output=True, check=True).stdout.decode()
        return sorted(name for name in listed.split("\0") if name)
    except (OSError, subprocess.CalledProcessError):
        return sorted(path.relative_to(ROOT).as_posix() for pattern in ("*.py", "*.md")
                      for path in ROOT.rglob(pattern)
                      if not {".venv", ".git", "build", "dist"} & set(path.parts))


def test_the_file_list_holds_the_readme_the_package_and_the_tests():
    files = tracked_files()
    assert {"README.md", "labctl/__init__.py", "tests/test_docs.py"} <= set(files)


def test_no_file_cites_a_document_outside_the_repository():
    citations = []
    for name in tracked_files():
        if not (ROOT / name).is_file():
            continue
        text = (ROOT / name).read_text(encoding="utf-8")
        for number, line in enumerate(text.splitlines(), start=1):
            if OUTSIDE.search(line):
                citations.append(f"{name}:{number}: {line.strip()}")
    assert not citations, (
        "these lines cite a document outside this repository, which a reader of a clone does "
        "not have; write the fact itself, or cite a file in the repository (e.g. "
        "benchmarks/RESULTS.md):\n" + "\n".join(citations))
