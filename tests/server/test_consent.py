"""The welcome and consent page, through real HTTP: nobody starts before answering; "I agree"
is stored with its time and leads to the first page; "I do not agree" ends the session at once
with a clean end page, paid the show-up fee and marked on the payments sheet."""

from __future__ import annotations

import re

import pytest
import requests
from browserless import HTTP_TIMEOUT, Participant, parse_page

CONSENT_TEXT = "<h2>Welcome</h2><p>This study takes 45 minutes. Your data is anonymous.</p>"


@pytest.fixture
def lab(live_server, sample_project):
    sessions = sample_project / "sessions.py"
    text = sessions.read_text(encoding="utf-8")
    sessions.write_text(text.replace('name="my_session",', 'name="my_session", '
                                     'consent="consent.html",', 1), encoding="utf-8")
    (sample_project / "consent.html").write_text(CONSENT_TEXT, encoding="utf-8")
    return live_server(project=sample_project)


def consent_form(response: requests.Response) -> tuple[str, str]:
    action = re.search(r'<form method="post" action="([^"]+)" id="consent-form">',
                       response.text).group(1)
    token = re.search(r'name="csrf_token" value="([^"]+)"', response.text).group(1)
    return action, token


def test_nobody_starts_before_answering_and_agreeing_leads_to_the_first_page(lab):
    code = lab.codes[0]
    http = requests.Session()
    shown = http.get(f"{lab.base_url}/p/{code}/", timeout=HTTP_TIMEOUT)
    assert shown.status_code == 200
    assert CONSENT_TEXT in shown.text
    row = next(r for r in lab.engine.participant_rows(lab.session_code) if r["code"] == code)
    assert (row["started_at"], row["step"], row["consent"]) == (None, -1, None)
    # a form of the first page sent before answering changes nothing
    Participant(lab.base_url, code).post({"sent_amount": "1.00", "step": "0"})
    row = next(r for r in lab.engine.participant_rows(lab.session_code) if r["code"] == code)
    assert (row["started_at"], row["step"]) == (None, -1)
    action, token = consent_form(shown)
    answered = http.post(lab.base_url + action, data={"csrf_token": token, "consent": "agree"},
                         timeout=HTTP_TIMEOUT)
    assert answered.status_code == 200 and answered.url == f"{lab.base_url}/p/{code}/"
    assert parse_page(answered).kind == "page"
    row = next(r for r in lab.engine.participant_rows(lab.session_code) if r["code"] == code)
    assert row["consent"] == "agreed" and row["consent_at"] and row["started_at"]
    assert row["step"] >= 0
    # the other button afterwards changes nothing: the first answer stands
    http.post(lab.base_url + action, data={"csrf_token": token, "consent": "decline"},
              timeout=HTTP_TIMEOUT)
    row = next(r for r in lab.engine.participant_rows(lab.session_code) if r["code"] == code)
    assert row["consent"] == "agreed" and row["finished_at"] is None


def test_declining_ends_cleanly_and_is_paid_the_show_up_fee(lab):
    code = lab.codes[1]
    http = requests.Session()
    action, token = consent_form(http.get(f"{lab.base_url}/p/{code}/", timeout=HTTP_TIMEOUT))
    end = http.post(lab.base_url + action, data={"csrf_token": token, "consent": "decline"},
                    timeout=HTTP_TIMEOUT)
    assert end.status_code == 200
    assert "You chose not to take part" in end.text
    assert 'id="payment-total">EUR 10.00<' in end.text
    again = http.get(f"{lab.base_url}/p/{code}/", timeout=HTTP_TIMEOUT)
    assert "You chose not to take part" in again.text  # a reload keeps the end page
    payment = lab.engine.payments(lab.session_code)[1]
    assert (payment.started, payment.finished, payment.paid, payment.note) == (
        True, True, 1000, "declined consent")


def test_a_consent_form_without_a_choice_or_token_is_refused_and_saves_nothing(lab):
    code = lab.codes[2]
    http = requests.Session()
    action, token = consent_form(http.get(f"{lab.base_url}/p/{code}/", timeout=HTTP_TIMEOUT))
    no_choice = http.post(lab.base_url + action, data={"csrf_token": token},
                          timeout=HTTP_TIMEOUT)
    forged = http.post(lab.base_url + action, data={"csrf_token": "x", "consent": "agree"},
                       timeout=HTTP_TIMEOUT)
    assert (no_choice.status_code, forged.status_code) == (400, 400)
    assert "Nothing was saved" in no_choice.text and "Nothing was saved" in forged.text
    row = next(r for r in lab.engine.participant_rows(lab.session_code) if r["code"] == code)
    assert row["consent"] is None
