"""Load benchmark of labctl: `labctl run` in its own process, N simulated participants here.

    python benchmarks/lab_load.py [--participants 48 200 1000] [--runs 3] [--think 2 8]
                                  [--smoke] [--out benchmarks/results.json]
                                  [--db postgresql://...] [--workers N]

Each run has three phases, each against servers started as separate processes on 127.0.0.1
(sample project, temporary databases), with N participants driven from this process as gevent
greenlets over HTTP and WebSockets:

1. play: ``labctl run my_session -n N``; every participant plays the whole sample session
   (trust, ultimatum twice, questionnaire), pausing a think time drawn uniformly from --think
   before each page submit (a seeded RNG per participant). --think 0 0 is a closed-loop
   stampede, which measures throughput; a lab's latency needs people who read and think.
2. fan-out: ``labctl run public_goods -n N`` (groups of 4); every participant subscribes to its
   "group" document on /p/<code>/shared, one member per group patches it, and the time until
   the 3 others received the change is measured: three rounds with the writers spread over
   5 s (a lab's pace), then three with every group's patch sent at the same instant (a burst).
3. bots: ``labctl test my_session -n N``, timed as a whole (bots through the real server).

With ``--db postgresql://...`` every server (and ``labctl test``) runs on PostgreSQL, each in a
schema of its own in that database (dropped afterwards); ``--workers N`` serves the play and
fan-out phases with ``labctl run --workers N`` (its RSS figure is then the largest worker's).
Every phase is bounded in time. A separate in-process phase times
``labctl.export.write_results`` on a database of many player rows. Each figure is the median
over --runs runs; figures go to JSON (--out) and to a table on the terminal.
"""

from gevent import monkey

monkey.patch_all()

import argparse  # noqa: E402
import contextlib  # noqa: E402
import http.client  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import secrets  # noqa: E402
import shutil  # noqa: E402
import signal  # noqa: E402
import socket  # noqa: E402
import sqlite3  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402
from urllib.parse import urlencode, urlsplit  # noqa: E402

import gevent  # noqa: E402
import websocket  # noqa: E402
from sample_answers import ANSWERS, CSRF, PAGE_MARKER  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PROJECT = ROOT / "sample_sessions"
MAX_PARTICIPANTS = 3000
GROUP_SIZE = 4  # public_goods groups; N must be a multiple of it (and so even, for my_session)
DEFAULT_SIZES = [48, 200, 1000]
SMOKE_SIZE = 8
DEFAULT_THINK = (2.0, 8.0)
SMOKE_THINK = (0.05, 0.25)
RUN_DEADLINE = 120.0
SMOKE_DEADLINE = 20.0
#: the play deadline grows by this many MAX think times: my_session's longest chain of thinks
#: one after the other is 11 (a member waits while the other thinks); 14 leaves room
DEADLINE_THINKS = 14
FANOUT_DEADLINE = 120.0
FANOUT_ROUNDS = 3
#: in the spread rounds each group's writer patches at a uniformly random moment within this
#: many seconds (as people move a slider or type in a chat: N/4 writers, one change each per
#: window); the burst rounds send every group's patch at the same instant
FANOUT_SPREAD_S = 5.0
SMOKE_FANOUT_SPREAD_S = 0.5
BOTS_TIMEOUT = 300.0
SMOKE_BOTS_TIMEOUT = 45.0
#: browsers poll a wait page's position every 15 s even with the socket up (labctl.js)
SAFETY_POLL_SECONDS = 15.0

FIGURES = [  # key, label, unit
    ("server_start_s", "server start (launch to first page served)", "s"),
    ("pages_per_s", "pages per second", "1/s"),
    ("page_load_p50_ms", "page load (GET) p50", "ms"),
    ("page_load_p99_ms", "page load (GET) p99", "ms"),
    ("page_submit_p50_ms", "page submit (POST) p50", "ms"),
    ("page_submit_p99_ms", "page submit (POST) p99", "ms"),
    ("wait_release_p50_ms", "wait-page release p50", "ms"),
    ("wait_release_p99_ms", "wait-page release p99", "ms"),
    ("fanout_p50_ms", "group-data fan-out p50 (writers spread)", "ms"),
    ("fanout_p99_ms", "group-data fan-out p99 (writers spread)", "ms"),
    ("fanout_burst_p50_ms", "group-data fan-out p50 (all groups at once)", "ms"),
    ("fanout_burst_p99_ms", "group-data fan-out p99 (all groups at once)", "ms"),
    ("fanout_group_size", "fan-out group size", ""),
    ("server_peak_rss_mb", "server peak RSS (VmHWM, play or fan-out)", "MB"),
    ("bots_finished", "participants finished", ""),
    ("run_seconds", "play phase duration", "s"),
    ("bots_test_s", "labctl test my_session -n N", "s"),
    ("bots_test_passed", "labctl test passed", ""),
    ("server_errors", "server log lines with errors", ""),
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


#: ``--db`` and ``--workers`` (``main`` sets them): None is a SQLite file per server
DATABASE = {"url": None, "workers": 1}


class Database:
    """A fresh database for one server: a SQLite file, or a PostgreSQL schema of its own."""

    def __init__(self, workdir):
        self.url = DATABASE["url"]
        self.schema = None
        if self.url is None:
            self.target = str(Path(workdir) / "bench.db")
            return
        import psycopg

        self.schema = f"bench_{os.getpid()}_{time.monotonic_ns()}"
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(f'CREATE SCHEMA "{self.schema}"')
        join = "&" if "?" in self.url else "?"
        self.target = f"{self.url}{join}options=-csearch_path%3D{self.schema}"

    def query(self, sql, params=()):
        if self.schema is None:
            with sqlite3.connect(f"file:{self.target}?mode=ro", uri=True) as db:
                return db.execute(sql, params).fetchall()
        import psycopg

        with psycopg.connect(self.target) as conn:
            return conn.execute(sql.replace("?", "%s"), params).fetchall()

    def drop(self):
        if self.schema is not None:
            import psycopg

            with psycopg.connect(self.url, autocommit=True) as conn:
                conn.execute(f'DROP SCHEMA "{self.schema}" CASCADE')


class Server:
    """``labctl run SESSION_TYPE`` as a separate process, with its own temporary database."""

    def __init__(self, session_type, participants, seed, workdir):
        self.session_type = session_type
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.database = Database(workdir)
        self.db = self.database.target
        self.n = participants
        self.seed = seed
        self.proc = None
        self.lines = []

    def start(self, deadline):
        command = [sys.executable, "-m", "labctl", "run", self.session_type, "-n", str(self.n),
                   "--seed", str(self.seed), "--host", "127.0.0.1", "--port", str(self.port),
                   "--db", str(self.db), "--project", str(PROJECT), "--no-qr"]
        if DATABASE["workers"] > 1:
            command += ["--workers", str(DATABASE["workers"])]
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
        return [row[0] for row in self.database.query(
            "SELECT code FROM participants ORDER BY id_in_session")]

    def members(self, app, rnd=1):
        """{group_id: [participant codes]} of one app round, read-only from the database
        (the groups are the server's: matching may be random)."""
        members = {}
        for code, gid in self.database.query(f"SELECT participant_code, group_id FROM "
                                             f"{app}_player WHERE round_number = ?", (rnd,)):
            members.setdefault(gid, []).append(code)
        return members

    def peak_rss_mb(self):
        """The server's peak RSS; with workers, the largest worker's (the parent only
        watches them)."""
        pids = [self.proc.pid]
        children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children")
        with contextlib.suppress(OSError):
            pids = [int(n) for n in children.read_text().split()] or pids
        peaks = [peak for peak in map(_peak_rss_mb, pids) if peak is not None]
        return max(peaks, default=None)

    def error_lines(self):
        """Lines the server printed while serving that report a failure: a load must not
        cause any. (Before "Serving on" come the participant links, random text.)"""
        serving = next((i for i, line in enumerate(self.lines) if line.startswith("Serving on")),
                       len(self.lines))
        return [line.rstrip() for line in self.lines[serving:]
                if "Traceback" in line or "ERROR" in line or "Error" in line]

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        self.database.drop()


def _peak_rss_mb(pid):
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


@contextlib.contextmanager
def running(session_type, n, seed, deadline):
    """A started server in a temporary folder, stopped and removed on the way out."""
    workdir = tempfile.mkdtemp(prefix="labctl-bench-")
    server = Server(session_type, n, seed, workdir)
    try:
        server.start(deadline)
        yield server
    finally:
        server.stop()
        shutil.rmtree(workdir, ignore_errors=True)


class Browser:
    """One participant's kept-alive HTTP connection, as cheap as a client can be.

    The simulated participants share the server's cores, so every millisecond of client CPU is
    one the server does not get, and a busy client reads its responses late: both show up as
    server latency although a lab's browsers run on their own machines. requests costs several
    times what plain ``http.client`` does per call (proxy settings from the environment, cookie
    jars, adapters). A redirect is followed, as a browser follows the 303 after a form.
    Not ``labctl.bots.client.HttpConnection``: the benchmark also measures older commits (the
    "before" of RESULTS.md), which lack it and answered forms with a 303.
    """

    def __init__(self, base):
        parts = urlsplit(base)
        self.host, self.port = parts.hostname, parts.port
        self.conn = None

    def request(self, method, path, form=None, timeout=30.0):
        """(status, text) of the answer, after following redirects (up to 3)."""
        for _ in range(4):
            status, location, text = self._send(method, path, form, timeout)
            if status not in (301, 302, 303) or not location:
                return status, text
            method, path, form = "GET", urlsplit(location).path, None
        return status, text

    def _send(self, method, path, form, timeout):
        body = urlencode(form) if form is not None else None
        headers = {"Content-Type": "application/x-www-form-urlencoded"} if body else {}
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
            self.conn.timeout = timeout
            if self.conn.sock is not None:
                self.conn.sock.settimeout(timeout)
            try:
                self.conn.request(method, path, body=body, headers=headers)
                answer = self.conn.getresponse()
                return (answer.status, answer.getheader("Location"),
                        answer.read().decode("utf-8", "replace"))
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.close()  # the server closed a kept-alive connection: reopen once
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


class Bot:
    """One simulated participant."""

    def __init__(self, base, code, seed, stats, deadline, think=(0.0, 0.0)):
        self.base = base
        self.code = code
        self.path = f"/p/{code}/"
        self.http = Browser(base)
        self.rng = random.Random(seed)
        # its own generator, so that the answers do not depend on the think range
        self.think_rng = random.Random(seed)
        self.think = think
        self.stats = stats
        self.deadline = deadline
        self.finished = False
        self.error = None
        # wait step -> (start of the request that brought me there, time I was let through)
        self.waits = {}
        self.shared = None
        self.group_version = 0
        self.acked = set()

    def timeout(self):
        return max(0.5, min(30.0, self.deadline - time.monotonic()))

    def get(self):
        start = time.monotonic()
        response = self.http.request("GET", self.path, timeout=self.timeout())
        end = time.monotonic()
        self.stats["load"].append(end - start)
        return self.parse(response), start, end

    def post(self, page, values):
        form = {"csrf_token": page["csrf"], "step": str(page["step"]), **values}
        start = time.monotonic()
        response = self.http.request("POST", self.path, form, timeout=self.timeout())
        end = time.monotonic()
        self.stats["submit"].append(end - start)
        return self.parse(response), start, end

    @staticmethod
    def parse(response):
        status, text = response
        marker = PAGE_MARKER.search(text)
        if status != 200 or marker is None:
            raise RuntimeError(f"unexpected response {status}")
        csrf = CSRF.search(text)
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

    def patch_group(self, round_index):
        """Send this round's benchmark change, made on the version last seen."""
        self.shared.send(json.dumps({
            "op": "patch", "store": "group", "version": self.group_version,
            "id": 10 + round_index,
            "patch": [{"op": "add", "path": f"/bench{round_index}", "value": round_index}]}))

    def listen_shared(self, received):
        """Record when each benchmark change arrives: received[(code, round)] = time."""
        try:
            while time.monotonic() < self.deadline:
                self.shared.settimeout(max(0.1, self.deadline - time.monotonic()))
                message = json.loads(self.shared.recv())
                if message.get("type") in ("ack", "conflict") and "version" in message:
                    self.group_version = max(self.group_version, message["version"])
                    self.acked.add(message.get("id"))
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
        """Wait on the participant's socket until the wait page releases; returns the time.

        Polls the position only as often as a browser's safety net does (every 15 s): the
        socket's first message is the position, so a release before it opened is not missed,
        and polling more often would add load that a lab's browsers do not make.
        """
        ws_url = self.base.replace("http://", "ws://") + f"/p/{self.code}/ws"
        sock = websocket.create_connection(ws_url, timeout=self.timeout())
        try:
            while time.monotonic() < self.deadline:
                sock.settimeout(max(0.1, min(SAFETY_POLL_SECONDS,
                                             self.deadline - time.monotonic())))
                try:
                    message = json.loads(sock.recv())
                except websocket.WebSocketTimeoutException:
                    status, text = self.http.request("GET", self.path + "position",
                                                     timeout=self.timeout())
                    if status == 200 and json.loads(text).get("step") != page["step"]:
                        return time.monotonic()
                    continue
                if message.get("type") == "advance" or (
                        message.get("type") == "position" and message.get("step") != page["step"]):
                    return time.monotonic()
            raise RuntimeError("deadline reached on a wait page")
        finally:
            sock.close()

    def think_pause(self):
        """Read and answer the page: a uniform draw from the think range, within the deadline."""
        low, high = self.think
        pause = self.think_rng.uniform(low, high)
        if pause > 0:
            gevent.sleep(max(0.0, min(pause, self.deadline - time.monotonic())))

    def play(self, first_page, first_start):
        """Play to the end, noting for each wait page when this participant reached it (the
        start of the request that brought it there) and when it was let through.

        A submit that lands on a wait page passed the wait pages before it when it returned;
        the wait page it landed on is passed only at its own release, which may come a whole
        think time of the others later.
        """
        page, start = first_page, first_start
        while time.monotonic() < self.deadline:
            if page["kind"] == "finished":
                self.finished = True
                return
            if page["kind"] == "wait":
                released = self.wait_for_release(page)
                self.stats["pages"] += 1
                self.waits[page["step"]] = (start, released)
                step = page["step"]
                page, start, _ = self.get()
                self.stats["pages"] += 1
                self.passed(step, page["step"], released, released)
                continue
            if page["kind"] != "page":
                raise RuntimeError(f"unexpected page kind {page['kind']}")
            answer = ANSWERS.get(page["page"], lambda r: {})(self.rng)
            step = page["step"]
            self.think_pause()
            page, start, end = self.post(page, answer)
            self.stats["pages"] += 1
            self.passed(step, page["step"], start, end)
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
MS = 1000.0


def arrive(bots, deadline, shared=False):
    """Every participant opens its link (and its shared-data socket): {code: first GET}."""
    firsts = {}

    def one(bot):
        firsts[bot.code] = bot.get()
        if shared:
            bot.open_shared()

    jobs = [gevent.spawn(one, bot) for bot in bots]
    gevent.joinall(jobs, timeout=max(0.1, deadline - time.monotonic()))
    for job in jobs:
        if not job.successful():
            raise RuntimeError(f"a participant could not arrive: {job.exception}")
    return firsts


def play_phase(n, seed, think, deadline_seconds):
    """my_session played to the end by n participants who think before each submit."""
    deadline = time.monotonic() + deadline_seconds
    stats = {"load": [], "submit": [], "pages": 0}
    with running("my_session", n, seed, deadline) as server:
        bots = [Bot(server.base, code, seed * 100_000 + i, stats, deadline, think)
                for i, code in enumerate(server.codes())]
        # server start: launch to the first participant page served
        first = bots[0].get()
        server_start = first[2] - server.launched
        firsts = {bots[0].code: first, **arrive(bots[1:], deadline)}
        play_start = time.monotonic()

        def play(bot):
            try:
                page, start, _ = firsts[bot.code]
                bot.play(page, start)
            except Exception as exc:  # a failed bot is counted, not fatal
                bot.error = repr(exc)

        jobs = [gevent.spawn(play, bot) for bot in bots]
        gevent.joinall(jobs, timeout=max(0.1, deadline - time.monotonic()))
        gevent.killall(jobs, timeout=2)
        play_seconds = time.monotonic() - play_start
        releases = release_latencies(server, {bot.code: bot for bot in bots})
        return {
            "server_start_s": server_start,
            "pages_per_s": stats["pages"] / play_seconds if play_seconds else None,
            "page_load_p50_ms": _scaled(percentile(stats["load"], 50), MS),
            "page_load_p99_ms": _scaled(percentile(stats["load"], 99), MS),
            "page_submit_p50_ms": _scaled(percentile(stats["submit"], 50), MS),
            "page_submit_p99_ms": _scaled(percentile(stats["submit"], 99), MS),
            "wait_release_p50_ms": _scaled(percentile(releases, 50), MS),
            "wait_release_p99_ms": _scaled(percentile(releases, 99), MS),
            "wait_release_samples": len(releases),
            "play_server_rss_mb": server.peak_rss_mb(),
            "bots_finished": sum(bot.finished for bot in bots),
            "run_seconds": play_seconds,
            "errors": sorted({bot.error for bot in bots if bot.error})[:3],
            "server_error_lines": server.error_lines()[:20],
        }


def release_latencies(server, by_code):
    """Per group and wait page: the last member's release minus the start of the request of
    the member who arrived last."""
    releases = []
    for step in sorted(WAIT_STEPS):
        app, rnd, _ = SEQUENCE[step]
        for members in server.members(app, rnd).values():
            entries = [by_code[c].waits.get(step) for c in members]
            if all(entries):
                releases.append(max(e[1] for e in entries) - max(e[0] for e in entries))
    return releases


def fanout_phase(n, seed, deadline_seconds, spread_s=FANOUT_SPREAD_S):
    """public_goods (groups of 4): one writer per group patches the group document, the time
    until all other members received it is one sample. FANOUT_ROUNDS rounds with the writers
    spread over ``spread_s`` seconds (a lab's pace), then FANOUT_ROUNDS with every group's
    patch sent at once (a burst: throughput more than latency)."""
    deadline = time.monotonic() + deadline_seconds
    stats = {"load": [], "submit": [], "pages": 0}
    with running("public_goods", n, seed, deadline) as server:
        bots = [Bot(server.base, code, seed * 100_000 + i, stats, deadline)
                for i, code in enumerate(server.codes())]
        arrive(bots, deadline, shared=True)
        groups = server.members("public_goods")
        by_code = {bot.code: bot for bot in bots}
        received = {}
        listeners = [gevent.spawn(bot.listen_shared, received) for bot in bots]
        rng = random.Random(seed)
        spread, burst = [], []
        for round_index in range(FANOUT_ROUNDS):
            spread += fanout_round(groups, by_code, received, round_index, deadline,
                                   rng, spread_s)
        for round_index in range(FANOUT_ROUNDS, 2 * FANOUT_ROUNDS):
            burst += fanout_round(groups, by_code, received, round_index, deadline)
        gevent.killall(listeners, timeout=2)
        for bot in bots:
            bot.close_shared()
        return {
            "fanout_p50_ms": _scaled(percentile(spread, 50), MS),
            "fanout_p99_ms": _scaled(percentile(spread, 99), MS),
            "fanout_burst_p50_ms": _scaled(percentile(burst, 50), MS),
            "fanout_burst_p99_ms": _scaled(percentile(burst, 99), MS),
            "fanout_spread_s": spread_s,
            "fanout_group_size": max(len(m) for m in groups.values()),
            "fanout_samples": len(spread) + len(burst),
            "fanout_expected": len(groups) * FANOUT_ROUNDS * 2,
            "fanout_server_rss_mb": server.peak_rss_mb(),
            "fanout_server_error_lines": server.error_lines()[:20],
        }


def fanout_round(groups, by_code, received, round_index, deadline, rng=None, spread_s=0.0):
    """Each group's first member patches, at once or at a random moment within ``spread_s``;
    returns the fan-out time of every group whose other members all received the change
    within 5 s of its patch. Waits for the writers' acks, so that the next round's patch is
    made on the version it follows."""
    sent = {}

    def patch(gid, writer):
        sent[gid] = time.monotonic()
        writer.patch_group(round_index)

    senders = [gevent.spawn_later(rng.uniform(0, spread_s) if spread_s else 0, patch, gid,
                                  by_code[members[0]]) for gid, members in groups.items()]
    limit = min(deadline, time.monotonic() + spread_s + 5)
    gevent.joinall(senders, timeout=max(0.1, limit - time.monotonic()))
    others = [code for members in groups.values() for code in members[1:]]
    writers = [by_code[members[0]] for members in groups.values()]
    while time.monotonic() < limit and not (
            all((code, round_index) in received for code in others)
            and all(10 + round_index in writer.acked for writer in writers)):
        gevent.sleep(0.005)
    samples = []
    for gid, members in groups.items():
        times = [received.get((code, round_index)) for code in members[1:]]
        if gid in sent and times and all(t is not None for t in times):
            samples.append(max(times) - sent[gid])
    return samples


def bots_test_phase(n, seed, timeout):
    """Wall time of ``labctl test my_session -n N`` as a user runs it; a timeout is a failure.

    Runs in a session of its own, so that on a timeout the test's own server goes too.
    """
    command = [sys.executable, "-m", "labctl", "test", "my_session", "-n", str(n),
               "--seed", str(seed), "--project", str(PROJECT)]
    workdir = tempfile.mkdtemp(prefix="labctl-bench-test-")
    database = Database(workdir)
    if database.schema is not None:
        command += ["--db", database.target]
    start = time.monotonic()
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, cwd=str(ROOT), start_new_session=True,
                            env={**os.environ, "COLUMNS": "200"})
    try:
        output, _ = proc.communicate(timeout=timeout)
        passed = proc.returncode == 0
    except subprocess.TimeoutExpired:
        stop_group(proc)
        output, passed = f"timed out after {timeout:g} s", False
    finally:
        database.drop()
        shutil.rmtree(workdir, ignore_errors=True)
    return {"bots_test_s": time.monotonic() - start, "bots_test_passed": passed,
            "bots_test_output": output.strip().splitlines()[-5:]}


def stop_group(proc):
    """End a timed-out child and everything it started (its session), politely first."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate(timeout=5)


def one_run(n, seed, think, deadline_seconds, fanout_deadline, bots_timeout,
            fanout_spread=FANOUT_SPREAD_S):
    """The three phases of one run, each against its own server: the run's figures."""
    figures = {"participants": n, **play_phase(n, seed, think, deadline_seconds)}
    figures.update(fanout_phase(n, seed, fanout_deadline, fanout_spread))
    figures.update(bots_test_phase(n, seed, bots_timeout))
    rss = [figures["play_server_rss_mb"], figures["fanout_server_rss_mb"]]
    figures["server_peak_rss_mb"] = max((v for v in rss if v is not None), default=None)
    figures["server_errors"] = (len(figures["server_error_lines"])
                                + len(figures["fanout_server_error_lines"]))
    return figures


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


def summarize(per_run):
    """Each figure over the runs: the median of numbers; a yes/no holds only if it held in
    every run (a single failed ``labctl test`` is a failure)."""
    summary = {}
    for key, value in per_run[0].items():
        if isinstance(value, bool):
            summary[key] = all(r[key] for r in per_run)
        elif isinstance(value, (int, float)) or value is None:
            summary[key] = median([r[key] for r in per_run])
    return summary


def cell(value, unit):
    """A table cell: counts without decimals, yes/no for checks, "-" for what was not measured."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if unit == "":
        return f"{value:,.0f}" if value == int(value) else f"{value:,.1f}"
    return f"{value:,.1f} {unit}"


def show(results):
    from rich.console import Console
    from rich.table import Table

    think = results["think_s"]
    table = Table(title=f"labctl load benchmark (median of {results['runs']} run(s); think time "
                        f"{think['min']:g} to {think['max']:g} s before each submit)")
    table.add_column("figure")
    for block in results["participants"]:
        table.add_column(f"N = {block['participants']}", justify="right")
    for key, label, unit in FIGURES:
        table.add_row(label, *[cell(block["median"].get(key), unit)
                               for block in results["participants"]])
    export = results["export"]
    console = Console()
    console.print(table)
    console.print(f"export of {export['export_rows']:,} player rows: "
                  f"{export['export_s']:.2f} s (median of {export['runs']})")


def settings(args, parser):
    """Sizes, runs, export rows, think range and time limits from the command line."""
    smoke = args.smoke
    sizes = [SMOKE_SIZE] if smoke else args.participants
    for n in sizes:
        if not GROUP_SIZE <= n <= MAX_PARTICIPANTS or n % GROUP_SIZE:
            parser.error(f"participants must be a multiple of {GROUP_SIZE} (the public goods "
                         f"groups), {GROUP_SIZE} to {MAX_PARTICIPANTS}: {n}")
    think = tuple(args.think) if args.think else (SMOKE_THINK if smoke else DEFAULT_THINK)
    if not 0 <= think[0] <= think[1]:
        parser.error(f"--think needs 0 <= MIN <= MAX: {think[0]:g} {think[1]:g}")
    base = SMOKE_DEADLINE if smoke else RUN_DEADLINE
    return {
        "sizes": sizes,
        "runs": 1 if smoke else max(1, args.runs),
        "export_rows": args.export_rows or (2_000 if smoke else 100_000),
        "think": think,
        "deadline": args.deadline or base + DEADLINE_THINKS * think[1],
        "fanout_deadline": SMOKE_DEADLINE if smoke else FANOUT_DEADLINE,
        "fanout_spread": SMOKE_FANOUT_SPREAD_S if smoke else FANOUT_SPREAD_S,
        "bots_timeout": args.bots_timeout or (SMOKE_BOTS_TIMEOUT if smoke else BOTS_TIMEOUT),
        "out": args.out,
    }


def measure(n, plan):
    """Every run of one size, reported as it ends; the size's block of the results."""
    per_run = []
    for run in range(plan["runs"]):
        figures = one_run(n, run + 1, plan["think"], plan["deadline"], plan["fanout_deadline"],
                          plan["bots_timeout"], plan["fanout_spread"])
        print(f"N={n} run {run + 1}/{plan['runs']}: {figures['bots_finished']}/{n} finished in "
              f"{figures['run_seconds']:.1f} s; labctl test "
              f"{'passed' if figures['bots_test_passed'] else 'FAILED'} in "
              f"{figures['bots_test_s']:.1f} s {' '.join(figures['errors'])}", file=sys.stderr)
        per_run.append(figures)
    return {"participants": n, "median": summarize(per_run), "runs": per_run}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, nargs="+", default=DEFAULT_SIZES,
                        help="sizes, each a multiple of 4 (default 48 200 1000)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--think", type=float, nargs=2, metavar=("MIN", "MAX"), default=None,
                        help="seconds a participant thinks before each submit, drawn "
                        "uniformly (default 2 8; 0.05 0.25 with --smoke; 0 0: a stampede)")
    parser.add_argument("--smoke", action="store_true",
                        help=f"N = {SMOKE_SIZE}, one run, 2,000 export rows, seconds (for CI)")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results.json"))
    parser.add_argument("--deadline", type=float, default=None,
                        help=f"seconds for a run's play phase (default 120, with --smoke "
                        f"20, plus {DEADLINE_THINKS} x the MAX think time)")
    parser.add_argument("--bots-timeout", type=float, default=None,
                        help="seconds `labctl test` may take (default 300; 45 with --smoke)")
    parser.add_argument("--export-rows", type=int, default=None)
    parser.add_argument("--db", default=None, help="a postgresql:// URL: every server on "
                        "PostgreSQL, in a schema of its own (default: SQLite files)")
    parser.add_argument("--workers", type=int, default=1,
                        help="labctl run --workers N (needs --db)")
    args = parser.parse_args(argv)
    if args.workers > 1 and not args.db:
        parser.error("--workers needs --db postgresql://...")
    DATABASE.update(url=args.db, workers=args.workers)
    plan = settings(args, parser)

    results = {"runs": plan["runs"], "store": "postgresql" if args.db else "sqlite",
               "workers": args.workers, "load_average": os.getloadavg(),
               "think_s": {"min": plan["think"][0], "max": plan["think"][1]},
               "deadline_s": plan["deadline"],
               "participants": [measure(n, plan) for n in plan["sizes"]]}
    export_runs = [export_phase(plan["export_rows"]) for _ in range(plan["runs"])]
    results["export"] = {"runs": len(export_runs),
                         "export_rows": export_runs[0]["export_rows"],
                         "export_s": median([r["export_s"] for r in export_runs]),
                         "export_build_s": median([r["export_build_s"] for r in export_runs])}
    results["all_finished"] = all(run["bots_finished"] == block["participants"]
                                  for block in results["participants"] for run in block["runs"])
    results["bots_test_passed"] = all(block["median"]["bots_test_passed"]
                                      for block in results["participants"])
    out = Path(plan["out"])
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    show(results)
    return 0 if results["all_finished"] and results["bots_test_passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
