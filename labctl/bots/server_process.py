"""The server bots play against: ``labctl run`` in its own process, as in a lab.

Own process, so that the server has its own core and its own interpreter (gevent-patched) and
the bots test exactly what participants will use; own temporary database, so that a test never
touches the project's real data.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from types import TracebackType

from ..errors import LabctlError

START_SECONDS = 60.0


#: environment variables that make rich write terminal codes into a pipe
PLAIN_OUTPUT = ("TTY_COMPATIBLE", "FORCE_COLOR", "TTY_INTERACTIVE")


class ServerProcess:
    def __init__(self, project_root: Path, session_type: str, participants: int, seed: int,
                 workdir: Path | None = None, db: str | Path | None = None) -> None:
        self.project_root = project_root
        self.session_type = session_type
        self.participants = participants
        self.seed = seed
        self._own_dir = workdir is None
        self.workdir = Path(workdir or tempfile.mkdtemp(prefix="labctl-test-"))
        #: a SQLite file of its own, or the database given (``labctl test --db``)
        self.db_path: str | Path = db if db is not None else self.workdir / "labctl-test.db"
        self.port = _free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.session_code = ""
        self._lines: list[str] = []
        self._proc: subprocess.Popen | None = None

    def __enter__(self) -> ServerProcess:
        command = [sys.executable, "-m", "labctl", "run", self.session_type,
                   "-n", str(self.participants), "--seed", str(self.seed),
                   "--host", "127.0.0.1", "--port", str(self.port), "--db", str(self.db_path),
                   "--project", str(self.project_root), "--no-qr", "--only"]
        # the server's output is read here (session code, links): plain text, never the
        # terminal codes rich writes when told its pipe is a terminal
        env = {name: value for name, value in os.environ.items() if name not in PLAIN_OUTPUT}
        env.update({"COLUMNS": "200", "PYTHONUNBUFFERED": "1", "NO_COLOR": "1",
                    "LABCTL_ADMIN_PASSWORD": secrets.token_urlsafe(12)})
        self._proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                      text=True, env=env)
        threading.Thread(target=self._read_output, daemon=True).start()
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            if any(line.startswith("Serving on") for line in list(self._lines)):
                break
            if self._proc.poll() is not None:
                break
            time.sleep(0.05)
        else:
            self._stop()
            raise LabctlError(f"the test server did not start within {START_SECONDS:.0f} s")
        if self._proc.poll() is not None:
            raise LabctlError("the test server did not start:\n" + self.log())
        for line in self._lines:
            if line.startswith("Session "):
                self.session_code = line.split()[1]
                break
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self._stop()

    def log(self) -> str:
        return "".join(self._lines)

    def _read_output(self) -> None:
        assert self._proc is not None and self._proc.stdout is not None
        for line in self._proc.stdout:
            self._lines.append(line)

    def _stop(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.send_signal(signal.SIGTERM)
            try:
                self._proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait(timeout=5)
        if self._own_dir:
            shutil.rmtree(self.workdir, ignore_errors=True)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
