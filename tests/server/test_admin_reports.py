"""Admin reports over real HTTP: an app's vars_for_admin_report and admin_report.html as a tab
of the session's admin page, behind the login, with the app's errors shown by file and line."""

from __future__ import annotations

import html
import re

import pytest
import requests
from report_project import with_report

from labctl.engine.reports import report_context
from labctl.errors import LabctlError

PASSWORD = "report-admin-password"
TIMEOUT = 10


def admin(lab) -> requests.Session:
    http = requests.Session()
    page = http.get(f"{lab.base_url}/admin/login", timeout=TIMEOUT).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    http.post(f"{lab.base_url}/admin/login", timeout=TIMEOUT,
              data={"csrf_token": token, "password": PASSWORD})
    return http


def report_url(lab, app: str = "trust", round_number: int = 1) -> str:
    return f"{lab.base_url}/admin/sessions/{lab.session_code}/report/{app}/{round_number}"


def test_the_session_page_has_a_report_tab_per_app_round_with_a_report(live_server,
                                                                        sample_project):
    lab = live_server(project=with_report(sample_project), admin_password=PASSWORD)
    page = admin(lab).get(f"{lab.base_url}/admin/sessions/{lab.session_code}",
                          timeout=TIMEOUT).text
    tabs = re.findall(r'data-report-url="([^"]+)"', page)
    assert tabs == [f"/admin/sessions/{lab.session_code}/report/trust/1"]
    assert "labctl-report.js" in page


def test_the_report_shows_what_the_function_returns_as_data_comes_in(live_server,
                                                                      sample_project):
    lab = live_server(project=with_report(sample_project), admin_password=PASSWORD)
    http = admin(lab)
    first = http.get(report_url(lab), timeout=TIMEOUT)
    assert first.status_code == 200
    assert "0 of 2 trustors have sent" in first.text
    assert "data-values='[]'" in first.text
    trustor = next(r for r in lab.engine.participant_rows(lab.session_code)
                   if r["id_in_session"] == 1)
    with lab.engine.view(trustor["code"]) as view:
        index = view.index
    lab.engine.submit(trustor["code"], index, {"sent_amount": "4.00"})
    later = http.get(report_url(lab), timeout=TIMEOUT).text
    assert "1 of 2 trustors have sent" in later
    assert "data-values='[400]'" in later


def test_reports_need_the_admin_login_and_an_existing_report(live_server, sample_project):
    lab = live_server(project=with_report(sample_project), admin_password=PASSWORD)
    anonymous = requests.get(report_url(lab), timeout=TIMEOUT, allow_redirects=False)
    assert anonymous.status_code == 302
    http = admin(lab)
    assert http.get(report_url(lab, "ultimatum"), timeout=TIMEOUT).status_code == 404
    assert http.get(report_url(lab, "nope"), timeout=TIMEOUT).status_code == 404
    wrong_round = http.get(report_url(lab, "trust", 2), timeout=TIMEOUT)
    assert wrong_round.status_code == 400
    assert "app 'trust' has no round 2" in html.unescape(wrong_round.text)


@pytest.mark.parametrize("hook, template, message", [
    ("\n\ndef vars_for_admin_report(subsession):\n    return 1 / 0\n", "<p>{{ x }}</p>",
     r"The report's code failed at .*trust/__init__\.py:\d+: vars_for_admin_report of trust "
     "round 1 raised ZeroDivisionError"),
    ("\n\ndef vars_for_admin_report(subsession):\n    return [1]\n", "<p></p>",
     r"returned list, not a dict"),
    ("", "<p>{{ subsession.nothing.deeper }}</p>",
     r"The report's template failed at .*admin_report\.html"),
])
def test_a_failing_report_names_the_apps_file_and_line(live_server, sample_project, hook,
                                                       template, message):
    lab = live_server(project=with_report(sample_project, hook, template),
                      admin_password=PASSWORD)
    response = admin(lab).get(report_url(lab), timeout=TIMEOUT)
    assert response.status_code == 500
    assert 'class="app-error" role="alert"' in response.text
    assert re.search(message, html.unescape(response.text)), response.text


def test_the_report_context_is_read_only_and_checks_its_session(live_server, sample_project):
    lab = live_server(project=with_report(sample_project), admin_password=PASSWORD)
    engine = lab.engine
    spec = engine.project.apps["trust"]
    context = report_context(engine.store, engine.project, lab.session_code, spec, 1)
    assert (context["count"], context["sent"], context["subsession"].round_number) == (0, [], 1)
    assert context["C"].ENDOWMENT == 1000
    with pytest.raises(LabctlError, match="no session 'nosuch'"):
        report_context(engine.store, engine.project, "nosuch", spec, 1)
