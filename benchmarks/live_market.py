"""Live-page benchmark: N traders in the sample double auction, each posting an order every 1
to 3 s through its live page's WebSocket.

    python benchmarks/live_market.py [--traders 1000] [--duration 60] [--interval 1 3]
                                     [--runs 3] [--smoke] [--out benchmarks/results_live.json]

``labctl run market -n N`` runs in its own process on 127.0.0.1 (sample project, markets of 10
by its ``market_size``, a temporary database); the traders are gevent greenlets here, each with
its page loaded over HTTP and its ``/p/<code>/live`` socket open. Every trader sends orders at
intervals drawn uniformly from --interval (a seeded RNG per trader) for --duration seconds.
Orders never cross (buyers bid below every cost, sellers ask above every value), so every
message is a new order that the live method broadcasts to the whole market ({0: book}): the
load stays the same for the whole phase instead of falling as traders trade their unit.

Measured, each the median over --runs runs:

- round trip: from sending a message to receiving this trader's own delivery of its answer;
- fan-out: from sending it to the moment every other member of the market received it;
- messages lost: deliveries expected (every member of the market, for every acknowledged
  message) that never arrived, plus messages that got neither an ack nor an error;
- refused: messages the server answered with an error (rate limit, stale page; none expected);
- the server's CPU time over the phase (user + system, as a share of one core) and its peak
  RSS (VmHWM), and this process's CPU time (the load generator shares the server's cores).

Every wait is bounded: connecting (--connect-timeout), the phase (--duration), the drain after
it (DRAIN_S). Targets on a 2-core machine: round trip and fan-out p99 < 50 ms, nothing lost.
"""

from gevent import monkey

monkey.patch_all()

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import resource  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import gevent  # noqa: E402
import websocket  # noqa: E402
from lab_load import DATABASE, Browser, percentile, running  # noqa: E402

SESSION_TYPE = "market"
MARKET_APP = "double_auction"
#: seconds after the phase in which late deliveries still count (then they are lost)
DRAIN_S = 10.0
#: buyers bid below every cost (COST_MIN 200), sellers ask above every value (VALUE_MAX 1500)
BID_PRICES = range(100, 200, 10)
ASK_PRICES = range(1510, 1700, 10)
TICKS = os.sysconf("SC_CLK_TCK")


class Trader:
    """One trader's live page: its socket, what it sent and what it received, with times."""

    def __init__(self, base, code, side, seed):
        self.base, self.code, self.side = base, code, side
        self.rng = random.Random(seed)
        self.sent = {}  # request id -> send time
        self.acked = {}  # message id (mid) -> request id
        self.received = {}  # message id it answers (re) -> receipt time
        self.refused = 0
        self.socket = None

    def open(self, timeout):
        status, _ = Browser(self.base).request("GET", f"/p/{self.code}/", timeout=timeout)
        if status != 200:
            raise RuntimeError(f"page of {self.code}: HTTP {status}")
        url = self.base.replace("http://", "ws://") + f"/p/{self.code}/live"
        self.socket = websocket.create_connection(url, timeout=timeout)

    def listen(self, until):
        """Read until ``until`` (monotonic); deliveries and acks are timed on arrival."""
        while time.monotonic() < until:
            self.socket.settimeout(max(0.05, until - time.monotonic()))
            try:
                raw = self.socket.recv()
            except websocket.WebSocketTimeoutException:
                continue
            except (OSError, websocket.WebSocketException):
                return
            now = time.monotonic()
            message = json.loads(raw)
            kind = message.get("type")
            if kind == "live":
                self.received.setdefault(message["re"], now)
            elif kind == "ack":
                self.acked[message["mid"]] = message["id"]
            elif kind == "error":
                self.refused += 1

    def trade(self, interval, until):
        """Send an order every ``interval`` seconds (uniform) until ``until``."""
        request_id = 0
        while True:
            gevent.sleep(self.rng.uniform(*interval))
            if time.monotonic() >= until:
                return
            request_id += 1
            prices = BID_PRICES if self.side == "buyer" else ASK_PRICES
            body = {"op": "send", "step": 0, "id": request_id,
                    "data": {"price": self.rng.choice(prices)}}
            self.sent[request_id] = time.monotonic()
            try:
                self.socket.send(json.dumps(body))
            except (OSError, websocket.WebSocketException):
                return

    def close(self):
        if self.socket is not None:
            self.socket.close()


def markets(server):
    """[(participant code, market id, side)] of the session, from its database (read-only)."""
    return server.database.query(f"SELECT participant_code, group_id, side FROM "
                                 f"{MARKET_APP}_player ORDER BY group_id, id_in_group")


def cpu_seconds(pid):
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def own_cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def one_run(n, seed, duration, interval, connect_timeout):
    deadline = time.monotonic() + connect_timeout + duration + DRAIN_S + 60
    with running(SESSION_TYPE, n, seed, deadline) as server:
        rows = markets(server)
        traders = [Trader(server.base, code, side, seed * 100_000 + i)
                   for i, (code, _market, side) in enumerate(rows)]
        members = {}
        for trader, (_code, market, _side) in zip(traders, rows, strict=True):
            members.setdefault(market, []).append(trader)
        opening = [gevent.spawn(t.open, connect_timeout) for t in traders]
        gevent.joinall(opening, timeout=connect_timeout, raise_error=True)
        if not all(g.successful() for g in opening):
            raise RuntimeError("not every trader's page opened in time")
        cpu_before, own_before = cpu_seconds(server.proc.pid), own_cpu_seconds()
        started = time.monotonic()
        stop_sending = started + duration
        listeners = [gevent.spawn(t.listen, stop_sending + DRAIN_S) for t in traders]
        senders = [gevent.spawn(t.trade, interval, stop_sending) for t in traders]
        gevent.joinall(senders, timeout=duration + 5)
        phase = time.monotonic() - started  # the sending phase: rates and CPU are over it
        server_cpu = cpu_seconds(server.proc.pid) - cpu_before
        own_cpu = own_cpu_seconds() - own_before
        gevent.joinall(listeners, timeout=DRAIN_S + 5)
        rss = server.peak_rss_mb()
        errors = server.error_lines()
        for trader in traders:
            trader.close()
    return measured(traders, members, phase, server_cpu, own_cpu, rss, errors)


def measured(traders, members, phase, server_cpu, own_cpu, rss, errors):
    """Round trips, fan-outs and losses from what every trader sent and received."""
    market_of = {t.code: market for market, ts in members.items() for t in ts}
    round_trips, fanouts = [], []
    lost = unanswered = sent = 0
    for trader in traders:
        sent += len(trader.sent)
        answered = set(trader.acked.values())
        unanswered += len(trader.sent) - len(answered) - min(trader.refused, len(trader.sent))
        for mid, request_id in trader.acked.items():
            start = trader.sent[request_id]
            others = [t for t in members[market_of[trader.code]] if t is not trader]
            if mid in trader.received:
                round_trips.append(trader.received[mid] - start)
            else:
                lost += 1
            times = [t.received.get(mid) for t in others]
            lost += sum(1 for x in times if x is None)
            if times and all(x is not None for x in times):
                fanouts.append(max(times) - start)
    ms = 1000.0
    return {
        "messages_sent": sent,
        "messages_per_s": round(sent / phase, 1) if phase else None,
        "round_trip_p50_ms": _ms(percentile(round_trips, 50), ms),
        "round_trip_p99_ms": _ms(percentile(round_trips, 99), ms),
        "fanout_p50_ms": _ms(percentile(fanouts, 50), ms),
        "fanout_p99_ms": _ms(percentile(fanouts, 99), ms),
        "deliveries_lost": lost,
        "messages_unanswered": max(0, unanswered),
        "messages_refused": sum(t.refused for t in traders),
        "server_cpu_share": round(server_cpu / phase, 2) if phase else None,
        "client_cpu_share": round(own_cpu / phase, 2) if phase else None,
        "server_peak_rss_mb": round(rss, 1) if rss else None,
        "server_error_lines": errors[:20],
    }


def _ms(value, factor):
    return None if value is None else round(value * factor, 1)


def summary(runs):
    """The median of each figure over the runs (error lines: all of them)."""
    keys = [k for k in runs[0] if k != "server_error_lines"]
    out = {}
    for key in keys:
        values = [r[key] for r in runs if r[key] is not None]
        out[key] = statistics.median(values) if values else None
    out["server_error_lines"] = [line for r in runs for line in r["server_error_lines"]][:20]
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--traders", type=int, default=1000)
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument("--interval", type=float, nargs=2, default=[1.0, 3.0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--connect-timeout", type=float, default=120.0)
    parser.add_argument("--smoke", action="store_true", help="20 traders for 5 s, one run")
    parser.add_argument("--out", type=Path)
    parser.add_argument("--db", default=None, help="a postgresql:// URL (lab_load.py --db)")
    parser.add_argument("--workers", type=int, default=1, help="needs --db")
    args = parser.parse_args(argv)
    if args.workers > 1 and not args.db:
        parser.error("--workers needs --db postgresql://...")
    DATABASE.update(url=args.db, workers=args.workers)
    if args.smoke:
        args.traders, args.duration, args.runs = 20, 5.0, 1
    if not 2 <= args.traders <= 5000 or not 0 < args.duration <= 600 or args.runs < 1:
        parser.error("--traders 2..5000, --duration up to 600 s, --runs at least 1")
    runs = []
    for index in range(args.runs):
        runs.append(one_run(args.traders, args.seed + index, args.duration,
                            tuple(args.interval), args.connect_timeout))
        print(f"run {index + 1}: {json.dumps(runs[-1])}", flush=True)
    result = {"traders": args.traders, "duration_s": args.duration,
              "interval_s": args.interval, "runs": runs, "median": summary(runs)}
    print(json.dumps(result["median"], indent=2))
    if args.out:
        args.out.write_text(json.dumps(result, indent=2) + "\n")
    ok = all(run["deliveries_lost"] == 0 and run["messages_unanswered"] == 0
             and not run["server_error_lines"] for run in runs)  # every run, not the median
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
