"""Fault tests: a server killed at random points, storage that cannot be written, fuzzed input
and a project broken while the server runs. They drive the lab with the browserless
participants of ``tests/server/browserless.py``."""

from __future__ import annotations

import sys
from pathlib import Path

SERVER_TESTS = str(Path(__file__).resolve().parent.parent / "server")
if SERVER_TESTS not in sys.path:
    sys.path.insert(0, SERVER_TESTS)
