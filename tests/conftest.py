"""Shared fixtures: the sample project, and live servers on 127.0.0.1 on a free port.

Two kinds of live server:
- ``live_server`` runs the Flask app in a thread of the test process (Werkzeug, threaded): real
  HTTP and real WebSockets, with the engine at hand for assertions;
- ``lab_process`` runs ``labctl run`` as a separate process (gevent, as in the lab), for tests
  that kill the server or check what it prints.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_sessions"
START_TIMEOUT = 30.0


@pytest.fixture(autouse=True)
def the_test_process_stays_unpatched() -> Iterator[None]:
    """No test may turn the test process itself cooperative (gevent's patching is for
    ``labctl run`` and ``labctl test`` as programs): once patched, later tests that start a
    process or a thread fail in ways that point elsewhere. This names the test that did it."""
    yield
    monkey = sys.modules.get("gevent.monkey")
    if monkey is not None:
        assert not monkey.is_module_patched("socket"), (
            "this test patched the test process with gevent: run the command in a subprocess")


@pytest.fixture(autouse=True)
def the_working_folder_is_given_back() -> Iterator[None]:
    """labctl's commands run from the project folder (``labctl.cli.project_folder``), so a
    command invoked in the test process moves it: each test gets back the folder it began in,
    and the ``LABCTL_DATABASE_URL`` it had."""
    folder = os.getcwd()
    database = os.environ.get("LABCTL_DATABASE_URL")
    yield
    os.chdir(folder)
    if database is None:
        os.environ.pop("LABCTL_DATABASE_URL", None)
    else:
        os.environ["LABCTL_DATABASE_URL"] = database


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def port() -> int:
    """A port that was free a moment ago on 127.0.0.1."""
    return free_port()


@pytest.fixture
def sample_project(tmp_path: Path) -> Path:
    """A fresh copy of sample_sessions/ (its own labctl.db)."""
    target = tmp_path / "sample_sessions"
    shutil.copytree(SAMPLE, target, ignore=shutil.ignore_patterns("*.db*", "__pycache__"))
    return target


@dataclass
class LiveServer:
    """The lab server in a thread of this process."""

    base_url: str
    engine: object
    session_code: str
    codes: list[str]
    server: object = field(repr=False)

    def url(self, code: str, suffix: str = "") -> str:
        from labctl.participant_urls import participant_url

        return participant_url(self.base_url, code, suffix)

    def ws_url(self, code: str) -> str:
        from labctl.participant_urls import SOCKET, participant_url

        return participant_url(self.base_url.replace("http://", "ws://"), code, SOCKET)


@pytest.fixture
def live_server(sample_project: Path, new_store_target: callable) -> Iterator[callable]:
    """``live_server(project=None, session_type='my_session', n=4, admin_password=None)``;
    on PostgreSQL too in a module marked ``both_stores``."""
    from werkzeug.serving import make_server

    from labctl.engine import Engine
    from labctl.project import load_project
    from labctl.server import create_app
    from labctl.storage.open_store import open_store

    started: list[tuple[object, object, object]] = []

    def start(project: Path | None = None, session_type: str = "my_session", n: int = 4,
              admin_password: str | None = None, seed: int | None = 7) -> LiveServer:
        loaded = load_project(project or sample_project)
        store = open_store(new_store_target())
        engine = Engine(loaded, store)
        code = engine.create_session(session_type, n, seed=seed)
        app = create_app(engine, admin_password=admin_password)
        server = make_server("127.0.0.1", 0, app, threaded=True)
        # a short poll interval: shutdown() waits for the loop's next poll (0.5 s by default,
        # paid by every test that starts a server)
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02},
                                  daemon=True)
        thread.start()
        started.append((server, store, loaded))
        codes = [row["code"] for row in engine.participant_rows(code)]
        return LiveServer(f"http://127.0.0.1:{server.server_port}", engine, code, codes, server)

    yield start
    for server, store, loaded in started:
        server.shutdown()
        store.close()
        loaded.unload()


@dataclass
class LabProcess:
    """``labctl run`` in its own process, with what it printed parsed."""

    proc: subprocess.Popen
    base_url: str
    password: str | None
    session_code: str
    codes: list[str]
    output: str
    #: what the server printed after "Serving on" (read on, so the pipe never fills)
    later: list[str] = field(default_factory=list)
    reader: threading.Thread | None = None

    def kill(self) -> None:
        """SIGKILL: the server dies at once, as in a power cut."""
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


def start_lab_process(project: Path, *args: str, port: int | None = None) -> LabProcess:
    """Start ``labctl run`` on 127.0.0.1 and wait until it serves (bounded in time)."""
    port = port or free_port()
    command = [sys.executable, "-m", "labctl", "run", *args, "--host", "127.0.0.1",
               "--port", str(port), "--project", str(project), "--no-qr"]
    env = {**os.environ, "COLUMNS": "200", "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, env=env)
    lines: list[str] = []
    deadline = time.monotonic() + START_TIMEOUT
    assert proc.stdout is not None
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line)
        if line.startswith("Serving on"):
            break
    output = "".join(lines)
    if proc.poll() is not None or "Serving on" not in output:
        proc.kill()
        raise AssertionError(f"labctl run did not start:\n{output}")
    printed = re.search(r"password: (\S+)", output)  # none: the database's is unchanged
    password = printed.group(1) if printed else None
    session_code = re.search(r"Session (\w+)", output).group(1)
    codes = re.findall(r"/p/([\w-]+)/", output)
    lab = LabProcess(proc, f"http://127.0.0.1:{port}", password, session_code, codes, output)
    lab.reader = threading.Thread(target=lambda: lab.later.extend(proc.stdout), daemon=True)
    lab.reader.start()
    return lab


@pytest.fixture
def lab_process() -> Iterator[callable]:
    """``lab_process(project, *run_args)`` starts ``labctl run``; stopped after the test."""
    started: list[LabProcess] = []

    def start(project: Path, *args: str, port: int | None = None) -> LabProcess:
        lab = start_lab_process(project, *args, port=port)
        if lab.password is None:  # --resume keeps the password printed by the earlier start
            lab.password = next((run.password for run in reversed(started) if run.password),
                                None)
        started.append(lab)
        return lab

    yield start
    for lab in started:
        lab.stop()


# -- the two stores: SQLite always, PostgreSQL when LABCTL_TEST_POSTGRES_URL is set ----------
#
# A test module marked ``pytest.mark.both_stores`` runs each of its tests that use the
# ``store_kind`` fixture (directly or through ``new_store_target``) once per store; every other
# test runs on SQLite only. Each PostgreSQL target is a schema of its own in the test database
# (dropped after the test), named in the URL's search_path, so processes started with
# ``--db URL`` see the same tables.

POSTGRES_ENV = "LABCTL_TEST_POSTGRES_URL"


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if ("store_kind" in metafunc.fixturenames
            and metafunc.definition.get_closest_marker("both_stores") is not None):
        metafunc.parametrize("store_kind", ["sqlite", "postgres"], indirect=True)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "both_stores: run the module's store tests on SQLite "
                            "and on PostgreSQL (when LABCTL_TEST_POSTGRES_URL is set)")


@pytest.fixture
def store_kind(request: pytest.FixtureRequest) -> str:
    """``"sqlite"`` or ``"postgres"``; PostgreSQL is skipped (failed under CI) without
    ``LABCTL_TEST_POSTGRES_URL``."""
    kind = getattr(request, "param", "sqlite")
    if kind == "postgres" and not os.environ.get(POSTGRES_ENV):
        reason = f"{POSTGRES_ENV} is not set: no PostgreSQL to test against"
        if os.environ.get("CI"):
            pytest.fail(reason + " (CI must test both stores: see .ci/run)")
        pytest.skip(reason)
    return kind


def postgres_schema_url(base: str, schema: str) -> str:
    """``base`` with its connections' search_path set to ``schema``."""
    separator = "&" if "?" in base else "?"
    return f"{base}{separator}options=-csearch_path%3D{schema}"


@pytest.fixture
def new_store_target(store_kind: str, tmp_path: Path) -> Iterator[callable]:
    """``new_store_target()``: a fresh, empty database of the test's store: a SQLite file in
    ``tmp_path`` or a PostgreSQL URL of a new schema."""
    made: list[str] = []
    files: list[Path] = []
    base = os.environ.get(POSTGRES_ENV, "")

    def make() -> str | Path:
        if store_kind == "sqlite":
            files.append(tmp_path / ("labctl.db" if not files else f"labctl{len(files)}.db"))
            return files[-1]
        import psycopg

        schema = f"t_{os.getpid()}_{time.monotonic_ns()}"
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f'CREATE SCHEMA "{schema}"')
        made.append(schema)
        return postgres_schema_url(base, schema)

    yield make
    if made:
        import psycopg

        with psycopg.connect(base, autocommit=True) as conn:
            for schema in made:
                conn.execute(f'DROP SCHEMA "{schema}" CASCADE')
