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
    assert ("Wrong password. It was printed when `labctl run` first served this database; "
            "`labctl run --resume --new-password` makes a new one.") in response.text
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
    assert 'id="payments-total">EUR 10.00<' in sheet.text  # who came: 1 x the fixed pay
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


def logout(http: requests.Session, base_url: str) -> None:
    page = http.get(f"{base_url}/admin/", timeout=HTTP_TIMEOUT)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    http.post(f"{base_url}/admin/logout", data={"csrf_token": token}, timeout=HTTP_TIMEOUT,
              allow_redirects=False)


def test_a_cookie_copied_before_the_logout_opens_nothing_after_it(lab):
    http = admin_login(lab.base_url, PASSWORD)
    copied = dict(http.cookies)
    assert requests.get(f"{lab.base_url}/admin/", cookies=copied, timeout=HTTP_TIMEOUT,
                        allow_redirects=False).status_code == 200
    logout(http, lab.base_url)
    replayed = requests.get(f"{lab.base_url}/admin/", cookies=copied, timeout=HTTP_TIMEOUT,
                            allow_redirects=False)
    assert replayed.status_code == 302
    assert not any(code in replayed.text for code in lab.codes)


def test_the_login_cookie_holds_a_random_token_only(lab):
    first, second = admin_login(lab.base_url, PASSWORD), admin_login(lab.base_url, PASSWORD)
    cookie = next(c for c in first.cookies if c.name == "session")
    assert cookie.has_nonstandard_attr("HttpOnly") and cookie.path == "/"
    assert cookie.value != second.cookies["session"]
    assert PASSWORD not in cookie.value and len(cookie.value) >= 40
    forged = requests.get(f"{lab.base_url}/admin/", cookies={"session": cookie.value[:-2] + "xy"},
                          timeout=HTTP_TIMEOUT, allow_redirects=False)
    assert forged.status_code == 302


def wrong_logins(base_url: str, count: int, password: str = "not the password") -> list:
    """``count`` logins at once, each from its own connection: their responses."""
    from concurrent.futures import ThreadPoolExecutor

    def attempt(_):
        http = requests.Session()
        token = login_token(http, base_url)
        return http.post(f"{base_url}/admin/login", data={"csrf_token": token,
                         "password": password}, timeout=HTTP_TIMEOUT, allow_redirects=False)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(attempt, range(count)))


def test_parallel_guesses_are_refused_with_429_not_each_tried(lab):
    started = time.monotonic()
    responses = wrong_logins(lab.base_url, 40)
    statuses = [r.status_code for r in responses]
    assert set(statuses) <= {401, 429}
    assert statuses.count(401) <= 10, statuses  # at most the overall cap was tried
    refused = next(r for r in responses if r.status_code == 429)
    assert "Too many" in refused.text and refused.headers["Retry-After"]
    assert time.monotonic() - started < 15


def test_after_five_wrong_passwords_a_client_must_wait_even_with_the_right_one(lab):
    assert [r.status_code for r in wrong_logins(lab.base_url, 5)] == [401] * 5
    http = requests.Session()
    token = login_token(http, lab.base_url)
    response = http.post(f"{lab.base_url}/admin/login", timeout=HTTP_TIMEOUT,
                         data={"csrf_token": token, "password": PASSWORD},
                         allow_redirects=False)
    assert response.status_code == 429
    assert "Too many wrong passwords from this computer. Wait 60 seconds" in response.text
    assert http.get(f"{lab.base_url}/admin/", timeout=HTTP_TIMEOUT,
                    allow_redirects=False).status_code == 302


def test_the_throttle_forgets_after_its_window_and_a_success_clears_an_address():
    from labctl.server.security import LoginThrottle

    now = [0.0]
    throttle = LoginThrottle(per_address=2, address_window=60, overall=3, overall_window=1,
                             clock=lambda: now[0])
    for _ in range(2):
        assert throttle.refusal("10.0.0.1") is None
        throttle.failed("10.0.0.1")
    assert "this computer" in throttle.refusal("10.0.0.1")
    assert throttle.refusal("10.0.0.2") is None  # another PC: the third attempt this second
    assert "on this server" in throttle.refusal("10.0.0.3")
    now[0] = 61.0
    assert throttle.refusal("10.0.0.1") is None
    throttle.failed("10.0.0.2")
    throttle.succeeded("10.0.0.2")
    assert throttle.failures.get("10.0.0.2") is None


def test_a_login_expires_when_idle_survives_a_reopened_database_and_a_new_password_ends_it(
        tmp_path):
    from labctl.storage.admin_logins import IDLE_SECONDS, AdminLogins
    from labctl.storage.sqlite import SqliteStore

    now = [1_000_000.0]
    store = SqliteStore(tmp_path / "lab.db")
    logins = AdminLogins(store, clock=lambda: now[0])
    logins.set_password(PASSWORD)
    token, idle = logins.open(), logins.open()
    now[0] += IDLE_SECONDS - 60
    assert logins.valid(token)  # used: its expiry moves on
    store.close()
    store = SqliteStore(tmp_path / "lab.db")  # a restart
    logins = AdminLogins(store, clock=lambda: now[0])
    now[0] += 120
    assert logins.valid(token) and not logins.valid(idle)
    assert logins.password_ok(PASSWORD) and not logins.password_ok(PASSWORD + "x")
    stored = store.conn.execute("SELECT value FROM settings WHERE key = 'admin_password'"
                                ).fetchone()[0]
    assert stored.startswith("scrypt$") and PASSWORD not in stored
    logins.set_password("another-good-password")
    assert not logins.valid(token)
    store.close()


@pytest.mark.parametrize(("password", "reason"), [
    ("short1", "it has 6 characters; at least 10 are needed"),
    ("aaaaaaaaaaaaaaaa", "it uses fewer than 5 different characters"),
    ("Password123", "it is one of the first passwords anyone guesses"),
])
def test_a_weak_password_is_named_with_its_reason(password, reason):
    from labctl.admin_password import weakness

    assert weakness(password) == reason
    assert weakness(PASSWORD) is None
