"""``labctl dev``'s server: the workbench (``server/dev.py``) served by gevent, reloaded when a
file of the project changes.

Changes are found by watchfiles (a maintained watcher over the OS's file events): it runs in a
thread of its own, since it blocks in native code, and hands each batch of changes to the
server's loop, which reloads the project between two requests. Databases (``*.db`` and their
``-wal``/``-shm`` files) and caches are ignored: the dev database changes on every click.
"""

from __future__ import annotations

import errno
import logging
import signal
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from .errors import LabctlError
from .server.dev import Reload, Workbench
from .server.serve import SWEEP_SECONDS, sweep_once

log = logging.getLogger("labctl.dev")

#: how long watchfiles waits for more changes after one before reporting them (ms): an editor
#: saving writes a file in several steps; the reload waits for the last
SETTLE_MS = 50

Report = Callable[[Reload, Path, list[str]], None]


def project_changes(root: Path, stop: Any = None) -> Iterator[list[str]]:
    """Each batch of changed files under ``root`` (relative paths), as the editor saves."""
    import watchfiles

    class ProjectFilter(watchfiles.DefaultFilter):
        """The default filter (caches, VCS folders, editor swap files) and SQLite files."""

        def __init__(self) -> None:
            super().__init__(ignore_entity_patterns=(
                *watchfiles.DefaultFilter.ignore_entity_patterns,
                r"\.db(-wal|-shm|-journal)?$"))

    for changes in watchfiles.watch(root, watch_filter=ProjectFilter(), step=SETTLE_MS,
                                    stop_event=stop, raise_interrupt=False):
        yield sorted({str(Path(path).relative_to(root)) for _, path in changes})


class DevServer:
    """Serve ``root`` on ``host:port`` and reload it on every change, until interrupted."""

    def __init__(self, root: Path, host: str, port: int, report: Report) -> None:
        self.bench = Workbench(root)
        self.host, self.port = host, port
        self.report = report

    def run(self, on_ready: Callable[[str], None]) -> None:
        import gevent

        from .server.tuning import lab_server

        self.report(self.bench.reload(), self.bench.root, [])
        server = lab_server(self.bench, self.host, self.port)
        try:
            server.start()
        except OSError as exc:
            self.bench.close()
            hint = ("stop the other server, or choose another with --port"
                    if exc.errno == errno.EADDRINUSE else "check --host and --port")
            raise LabctlError(f"cannot listen on {self.host}:{self.port}: {exc.strerror}",
                              hint) from exc
        for signum in (signal.SIGTERM, signal.SIGINT):
            gevent.signal_handler(signum, server.stop)
        workers = [gevent.spawn(self._watch), gevent.spawn(self._sweep)]
        on_ready(f"http://{self.host}:{server.server_port}")
        try:
            server.serve_forever()
        finally:
            gevent.killall(workers)
            server.stop(timeout=2)
            self.bench.close()

    def _watch(self) -> None:
        """Reload on each batch of changes; the watcher blocks in a thread of its own."""
        from gevent.threadpool import ThreadPool

        pool = ThreadPool(1)  # one thread: the watcher is used from the thread it started in
        changes = project_changes(self.bench.root)
        while True:
            changed = pool.apply(next, (changes, None))
            if changed is None:
                return
            self.report(self.bench.reload(), self.bench.root, changed)

    def _sweep(self) -> None:
        """The clock-driven work of the engine (timeouts, arrivals, dropouts), as ``labctl
        run`` does."""
        import gevent

        while True:
            gevent.sleep(SWEEP_SECONDS)
            engine = self.bench.engine
            if engine is None:
                continue
            sweep_once(engine)
