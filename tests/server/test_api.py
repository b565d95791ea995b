"""The HTTP API for scripts over real HTTP: the token, each endpoint, bad input, the rate
limit and the call log."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
import requests
from typer.testing import CliRunner

from labctl.cli import app as cli
from labctl.server.api import LIMIT, RateLimit
from labctl.storage.api_tokens import ApiTokens
from labctl.storage.sqlite import SqliteStore

TIMEOUT = 10


@pytest.fixture
def lab(live_server):
    server = live_server(admin_password="api-admin-password")
    server.token = ApiTokens(server.engine.store).rotate()
    return server


def call(lab, method: str, path: str, token: str | None = "", **kwargs) -> requests.Response:
    headers = {} if token is None else {"Authorization": f"Bearer {token or lab.token}"}
    return requests.request(method, f"{lab.base_url}/api/v1{path}", headers=headers,
                            timeout=TIMEOUT, **kwargs)


@pytest.mark.parametrize("headers", [
    {}, {"Authorization": "Bearer lab_wrong"}, {"Authorization": "Basic dXNlcjpwdw=="},
    {"Authorization": "Bearer"},
])
def test_calls_without_the_token_are_refused(lab, headers):
    for method, path in [("GET", "/sessions"), ("POST", "/sessions"),
                         ("GET", f"/sessions/{lab.session_code}"),
                         ("GET", f"/sessions/{lab.session_code}/export/results.zip"),
                         ("GET", "/batches/my_session"), ("PUT", "/batches/my_session")]:
        response = requests.request(method, f"{lab.base_url}/api/v1{path}", headers=headers,
                                    json={"session_type": "my_session"}, timeout=TIMEOUT)
        assert response.status_code == 401, (method, path)
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert response.json()["error"] == "missing or wrong API token"
        assert lab.session_code not in response.text
    assert len(lab.engine.session_rows()) == 1  # the refused POSTs created nothing


def test_a_participant_code_is_no_token_and_no_token_set_says_how_to_make_one(lab):
    assert call(lab, "GET", "/sessions", token=lab.codes[0]).status_code == 401
    ApiTokens(lab.engine.store).revoke()
    response = call(lab, "GET", "/sessions")
    assert response.status_code == 401
    assert "labctl api-token" in response.json()["hint"]


def test_list_sessions(lab):
    response = call(lab, "GET", "/sessions")
    assert response.status_code == 200
    (session,) = response.json()["sessions"]
    assert (session["code"], session["session_type"], session["participants"],
            session["status"]) == (lab.session_code, "my_session", 4, "not started")


def test_create_a_session_with_params_and_labels(lab):
    response = call(lab, "POST", "/sessions", json={
        "session_type": "my_session", "num_participants": 2, "labels": ["PC01", "PC02"],
        "params": {"trust_multiplier": 2}})
    assert response.status_code == 201, response.text
    created = response.json()
    assert response.headers["Location"].endswith(f"/api/v1/sessions/{created['code']}")
    assert [p["label"] for p in created["participants"]] == ["PC01", "PC02"]
    row = next(r for r in lab.engine.session_rows() if r["code"] == created["code"])
    assert row["params"] == '{"trust_multiplier": 2}'
    in_room = call(lab, "POST", "/sessions", json={"session_type": "my_session",
                                                    "room": "lab1"})
    assert in_room.status_code == 201, in_room.text
    assert in_room.json()["room"] == "lab1"


@pytest.mark.parametrize("body, status, message", [
    ({"session_type": "nope"}, 400, "session_type must be one of"),
    ({"session_type": "my_session", "num_participants": "4"}, 400, "num_participants"),
    ({"session_type": "my_session", "num_participants": 3}, 400,
     "3 participants cannot form groups of 2"),
    ({"session_type": "my_session", "params": {"trust_multiplyer": 2}}, 400,
     "has no param 'trust_multiplyer'"),
    ({"session_type": "my_session", "labels": [1, 2]}, 400, "labels must be"),
    ({"session_type": "my_session", "room": "nowhere"}, 400, "no room 'nowhere'"),
    ({"session_type": "my_session", "colour": "red"}, 400, "unknown field 'colour'"),
    (["my_session"], 400, "the body must be a JSON object"),
])
def test_bad_creation_requests_say_what_is_wrong_and_create_nothing(lab, body, status, message):
    response = call(lab, "POST", "/sessions", json=body)
    assert response.status_code == status, response.text
    assert message in response.json()["error"]
    assert len(lab.engine.session_rows()) == 1


def test_a_body_that_is_not_json_is_refused(lab):
    response = requests.post(f"{lab.base_url}/api/v1/sessions", data="{not json",
                             timeout=TIMEOUT, headers={"Authorization": f"Bearer {lab.token}",
                                                       "Content-Type": "application/json"})
    assert response.status_code == 400
    assert response.json()["error"] == "the body must be a JSON object"


def test_status_shows_each_participants_progress(lab):
    requests.get(lab.url(lab.codes[0]), timeout=TIMEOUT)  # the first participant starts
    response = call(lab, "GET", f"/sessions/{lab.session_code}")
    assert response.status_code == 200
    status = response.json()
    assert (status["participants_count"], status["started"], status["finished"]) == (4, 1, 0)
    first = status["participants"][0]
    assert (first["code"], first["app"], first["page"]) == (lab.codes[0], "trust", "Send")
    assert call(lab, "GET", "/sessions/nosuch").status_code == 404


def admin(lab) -> requests.Session:
    http = requests.Session()
    page = http.get(f"{lab.base_url}/admin/login", timeout=TIMEOUT).text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    http.post(f"{lab.base_url}/admin/login", timeout=TIMEOUT,
              data={"csrf_token": csrf, "password": "api-admin-password"})
    return http


def test_exports_are_the_admin_downloads(lab):
    http = admin(lab)
    for name in ("wide.csv", "results.json", "payments.json", "app-trust.csv"):
        via_api = call(lab, "GET", f"/sessions/{lab.session_code}/export/{name}")
        assert via_api.status_code == 200, name
        download = http.get(f"{lab.base_url}/admin/sessions/{lab.session_code}/export/"
                            f"{name}", timeout=TIMEOUT)
        assert via_api.content == download.content, name
    archive = zipfile.ZipFile(io.BytesIO(call(
        lab, "GET", f"/sessions/{lab.session_code}/export/results.zip").content))
    assert {"results_wide.csv", "codebook.csv", "payments.csv"} <= set(archive.namelist())
    missing = call(lab, "GET", f"/sessions/{lab.session_code}/export/nothing.csv")
    assert missing.status_code == 404
    assert "kinds:" in missing.json()["hint"]


def test_batch_data_is_read_and_replaced_by_version(lab):
    read = call(lab, "GET", "/batches/my_session")
    assert read.status_code == 200
    version = read.json()["version"]
    saved = call(lab, "PUT", "/batches/my_session",
                 json={"version": version, "doc": {"next": "A"}})
    assert saved.status_code == 200, saved.text
    assert saved.json()["version"] == version + 1
    stale = call(lab, "PUT", "/batches/my_session", json={"version": version, "doc": {}})
    assert stale.status_code == 409
    assert "GET it again" in stale.json()["hint"]
    assert call(lab, "GET", "/batches/my_session").json()["doc"] == {"next": "A"}
    assert call(lab, "PUT", "/batches/my_session", json={"doc": {}}).status_code == 400
    assert call(lab, "PUT", "/batches/nosuch", json={"version": 0, "doc": {}}
                ).status_code == 400
    assert call(lab, "GET", "/batches/nosuch").status_code == 404


def test_too_many_calls_from_one_address_are_refused_with_retry_after(lab):
    lab.server.app.extensions[LIMIT] = RateLimit(3, 60.0)
    answers = [call(lab, "GET", "/sessions").status_code for _ in range(3)]
    refused = call(lab, "GET", "/sessions")
    assert answers == [200, 200, 200]
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) >= 1
    assert call(lab, "GET", "/sessions", token="lab_guess").status_code == 429


def test_every_call_is_logged_and_shown_to_the_admin(lab):
    call(lab, "GET", f"/sessions/{lab.session_code}")
    call(lab, "GET", "/sessions", token="lab_guess")
    calls = ApiTokens(lab.engine.store).calls()
    assert [(c["method"], c["path"], c["status"], c["session_code"]) for c in calls[:2]] == [
        ("GET", "/api/v1/sessions", 401, None),
        ("GET", f"/api/v1/sessions/{lab.session_code}", 200, lab.session_code)]
    anonymous = requests.get(f"{lab.base_url}/admin/api-log", timeout=TIMEOUT,
                             allow_redirects=False)
    assert anonymous.status_code == 302
    shown = admin(lab).get(f"{lab.base_url}/admin/api-log", timeout=TIMEOUT).text
    assert f"GET /api/v1/sessions/{lab.session_code}" in shown
    assert "<td class=\"num\">401</td>" in shown


def test_the_openapi_description_needs_no_token(lab):
    response = requests.get(f"{lab.base_url}/api/v1/openapi.json", timeout=TIMEOUT)
    assert response.status_code == 200
    spec = response.json()
    assert spec["openapi"].startswith("3.")
    assert {"/sessions", "/sessions/{session_code}", "/batches/{batch}"} <= set(spec["paths"])


def test_the_cli_makes_replaces_and_revokes_the_token(sample_project):
    runner = CliRunner()
    made = runner.invoke(cli, ["api-token", str(sample_project)])
    assert made.exit_code == 0, made.output
    first = made.output.split()[-1]
    again = runner.invoke(cli, ["api-token", "--project", str(sample_project)])
    second = again.output.split()[-1]
    store = SqliteStore(sample_project / "labctl.db")
    try:
        tokens = ApiTokens(store)
        assert first.startswith("lab_") and second != first
        assert tokens.matches(second) and not tokens.matches(first)
        assert first not in (sample_project / "labctl.db").read_bytes().decode("latin-1")
        revoked = runner.invoke(cli, ["api-token", "--revoke", str(sample_project)])
        assert revoked.exit_code == 0 and "revoked" in revoked.output
        assert not tokens.exists()
    finally:
        store.close()
    missing = runner.invoke(cli, ["api-token", "--db", str(sample_project / "nope.db"),
                                  str(sample_project)])
    assert missing.exit_code == 1
    assert "no database at" in missing.output
