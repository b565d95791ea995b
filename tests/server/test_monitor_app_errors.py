"""What the monitor and the participant see when the experiment's code fails on a page, over
real HTTP and WebSockets: the trustee of the sample trust game, released from WaitForTrustor
before the trustor sent anything, gets SendBack, whose ``vars_for_template`` multiplies None.

Also what the monitor offers on each row, and the batch-data editor keeping a bad edit.
"""

from __future__ import annotations

import html
import re

import pytest
import requests
import websocket
from browserless import (
    HTTP_TIMEOUT,
    SAMPLE,
    SEND,
    SEND_BACK,
    WAIT_FOR_TRUSTOR,
    LabDb,
    Participant,
    admin_login,
    next_message,
)
from test_monitor import admin_csrf, monitor_json, monitor_page, monitor_socket, rows_by_code

PASSWORD = "app-error-test-password"
#: the line of trust/__init__.py that fails: SendBack.vars_for_template
FAILING_LINE = next(number for number, line in enumerate(
    (SAMPLE / "trust" / "__init__.py").read_text().splitlines(), 1)
    if '"received": player.group.sent_amount' in line)


@pytest.fixture
def lab(live_server):
    return live_server(admin_password=PASSWORD, n=2)


@pytest.fixture
def admin(lab) -> requests.Session:
    return admin_login(lab.base_url, PASSWORD)


def act(http, lab, code: str, what: str, step: int) -> requests.Response:
    token = admin_csrf(monitor_page(http, lab.base_url, lab.session_code))
    return http.post(f"{lab.base_url}/admin/sessions/{lab.session_code}/participants/{code}/"
                     f"{what}", data={"csrf_token": token, "step": str(step)},
                     timeout=HTTP_TIMEOUT, allow_redirects=False)


def released_too_early(lab, admin) -> tuple[Participant, Participant]:
    """The trustee released from WaitForTrustor while the trustor is still on Send."""
    trustor, trustee = (Participant(lab.base_url, code) for code in lab.codes)
    assert trustee.get().step == WAIT_FOR_TRUSTOR
    assert trustor.get().step == SEND
    assert act(admin, lab, trustee.code, "advance", WAIT_FOR_TRUSTOR).status_code == 303
    return trustor, trustee


def test_an_app_error_reaches_the_monitor_at_once_with_its_file_and_line(lab, admin):
    trustor, trustee = released_too_early(lab, admin)
    ws = monitor_socket(lab.base_url, lab.session_code, admin)
    try:
        assert next_message(ws) == {"type": "update"}
        page = requests.get(lab.url(trustee.code), timeout=HTTP_TIMEOUT)
        assert next_message(ws) == {"type": "update"}  # pushed the moment it failed
    finally:
        ws.close()
    assert page.status_code == 500
    assert "continues by itself" in page.text
    assert "Traceback" not in page.text and "TypeError" not in page.text
    assert "__init__.py" not in page.text  # the researcher's file is for the monitor only
    assert 'src="/static/labctl-recover.js"' in page.text

    row = rows_by_code(monitor_json(admin, lab.base_url, lab.session_code))[trustee.code]
    assert row["step"] == SEND_BACK
    error = row["app_error"]
    assert error["location"] == f"trust/__init__.py:{FAILING_LINE}"
    assert error["page"] == "trust, page SendBack"
    assert "vars_for_template of trust, page SendBack raised TypeError" in error["message"]
    cells = re.search(rf'<tr data-code="{trustee.code}">(.*?)</tr>',
                      monitor_page(admin, lab.base_url, lab.session_code), re.S).group(1)
    assert f"App error at <code>trust/__init__.py:{FAILING_LINE}</code>" in cells
    assert "Retry page" in cells
    status = requests.get(lab.url(trustee.code, "app-error"), timeout=HTTP_TIMEOUT)
    assert status.json() == {"standing": True}
    assert status.headers["Cache-Control"] == "no-store"
    assert rows_by_code(monitor_json(admin, lab.base_url, lab.session_code))[
        trustor.code]["app_error"] is None


def test_retry_tells_the_error_page_to_load_the_page_again_and_is_logged(lab, admin):
    trustor, trustee = released_too_early(lab, admin)
    assert requests.get(lab.url(trustee.code), timeout=HTTP_TIMEOUT).status_code == 500
    assert trustor.submit({"sent_amount": "2.00"}).status_code == 200  # the cause is gone
    page_socket = websocket.create_connection(lab.ws_url(trustee.code), timeout=5)
    try:
        assert next_message(page_socket)["step"] == SEND_BACK
        assert act(admin, lab, trustee.code, "retry", SEND_BACK).status_code == 303
        assert next_message(page_socket) == {"type": "retry"}
    finally:
        page_socket.close()
    assert requests.get(lab.url(trustee.code, "app-error"),
                        timeout=HTTP_TIMEOUT).json() == {"standing": False}
    data = monitor_json(admin, lab.base_url, lab.session_code)
    assert rows_by_code(data)[trustee.code]["app_error"] is None
    assert [(a["participant_code"], a["action"]) for a in data["actions"]][-1] == (
        trustee.code, "retry")
    assert trustee.get().title.startswith("Trust game")  # SendBack shows now


def test_a_retry_for_a_page_the_participant_left_changes_nothing(lab, admin):
    _, trustee = released_too_early(lab, admin)
    assert requests.get(lab.url(trustee.code), timeout=HTTP_TIMEOUT).status_code == 500
    db = LabDb.of(lab.engine.store)
    before = db.snapshot()
    response = act(admin, lab, trustee.code, "retry", WAIT_FOR_TRUSTOR)
    assert response.status_code == 400
    assert "has moved on since the monitor showed them" in response.text
    assert db.snapshot() == before


def test_moving_the_participant_on_clears_the_error_from_the_monitor(lab, admin):
    _, trustee = released_too_early(lab, admin)
    assert requests.get(lab.url(trustee.code), timeout=HTTP_TIMEOUT).status_code == 500
    # SendBack has timeout values: Advance submits it (before_next_page does not fail)
    assert act(admin, lab, trustee.code, "advance", SEND_BACK).status_code == 303
    row = rows_by_code(monitor_json(admin, lab.base_url, lab.session_code))[trustee.code]
    assert row["step"] > SEND_BACK and row["app_error"] is None
    assert requests.get(lab.url(trustee.code, "app-error"),
                        timeout=HTTP_TIMEOUT).json() == {"standing": False}


def test_a_bad_batch_edit_keeps_the_text_as_typed_next_to_its_error(lab, admin):
    page = admin.get(f"{lab.base_url}/admin/", timeout=HTTP_TIMEOUT).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    typed = '{"next_treatment": 3,\n "note": "<b>half done</b>"'
    response = admin.post(f"{lab.base_url}/admin/batches/my_session", timeout=HTTP_TIMEOUT,
                          allow_redirects=False,
                          data={"csrf_token": token, "version": "0", "doc": typed})
    assert response.status_code == 422
    editor = re.search(r'<textarea name="doc" id="batch-my_session"([^>]*)>(.*?)</textarea>',
                       response.text, re.S)
    assert html.unescape(editor.group(2)) == typed
    assert 'aria-describedby="batch-my_session-error"' in editor.group(1)
    error = re.search(r'<p class="error" role="alert" id="batch-my_session-error">(.*?)</p>',
                      response.text, re.S).group(1)
    assert "not valid JSON" in error and "Your text is kept below" in error
    assert lab.engine.batch_documents()[0]["version"] == 0
