"""The load benchmark's smoke mode (N = 8, seconds) runs in CI so that it cannot rot."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # the load benchmark: servers and a client in processes of their own

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "lab_load.py"

FIGURES = ["server_start_s", "pages_per_s", "page_load_p50_ms", "page_load_p99_ms",
           "page_submit_p50_ms", "page_submit_p99_ms", "wait_release_p50_ms",
           "wait_release_p99_ms", "fanout_p50_ms", "fanout_p99_ms", "fanout_burst_p50_ms",
           "fanout_burst_p99_ms", "fanout_group_size",
           "server_peak_rss_mb", "bots_finished", "bots_test_s"]
#: pages each participant of my_session submits (trust 2, ultimatum 2 x 2, questionnaire 2)
SUBMITS = 8
#: (group, wait page) pairs of my_session with 8 participants: 4 pairs x (trust 2 + ultimatum
#: 2 rounds x 2)
WAIT_RELEASES = 4 * (2 + 2 * 2)


def test_smoke_mode_plays_the_sample_sessions_and_reports_every_figure(tmp_path):
    out = tmp_path / "results.json"
    done = subprocess.run([sys.executable, str(SCRIPT), "--smoke", "--think", "0.4", "0.6",
                           "--out", str(out)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    results = json.loads(out.read_text())
    assert results["all_finished"] is True
    assert results["think_s"] == {"min": 0.4, "max": 0.6}
    assert "think time 0.4 to 0.6 s" in " ".join(done.stdout.split())
    (block,) = results["participants"]
    assert block["participants"] == 8
    figures = block["median"]
    for key in FIGURES:
        assert figures[key] is not None, key
    assert figures["bots_finished"] == 8
    # every participant thought at least 0.4 s before each of its submits
    assert figures["run_seconds"] >= SUBMITS * 0.4
    # every release was timed, from the last member's submit: never counting the think time
    # of a member who had yet to arrive
    assert figures["wait_release_samples"] == WAIT_RELEASES
    assert figures["wait_release_p99_ms"] < 400
    # fan-out in the public goods groups: each writer's change reached its 3 fellow members,
    # in 3 rounds with the writers spread and 3 with all groups at once
    assert figures["fanout_group_size"] == 4
    assert figures["fanout_samples"] == figures["fanout_expected"] == 2 * 3 * 2
    # `labctl test my_session -n 8` played through its own server and passed
    assert figures["bots_test_passed"] is True
    assert 0 < figures["bots_test_s"] < 45
    assert figures["server_errors"] == 0, block["runs"][0]["server_error_lines"]
    assert results["export"]["export_rows"] >= 2_000
    assert results["export"]["export_s"] is not None


PAGE_COST = SCRIPT.parent / "page_cost.py"


def test_the_page_cost_harness_plays_every_participant_to_the_end():
    done = subprocess.run([sys.executable, str(PAGE_COST), "--participants", "4", "--runs",
                           "1"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    first, best = done.stdout.strip().splitlines()
    requests = int(first.split()[2])
    # 4 first pages and 4 x 8 submits, and at most one load after each wait page a
    # participant waited on (trust 2, ultimatum 2 rounds x 2: the last to arrive goes on)
    assert 4 + 4 * SUBMITS <= requests <= 4 + 4 * SUBMITS + 4 * (2 + 2 * 2)
    assert best.startswith("best: ") and best.endswith(" ms CPU per request")


@pytest.mark.parametrize("store_kind", ["postgres"], indirect=True)
def test_smoke_mode_on_postgresql_with_two_workers_reports_every_figure(tmp_path, store_kind):
    import os

    out = tmp_path / "results.json"
    done = subprocess.run([sys.executable, str(SCRIPT), "--smoke", "--think", "0.4", "0.6",
                           "--out", str(out), "--db", os.environ["LABCTL_TEST_POSTGRES_URL"],
                           "--workers", "2"], capture_output=True, text=True, timeout=90)
    assert done.returncode == 0, done.stdout + done.stderr
    results = json.loads(out.read_text())
    assert (results["store"], results["workers"]) == ("postgresql", 2)
    (block,) = results["participants"]
    figures = block["median"]
    for key in FIGURES:
        assert figures[key] is not None, key
    assert figures["bots_finished"] == 8 and figures["bots_test_passed"] is True
    assert figures["wait_release_samples"] == WAIT_RELEASES
    assert figures["fanout_samples"] == figures["fanout_expected"]
    assert figures["server_errors"] == 0, block["runs"][0]["server_error_lines"]


def test_workers_without_a_postgresql_database_are_refused(tmp_path):
    done = subprocess.run([sys.executable, str(SCRIPT), "--smoke", "--workers", "2", "--out",
                           str(tmp_path / "r.json")], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 2
    assert "--workers needs --db postgresql://" in done.stderr


PG_STATEMENTS = SCRIPT.parent / "pg_statements.py"


@pytest.mark.parametrize("store_kind", ["postgres"], indirect=True)
def test_the_statement_counter_counts_a_steps_pipelined_first_read_as_one_round_trip(
        new_store_target):
    done = subprocess.run([sys.executable, str(PG_STATEMENTS), "--db", str(new_store_target()),
                           "--participants", "4"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    found = re.fullmatch(r"(\d+) requests: ([\d.]+) statements and ([\d.]+) round trips per "
                         r"request", done.stdout.strip().splitlines()[-1])
    assert found, done.stdout
    requests, statements, round_trips = int(found[1]), float(found[2]), float(found[3])
    assert requests >= 4 + 4 * SUBMITS
    # nearly every request is a step, whose first read sends 3 statements in one round trip
    assert round_trips <= statements - 1.5
