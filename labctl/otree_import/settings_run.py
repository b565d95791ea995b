"""Run an oTree ``settings.py`` to read the values its syntax tree does not give.

Some labs build ``SESSION_CONFIGS`` with their own helper functions (``config(...)``,
``classroom_bundle(...)``) or with loops; no reading of the text can know the result, while oTree
simply runs the file. The import does the same, but only for the settings it needs and could not
read, and in a separate Python process: the file runs from its project folder as oTree runs it, a
crash or an ``exit()`` in it cannot stop the import, and what it prints is not mixed into the
report. Values come back as Python literals (a dict keeps its number keys, a tuple stays one);
one that is no literal (a ``Decimal``, an object) comes back unknown, so it is still listed at
its line rather than guessed.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

__all__ = ["SettingsRun", "run_settings"]

#: seconds a settings.py may take: it builds lists, it should not wait on anything
TIMEOUT_SECONDS = 30

#: the child: run settings.py as oTree does (its folder first on sys.path), print the names
_CHILD = """
import ast, json, os, runpy, sys
path, names = sys.argv[1], sys.argv[2:]
folder = os.path.dirname(path)
sys.path.insert(0, folder)
os.chdir(folder)
values = runpy.run_path(path, run_name="settings")
found = {}
for name in names:
    if name in values:
        try:
            text = repr(values[name])
            ast.literal_eval(text)
            found[name] = text
        except (ValueError, SyntaxError, RecursionError):
            found[name] = None
sys.stdout = sys.__stdout__
print("\\n@@labctl-settings@@" + json.dumps(found))
"""

_MARKER = "@@labctl-settings@@"


class SettingsRun:
    """What running ``settings.py`` gave: ``values`` by name, or ``error`` when it failed."""

    def __init__(self, values: dict[str, Any], error: str | None = None) -> None:
        self.values = values
        self.error = error


def run_settings(path: Path, names: Iterable[str]) -> SettingsRun:
    """Run ``path`` in a child Python and return the settings ``names`` it defines."""
    try:
        done = subprocess.run(
            [sys.executable, "-c", _CHILD, str(path.resolve()), *names],
            capture_output=True, text=True, timeout=TIMEOUT_SECONDS, stdin=subprocess.DEVNULL,
            check=False)
    except subprocess.TimeoutExpired:
        return SettingsRun({}, f"running it took more than {TIMEOUT_SECONDS} s")
    _, marker, found = done.stdout.rpartition(_MARKER)
    if done.returncode != 0 or not marker:
        return SettingsRun({}, _last_error(done.stderr) or f"it exited with {done.returncode}")
    texts = json.loads(found)
    return SettingsRun({name: ast.literal_eval(text) for name, text in texts.items()
                        if text is not None})


def _last_error(stderr: str) -> str:
    """The exception line of a traceback, with the settings.py line it came from."""
    lines = [line.strip() for line in stderr.strip().splitlines() if line.strip()]
    where = next((line for line in reversed(lines)
                  if line.startswith("File ") and "settings.py" in line), "")
    error = lines[-1] if lines else ""
    if where:
        line = where.rpartition("line ")[2].split(",")[0]
        return f"{error} (settings.py:{line})"
    return error
