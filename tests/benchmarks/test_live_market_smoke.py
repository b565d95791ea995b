"""The live-market benchmark's smoke mode (20 traders, 5 s) runs in CI so that it cannot rot:
every order reaches its sender and the other members of its market, and every figure is
reported."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # a server process and a client process

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "live_market.py"
FIGURES = ["round_trip_p50_ms", "round_trip_p99_ms", "fanout_p50_ms", "fanout_p99_ms",
           "messages_per_s", "server_cpu_share", "server_peak_rss_mb"]


def test_smoke_mode_trades_and_loses_nothing(tmp_path):
    out = tmp_path / "live.json"
    done = subprocess.run([sys.executable, str(SCRIPT), "--smoke", "--out", str(out)],
                          capture_output=True, text=True, timeout=120, cwd=SCRIPT.parent)
    assert done.returncode == 0, done.stdout + done.stderr
    figures = json.loads(out.read_text())["median"]
    assert figures["messages_sent"] > 20  # 20 traders, one order every 1 to 3 s, for 5 s
    assert figures["deliveries_lost"] == 0 and figures["messages_unanswered"] == 0
    assert figures["messages_refused"] == 0 and figures["server_error_lines"] == []
    for key in FIGURES:
        assert figures[key] is not None, key
