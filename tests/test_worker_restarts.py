"""The parent of ``labctl run --workers`` restarts a worker that dies after serving a while,
however often (a lab day of killed workers must not run out of them), and gives up on one
that dies straight after its start five times in a row (a crash loop: a broken project or a
database refusing connections), instead of forking it forever."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

#: bounds each run of the parent; asserts nothing about speed
BOUND_SECONDS = 60.0

PARENT = textwrap.dedent("""
    import os, sys, time
    from labctl.server import workers

    workers.YOUNG_SECONDS = float(sys.argv[2])
    log = sys.argv[1]
    lives = float(sys.argv[3])

    def work(number):
        with open(log, "a") as out:
            out.write(f"{number}\\n")
        time.sleep(lives)
        raise RuntimeError("this worker dies")

    workers.Workers(1, work).run()
""")


def start_parent(tmp_path: Path, young_seconds: float,
                 lives: float) -> tuple[subprocess.Popen, Path]:
    log = tmp_path / "starts.log"
    log.touch()
    proc = subprocess.Popen([sys.executable, "-c", PARENT, str(log), str(young_seconds),
                             str(lives)], stderr=subprocess.PIPE, text=True)
    return proc, log


def starts(log: Path) -> int:
    return len(log.read_text().split())


def test_a_worker_that_dies_at_once_five_times_in_a_row_is_not_started_again(tmp_path):
    proc, log = start_parent(tmp_path, young_seconds=30.0, lives=0.0)
    try:
        _, err = proc.communicate(timeout=BOUND_SECONDS)
    finally:
        proc.kill()
    assert starts(log) == 5
    assert "5 times in a row, so it is not started again" in err
    assert proc.returncode == 0


def test_a_worker_that_served_a_while_is_started_again_however_often_it_dies(tmp_path):
    proc, log = start_parent(tmp_path, young_seconds=0.1, lives=0.3)
    deadline = time.monotonic() + BOUND_SECONDS
    try:
        while starts(log) < 9 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
        assert proc.poll() is None, "the parent gave up on a worker that had served a while"
        assert starts(log) >= 9
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            _, err = proc.communicate(timeout=BOUND_SECONDS)
        finally:
            proc.kill()
    assert "not started again" not in err
    assert "starting it again" in err
