"""Fuzzing every endpoint of a live lab server with hypothesis: whatever arrives, the answer is a
4xx with a message a person can act on (or a redirect), nothing is written, and the server keeps
serving.

- arbitrary form data (text, unicode, NaN, infinities, 1e999, strings up to the size limit, and
  fields no page declares) POSTed to a participant's current page;
- bodies of the wrong content type (JSON, text, XML, multipart, random bytes);
- the shared-data socket fed text that is not JSON, JSON that is not an object, malformed JSON
  Patch operations, stale or nonsense versions and values over the size limit;
- the admin pages and exports without logging in, and random paths with every method.

The examples are bounded (``max_examples``) so the module runs in about half a minute; every
test ends with a GET that must still work. Only invalid input is generated (a value that could
be a valid amount is skipped), so "nothing is written" is checked on every example.
"""

from __future__ import annotations

import json
import string
import time
from decimal import Decimal, InvalidOperation
from pathlib import Path
from urllib.parse import quote

import pytest
import requests
import websocket
from browserless import HTTP_TIMEOUT, SEND, LabDb, Participant, parse_page
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.slow  # hypothesis examples against labctl run in its own process

SETTINGS = settings(max_examples=40, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])
CSRF_MESSAGE = "The form was not sent by this page"
BODY_LIMIT = 256 * 1024
SHARED_TABLES = ("shared_docs", "shared_history", "shared_messages")

no_surrogates = st.characters(blacklist_categories=("Cs",))
weird_numbers = st.sampled_from([
    "NaN", "nan", "-NaN", "sNaN", "inf", "-inf", "Infinity", "1e999", "-1e999", "1e-999",
    "10.001", "10.01", "-0.01", "-1", "11", "1_000", "0x10", "3.5.0", "3..5", "", " ",
    "\u0661\u0660\u0660\u0660",
    "\x00", "3\x00", "EUR 3", "3 EUR", "=1+2", "<script>alert(1)</script>", "💶", "1e3",
    str(10 ** 400), "9" * 5000, "0." + "0" * 5000 + "1"])
huge_text = st.integers(min_value=1, max_value=BODY_LIMIT).flatmap(
    lambda n: st.sampled_from(["9" * n, "x" * n, "é" * (n // 2), "<" * n]))
amounts = st.one_of(weird_numbers, st.text(no_surrogates, max_size=40), huge_text,
                    st.floats().map(repr), st.integers().map(str))


def plausible_amount(value: str) -> bool:
    """A value some lenient parser might take as an amount of EUR 0-10 (skipped)."""
    text = value.strip().replace(",", ".").replace("EUR", "").replace("€", "").strip()
    try:
        number = Decimal(text)
    except (InvalidOperation, ValueError):
        return False
    return number.is_finite() and Decimal(-1) <= number <= Decimal(11)


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """One in-thread server for the module's examples (a sample session of 4)."""
    import shutil
    import threading

    from werkzeug.serving import make_server

    from labctl.engine import Engine
    from labctl.project import load_project
    from labctl.server import create_app
    from labctl.storage.sqlite import SqliteStore

    root = tmp_path_factory.mktemp("fuzz")
    project = root / "sample_sessions"
    sample = Path(__file__).resolve().parents[2] / "sample_sessions"
    shutil.copytree(sample, project, ignore=shutil.ignore_patterns("*.db*", "__pycache__"))
    loaded = load_project(project)
    store = SqliteStore(root / "labctl.db")
    engine = Engine(loaded, store)
    session_code = engine.create_session("my_session", 4, seed=7)
    codes = [row["code"] for row in engine.participant_rows(session_code)]
    server = make_server("127.0.0.1", 0, create_app(engine, admin_password="fuzz-secret"),
                         threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base_url = f"http://127.0.0.1:{server.server_port}"
    people = [Participant(base_url, code) for code in codes]
    for person in people:
        assert person.get().status == 200
    yield base_url, people, LabDb(root / "labctl.db")
    for person in people:
        person.http.close()
    server.shutdown()
    store.close()
    loaded.unload()


def snapshot(db: LabDb) -> dict:
    return {**db.snapshot(), **{t: db.query(f'SELECT * FROM "{t}" ORDER BY rowid')
                                for t in (*SHARED_TABLES, "admin_actions", "sessions")}}


def assert_still_serving(people: list[Participant]) -> None:
    page = people[0].get()
    assert page.status == 200 and page.step == SEND, str(page)


def assert_clear_4xx(response: requests.Response) -> None:
    assert 400 <= response.status_code < 500, (response.status_code, response.text[:300])
    page = parse_page(response)
    assert page.title, response.text[:300]  # an error page with a title and a message
    assert "Traceback" not in response.text


# -- form data to a participant's page ---------------------------------------------------------

extra_fields = st.dictionaries(st.text(string.ascii_letters + "_[]", min_size=1,
                                       max_size=20).map(lambda k: "x_" + k),
                               st.one_of(amounts, st.text(no_surrogates)), max_size=5)


@SETTINGS
@given(amount=amounts, extra=extra_fields)
def test_invalid_form_data_is_refused_with_a_message_and_saves_nothing(lab, amount, extra):
    assume(not plausible_amount(amount))
    _base_url, people, db = lab
    trustor = people[0]
    page = trustor.get()
    assert page.step == SEND, str(page)
    before = snapshot(db)
    response = trustor.post(trustor.form(page, {"sent_amount": amount}, **extra))
    if response.status_code == 413:  # over the body limit: refused before it is read
        assert_clear_4xx(response)
    else:
        assert response.status_code == 422, (amount[:100], response.status_code,
                                              response.text[:300])
        assert parse_page(response).errors.get("sent_amount"), response.text[:500]
    assert snapshot(db) == before


CONTENT_TYPES = ["application/json", "text/plain", "application/xml", "application/octet-stream",
                 "multipart/form-data", "multipart/form-data; boundary=xyz",
                 "application/x-www-form-urlencoded", "application/json-patch+json", ""]


@SETTINGS
@given(content_type=st.sampled_from(CONTENT_TYPES),
       body=st.one_of(st.binary(max_size=2000),
                      st.recursive(st.none() | st.booleans() | st.floats() | st.text(),
                                   lambda c: st.lists(c) | st.dictionaries(st.text(), c),
                                   max_leaves=10).map(lambda v: json.dumps(v).encode())))
def test_bodies_of_the_wrong_content_type_are_refused_and_save_nothing(lab, content_type, body):
    _base_url, people, db = lab
    trustor = people[0]
    before = snapshot(db)
    headers = {"Content-Type": content_type} if content_type else {}
    response = trustor.http.post(trustor.url, data=body, headers=headers,
                                 timeout=HTTP_TIMEOUT, allow_redirects=False)
    assert_clear_4xx(response)
    if response.status_code == 400:
        assert CSRF_MESSAGE in " ".join(response.text.split())
    assert snapshot(db) == before


def test_a_multipart_form_with_the_answer_as_a_file_saves_nothing(lab):
    _base_url, people, db = lab
    trustor = people[0]
    page = trustor.get()
    before = snapshot(db)
    response = trustor.http.post(
        trustor.url, data=trustor.form(page, {}), files={"sent_amount": ("a.txt", b"3.00")},
        timeout=HTTP_TIMEOUT, allow_redirects=False)
    assert response.status_code == 422
    assert parse_page(response).errors.get("sent_amount")
    assert snapshot(db) == before
    assert_still_serving(people)


# -- the shared-data socket ---------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda c: st.lists(c, max_size=4) | st.dictionaries(st.text(max_size=8), c, max_size=4),
    max_leaves=12)
bad_versions = st.one_of(st.integers(max_value=-1), st.integers(min_value=10 ** 6),
                         st.text(max_size=10), st.lists(st.integers(), max_size=2),
                         st.floats(allow_nan=False).filter(lambda f: f != 0))
bad_patch_ops = st.one_of(
    json_values.filter(lambda v: not isinstance(v, list)),  # not a list of operations
    st.lists(st.one_of(
        json_values,
        st.fixed_dictionaries({"op": st.text(max_size=10).filter(
            lambda o: o not in ("add", "remove", "replace", "move", "copy", "test")),
            "path": st.text(max_size=10)}),
        st.fixed_dictionaries({"op": st.sampled_from(["add", "replace", "move", "copy"]),
                               "path": st.text(max_size=10).filter(
                                   lambda p: not p.startswith("/"))}),
        st.fixed_dictionaries({"op": st.sampled_from(["move", "copy"]), "path": st.just("/a")}),
        st.fixed_dictionaries({"op": st.just("remove"), "path": st.just("/no/such/key")})),
        min_size=1, max_size=4))
socket_requests = st.one_of(
    # well-formed ops on a version that is not the current one (0): a conflict at most
    st.fixed_dictionaries({"op": st.just("patch"), "store": st.sampled_from(["group", "batch",
                                                                             "study"]),
                           "version": bad_versions,
                           "patch": st.just([{"op": "add", "path": "/x", "value": 1}])}),
    st.fixed_dictionaries({"op": st.just("replace"), "store": st.sampled_from(["group",
                                                                               "study"]),
                           "version": bad_versions, "doc": json_values}),
    # malformed patches on the current version
    st.fixed_dictionaries({"op": st.just("patch"), "store": st.sampled_from(["group", "batch"]),
                           "version": st.just(0), "patch": bad_patch_ops}),
    # unknown ops and stores, other keys, bad message bodies
    st.fixed_dictionaries({"op": st.text(max_size=10).filter(
        lambda o: o not in ("ping", "subscribe", "patch", "replace", "message")),
        "store": st.sampled_from(["group", "batch", "study"])}),
    st.fixed_dictionaries({"op": st.sampled_from(["subscribe", "patch"]),
                           "store": st.text(max_size=10).filter(
                               lambda s: s not in ("group", "batch", "study"))}),
    st.fixed_dictionaries({"op": st.sampled_from(["subscribe", "patch", "replace"]),
                           "store": st.sampled_from(["group", "batch", "study"]),
                           "key": st.text(min_size=1, max_size=30), "version": st.just(0),
                           "doc": st.just({"mine": True})}),
    st.fixed_dictionaries({"op": st.just("message"), "store": st.just("study"),
                           "body": st.text(max_size=10)}),
    st.fixed_dictionaries({"op": st.just("message"), "store": st.just("group"),
                           "body": st.one_of(st.none(), st.integers(min_value=1).map(
                               lambda n: "x" * min(n, 20_000)).filter(lambda t: len(t) > 10_000
                                                                      ))}),
)
raw_messages = st.one_of(
    st.text(no_surrogates, max_size=200).filter(lambda t: not _is_json_object(t)),
    json_values.filter(lambda v: not isinstance(v, dict)).map(json.dumps),
    st.integers(min_value=64 * 1024 + 1, max_value=70 * 1024).map(
        lambda n: json.dumps({"op": "replace", "store": "group", "version": 0,
                              "doc": {"big": "x" * n}})),
    st.just('{"op": "patch", "store": "group", "version": 0, "patch": [{"op": "add", '
            '"path": "/a", "value": NaN}]'),  # cut off
)


def _is_json_object(text: str) -> bool:
    try:
        return isinstance(json.loads(text), dict)
    except ValueError:
        return False


def read_answer(ws: websocket.WebSocket, request_id: object, seconds: float = 5.0) -> dict:
    deadline = time.monotonic() + seconds
    for _ in range(200):
        left = deadline - time.monotonic()
        assert left > 0, f"no answer to {request_id!r} within {seconds} s"
        ws.settimeout(left)
        message = json.loads(ws.recv())
        if message.get("type") in ("error", "conflict", "ack") and message.get("id") == (
                request_id):
            return message
    raise AssertionError("no answer")


@pytest.fixture(scope="module")
def shared_ws(lab):
    base_url, people, _db = lab
    url = base_url.replace("http://", "ws://") + f"/p/{people[0].code}/shared"
    ws = websocket.create_connection(url, timeout=5)
    yield ws
    ws.close()


@SETTINGS
@given(request=st.one_of(socket_requests, raw_messages))
def test_the_shared_socket_refuses_malformed_requests_and_writes_nothing(lab, shared_ws,
                                                                        request):
    _base_url, _people, db = lab
    before = {t: db.query(f'SELECT * FROM "{t}" ORDER BY rowid') for t in SHARED_TABLES}
    if isinstance(request, dict):
        request = {**request, "id": "fuzz"}
        shared_ws.send(json.dumps(request))
        answer = read_answer(shared_ws, "fuzz")
    else:
        shared_ws.send(request)
        answer = read_answer(shared_ws, None)
    assert answer["type"] in ("error", "conflict"), (request, answer)
    if answer["type"] == "error":
        assert isinstance(answer["message"], str) and answer["message"], answer
    assert {t: db.query(f'SELECT * FROM "{t}" ORDER BY rowid') for t in SHARED_TABLES} == before
    shared_ws.send(json.dumps({"op": "ping"}))  # the socket still answers
    for _ in range(20):
        if json.loads(shared_ws.recv()).get("type") == "pong":
            break
    else:
        raise AssertionError("no pong")


# -- the admin without logging in, and random paths ------------------------------------------

ADMIN_PATHS = ["/admin/", "/admin/sessions", "/admin/sessions/{s}", "/admin/sessions/{s}/payments",
               "/admin/sessions/{s}/monitor.json", "/admin/sessions/{s}/export/results.csv",
               "/admin/sessions/{s}/export/payments.json", "/admin/sessions/{s}/export/x.csv",
               "/admin/sessions/{s}/participants/{c}/advance", "/admin/batches/{b}",
               "/admin/logout"]


@SETTINGS
@given(path=st.sampled_from(ADMIN_PATHS), method=st.sampled_from(["GET", "POST"]),
       form=st.dictionaries(st.sampled_from(["csrf_token", "password", "session_type", "n",
                                             "participants", "action"]),
                            st.text(string.printable, max_size=30), max_size=4),
       batch=st.text(string.ascii_letters, min_size=1, max_size=10))
def test_the_admin_and_exports_are_closed_without_logging_in(lab, path, method, form, batch):
    base_url, people, db = lab
    session_code = db.query("SELECT code FROM sessions")[0]["code"]
    url = base_url + path.format(s=session_code, c=people[1].code, b=batch)
    before = snapshot(db)
    response = requests.request(method, url, data=form or None, timeout=HTTP_TIMEOUT,
                                allow_redirects=False)
    if response.status_code in (302, 303):
        assert "/admin/login" in response.headers["Location"], response.headers["Location"]
    else:
        assert_clear_4xx(response)
    for other in (people[0], people[2], people[3]):  # no participant's link leaks
        assert other.code not in response.text
    assert snapshot(db) == before


@SETTINGS
@given(segments=st.lists(st.text(no_surrogates, min_size=1, max_size=20), min_size=1,
                         max_size=4),
       method=st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"]),
       prefix=st.sampled_from(["", "p/", "admin/", "static/", "room/"]))
def test_random_paths_are_a_clear_4xx_and_change_nothing(lab, segments, method, prefix):
    base_url, _people, db = lab
    path = prefix + "/".join(quote(s, safe="") for s in segments)
    before = snapshot(db)
    response = requests.request(method, f"{base_url}/{path}", timeout=HTTP_TIMEOUT,
                                allow_redirects=False)
    assert response.status_code < 500, (path, response.status_code, response.text[:300])
    if response.status_code >= 400 and method not in ("OPTIONS",) and response.text:
        assert_clear_4xx(response)
    assert snapshot(db) == before


@pytest.mark.parametrize(("where", "status"), [
    ("participant", 400),   # the form could not be accepted
    ("admin logout", 302),  # back to the login page, still logged in or not
    ("admin login", 401),   # the login form expired
])
def test_a_non_ascii_csrf_token_is_refused(lab, where, status):
    base_url, people, db = lab
    url = {"participant": people[0].url, "admin logout": f"{base_url}/admin/logout",
           "admin login": f"{base_url}/admin/login"}[where]
    before = snapshot(db)
    response = requests.post(url, data={"csrf_token": "\u00e9", "step": "0",
                                        "password": "x"},
                             timeout=HTTP_TIMEOUT, allow_redirects=False)
    assert snapshot(db) == before
    assert response.status_code == status, response.status_code


def test_the_server_still_serves_after_the_fuzzing(lab):
    _base_url, people, _db = lab
    assert_still_serving(people)
    for person in people[1:]:
        assert person.get().status == 200
