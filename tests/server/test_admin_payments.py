"""The admin's payments sheet, printable receipts and the recruitment systems' downloads,
through real HTTP: who never started is listed but not paid, one receipt per participant who
came."""

from __future__ import annotations

import csv
import io
import re

import pytest
from browserless import HTTP_TIMEOUT, Participant, admin_login

PASSWORD = "receipts-password"


@pytest.fixture
def lab(live_server):
    """A session whose four seats are labelled with recruitment ids; two have come."""
    server = live_server(admin_password=PASSWORD)
    code = server.engine.create_session("my_session", 4, seed=3,
                                        labels=["R-1", "R-2", "R-3", "R-4"])
    codes = [row["code"] for row in server.engine.participant_rows(code)]
    for participant_code in codes[:2]:
        Participant(server.base_url, participant_code).get()
    return server, code


def test_the_sheet_counts_only_who_came_and_marks_who_never_started(lab):
    server, code = lab
    http = admin_login(server.base_url, PASSWORD)
    sheet = http.get(f"{server.base_url}/admin/sessions/{code}/payments", timeout=HTTP_TIMEOUT)
    assert sheet.status_code == 200
    assert 'id="payments-total">EUR 20.00<' in sheet.text  # 2 x the fixed pay, not 4
    assert sheet.text.count("never started (not in the total)") == 2


def test_receipts_are_one_per_participant_who_came(lab):
    server, code = lab
    http = admin_login(server.base_url, PASSWORD)
    page = http.get(f"{server.base_url}/admin/sessions/{code}/receipts", timeout=HTTP_TIMEOUT)
    assert page.status_code == 200
    assert re.findall(r'class="receipt-label">([^<]+)<', page.text) == ["R-1", "R-2"]
    assert re.findall(r'class="receipt-amount">([^<]+)<', page.text) == ["EUR 10.00"] * 2
    created = next(r for r in server.engine.session_rows() if r["code"] == code)["created_at"]
    assert page.text.count(f'class="receipt-date">{created[:10]}<') == 2
    assert page.text.count('class="signature-line"') == 2
    missing = http.get(f"{server.base_url}/admin/sessions/nosuch/receipts",
                       timeout=HTTP_TIMEOUT)
    assert missing.status_code == 404


def test_the_orsee_and_sona_files_download_cell_by_cell(lab):
    server, code = lab
    http = admin_login(server.base_url, PASSWORD)
    base = f"{server.base_url}/admin/sessions/{code}/export/"

    def rows(kind: str) -> list[list[str]]:
        response = http.get(base + kind, timeout=HTTP_TIMEOUT)
        assert response.status_code == 200, kind
        return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))

    assert rows("payments-orsee.csv") == [
        ["participant_id", "session_code", "showup", "participated", "payment_amt"],
        ["R-1", code, "1", "0", "10.00"], ["R-2", code, "1", "0", "10.00"],
        ["R-3", code, "0", "0", "0.00"], ["R-4", code, "0", "0", "0.00"]]
    assert rows("payments-sona.csv") == [["survey_code", "payment"], ["R-1", "10.00"],
                                         ["R-2", "10.00"]]
