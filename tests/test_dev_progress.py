"""``labctl test`` shows its progress on a terminal, and one summary line anywhere else."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # labctl test as a process, with its server

TIMEOUT = 120


def labctl_test(project: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "labctl", "test", "my_session", "-n", "4",
                           str(project)], capture_output=True, text=True, timeout=TIMEOUT,
                          env={**os.environ, "COLUMNS": "120", **env})


def test_a_pipe_gets_one_summary_line(sample_project: Path) -> None:
    done = labctl_test(sample_project)
    assert done.returncode == 0, done.stderr
    assert re.fullmatch(r"OK 4 bots played my_session \(32 pages\) in \d+\.\d s\.\n",
                        done.stdout), done.stdout


def test_a_terminal_gets_a_progress_bar(sample_project: Path) -> None:
    done = labctl_test(sample_project, TTY_COMPATIBLE="1")  # rich: treat the pipe as a terminal
    assert done.returncode == 0, done.stderr
    shown = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", done.stdout)
    assert re.search(r"bots finished\s+━+\s+\d/4", shown), shown
    assert re.search(r"pages submitted\s+━+\s+\d+/\d+", shown), shown
    assert "OK 4 bots played my_session (32 pages)" in shown
