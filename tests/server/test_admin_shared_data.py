"""The experimenter's view of shared data: batch data edited (versioned), group data shown."""

import json
import re

import pytest
import websocket
from browserless import admin_login

PASSWORD = "shared-secret"


@pytest.fixture
def lab(live_server):
    return live_server(admin_password=PASSWORD)


def batch_of(lab, name="my_session"):
    return next(b for b in lab.engine.batch_documents() if b["batch"] == name)


def batch_form(http, base_url):
    page = http.get(f"{base_url}/admin/", timeout=10).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    version = int(re.search(r'action="/admin/batches/my_session".*?name="version" value="(\d+)"',
                            page, re.S).group(1))
    return token, version, page


def test_batch_data_is_edited_as_a_new_version_with_history(lab):
    http = admin_login(lab.base_url, PASSWORD)
    token, version, _ = batch_form(http, lab.base_url)
    assert version == 0
    saved = http.post(f"{lab.base_url}/admin/batches/my_session", timeout=10, data={
        "csrf_token": token, "version": "0", "doc": '{"next_treatment": 3}'})
    assert "saved as version 1" in saved.text
    assert [b for b in lab.engine.batch_documents() if b["batch"] == "my_session"] == [
        {"batch": "my_session", "version": 1, "doc": {"next_treatment": 3}}]
    history = lab.engine.store.shared_history("batch")
    assert [(h["version"], h["author"], h["kind"]) for h in history] == [(1, "admin", "replace")]
    assert json.loads(history[0]["patch"]) == [
        {"op": "add", "path": "/next_treatment", "value": 3}]


def test_a_stale_batch_edit_changes_nothing(lab):
    http = admin_login(lab.base_url, PASSWORD)
    token, _, _ = batch_form(http, lab.base_url)
    lab.engine.admin_replace_batch("my_session", 0, {"first": True})
    stale = http.post(f"{lab.base_url}/admin/batches/my_session", timeout=10, data={
        "csrf_token": token, "version": "0", "doc": '{"second": true}'})
    assert "changed while you edited it (now version 1)" in stale.text
    assert batch_of(lab)["doc"] == {"first": True}


@pytest.mark.parametrize(("doc", "version", "message"), [
    ("{not json", "0", "is not valid JSON"),
    ('{"x": 1}', "zero", "did not say which version"),
])
def test_a_malformed_batch_edit_is_refused(lab, doc, version, message):
    http = admin_login(lab.base_url, PASSWORD)
    token, _, _ = batch_form(http, lab.base_url)
    response = http.post(f"{lab.base_url}/admin/batches/my_session", timeout=10, data={
        "csrf_token": token, "version": version, "doc": doc})
    assert message in response.text
    assert batch_of(lab)["version"] == 0


def test_batch_edit_needs_the_password_and_the_token(lab):
    anonymous = __import__("requests").post(
        f"{lab.base_url}/admin/batches/my_session", timeout=10, allow_redirects=False,
        data={"version": "0", "doc": "{}"})
    assert anonymous.status_code == 302
    http = admin_login(lab.base_url, PASSWORD)
    forged = http.post(f"{lab.base_url}/admin/batches/my_session", timeout=10,
                       data={"csrf_token": "forged", "version": "0", "doc": "{}"})
    assert "expired" in forged.text
    assert batch_of(lab)["version"] == 0


def test_group_data_is_shown_in_the_monitor_and_pushed_live(lab):
    http = admin_login(lab.base_url, PASSWORD)
    code = lab.codes[0]
    http.get(lab.url(code), timeout=10)  # starts the participant
    cookie = "; ".join(f"{k}={v}" for k, v in http.cookies.items())
    monitor = websocket.create_connection(
        lab.base_url.replace("http", "ws") + f"/admin/sessions/{lab.session_code}/ws",
        timeout=5, cookie=cookie)
    assert json.loads(monitor.recv())["type"] == "update"
    target = lab.engine.shared_target(code, "group")
    lab.engine.shared_change(code, target, 0, patch=[{"op": "add", "path": "/offer",
                                                      "value": "<b>5</b>"}])
    assert json.loads(monitor.recv())["type"] == "update"
    monitor.close()
    data = http.get(f"{lab.base_url}/admin/sessions/{lab.session_code}/monitor.json",
                    timeout=10).json()
    assert data["groups"] == [{"key": target.key, "version": 1, "doc": {"offer": "<b>5</b>"}}]
    page = http.get(f"{lab.base_url}/admin/sessions/{lab.session_code}", timeout=10).text
    assert "&lt;b&gt;5&lt;/b&gt;" in page and "<b>5</b>" not in page
