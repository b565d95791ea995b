"""Custom exports: an app's custom_export(players) and custom_export_<name>(players) become
files of ``labctl export results`` and admin downloads, with what the app yielded."""

from __future__ import annotations

import csv
import io
import re

import pytest
import requests
from effort_project import make_effort_project, play_effort, solved

from labctl.engine import Engine
from labctl.errors import LabctlError
from labctl.export import write_results
from labctl.project import load_project
from labctl.storage.sqlite import SqliteStore
from labctl.validation import validate_project

CUSTOM = '''
def custom_export(players):
    yield ["session", "participant", "round", "solved", "partner_solved", "total"]
    for p in players:
        partner = p.get_others_in_group()[0]
        yield [p.session.code, p.participant.code, p.round_number, p.solved, partner.solved,
               sum(q.solved for q in p.in_all_rounds())]


def custom_export_rounds(players):
    yield ["round", "solved", "solved"]
    for round_number in (1, 2):
        yield [round_number, sum(p.solved for p in players if p.round_number == round_number),
               "=cmd|calc"]
'''


def read(path_or_bytes) -> list[list[str]]:
    raw = path_or_bytes if isinstance(path_or_bytes, bytes) else path_or_bytes.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


@pytest.fixture
def effort(tmp_path):
    """``effort(extra)``: the effort project with ``extra`` source, one session played."""
    opened = []

    def make(extra: str = CUSTOM):
        root = make_effort_project(tmp_path / "effort_project", extra)
        project = load_project(root)
        assert validate_project(project) == []
        store = SqliteStore(root / "labctl.db")
        engine = Engine(project, store)
        code = engine.create_session("effort", 4, seed=3)
        play_effort(engine, code)
        opened.append((store, project))
        return engine, code

    yield make
    for store, project in opened:
        store.close()
        project.unload()


def test_each_custom_export_is_a_file_of_the_export(effort, tmp_path):
    engine, code = effort()
    written = write_results(engine.store, engine.project, tmp_path / "out", [code])
    names = [p.name for p in written]
    assert names[-4:] == ["effort.custom.csv", "effort.custom_rounds.csv", "codebook.csv",
                          "codebook.md"]
    rows = read(tmp_path / "out" / "effort.custom.csv")
    assert rows[0] == ["session", "participant", "round", "solved", "partner_solved", "total"]
    people = {r["code"]: r["id_in_session"] for r in engine.participant_rows(code)}
    assert len(rows) == 9  # the header and 4 players in 2 rounds
    for session, participant, round_number, mine, partner, total in rows[1:]:
        me = people[participant]
        assert session == code
        assert int(mine) == solved(me, int(round_number))
        # in_all_rounds() is rounds 1 to the player's own, as in oTree
        assert int(total) == sum(solved(me, r) for r in range(1, int(round_number) + 1))
        assert int(partner) in {solved(other, int(round_number)) for other in people.values()
                                if other != me}
    rounds = read(tmp_path / "out" / "effort.custom_rounds.csv")
    assert rounds == [["round", "solved", "solved"],
                      ["1", str(sum(solved(me, 1) for me in range(1, 5))), "'=cmd|calc"],
                      ["2", str(sum(solved(me, 2) for me in range(1, 5))), "'=cmd|calc"]]


def test_the_codebook_lists_a_custom_exports_columns(effort, tmp_path):
    engine, code = effort()
    write_results(engine.store, engine.project, tmp_path / "out", [code])
    book = read(tmp_path / "out" / "codebook.csv")
    header, body = book[0], book[1:]
    custom = [dict(zip(header, row, strict=True)) for row in body
              if row[0] == "effort.custom_rounds.csv"]
    assert [r["column"] for r in custom] == ["round", "solved", "solved"]
    assert {r["app"] for r in custom} == {"effort"}
    assert custom[0]["doc"] == "written by custom_export_rounds(players) of app 'effort'"


@pytest.mark.parametrize("extra, message", [
    ("\ndef custom_export(players):\n    yield ['a']\n    yield [1 / 0]\n",
     r"custom_export\(players\) of app 'effort' failed at .*effort/__init__\.py:\d+: "
     "ZeroDivisionError"),
    ("\ndef custom_export(players):\n    return []\n",
     r"custom_export\(players\) of app 'effort' yielded no rows"),
    ("\ndef custom_export(players):\n    yield ['a']\n    yield 'text'\n",
     r"yielded row 2 as str, not a list"),
])
def test_a_failing_custom_export_is_named_and_writes_no_file(effort, tmp_path, extra, message):
    engine, code = effort(extra)
    with pytest.raises(LabctlError, match=message):
        write_results(engine.store, engine.project, tmp_path / "out", [code])
    assert not (tmp_path / "out" / "effort.custom.csv").exists()


def test_custom_exports_are_admin_downloads(live_server, tmp_path):
    root = make_effort_project(tmp_path / "served", CUSTOM)
    lab = live_server(project=root, session_type="effort", admin_password="pw-custom")
    play_effort(lab.engine, lab.session_code)
    http = requests.Session()
    page = http.get(f"{lab.base_url}/admin/login", timeout=10)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    http.post(f"{lab.base_url}/admin/login", data={"csrf_token": token, "password": "pw-custom"},
              timeout=10)
    detail = http.get(f"{lab.base_url}/admin/sessions/{lab.session_code}", timeout=10).text
    base = f"/admin/sessions/{lab.session_code}/export/"
    assert f'href="{base}custom-effort.csv"' in detail
    assert f'href="{base}custom-effort-rounds.csv"' in detail
    response = http.get(f"{lab.base_url}{base}custom-effort-rounds.csv", timeout=10)
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    assert read(response.content)[0] == ["round", "solved", "solved"]
    written = write_results(lab.engine.store, lab.engine.project, tmp_path / "out",
                            [lab.session_code])
    cli_file = next(p for p in written if p.name == "effort.custom_rounds.csv")
    assert response.content == cli_file.read_bytes()
    assert http.get(f"{lab.base_url}{base}custom-effort-nothing.csv",
                    timeout=10).status_code == 404
    anonymous = requests.get(f"{lab.base_url}{base}custom-effort.csv", timeout=10,
                             allow_redirects=False)
    assert anonymous.status_code == 302
