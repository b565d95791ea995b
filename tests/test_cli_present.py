"""``labctl run my_session --room lab1 --present`` in its own process: it serves the room
first, and when Enter is pressed with 3 of the room's 4 seats online it starts a session of
two (the trust game's pairs) and makes the third a spare, and says so."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time

import pytest
import websocket

pytestmark = pytest.mark.slow  # starts labctl run in a process of its own

SECONDS = 10.0
#: how long labctl run may take to serve (a bound)
START_TIMEOUT = 30.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def read_until(proc: subprocess.Popen, lines: list[str], text: str, seconds: float) -> str:
    """Lines the process printed, until one holds ``text`` (bounded in time)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if any(text in line for line in lines):
            return "".join(lines)
        time.sleep(0.05)
    raise AssertionError(f"no {text!r} within {seconds} s:\n{''.join(lines)}")


def test_present_starts_with_three_of_four_seats_online(sample_project):
    (sample_project / "lab1_seats.txt").write_text("PC01\nPC02\nPC03\nPC04\n",
                                                   encoding="utf-8")
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "labctl", "run", "my_session", "--room", "lab1", "--present",
         "--host", "127.0.0.1", "--port", str(port), "--project", str(sample_project),
         "--no-qr"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        text=True, env={**os.environ, "COLUMNS": "200", "PYTHONUNBUFFERED": "1"})
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(proc.stdout), daemon=True)
    reader.start()
    seats = []
    try:
        read_until(proc, lines, "Serving on", START_TIMEOUT)
        assert "Press Enter to start with the seats online." in "".join(lines)
        for label in ("PC01", "PC03", "PC04"):
            ws = websocket.create_connection(
                f"ws://127.0.0.1:{port}/room/lab1/{label}/ws", timeout=SECONDS)
            ws.recv()  # the first message: the seat's page is open, so the seat is online
            seats.append(ws)
        proc.stdin.write("\n")
        proc.stdin.flush()
        output = read_until(proc, lines, "seats online: session", SECONDS)
        assert ("3 of 4 seats online: session " in output
                and " has 2 participants (PC01, PC03), a multiple of the group size 2; 1 spare "
                "(PC04), shown the spare page and paid the show-up fee." in " ".join(
                    output.split()))
        read_until(proc, lines, "Participant links", SECONDS)
    finally:
        for ws in seats:
            ws.close()
        proc.terminate()
        proc.wait(timeout=SECONDS)


def test_present_needs_a_room(sample_project):
    result = subprocess.run(
        [sys.executable, "-m", "labctl", "run", "my_session", "--present", "--project",
         str(sample_project)], capture_output=True, text=True, timeout=START_TIMEOUT)
    assert result.returncode == 1
    assert "--present needs a session type and --room" in result.stderr + result.stdout
