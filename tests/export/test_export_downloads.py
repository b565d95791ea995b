"""The admin's downloads over real HTTP: behind the password, and the same bytes as the CLI."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile

import pytest
import requests
from played_session import SHARED_FILES, Answers, play

from labctl.export import load_results, write_results
from labctl.server import downloads

PASSWORD = "export-admin-password"
TIMEOUT = 10
KINDS = ["wide.csv", "wide.json", "timings.csv", "timings.json", "payments.csv",
         "payments.json", "results.json", "results.zip", "apps.zip", "app-trust.csv",
         "app-ultimatum.json"]


@pytest.fixture
def lab(live_server):
    """A lab server with the downloads, and its session played to the end."""
    server = live_server(admin_password=PASSWORD)
    app = server.server.app
    if "downloads" not in app.blueprints:  # until create_app registers it
        app.register_blueprint(downloads.bp)
    play(server.engine, None, server.session_code, Answers())
    return server


def url(lab, name: str, session: str | None = None) -> str:
    return f"{lab.base_url}/admin/sessions/{session or lab.session_code}/export/{name}"


def logged_in(lab) -> requests.Session:
    http = requests.Session()
    page = http.get(f"{lab.base_url}/admin/login", timeout=TIMEOUT)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    response = http.post(f"{lab.base_url}/admin/login", timeout=TIMEOUT,
                         data={"csrf_token": token, "password": PASSWORD},
                         allow_redirects=False)
    assert response.status_code == 302, response.text
    return http


def test_downloads_need_the_admin_password(lab):
    for name in KINDS:
        response = requests.get(url(lab, name), timeout=TIMEOUT, allow_redirects=False)
        assert response.status_code == 302, name
        assert response.headers["Location"].startswith("/admin/login?next="), name
        assert not any(code in response.text for code in lab.codes), name


def test_every_download_is_an_attachment_for_the_admin(lab):
    http = logged_in(lab)
    for name in KINDS:
        response = http.get(url(lab, name), timeout=TIMEOUT)
        assert response.status_code == 200, (name, response.text)
        assert response.headers["Content-Disposition"] == (
            f'attachment; filename="{lab.session_code}_{name}"')
        assert response.headers["Cache-Control"] == "no-store"
        fmt = name.rsplit(".", 1)[1]
        if fmt == "json":
            assert response.headers["Content-Type"] == "application/json", name
            json.loads(response.content.decode("utf-8"))
        elif fmt == "csv":
            assert response.headers["Content-Type"] == "text/csv; charset=utf-8", name
            assert response.content.startswith(b"\xef\xbb\xbf"), name
        else:
            assert response.headers["Content-Type"] == "application/zip", name
            assert zipfile.ZipFile(io.BytesIO(response.content)).testzip() is None


def test_the_wide_csv_download_is_the_file_the_cli_writes(lab, tmp_path):
    engine = lab.engine
    written = write_results(engine.store, engine.project, tmp_path / "out", [lab.session_code])
    http = logged_in(lab)
    assert http.get(url(lab, "wide.csv"), timeout=TIMEOUT).content == written[0].read_bytes()
    archive = zipfile.ZipFile(io.BytesIO(http.get(url(lab, "results.zip"),
                                                  timeout=TIMEOUT).content))
    assert archive.namelist() == ["results_wide.csv", "trust.csv", "ultimatum.csv",
                                  "questionnaire.csv", "page_timings.csv", "payments.csv",
                                  *SHARED_FILES, "live_messages.csv",
                                  "experimenter_chat.csv", "codebook.csv",
                                  "codebook.md"]
    for path in written:
        if not path.name.startswith("codebook"):
            assert archive.read(path.name) == path.read_bytes()
    # the archive's codebook covers the payments file the folder export does not hold
    assert b'"payments.csv","total"' in archive.read("codebook.csv")
    assert zipfile.ZipFile(io.BytesIO(http.get(url(lab, "apps.zip"), timeout=TIMEOUT).content)
                           ).namelist() == ["trust.csv", "ultimatum.csv", "questionnaire.csv"]


def test_the_payments_download_adds_up(lab):
    data = logged_in(lab).get(url(lab, "payments.json"), timeout=TIMEOUT).json()
    (session,) = data["sessions"]
    totals = [p.total for p in lab.engine.payments(lab.session_code)]
    assert [p["total"] for p in session["participants"]] == totals
    assert session["total"]["total"] == sum(totals)


def test_an_app_table_download_has_a_row_per_player_per_round(lab):
    text = logged_in(lab).get(url(lab, "app-ultimatum.csv"), timeout=TIMEOUT).content
    rows = list(csv.DictReader(io.StringIO(text.decode("utf-8-sig"), newline="")))
    assert len(rows) == 4 * 2
    expected = load_results(lab.engine.store, lab.engine.project, [lab.session_code])
    assert len(expected.app_table("ultimatum").rows) == len(rows)


def test_unknown_downloads_are_not_found(lab):
    http = logged_in(lab)
    for name in ["nothing.csv", "wide.zip", "apps.csv", "app-nope.csv", "results.csv",
                 "app-trust.zip", "wide"]:
        assert http.get(url(lab, name), timeout=TIMEOUT).status_code == 404, name


def test_an_unknown_session_is_not_found(lab):
    response = logged_in(lab).get(url(lab, "wide.csv", session="nope1234"), timeout=TIMEOUT)
    assert response.status_code == 404
