"""SQL statements and round trips to PostgreSQL per request: the sample session played in-process.

    python benchmarks/pg_statements.py --db postgresql://user:password@host/db [--participants 4]

Plays a `my_session` session as `page_cost.py` does (Flask's test client, no HTTP server; its
hub is PostgreSQL's, so a NOTIFY is counted as a statement) and counts what psycopg sends:
every statement, and the round trips, where statements sent together in a pipeline count as
one. Counts, not times, so the figure is the same on a loaded machine. The database gets the
tables of labctl and one session; give a scratch database or schema.

(RESULTS.md, "Connections per worker", lists the figures and what changed them.)
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402
from page_cost import play  # noqa: E402

from labctl.engine import Engine  # noqa: E402
from labctl.hub_postgres import PostgresHub  # noqa: E402
from labctl.project import load_project  # noqa: E402
from labctl.server import create_app  # noqa: E402
from labctl.storage.postgres import PostgresStore  # noqa: E402


class Counter:
    """Counts the statements psycopg sends from this thread, and the round trips they take."""

    def __init__(self) -> None:
        self.statements = 0
        self.round_trips = 0
        self.counting = threading.local()

    def install(self) -> None:
        execute, executemany = psycopg.Cursor.execute, psycopg.Cursor.executemany
        pipeline = psycopg.Connection.pipeline
        counter = self

        def counted_execute(cursor, *args, **kwargs):
            counter.sent()
            return execute(cursor, *args, **kwargs)

        def counted_executemany(cursor, *args, **kwargs):
            counter.sent()
            return executemany(cursor, *args, **kwargs)

        @contextmanager
        def counted_pipeline(conn):
            if getattr(counter.counting, "piped", False):  # nested: the outer one counts
                with pipeline(conn) as piped:
                    yield piped
                return
            counter.round_trips += 1
            counter.counting.piped = True
            try:
                with pipeline(conn) as piped:
                    yield piped
            finally:
                counter.counting.piped = False

        psycopg.Cursor.execute = counted_execute
        psycopg.Cursor.executemany = counted_executemany
        psycopg.Connection.pipeline = counted_pipeline

    def sent(self) -> None:
        if getattr(self.counting, "on", False):
            self.statements += 1
            if not getattr(self.counting, "piped", False):
                self.round_trips += 1


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", required=True, help="a postgresql:// URL (a scratch database)")
    parser.add_argument("--participants", type=int, default=4)
    args = parser.parse_args(argv)
    counter = Counter()
    counter.install()
    work = Path(tempfile.mkdtemp(prefix="labctl-pg-statements-"))
    try:
        shutil.copytree(ROOT / "sample_sessions", work / "project",
                        ignore=shutil.ignore_patterns("*.db*", "__pycache__"))
        store = PostgresStore(args.db)
        hub = PostgresHub(store)
        engine = Engine(load_project(work / "project"), store, hub=hub)
        client = create_app(engine, "benchmark").test_client()
        session = engine.create_session("my_session", args.participants, seed=1)
        with store.reading():
            codes = [row["code"] for row in store.participants_of(session)]
        counter.counting.on = True
        requests = play(client, codes, random.Random(1))
        counter.counting.on = False
        hub.close()
        store.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"{requests} requests: {counter.statements / requests:.1f} statements and "
          f"{counter.round_trips / requests:.1f} round trips per request")


if __name__ == "__main__":
    main()
