"""How fast ``labctl dev`` reloads the sample project, and what one browser bot costs.

    python benchmarks/dev_reload.py [--runs 7] [--out benchmarks/dev_reload.json]

Three figures, each the median of ``--runs``:

- ``reload_ms``: ``Workbench.reload()`` in-process on a copy of ``sample_sessions`` with one
  ``my_session`` demo session open (4 participants, two of them a few pages in, so the replay
  has work): load, validate, fresh database, session recreated and replayed, app built;
- ``save_to_page_ms``: end to end against ``labctl dev`` as a process: from writing a template
  to the participant's page (its old link, as the open tab reloads it) being served with the
  edit: the watcher's settling time, the reload and the redirect;
- ``browser_mb``: the memory (sum of PSS) of the Chromium processes of one browser bot
  (``labctl test --browsers``) on a participant page; skipped without Playwright/Chromium.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_sessions"
sys.path.insert(0, str(ROOT))
#: the longest a save may take to show (s): the end-to-end loop gives up after it
SAVE_DEADLINE = 30.0
START_DEADLINE = 30.0


def copy_sample(into: Path) -> Path:
    target = into / "sample_sessions"
    shutil.copytree(SAMPLE, target, ignore=shutil.ignore_patterns("*.db*", "__pycache__"))
    return target


def demo_session(bench) -> list[str]:
    """A my_session with the trustor waiting and the trustee on SendBack."""
    engine = bench.engine
    code = engine.create_session("my_session")
    codes = [row["code"] for row in engine.participant_rows(code)]
    with engine.view(codes[0]):
        pass
    engine.submit(codes[0], 0, {"sent_amount": "4.00"})
    with engine.view(codes[1]):
        pass
    return codes


def reload_ms(runs: int) -> list[float]:
    from labctl.server.dev import Workbench

    with tempfile.TemporaryDirectory() as tmp:
        bench = Workbench(copy_sample(Path(tmp)))
        bench.reload()
        demo_session(bench)
        timings = []
        for _ in range(runs):
            outcome = bench.reload()
            assert outcome.ok and len(outcome.sessions) == 1, outcome
            timings.append(outcome.seconds * 1000)
        bench.close()
    return timings


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as answer:
        return answer.read().decode("utf-8")


def save_to_page_ms(runs: int) -> list[float]:
    with tempfile.TemporaryDirectory() as tmp:
        project = copy_sample(Path(tmp))
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        proc = subprocess.Popen([sys.executable, "-m", "labctl", "dev", str(project), "--port",
                                 str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                cwd=ROOT)
        try:
            demo = _wait_for(lambda: fetch(base + "/admin/demo/"), START_DEADLINE)
            token = re.search(r'name="csrf_token" value="([^"]+)"', demo).group(1)
            request = urllib.request.Request(f"{base}/admin/demo/my_session",
                                             data=f"csrf_token={token}".encode())
            with urllib.request.urlopen(request, timeout=10) as answer:
                link = re.findall(r'<iframe src="([^"]+)"', answer.read().decode())[0]
            template = project / "trust" / "Send.html"
            original = template.read_text(encoding="utf-8")
            timings = []
            for run in range(runs):
                mark = f"benchmark edit {run}"
                started = time.perf_counter()
                template.write_text(original.replace("{% block content %}",
                                                     "{% block content %}" + mark), "utf-8")
                _wait_for(lambda m=mark: m if m in fetch(base + link) else None, SAVE_DEADLINE)
                timings.append((time.perf_counter() - started) * 1000)
                time.sleep(0.3)  # let the watcher settle before the next save
        finally:
            proc.terminate()
            proc.wait(timeout=10)
    return timings


def _wait_for(probe, deadline_s: float):
    """``probe()`` until it returns something (errors count as not yet), bounded in time."""
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        try:
            found = probe()
        except OSError:
            found = None
        if found:
            return found
        time.sleep(0.01)
    raise SystemExit(f"gave up after {deadline_s:.0f} s")


def browser_mb() -> float | None:
    """RSS of one browser bot's Chromium processes, on a participant page of labctl run."""
    try:
        from labctl.bots.browser import BrowserClient, require_playwright

        chromium = require_playwright()
    except Exception as exc:  # reported, not measured
        print(f"browser memory not measured: {exc}")
        return None
    with tempfile.TemporaryDirectory() as tmp:
        project = copy_sample(Path(tmp))
        port = free_port()
        proc = subprocess.Popen([sys.executable, "-m", "labctl", "run", "my_session", "--port",
                                 str(port), "--host", "127.0.0.1", "--no-qr", str(project)],
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                cwd=ROOT)
        try:
            code = None
            for line in proc.stdout:  # type: ignore[union-attr]
                found = re.search(r"/p/([A-Za-z0-9_-]{16})/", line)
                code = code or (found.group(1) if found else None)
                if line.startswith("Serving on"):
                    break
            client = BrowserClient(f"http://127.0.0.1:{port}", code, chromium, Path(tmp))
            client.current()
            total = _chromium_rss_kb()
            client.close()
        finally:
            proc.terminate()
            proc.wait(timeout=10)
    return total / 1024


def _chromium_rss_kb() -> int:
    """The proportional set size (PSS: shared pages split between the processes sharing
    them) of the Chromium processes this benchmark started (its descendants only: other
    Chromiums on the machine are not counted)."""
    parents = {}
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            found = re.search(r"PPid:\s+(\d+)", status.read_text())
        except OSError:
            continue
        if found:
            parents[int(status.parent.name)] = int(found.group(1))
    mine = {os.getpid()}
    for _ in range(len(parents)):  # each pass adds a generation of children
        more = {pid for pid, parent in parents.items() if parent in mine} - mine
        if not more:
            break
        mine |= more
    total = 0
    for pid in mine:
        proc = Path(f"/proc/{pid}")
        try:
            command = (proc / "cmdline").read_bytes().split(b"\0")[0]
            rollup = (proc / "smaps_rollup").read_text()
        except OSError:
            continue
        if b"chrom" in command:
            found = re.search(r"Pss:\s+(\d+) kB", rollup)
            total += int(found.group(1)) if found else 0
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "dev_reload.json")
    args = parser.parse_args()
    reloads = reload_ms(args.runs)
    saves = save_to_page_ms(args.runs)
    memory = browser_mb()
    figures = {"runs": args.runs, "reload_ms": statistics.median(reloads),
               "save_to_page_ms": statistics.median(saves), "browser_mb": memory,
               "reload_ms_each": reloads, "save_to_page_ms_each": saves}
    args.out.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    print(f"reload (in-process), median of {args.runs}: {figures['reload_ms']:.0f} ms "
          f"(each: {', '.join(f'{t:.0f}' for t in reloads)})")
    print(f"save to page served, median of {args.runs}: {figures['save_to_page_ms']:.0f} ms "
          f"(each: {', '.join(f'{t:.0f}' for t in saves)})")
    if memory is not None:
        print(f"one browser bot's Chromium: {memory:.0f} MB (PSS)")


if __name__ == "__main__":
    main()
