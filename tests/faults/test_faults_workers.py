"""``labctl run --workers 2`` on PostgreSQL: a worker killed with SIGKILL under load loses and
doubles nothing. Its participants' next requests reach the other worker (the kernel hands new
connections to whichever accepts), the parent starts a new worker, and the session ends with
every invariant of the single-server kill test (``test_faults_kill_points``) holding. On
SQLite, ``--workers`` is refused by name. Both workers sweeping timeouts submit each page once."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests
from browserless import LabDb, SampleBot
from test_faults_kill_points import (
    PLAYERS,
    RUN_SECONDS,
    CountingParticipant,
    KilledBot,
    KillPoint,
    Traffic,
    assert_nothing_lost_or_doubled,
)

pytestmark = pytest.mark.slow
WORKERS = 2
KILLS = int(os.environ.get("LABCTL_WORKER_KILLS", "8"))
#: seconds the parent may take to start a worker again (bounds a wait, asserts nothing)
RESTART_SECONDS = 30.0


def workers_of(pid: int) -> list[int]:
    children = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(n) for n in children.read_text().split()] if children.exists() else []


def wait_for_workers(pid: int, count: int) -> list[int]:
    deadline = time.monotonic() + RESTART_SECONDS
    while time.monotonic() < deadline:
        found = workers_of(pid)
        if len(found) == count:
            return found
        time.sleep(0.05)
    return workers_of(pid)


@pytest.mark.parametrize("store_kind", ["postgres"], indirect=True)
def test_a_worker_killed_under_load_loses_and_doubles_nothing(sample_project, lab_process,
                                                               new_store_target):
    db = str(new_store_target())
    lab = lab_process(sample_project, "my_session", "-n", str(PLAYERS), "--db", db,
                      "--workers", str(WORKERS))
    assert f"with {WORKERS} workers" in lab.output
    assert len(wait_for_workers(lab.proc.pid, WORKERS)) == WORKERS
    rng = random.Random(0)
    traffic, up = Traffic(), threading.Event()
    up.set()  # the lab never stops serving: only one of its workers dies at a time
    deadline = time.monotonic() + RUN_SECONDS
    bot = SampleBot(lab.codes)
    bots = [KilledBot(CountingParticipant(lab.base_url, code, traffic), bot, up, deadline)
            for code in lab.codes]
    threads = [threading.Thread(target=b.run, daemon=True) for b in bots]
    for thread in threads:
        thread.start()

    killed = []
    for point in (KillPoint.draw(rng) for _ in range(KILLS)):
        if all(b.finished for b in bots) or any(b.failure for b in bots):
            break
        point.wait(traffic, bots, deadline)
        alive = wait_for_workers(lab.proc.pid, WORKERS)
        victim = rng.choice(alive)
        os.kill(victim, signal.SIGKILL)
        killed.append(victim)
        traffic.reset()
    for thread in threads:
        thread.join(timeout=max(1.0, deadline - time.monotonic()))

    failures = [b.failure for b in bots if b.failure]
    assert not failures, failures
    assert all(b.finished for b in bots), "not every participant finished"
    assert len(killed) >= 2, f"the session ended after {len(killed)} kills"
    assert_nothing_lost_or_doubled(LabDb(db), lab, bot)
    survivors = wait_for_workers(lab.proc.pid, WORKERS)
    assert len(survivors) == WORKERS and not set(survivors) & set(killed)
    lab.stop()
    assert "worker" in "".join(lab.later) and "starting it again" in "".join(lab.later)


def test_several_workers_on_sqlite_are_refused_by_name(sample_project):
    done = subprocess.run([sys.executable, "-m", "labctl", "run", "my_session", "-n", "2",
                           "--project", str(sample_project), "--workers", "2", "--host",
                           "127.0.0.1", "--port", "0", "--no-qr"],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode != 0
    said = " ".join((done.stdout + done.stderr).split())
    assert "--workers 2 needs a PostgreSQL database" in said
    assert "--db postgresql://" in said
    assert not (sample_project / "labctl.db").exists()  # refused before touching it


TIMED_SESSIONS = """\
from labctl import SessionType

SESSION_TYPES = [
    SessionType(name="timed", app_sequence=["timed"]),
]
"""
TIMED_APP = """\
import labctl
from labctl import fields

app = labctl.App(players_per_group=None)


class Player(labctl.Player):
    ran_out = fields.Boolean(required=False)


class Guess(labctl.Page):
    timeout_seconds = 1

    @staticmethod
    def before_next_page(player, timed_out):
        player.ran_out = timed_out


class Done(labctl.Page):
    pass


page_sequence = [Guess, Done]
"""
#: bound of the wait for the sweep to submit every page (it runs once a second)
SWEPT_SECONDS = 30.0


@pytest.mark.parametrize("store_kind", ["postgres"], indirect=True)
def test_a_timeout_is_submitted_once_with_two_workers_sweeping(tmp_path, lab_process,
                                                                new_store_target):
    """Both workers of ``labctl run --workers 2`` run the once-a-second sweep; the timeout
    sweeper's lock lets one of them submit, and the session's lock makes each submit count
    once: every timed-out page has one submitted visit, and its participant moved one page."""
    project = tmp_path / "timed_project"
    for relative, text in {"sessions.py": TIMED_SESSIONS, "timed/__init__.py": TIMED_APP,
                           "timed/Guess.html": "{{ next_button() }}\n",
                           "timed/Done.html": "<p>done</p>\n"}.items():
        (project / relative).parent.mkdir(parents=True, exist_ok=True)
        (project / relative).write_text(text, encoding="utf-8")
    db = str(new_store_target())
    lab = lab_process(project, "timed", "-n", "6", "--db", db, "--workers", str(WORKERS))
    assert len(wait_for_workers(lab.proc.pid, WORKERS)) == WORKERS
    for code in lab.codes:  # the page's deadline is set when it is first shown
        assert requests.get(f"{lab.base_url}/p/{code}/", timeout=10).status_code == 200

    store = LabDb(db)
    visits_sql = ("SELECT p.code, v.page, v.timed_out, v.submitted_at FROM page_visits v JOIN "
                  "participants p ON p.id = v.participant_id ORDER BY p.code, v.step")
    deadline = time.monotonic() + SWEPT_SECONDS
    while time.monotonic() < deadline:
        rows = store.query(visits_sql)
        if sum(1 for row in rows if row["page"] == "Done") == len(lab.codes):
            break
        time.sleep(0.2)
    time.sleep(2 * 1.0)  # two more sweeps of each worker: nothing may be submitted again
    rows = store.query(visits_sql)
    lab.stop()

    assert [(row["page"], row["timed_out"], row["submitted_at"] is not None)
            for row in rows] == [("Guess", 1, True), ("Done", 0, False)] * len(lab.codes)
    players = store.query("SELECT ran_out FROM timed_player")
    assert [row["ran_out"] for row in players] == [1] * len(lab.codes)
    assert "Traceback" not in "".join(lab.later)
