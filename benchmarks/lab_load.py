"""Load benchmark of labctl: `labctl run` in its own process, N simulated participants here.

    python benchmarks/lab_load.py [--participants 50 200 1000] [--runs 3] [--smoke]
                                  [--out benchmarks/results.json]

Each run starts ``python -m labctl run my_session -n N`` on 127.0.0.1 (sample project, temporary
database), then drives N participants from this process as gevent greenlets over HTTP and
WebSockets: first a group-data fan-out phase (every participant subscribes to its "group"
document on /p/<code>/shared, one member per group patches it), then the whole sample session
(trust, ultimatum twice, questionnaire). Every run is bounded by a deadline. A separate in-process
phase times ``labctl.export.write_results`` on a database of many player rows. Each figure is the
median over --runs runs; figures go to JSON (--out) and to a table on the terminal.
"""

from gevent import monkey

monkey.patch_all()

import argparse  # noqa: E402
import contextlib  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import re  # noqa: E402
import secrets  # noqa: E402
import shutil  # noqa: E402
import socket  # noqa: E402
import sqlite3  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import gevent  # noqa: E402
import requests  # noqa: E402
import websocket  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PROJECT = ROOT / "sample_sessions"
MAX_PARTICIPANTS = 1000
RUN_DEADLINE = 120.0
SMOKE_DEADLINE = 20.0
FANOUT_ROUNDS = 3

_MAIN = re.compile(r'<main[^>]*\bdata-kind="(?P<kind>[^"]*)" data-step="(?P<step>-?\d+)"\s*'
                   r'data-app="(?P<app>[^"]*)" data-round="(?P<round>[^"]*)"\s*'
                   r'data-page="(?P<page>[^"]*)"')
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')

# the sample session's form pages and valid answers (see sample_sessions/*/__init__.py)
ANSWERS = {
    "Send": lambda r: {"sent_amount": f"{r.randint(0, 10)}.00"},
    "SendBack": lambda r: {"sent_back_amount": "0.00"},
    "Offer": lambda r: {"amount_offered": f"{r.randint(0, 10)}.00"},
    "Respond": lambda r: {"offer_accepted": r.choice(["1", "0"])},
    "Demographics": lambda r: {"age": str(r.randint(18, 60)), "gender": "no_answer",
                               "field_of_study": "economics"},
    "Opinions": lambda r: {"trust_general": str(r.randint(1, 7)), "comments": ""},
}

FIGURES = [  # key, label, unit
    ("server_start_s", "server start (launch to first page served)", "s"),
    ("pages_per_s", "pages per second", "1/s"),
    ("page_load_p50_ms", "page load (GET) p50", "ms"),
    ("page_load_p99_ms", "page load (GET) p99", "ms"),
    ("page_submit_p50_ms", "page submit (POST) p50", "ms"),
    ("page_submit_p99_ms", "page submit (POST) p99", "ms"),
    ("wait_release_p50_ms", "wait-page release p50", "ms"),
    ("wait_release_p99_ms", "wait-page release p99", "ms"),
    ("fanout_p50_ms", "group-data fan-out p50", "ms"),
    ("fanout_p99_ms", "group-data fan-out p99", "ms"),
    ("server_peak_rss_mb", "server peak RSS (VmHWM)", "MB"),
    ("bots_finished", "participants finished", ""),
    ("run_seconds", "play phase duration", "s"),
]


def percentile(values, q):
    if not values:
        return None
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Server:
    """``labctl run`` as a separate process, with its own temporary database."""

    def __init__(self, participants, seed, workdir):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.db = Path(workdir) / "bench.db"
        self.n = participants
        self.seed = seed
        self.proc = None
        self.lines = []

    def start(self, deadline):
        command = [sys.executable, "-m", "labctl", "run", "my_session", "-n", str(self.n),
                   "--seed", str(self.seed), "--host", "127.0.0.1", "--port", str(self.port),
                   "--db", str(self.db), "--project", str(PROJECT), "--no-qr"]
        env = {**os.environ, "COLUMNS": "200", "PYTHONUNBUFFERED": "1",
               "LABCTL_ADMIN_PASSWORD": secrets.token_urlsafe(12)}
        self.launched = time.monotonic()
        self.proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     text=True, env=env, cwd=str(ROOT))
        gevent.spawn(self._read)
        while not any(line.startswith("Serving on") for line in self.lines):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the server did not start:\n" + "".join(self.lines[-30:]))
            gevent.sleep(0.02)

    def _read(self):
        for line in self.proc.stdout:
            self.lines.append(line)

    def codes(self):
        with sqlite3.connect(f"file:{self.db}?mode=ro", uri=True) as db:
            return [row[0] for row in db.execute(
                "SELECT code FROM participants ORDER BY id_in_session")]

    def groups(self):
        """{(app, round): {participant_code: group_id}}, read-only from the database."""
        result = {}
        with sqlite3.connect(f"file:{self.db}?mode=ro", uri=True) as db:
            for app in ("trust", "ultimatum"):
                for code, rnd, gid in db.execute(
                        f"SELECT participant_code, round_number, group_id FROM {app}_player"):
                    result.setdefault((app, rnd), {})[code] = gid
        return result

    def peak_rss_mb(self):
        try:
            for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
        except OSError:
            return None
        return None

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)


class Bot:
    """One simulated participant."""

    def __init__(self, base, code, seed, stats, deadline):
        self.base = base
        self.code = code
        self.url = f"{base}/p/{code}/"
        self.http = requests.Session()
        self.rng = random.Random(seed)
        self.stats = stats
        self.deadline = deadline
        self.finished = False
        self.error = None
        # wait step -> (start of the request that brought me there, time I was let through)
        self.waits = {}
        self.shared = None
        self.group_version = 0

    def timeout(self):
        return max(0.5, min(30.0, self.deadline - time.monotonic()))

    def get(self):
        start = time.monotonic()
        response = self.http.get(self.url, timeout=self.timeout())
        end = time.monotonic()
        self.stats["load"].append(end - start)
        return self.parse(response), start, end

    def post(self, page, values):
        form = {"csrf_token": page["csrf"], "step": str(page["step"]), **values}
        start = time.monotonic()
        response = self.http.post(self.url, data=form, timeout=self.timeout())
        end = time.monotonic()
        self.stats["submit"].append(end - start)
        return self.parse(response), start, end

    @staticmethod
    def parse(response):
        marker = _MAIN.search(response.text)
        if response.status_code != 200 or marker is None:
            raise RuntimeError(f"unexpected response {response.status_code}")
        csrf = _CSRF.search(response.text)
        return {"kind": marker.group("kind"), "step": int(marker.group("step")),
                "page": marker.group("page"), "csrf": csrf.group(1) if csrf else ""}

    # -- group-data fan-out -------------------------------------------------------------------
    def open_shared(self):
        ws_url = self.base.replace("http://", "ws://") + f"/p/{self.code}/shared"
        self.shared = websocket.create_connection(ws_url, timeout=self.timeout())
        self.shared.send(json.dumps({"op": "subscribe", "store": "group", "id": 1}))
        while True:
            message = json.loads(self.shared.recv())
            if message.get("type") == "snapshot" and message.get("store") == "group":
                self.group_version = message["version"]
                return

    def listen_shared(self, received):
        """Record when each benchmark change arrives: received[(code, round)] = time."""
        try:
            while time.monotonic() < self.deadline:
                self.shared.settimeout(max(0.1, self.deadline - time.monotonic()))
                message = json.loads(self.shared.recv())
                if message.get("type") in ("ack", "conflict") and "version" in message:
                    self.group_version = max(self.group_version, message["version"])
                if message.get("type") == "change" and message.get("store") == "group":
                    now = time.monotonic()
                    self.group_version = max(self.group_version,
                                             message.get("version", self.group_version))
                    for op in message.get("patch") or []:
                        if op.get("path", "").startswith("/bench"):
                            received[(self.code, op["value"])] = now
        except (OSError, websocket.WebSocketException, ValueError):
            pass

    def close_shared(self):
        if self.shared is not None:
            with contextlib.suppress(OSError, websocket.WebSocketException):
                self.shared.shutdown()  # no closing handshake: the page just goes away

    # -- the session --------------------------------------------------------------------------
    def wait_for_release(self, page):
        """Wait on the participant's socket until the wait page releases; returns the time."""
        ws_url = self.base.replace("http://", "ws://") + f"/p/{self.code}/ws"
        sock = websocket.create_connection(ws_url, timeout=self.timeout())
        try:
            while time.monotonic() < self.deadline:
                sock.settimeout(max(0.1, min(2.0, self.deadline - time.monotonic())))
                try:
                    message = json.loads(sock.recv())
                except websocket.WebSocketTimeoutException:
                    position = self.http.get(self.url + "position", timeout=self.timeout())
                    if position.status_code == 200 and position.json().get("step") != page["step"]:
                        return time.monotonic()
                    continue
                if message.get("type") == "advance" or (
                        message.get("type") == "position" and message.get("step") != page["step"]):
                    return time.monotonic()
            raise RuntimeError("deadline reached on a wait page")
        finally:
            sock.close()

    def play(self, first_page, first_start):
        page, start = first_page, first_start
        previous_step = -1
        while time.monotonic() < self.deadline:
            if page["kind"] == "finished":
                self.finished = True
                return
            if page["kind"] == "wait":
                released = self.wait_for_release(page)
                self.stats["pages"] += 1
                page, _, _ = self.get()
                self.stats["pages"] += 1
                self.passed(previous_step, page["step"], start, released)
                previous_step = page["step"]
                continue
            if page["kind"] != "page":
                raise RuntimeError(f"unexpected page kind {page['kind']}")
            answer = ANSWERS.get(page["page"], lambda r: {})(self.rng)
            step = page["step"]
            page, start, end = self.post(page, answer)
            self.stats["pages"] += 1
            if page["kind"] != "wait":
                self.passed(step, page["step"], start, end)
            previous_step = step
        raise RuntimeError("deadline reached")

    def passed(self, from_step, to_step, start, released):
        """Wait pages strictly between two steps were passed: by this request, at this time."""
        for step in range(from_step + 1, to_step):
            if step in WAIT_STEPS:
                self.waits[step] = (start, released)


# my_session's flattened page sequence: step -> (app, round, page); wait pages marked
SEQUENCE = ([("trust", 1, p) for p in ["Send", "WaitForTrustor", "SendBack", "ResultsWait",
                                        "Results"]]
            + [("ultimatum", r, p) for r in (1, 2) for p in ["Offer", "WaitForOffer", "Respond",
                                                             "ResultsWait", "Results"]]
            + [("questionnaire", 1, p) for p in ["Demographics", "Opinions"]])
WAIT_STEPS = {i for i, (_, _, p) in enumerate(SEQUENCE) if "Wait" in p}


def one_run(n, seed, deadline_seconds):
    """One server, n participants: returns the run's figures and the number of bots finished."""
    workdir = tempfile.mkdtemp(prefix="labctl-bench-")
    server = Server(n, seed, workdir)
    hard_deadline = time.monotonic() + deadline_seconds
    stats = {"load": [], "submit": [], "pages": 0}
    try:
        server.start(hard_deadline)
        codes = server.codes()
        bots = [Bot(server.base, code, seed * 100_000 + i, stats, hard_deadline)
                for i, code in enumerate(codes)]
        # server start: launch to the first participant page served
        first = bots[0].get()
        server_start = first[2] - server.launched
        firsts = {bots[0].code: first}

        def arrive(bot):
            if bot.code not in firsts:
                firsts[bot.code] = bot.get()
            bot.open_shared()

        jobs = [gevent.spawn(arrive, bot) for bot in bots]
        gevent.joinall(jobs, timeout=max(0.1, hard_deadline - time.monotonic()))
        for job in jobs:
            if not job.successful():
                raise RuntimeError(f"a participant could not arrive: {job.exception}")

        # group-data fan-out: one writer per trust group, the others listen
        groups = server.groups()
        trust_groups = {}
        for code, gid in groups[("trust", 1)].items():
            trust_groups.setdefault(gid, []).append(code)
        by_code = {bot.code: bot for bot in bots}
        received = {}
        listeners = [gevent.spawn(bot.listen_shared, received) for bot in bots]
        fanout = []
        for round_index in range(FANOUT_ROUNDS):
            sent = {}
            for gid, members in trust_groups.items():
                writer = by_code[members[0]]
                sent[gid] = time.monotonic()
                writer.shared.send(json.dumps({
                    "op": "patch", "store": "group", "version": writer.group_version,
                    "id": 10 + round_index,
                    "patch": [{"op": "add", "path": f"/bench{round_index}",
                               "value": round_index}]}))
            limit = min(hard_deadline, time.monotonic() + 5)
            others = [(gid, code) for gid, members in trust_groups.items()
                      for code in members[1:]]
            while time.monotonic() < limit and not all(
                    (code, round_index) in received for _, code in others):
                gevent.sleep(0.005)
            for gid, members in trust_groups.items():
                times = [received.get((code, round_index)) for code in members[1:]]
                if times and all(t is not None for t in times):
                    fanout.append(max(times) - sent[gid])
            gevent.sleep(0.05)  # let the writers see their own change (version)
        gevent.killall(listeners, timeout=2)
        for bot in bots:
            bot.close_shared()
        group_size = max(len(m) for m in trust_groups.values())

        # the session
        play_start = time.monotonic()

        def play(bot):
            try:
                page, start, _ = firsts[bot.code]
                bot.play(page, start)
            except Exception as exc:  # a failed bot is counted, not fatal
                bot.error = repr(exc)

        jobs = [gevent.spawn(play, bot) for bot in bots]
        gevent.joinall(jobs, timeout=max(0.1, hard_deadline - time.monotonic()))
        gevent.killall(jobs, timeout=2)
        play_seconds = time.monotonic() - play_start
        peak_rss = server.peak_rss_mb()

        # wait-page release: per group and wait page, the last member's release minus the
        # start of the request of the member who arrived last
        groups = server.groups()
        releases = []
        for step in sorted(WAIT_STEPS):
            app, rnd, _ = SEQUENCE[step]
            members_by_group = {}
            for code, gid in groups.get((app, rnd), {}).items():
                members_by_group.setdefault(gid, []).append(code)
            for members in members_by_group.values():
                entries = [by_code[c].waits.get(step) for c in members]
                if all(entries):
                    releases.append(max(e[1] for e in entries) - max(e[0] for e in entries))
        finished = sum(bot.finished for bot in bots)
        errors = sorted({bot.error for bot in bots if bot.error})[:3]
        ms = 1000.0
        return {
            "participants": n,
            "server_start_s": server_start,
            "pages_per_s": stats["pages"] / play_seconds if play_seconds else None,
            "page_load_p50_ms": _scaled(percentile(stats["load"], 50), ms),
            "page_load_p99_ms": _scaled(percentile(stats["load"], 99), ms),
            "page_submit_p50_ms": _scaled(percentile(stats["submit"], 50), ms),
            "page_submit_p99_ms": _scaled(percentile(stats["submit"], 99), ms),
            "wait_release_p50_ms": _scaled(percentile(releases, 50), ms),
            "wait_release_p99_ms": _scaled(percentile(releases, 99), ms),
            "fanout_p50_ms": _scaled(percentile(fanout, 50), ms),
            "fanout_p99_ms": _scaled(percentile(fanout, 99), ms),
            "fanout_group_size": group_size,
            "fanout_samples": len(fanout),
            "wait_release_samples": len(releases),
            "server_peak_rss_mb": peak_rss,
            "bots_finished": finished,
            "run_seconds": play_seconds,
            "errors": errors,
        }
    finally:
        server.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def _scaled(value, factor):
    return None if value is None else value * factor


EXPORT_APP = '''
import labctl
from labctl import fields

app = labctl.App(players_per_group=None, num_rounds=ROUNDS)


class Player(labctl.Player):
    answer = fields.Integer(min=0, max=100, label="A number")


class Ask(labctl.Page):
    form_fields = ["answer"]


page_sequence = [Ask]
'''

EXPORT_SESSIONS = '''
from labctl import SessionType

SESSION_TYPES = [SessionType(name="bench", display_name="Export benchmark",
                             app_sequence=["bench_rounds"], num_participants=1)]
'''


def export_phase(rows, rounds=10, per_session=1000, budget=60.0):
    """Time labctl.export.write_results on a database of ``rows`` player rows (in-process)."""
    from labctl.engine import Engine
    from labctl.export import write_results
    from labctl.project import load_project
    from labctl.storage.sqlite import SqliteStore

    workdir = Path(tempfile.mkdtemp(prefix="labctl-bench-export-"))
    try:
        project_dir = workdir / "project"
        (project_dir / "bench_rounds").mkdir(parents=True)
        (project_dir / "bench_rounds" / "__init__.py").write_text(
            EXPORT_APP.replace("ROUNDS", str(rounds)))
        (project_dir / "sessions.py").write_text(EXPORT_SESSIONS)
        project = load_project(project_dir)
        store = SqliteStore(workdir / "export.db")
        engine = Engine(project, store)
        participants = max(1, rows // rounds)
        codes = []
        build_start = time.monotonic()
        left = participants
        while left > 0 and time.monotonic() - build_start < budget:
            size = min(per_session, left)
            codes.append(engine.create_session("bench", size, seed=len(codes)))
            left -= size
        build_seconds = time.monotonic() - build_start
        with sqlite3.connect(str(workdir / "export.db")) as db:
            player_rows = db.execute("SELECT COUNT(*) FROM bench_rounds_player").fetchone()[0]
        start = time.monotonic()
        write_results(store, project, workdir / "out", codes)
        export_seconds = time.monotonic() - start
        store.close()
        return {"export_rows": player_rows, "export_s": export_seconds,
                "export_build_s": build_seconds}
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def show(results):
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"labctl load benchmark (median of {results['runs']} run(s))")
    table.add_column("figure")
    for block in results["participants"]:
        table.add_column(f"N = {block['participants']}", justify="right")
    for key, label, unit in FIGURES:
        cells = []
        for block in results["participants"]:
            value = block["median"].get(key)
            cells.append("-" if value is None else f"{value:,.1f} {unit}".strip())
        table.add_row(label, *cells)
    export = results["export"]
    table.add_row("fan-out group size", *[str(b["median"].get("fanout_group_size"))
                                          for b in results["participants"]])
    console = Console()
    console.print(table)
    console.print(f"export of {export['export_rows']:,} player rows: "
                  f"{export['export_s']:.2f} s (median of {export['runs']})")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, nargs="+", default=[50, 200, 1000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--smoke", action="store_true",
                        help="N = 10, one run, 2,000 export rows, seconds (for CI)")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results.json"))
    parser.add_argument("--deadline", type=float, default=None,
                        help="seconds per run (default 120; 20 with --smoke)")
    parser.add_argument("--export-rows", type=int, default=None)
    args = parser.parse_args(argv)
    if args.smoke:
        sizes, runs, export_rows = [10], 1, 2_000
        deadline = args.deadline or SMOKE_DEADLINE
    else:
        sizes, runs, export_rows = args.participants, max(1, args.runs), 100_000
        deadline = args.deadline or RUN_DEADLINE
    if args.export_rows:
        export_rows = args.export_rows
    for n in sizes:
        if not 2 <= n <= MAX_PARTICIPANTS or n % 2:
            parser.error(f"participants must be even, 2 to {MAX_PARTICIPANTS}: {n}")

    results = {"runs": runs, "deadline_s": deadline, "participants": []}
    all_finished = True
    for n in sizes:
        per_run = []
        for run in range(runs):
            figures = one_run(n, seed=run + 1, deadline_seconds=deadline)
            print(f"N={n} run {run + 1}/{runs}: {figures['bots_finished']}/{n} finished in "
                  f"{figures['run_seconds']:.1f} s {' '.join(figures['errors'])}", file=sys.stderr)
            per_run.append(figures)
            all_finished &= figures["bots_finished"] == n
        keys = [k for k, v in per_run[0].items() if isinstance(v, (int, float)) or v is None]
        results["participants"].append({
            "participants": n,
            "median": {k: median([r[k] for r in per_run]) for k in keys},
            "runs": per_run,
        })
    export_runs = [export_phase(export_rows) for _ in range(1 if args.smoke else runs)]
    results["export"] = {"runs": len(export_runs),
                         "export_rows": export_runs[0]["export_rows"],
                         "export_s": median([r["export_s"] for r in export_runs]),
                         "export_build_s": median([r["export_build_s"] for r in export_runs])}
    results["all_finished"] = all_finished
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    show(results)
    return 0 if all_finished else 1


if __name__ == "__main__":
    sys.exit(main())
