"""What a page costs labctl's own code: the sample session played in-process, no HTTP server.

    python benchmarks/page_cost.py [--participants 50] [--runs 3]

Every participant of a `my_session` session, in turn, loads their page (first, and after each
wait page) and submits it with valid answers, through Flask's test client, until all have
finished: the same requests `labctl test` makes, without sockets, gevent or a second process.
It prints the requests made and the CPU time per request (the best of --runs sessions).

CPU time on a shared machine varies by 10-20% from run to run. For a figure that does not,
count instructions with callgrind, once with --runs 0 (start-up only) and once with --runs 1;
the difference divided by the requests is the cost of one request, reproducible to 0.01%:

    valgrind --tool=callgrind --callgrind-out-file=/dev/null \\
        python benchmarks/page_cost.py --runs 1

(RESULTS.md lists what the changes measured this way were worth.)
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sample_answers import ANSWERS, CSRF, PAGE_MARKER  # noqa: E402

from labctl.engine import Engine  # noqa: E402
from labctl.project import load_project  # noqa: E402
from labctl.server import create_app  # noqa: E402
from labctl.storage.sqlite import SqliteStore  # noqa: E402


def play(client, codes: list[str], rng: random.Random) -> int:
    """Play every participant to the end, round-robin; returns the requests made."""
    requests = 0
    shown: dict[str, str] = {}
    finished: set[str] = set()
    while len(finished) < len(codes):
        for code in codes:
            if code in finished:
                continue
            html = shown.get(code)
            if html is None or 'data-kind="wait"' in html:
                html = client.get(f"/p/{code}/").get_data(as_text=True)
                requests += 1
            marker = PAGE_MARKER.search(html)
            if marker is None:
                raise SystemExit(f"participant {code} got a page without labctl's marker")
            if marker["kind"] != "page":
                finished.update([code] if marker["kind"] == "finished" else [])
                shown[code] = html
                continue
            answer = client.post(f"/p/{code}/", data={
                "csrf_token": CSRF.search(html).group(1), "step": marker["step"],
                **ANSWERS.get(marker["page"], lambda _: {})(rng)})
            requests += 1
            if answer.status_code != 200:
                raise SystemExit(f"page {marker['page']} answered {answer.status_code}")
            shown[code] = answer.get_data(as_text=True)
    return requests


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--participants", type=int, default=50)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="labctl-page-cost-"))
    try:
        shutil.copytree(ROOT / "sample_sessions", work / "project",
                        ignore=shutil.ignore_patterns("*.db*", "__pycache__"))
        store = SqliteStore(work / "labctl.db")
        engine = Engine(load_project(work / "project"), store)
        client = create_app(engine, "benchmark").test_client()
        best = None
        for run in range(args.runs):
            session = engine.create_session("my_session", args.participants, seed=run)
            codes = [row["code"] for row in store.participants_of(session)]
            started = time.process_time()
            requests = play(client, codes, random.Random(run))
            per_request = (time.process_time() - started) / requests
            best = per_request if best is None else min(best, per_request)
            print(f"run {run + 1}: {requests} requests, {1000 * per_request:.3f} ms CPU each")
        if best is not None:
            print(f"best: {1000 * best:.3f} ms CPU per request")
        store.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
