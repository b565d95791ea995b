"""The load benchmark's smoke mode (N = 10, seconds) runs in CI so that it cannot rot."""

import json
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "lab_load.py"

FIGURES = ["server_start_s", "pages_per_s", "page_load_p50_ms", "page_load_p99_ms",
           "page_submit_p50_ms", "page_submit_p99_ms", "wait_release_p50_ms",
           "wait_release_p99_ms", "fanout_p50_ms", "fanout_p99_ms", "fanout_group_size",
           "server_peak_rss_mb", "bots_finished"]


def test_smoke_mode_plays_the_sample_session_and_reports_every_figure(tmp_path):
    out = tmp_path / "results.json"
    done = subprocess.run([sys.executable, str(SCRIPT), "--smoke", "--out", str(out)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    results = json.loads(out.read_text())
    assert results["all_finished"] is True
    (block,) = results["participants"]
    assert block["participants"] == 10
    for key in FIGURES:
        assert block["median"][key] is not None, key
    assert block["median"]["bots_finished"] == 10
    assert results["export"]["export_rows"] >= 2_000
    assert results["export"]["export_s"] is not None
