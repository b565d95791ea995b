"""The same seeded bot session exports the same CSV bytes from SQLite and from PostgreSQL.

``labctl test my_session -n 4 --seed 1 --export DIR`` runs once per store. What differs by
nature between two runs (the session's and participants' random codes, the clock's times and
the seconds between them) is replaced by the same placeholders in both; everything else, every
amount, choice, group and round, must be byte for byte the same.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow
on_postgres = pytest.mark.parametrize("store_kind", ["postgres"], indirect=True)

TIME = re.compile(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00")


def play(project: Path, out: Path, *db: str) -> None:
    done = subprocess.run([sys.executable, "-m", "labctl", "test", "my_session", "-n", "4",
                           "--seed", "1", "--export", str(out), "--project", str(project), *db],
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def codes_in(folder: Path) -> list[bytes]:
    """The session's code, then the participants' codes and completion codes in
    id_in_session order."""
    header, *rows = (folder / "results_wide.csv").read_bytes().splitlines()
    columns = header.removeprefix(b"\xef\xbb\xbf").split(b",")
    code, session_code = columns.index(b'"participant.code"'), columns.index(b'"session.code"')
    completion = columns.index(b'"participant.completion_code"')  # random, for exit links
    participants = [row.split(b",")[code] for row in rows]
    completions = [row.split(b",")[completion] for row in rows]
    return [rows[0].split(b",")[session_code], *participants, *completions]


def normalised(folder: Path, name: str) -> bytes:
    data = (folder / name).read_bytes()
    for n, code in enumerate(codes_in(folder)):
        data = data.replace(code, b'"CODE%d"' % n if code.startswith(b'"') else b"CODE%d" % n)
    data = TIME.sub(b"TIME", data)
    if name == "page_timings.csv":  # the seconds a bot took
        data = re.sub(rb',"TIME","TIME",[0-9.e-]+,', b',"TIME","TIME",S,', data)
    return data


@on_postgres
def test_a_seeded_bot_session_exports_the_same_csv_from_both_stores(
        sample_project, new_store_target, tmp_path):
    play(sample_project, tmp_path / "sqlite")
    play(sample_project, tmp_path / "postgres", "--db", str(new_store_target()))

    names = sorted(path.name for path in (tmp_path / "sqlite").glob("*.csv"))
    assert names == sorted(path.name for path in (tmp_path / "postgres").glob("*.csv"))
    assert "trust.csv" in names and "results_wide.csv" in names
    for name in names:
        assert normalised(tmp_path / "sqlite", name) == normalised(tmp_path / "postgres",
                                                                    name), name
    assert b"CODE4" in normalised(tmp_path / "postgres", "trust.csv")
