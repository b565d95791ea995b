"""The admin behind its password: login, wrong passwords, the sessions list and each
participant's link."""

from __future__ import annotations

import re
import time

import pytest
import requests
from browserless import HTTP_TIMEOUT, Participant, admin_login

PASSWORD = "s3cret-lab-password"


@pytest.fixture
def lab(live_server):
    return live_server(admin_password=PASSWORD)


def login_token(http: requests.Session, base_url: str) -> str:
    page = http.get(f"{base_url}/admin/login", timeout=HTTP_TIMEOUT)
    assert page.status_code == 200
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


@pytest.mark.parametrize("path", ["/admin/", "/admin/sessions/{session}"])
def test_the_admin_redirects_to_the_login_page(lab, path):
    path = path.format(session=lab.session_code)
    response = requests.get(lab.base_url + path, timeout=HTTP_TIMEOUT, allow_redirects=False)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/admin/login?next={path}"
    assert not any(code in response.text for code in lab.codes)


def test_the_root_leads_to_the_admin_login(lab):
    response = requests.get(lab.base_url + "/", timeout=HTTP_TIMEOUT)
    assert response.status_code == 200
    assert response.url == f"{lab.base_url}/admin/login?next=/admin/"
    assert 'type="password" name="password"' in response.text


@pytest.mark.parametrize("password", ["", PASSWORD.upper() + " "])
def test_a_wrong_password_is_a_401_after_a_delay(lab, password):
    http = requests.Session()
    token = login_token(http, lab.base_url)
    started = time.monotonic()
    response = http.post(f"{lab.base_url}/admin/login", timeout=HTTP_TIMEOUT,
                         data={"csrf_token": token, "password": password},
                         allow_redirects=False)
    assert time.monotonic() - started >= 0.9  # guessing is slowed down
    assert response.status_code == 401
    assert "Wrong password. It was printed when `labctl run` started." in response.text
    still_out = http.get(f"{lab.base_url}/admin/", timeout=HTTP_TIMEOUT, allow_redirects=False)
    assert still_out.status_code == 302


def test_a_login_without_the_forms_token_is_refused(lab):
    http = requests.Session()
    response = http.post(f"{lab.base_url}/admin/login", data={"password": PASSWORD},
                         timeout=HTTP_TIMEOUT, allow_redirects=False)
    assert response.status_code == 401
    assert "The login form expired; please try again." in response.text
    assert http.get(f"{lab.base_url}/admin/", timeout=HTTP_TIMEOUT,
                    allow_redirects=False).status_code == 302


def test_the_right_password_shows_the_sessions(lab):
    http = admin_login(lab.base_url, PASSWORD)
    response = http.get(f"{lab.base_url}/admin/", timeout=HTTP_TIMEOUT, allow_redirects=False)
    assert response.status_code == 200
    row = re.search(rf'<tr>\s*<td><a href="/admin/sessions/{lab.session_code}" class="code">'
                    rf'{lab.session_code}</a></td>(.*?)</tr>', response.text, re.S)
    assert row, response.text
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", row.group(1))
    assert cells[0] == "my_session"
    assert cells[2:] == ["4", "0"]  # participants, finished


def test_the_login_goes_back_to_the_admin_page_asked_for_and_nowhere_else(lab):
    http = requests.Session()
    wanted = f"/admin/sessions/{lab.session_code}"
    for target, lands in [(wanted, wanted), ("https://evil.example/admin", "/admin/"),
                          ("//evil.example/admin", "/admin/"), ("/p/x/", "/admin/")]:
        http.cookies.clear()
        token = login_token(http, lab.base_url)
        response = http.post(f"{lab.base_url}/admin/login", params={"next": target},
                             data={"csrf_token": token, "password": PASSWORD},
                             timeout=HTTP_TIMEOUT, allow_redirects=False)
        assert response.status_code == 302
        assert response.headers["Location"] == lands, target


def test_the_session_page_lists_every_participants_link(lab):
    http = admin_login(lab.base_url, PASSWORD)
    Participant(lab.base_url, lab.codes[0]).get()  # one has started
    response = http.get(f"{lab.base_url}/admin/sessions/{lab.session_code}",
                        timeout=HTTP_TIMEOUT)
    assert response.status_code == 200
    links = re.findall(r'<a href="/p/([^/"]+)/" class="code">([^<]+)</a>', response.text)
    assert links == [(code, f"{lab.base_url}/p/{code}/") for code in lab.codes]
    assert response.text.count(">not started<") == 3
    assert '"App">trust</td>' in response.text and '"Page">Send</td>' in response.text
    sheet = http.get(f"{lab.base_url}/admin/sessions/{lab.session_code}/payments",
                     timeout=HTTP_TIMEOUT)
    assert 'id="payments-total">EUR 40.00<' in sheet.text  # 4 x the fixed pay, no bonus yet
    for _code, link in links:  # each link opens that participant's page
        assert requests.get(link, timeout=HTTP_TIMEOUT).status_code == 200


def test_logging_out_closes_the_admin(lab):
    http = admin_login(lab.base_url, PASSWORD)
    page = http.get(f"{lab.base_url}/admin/", timeout=HTTP_TIMEOUT)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    response = http.post(f"{lab.base_url}/admin/logout", data={"csrf_token": token},
                         timeout=HTTP_TIMEOUT, allow_redirects=False)
    assert response.headers["Location"] == "/admin/login"
    assert http.get(f"{lab.base_url}/admin/", timeout=HTTP_TIMEOUT,
                    allow_redirects=False).status_code == 302


def test_an_unknown_session_in_the_admin_is_refused_with_its_name(lab):
    http = admin_login(lab.base_url, PASSWORD)
    response = http.get(f"{lab.base_url}/admin/sessions/nosuchsession", timeout=HTTP_TIMEOUT)
    assert response.status_code == 404
    assert "no session &#39;nosuchsession&#39;" in response.text


def test_participants_started_and_finished_are_counted_from_their_rows():
    from labctl.storage.database import participant_counts

    rows = [{"started_at": None, "finished_at": None},
            {"started_at": "2024-05-01T10:00:00", "finished_at": None},
            {"started_at": "2024-05-01T10:00:00", "finished_at": "2024-05-01T10:20:00"}]
    assert participant_counts(rows) == (3, 2, 1)
    assert participant_counts([]) == (0, 0, 0)
