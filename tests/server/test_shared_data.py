"""Live shared data over real WebSockets (``/p/<code>/shared``) on an in-thread lab server.

The session is the sample project's ``pd_chat``: four participants in two pairs, groups (1, 2)
and (3, 4). Sockets speak the protocol of ``labctl/server/shared_socket.py`` directly: eight
writers at once on one group document, a dropped connection, another group's key, messages,
malformed patches, stale versions, and the history each change leaves. Every read has a timeout
and every loop is bounded.
"""

from __future__ import annotations

import html
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import jsonpatch
import pytest
import requests
import websocket
from browserless import HTTP_TIMEOUT, Participant

from labctl.engine.shared_access import group_key

#: seconds any one socket read may take
READ_SECONDS = 5.0
#: how long a socket must stay quiet to show that nothing was sent to it
QUIET_SECONDS = 0.5
APP = "prisoners_dilemma"


class SharedSocket:
    """One page's shared-data socket: requests with ids, answers matched by id; broadcasts
    (changes, messages) read on the way are kept in ``pushed``."""

    def __init__(self, base_url: str, code: str) -> None:
        self.code = code
        url = base_url.replace("http://", "ws://") + f"/p/{code}/shared"
        self.ws = websocket.create_connection(url, timeout=READ_SECONDS)
        self.next_id = 0
        self.pushed: list[dict[str, Any]] = []

    def send(self, **request: Any) -> int:
        self.next_id += 1
        self.ws.send(json.dumps({**request, "id": self.next_id}))
        return self.next_id

    def read(self, seconds: float = READ_SECONDS) -> dict[str, Any]:
        """The next message other than a keep-alive ping or pong."""
        deadline = time.monotonic() + seconds
        for _ in range(1000):
            left = deadline - time.monotonic()
            assert left > 0, f"no message within {seconds} s"
            self.ws.settimeout(left)
            message = json.loads(self.ws.recv())
            if message.get("type") not in ("ping", "pong"):
                return message
        raise AssertionError("only keep-alives on the socket")

    def answer(self, request_id: int) -> dict[str, Any]:
        """The ack, conflict or error of a request; broadcasts on the way go to ``pushed``."""
        for _ in range(1000):
            message = self.read()
            if message.get("id") == request_id and message["type"] in ("ack", "conflict",
                                                                        "error"):
                return message
            self.pushed.append(message)
        raise AssertionError(f"no answer to request {request_id}")

    def request(self, **request: Any) -> dict[str, Any]:
        return self.answer(self.send(**request))

    def subscribe(self, store: str, **extra: Any) -> dict[str, Any]:
        """The snapshot (or error) that answers a subscribe."""
        request_id = self.send(op="subscribe", store=store, **extra)
        for _ in range(1000):
            message = self.read()
            if message["type"] == "snapshot" and message["store"] == store:
                return message
            if message["type"] == "error" and message.get("id") == request_id:
                return message
            self.pushed.append(message)
        raise AssertionError(f"no snapshot of {store}")

    def next_pushed(self, kind: str, seconds: float = READ_SECONDS) -> dict[str, Any]:
        """The next broadcast of a type (``change`` or ``message``), read or already kept."""
        for index, message in enumerate(self.pushed):
            if message["type"] == kind:
                return self.pushed.pop(index)
        deadline = time.monotonic() + seconds
        for _ in range(1000):
            message = self.read(max(0.01, deadline - time.monotonic()))
            if message["type"] == kind:
                return message
            self.pushed.append(message)
        raise AssertionError(f"no {kind}")

    def assert_quiet(self) -> None:
        assert not [m for m in self.pushed if m["type"] in ("change", "message")], self.pushed
        self.ws.settimeout(QUIET_SECONDS)
        deadline = time.monotonic() + QUIET_SECONDS
        while time.monotonic() < deadline:
            try:
                message = json.loads(self.ws.recv())
            except websocket.WebSocketTimeoutException:
                return
            assert message.get("type") in ("ping", "pong"), f"unexpected: {message}"

    def close(self) -> None:
        self.ws.close(timeout=1)


@dataclass
class Lab:
    base_url: str
    engine: Any
    session_code: str
    codes: list[str]
    sockets: list[SharedSocket] = field(default_factory=list)

    def socket(self, number: int) -> SharedSocket:
        """A new shared-data socket of participant ``number`` (1-4)."""
        opened = SharedSocket(self.base_url, self.codes[number - 1])
        self.sockets.append(opened)
        return opened

    def key(self, group: int) -> str:
        return group_key(self.session_code, APP, 1, group)

    def history(self, scope: str = "group", key: str | None = None) -> list[dict[str, Any]]:
        return [row for row in self.engine.store.shared_history(scope)
                if key is None or row["key"] == key]

    def doc(self, scope: str, key: str) -> tuple[int, Any]:
        from labctl.engine import shared_data as shared

        with self.engine.store.reading():
            return shared.read(self.engine.store, scope, key)

    def shared_tables(self) -> dict[str, list[dict[str, Any]]]:
        store = self.engine.store
        with store.reading():
            return {"docs": store.shared_docs(), "history": store.shared_history(),
                    "messages": store.shared_messages()}


@pytest.fixture
def lab(live_server) -> Lab:
    """``pd_chat`` with 4 participants, every one on their Decide page."""
    server = live_server(session_type="pd_chat", n=4)
    for code in server.codes:
        page = Participant(server.base_url, code).get()
        assert page.status == 200 and page.kind == "page", page
    found = Lab(server.base_url, server.engine, server.session_code, server.codes)
    yield found
    for opened in found.sockets:
        opened.close()


def add(path: str, value: Any) -> list[dict[str, Any]]:
    return [{"op": "add", "path": path, "value": value}]


# -- many writers at once -----------------------------------------------------------------------

WRITERS = 8
CHANGES_EACH = 12  # 8 x 12 = 96 accepted changes, plus the first replace: 97 versions
WRITE_SECONDS = 60.0
MAX_ATTEMPTS_EACH = 2000


@dataclass
class Attempt:
    writer: int
    value: str
    sent_version: int
    answer: dict[str, Any]


def run_at_once(jobs: list[Callable[[], None]], seconds: float) -> None:
    """Run each job on its own thread, released together; every job must end in time."""
    barrier = threading.Barrier(len(jobs), timeout=HTTP_TIMEOUT)
    failures: list[BaseException] = []

    def run(job: Callable[[], None]) -> None:
        try:
            barrier.wait()
            job()
        except BaseException as exc:  # reported below
            failures.append(exc)

    threads = [threading.Thread(target=run, args=(job,), daemon=True) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds)
    assert not any(t.is_alive() for t in threads), "a writer did not finish in time"
    assert not failures, failures


def test_eight_writers_at_once_each_change_lands_exactly_once(lab):
    first, observer = lab.socket(1), lab.socket(2)
    assert first.subscribe("group")["version"] == 0
    assert first.request(op="replace", store="group", version=0, doc={"log": []}) == {
        "type": "ack", "id": 2, "store": "group", "version": 1}
    snapshot = observer.subscribe("group")
    assert (snapshot["version"], snapshot["doc"]) == (1, {"log": []})

    # Eight sockets, four per member of group 1; none subscribes, so each reads only answers.
    writers = [lab.socket(1 + n % 2) for n in range(WRITERS)]
    attempts: list[Attempt] = []
    lock = threading.Lock()

    def write(number: int) -> None:
        socket, version, tries = writers[number], 0, 0
        deadline = time.monotonic() + WRITE_SECONDS
        for k in range(CHANGES_EACH):
            value = f"w{number}-{k}"
            while True:
                tries += 1
                assert tries <= MAX_ATTEMPTS_EACH and time.monotonic() < deadline
                answer = socket.request(op="patch", store="group", version=version,
                                        patch=add("/log/-", value))
                with lock:
                    attempts.append(Attempt(number, value, version, answer))
                assert answer["type"] in ("ack", "conflict"), answer
                version = answer["version"]
                if answer["type"] == "ack":
                    break

    run_at_once([lambda n=n: write(n) for n in range(WRITERS)], WRITE_SECONDS + 5)

    accepted = [a for a in attempts if a.answer["type"] == "ack"]
    refused = [a for a in attempts if a.answer["type"] == "conflict"]
    expected_values = {f"w{n}-{k}" for n in range(WRITERS) for k in range(CHANGES_EACH)}
    final_version = 1 + WRITERS * CHANGES_EACH
    # Every change accepted once, at its own version; the document holds each exactly once.
    assert sorted(a.value for a in accepted) == sorted(expected_values)
    assert sorted(a.answer["version"] for a in accepted) == list(range(2, final_version + 1))
    version, doc = lab.doc("group", lab.key(1))
    assert version == final_version
    assert sorted(doc["log"]) == sorted(expected_values) and len(doc["log"]) == len(
        expected_values)
    # Each writer's own changes appear in the order it made them.
    for n in range(WRITERS):
        mine = [v for v in doc["log"] if v.startswith(f"w{n}-")]
        assert mine == [f"w{n}-{k}" for k in range(CHANGES_EACH)]
    # A refused change was refused because the document had moved on past what it was sent on.
    assert refused, "eight writers at once never collided: the test proves nothing"
    for attempt in refused:
        assert attempt.answer["version"] > attempt.sent_version, attempt
        assert attempt.answer["reason"] == "stale version"
    # One history row per version, in order, each the change that made it.
    history = lab.history(key=lab.key(1))
    assert len(history) == final_version
    assert [row["version"] for row in history] == list(range(1, final_version + 1))
    by_version = {a.answer["version"]: a for a in accepted}
    for row in history[1:]:
        attempt = by_version[row["version"]]
        assert json.loads(row["patch"]) == add("/log/-", attempt.value)
        assert row["author"] == lab.codes[attempt.writer % 2]
        assert row["kind"] == "patch"
    # The observer saw every version once, and replayed in version order they make the document
    # (the order of arrival may differ: see the next test).
    seen = [observer.next_pushed("change") for _ in range(final_version - 1)]
    assert sorted(c["version"] for c in seen) == list(range(2, final_version + 1))
    replayed = snapshot["doc"]
    for change in sorted(seen, key=lambda c: c["version"]):
        replayed = jsonpatch.apply_patch(replayed, change["patch"])
    assert replayed == doc
    observer.assert_quiet()
    # The other group's document was never touched.
    assert lab.doc("group", lab.key(2)) == (0, {})


def test_changes_reach_pages_in_version_order(lab):
    """Deterministic: the publish of version 1 is held back while version 2 commits."""
    writer, other, observer = lab.socket(1), lab.socket(2), lab.socket(2)
    observer.subscribe("group")
    hub = lab.engine.hub
    publish = hub.publish

    def slow_first_change(channel, message):
        if message.get("type") == "change" and message.get("version") == 1:
            time.sleep(0.5)
        return publish(channel, message)

    hub.publish = slow_first_change
    try:
        first = writer.send(op="patch", store="group", version=0, patch=add("/a", 1))
        time.sleep(0.2)  # version 1 has committed; its publish is on its way
        assert other.request(op="patch", store="group", version=1, patch=add("/b", 2))[
            "version"] == 2
        assert writer.answer(first)["version"] == 1
    finally:
        hub.publish = publish
    versions = [observer.next_pushed("change")["version"] for _ in range(2)]
    assert versions == [1, 2]


# -- a dropped connection -----------------------------------------------------------------------


def test_a_socket_dropped_mid_session_resubscribes_to_the_latest_version(lab):
    mine, partner = lab.socket(1), lab.socket(2)
    assert mine.subscribe("group")["version"] == 0
    assert mine.request(op="patch", store="group", version=0, patch=add("/mine", 1))[
        "version"] == 1
    channel = f"shared:group:{lab.key(1)}"
    assert lab.engine.hub.subscriber_count(channel) == 1

    mine.ws.shutdown()  # the network goes away: no closing handshake
    deadline = time.monotonic() + READ_SECONDS
    while lab.engine.hub.subscriber_count(channel) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert lab.engine.hub.subscriber_count(channel) == 0, "the server kept a dead socket"

    # Meanwhile the partner changes the document twice.
    assert partner.request(op="patch", store="group", version=1, patch=add("/theirs", 2))[
        "version"] == 2
    assert partner.request(op="patch", store="group", version=2, patch=add("/mine", 3))[
        "version"] == 3

    back = lab.socket(1)
    snapshot = back.subscribe("group", key=lab.key(1))
    assert snapshot == {"type": "snapshot", "store": "group", "key": lab.key(1), "version": 3,
                        "doc": {"mine": 3, "theirs": 2}, "closed": False}
    # A change made before the drop, sent again on its old version, cannot apply twice.
    stale = back.request(op="patch", store="group", version=1, patch=add("/mine", 1))
    assert (stale["type"], stale["version"], stale["doc"]) == (
        "conflict", 3, {"mine": 3, "theirs": 2})
    # Subscribed again, the page hears the partner's next change.
    partner.request(op="patch", store="group", version=3, patch=add("/theirs", 4))
    change = back.next_pushed("change")
    assert (change["version"], change["patch"]) == (4, add("/theirs", 4))


# -- only one's own documents -------------------------------------------------------------------


def test_another_groups_key_is_refused_and_changes_nothing(lab):
    intruder, other = lab.socket(1), lab.socket(3)
    assert other.subscribe("group")["key"] == lab.key(2)
    other.subscribe("batch")
    before = lab.shared_tables()
    foreign = [
        {"op": "subscribe", "store": "group", "key": lab.key(2)},
        {"op": "patch", "store": "group", "key": lab.key(2), "version": 0,
         "patch": add("/x", 1)},
        {"op": "replace", "store": "group", "key": lab.key(2), "version": 0, "doc": {"x": 1}},
        {"op": "message", "store": "group", "key": lab.key(2), "body": "hello"},
        {"op": "patch", "store": "batch", "key": "my_session", "version": 0,
         "patch": add("/x", 1)},
        {"op": "patch", "store": "study", "key": lab.codes[2], "version": 0,
         "patch": add("/x", 1)},
        {"op": "subscribe", "store": "study", "key": lab.codes[1]},
    ]
    for request in foreign:
        answer = intruder.request(**request)
        assert answer["type"] == "error", (request, answer)
        assert "is not yours" in answer["message"]
    assert lab.shared_tables() == before
    other.assert_quiet()
    intruder.assert_quiet()


def test_a_page_left_behind_cannot_write_into_the_group_it_left(lab):
    socket = lab.socket(1)
    assert socket.subscribe("group")["closed"] is False
    people = [Participant(lab.base_url, code) for code in lab.codes[:2]]
    for person, choice in zip(people, ("C", "D"), strict=True):
        assert person.submit({"choice": choice}).status_code == 200
    assert people[0].get().title == "Results"
    # Still in the app (on Results): the group's document is theirs.
    version, _ = lab.doc("group", lab.key(1))
    answer = socket.request(op="patch", store="group", version=version, patch=add("/note", 1))
    assert answer["type"] == "ack"
    for person in people:
        assert person.submit({}).status_code == 200
        assert person.get().kind == "finished"
    before = lab.shared_tables()
    answer = socket.request(op="patch", store="group", key=lab.key(1), version=version + 1,
                            patch=add("/late", 1))
    assert answer["type"] == "error", answer
    assert "not in an app now" in answer["message"]
    study = socket.subscribe("study")
    assert study["closed"] is True
    assert socket.request(op="patch", store="study", version=0, patch=add("/x", 1))[
        "message"].startswith("this study data is closed")
    assert lab.shared_tables() == before


# -- messages -----------------------------------------------------------------------------------


def test_messages_reach_the_group_and_a_direct_message_only_its_member(lab):
    first, second, stranger = lab.socket(1), lab.socket(2), lab.socket(3)
    for socket in (first, second, stranger):
        socket.subscribe("group")
        socket.subscribe("batch")

    ack = first.request(op="message", store="group", body="Shall we cooperate?")
    assert ack["type"] == "ack" and ack["gone"] == [], ack
    received = second.next_pushed("message")
    assert received == {"type": "message", "store": "group", "body": "Shall we cooperate?",
                        "direct": False, "from": {"label": None, "id_in_session": 1,
                                                  "id_in_group": 1, "role": ""},
                        "mid": ack["message_id"], "cid": None}
    assert first.next_pushed("message")["body"] == "Shall we cooperate?"  # the sender's echo
    assert lab.codes[0] not in json.dumps(received), "a participant's link reached another"

    assert first.request(op="message", store="group", body={"secret": True}, to=2)[
        "type"] == "ack"
    direct = second.next_pushed("message")
    assert (direct["body"], direct["direct"], direct["from"]["id_in_group"]) == (
        {"secret": True}, True, 1)
    first.assert_quiet()
    stranger.assert_quiet()

    assert stranger.request(op="message", store="batch", body="hello everyone")[
        "type"] == "ack"
    for socket in (first, second, stranger):
        message = socket.next_pushed("message")
        assert (message["store"], message["body"], message["from"]["id_in_session"]) == (
            "batch", "hello everyone", 3)

    for bad in ({"to": 3}, {"to": "2"}, {"store": "batch", "to": 2}, {"store": "study"},
                {"body": "x" * 10_001}):
        answer = first.request(**{"op": "message", "store": "group", "body": "?", **bad})
        assert answer["type"] == "error", (bad, answer)
    second.assert_quiet()

    logged = [(m["scope"], m["sender"], m["recipient"], json.loads(m["body"]))
              for m in lab.shared_tables()["messages"]]
    assert logged == [
        ("group", lab.codes[0], None, "Shall we cooperate?"),
        ("group", lab.codes[0], lab.codes[1], {"secret": True}),
        ("batch", lab.codes[2], None, "hello everyone"),
    ]


# -- refused changes ----------------------------------------------------------------------------

MALFORMED = {
    "not a list": {"patch": {"op": "add", "path": "/x", "value": 1}},
    "no path": {"patch": [{"op": "add", "value": 1}]},
    "unknown operation": {"patch": [{"op": "merge", "path": "/x", "value": 1}]},
    "no value": {"patch": [{"op": "add", "path": "/x"}]},
    "missing parent": {"patch": add("/x/y/z", 1)},
    "remove what is not there": {"patch": [{"op": "remove", "path": "/nothing"}]},
    "bad pointer": {"patch": add("x", 1)},
    "second op fails": {"patch": [*add("/ok", 1), {"op": "remove", "path": "/nothing"}]},
    "not plain JSON": {"patch": add("/x", float("nan"))},
    "unknown store": {"store": "session", "patch": add("/x", 1)},
    "unknown op": {"op": "merge", "patch": add("/x", 1)},
}


@pytest.mark.parametrize("request_fields", MALFORMED.values(), ids=MALFORMED.keys())
def test_a_malformed_patch_is_an_error_and_writes_nothing(lab, request_fields):
    socket, partner = lab.socket(1), lab.socket(2)
    partner.subscribe("group")
    before = lab.shared_tables()
    answer = socket.request(**{"op": "patch", "store": "group", "version": 0, **request_fields})
    assert answer["type"] == "error" and answer["message"], answer
    assert lab.shared_tables() == before
    partner.assert_quiet()
    # The socket still works, on the version nothing changed.
    assert socket.request(op="patch", store="group", version=0, patch=add("/x", 1))[
        "version"] == 1


def test_text_that_is_not_json_is_an_error(lab):
    socket = lab.socket(1)
    socket.ws.send("{not json")
    assert socket.read()["type"] == "error"
    socket.ws.send("[1, 2]")
    assert socket.read() == {"type": "error", "id": None,
                             "message": "each message must be a JSON object"}


DEEP_LEVELS = 900  # inside the 64 KiB message limit, far beyond any real document


def test_deeply_nested_json_is_refused_with_a_message_and_logged_once(lab, caplog):
    socket, partner = lab.socket(1), lab.socket(2)
    partner.subscribe("group")
    before = lab.shared_tables()
    deep = "[" * DEEP_LEVELS + "]" * DEEP_LEVELS
    raw = ('{"op": "patch", "store": "group", "version": 0, "id": 7, '
           f'"patch": [{{"op": "add", "path": "/x", "value": {deep}}}]}}')
    caplog.set_level("WARNING")
    for _ in range(3):
        socket.ws.send(raw)
        answer = socket.read()
        assert answer["type"] == "error" and answer["id"] is None, answer
        assert "nested deeper than 64 levels" in answer["message"]
    # nested brackets inside a string are text, not depth
    text = socket.request(op="patch", store="group", version=0, patch=add("/x", deep))
    assert text["type"] == "ack", text
    lines = [r.getMessage() for r in caplog.records if lab.codes[0] in r.getMessage()]
    assert len(lines) == 1 and "nested deeper" in lines[0], lines
    assert not [r for r in caplog.records if r.exc_info], "a traceback was logged"
    assert lab.shared_tables()["docs"] != before["docs"]  # only the accepted text changed it
    assert lab.doc("group", lab.key(1)) == (1, {"x": deep})


@pytest.mark.parametrize("version", [0, 5, -1, "1", 1.0, None, True], ids=repr)
def test_a_stale_version_is_a_conflict_with_the_current_document(lab, version):
    first, second = lab.socket(1), lab.socket(2)
    assert first.request(op="patch", store="group", version=0, patch=add("/a", 1))["type"] == \
        "ack"
    second.subscribe("group")
    before = lab.shared_tables()
    for op, body in (("patch", {"patch": add("/b", 2)}), ("replace", {"doc": {"b": 2}})):
        answer = second.request(op=op, store="group", version=version, **body)
        assert answer == {"type": "conflict", "id": answer["id"], "store": "group",
                          "version": 1, "doc": {"a": 1}, "reason": "stale version"}
    assert lab.shared_tables() == before


def test_a_failed_test_operation_is_a_conflict(lab):
    socket = lab.socket(1)
    socket.request(op="patch", store="group", version=0, patch=add("/turn", 1))
    answer = socket.request(op="patch", store="group", version=1, patch=[
        {"op": "test", "path": "/turn", "value": 2}, *add("/turn", 3)])
    assert (answer["type"], answer["reason"], answer["version"], answer["doc"]) == (
        "conflict", "test failed", 1, {"turn": 1})


# -- the history --------------------------------------------------------------------------------


def test_the_history_keeps_every_change_with_its_author(lab):
    first, second = lab.socket(1), lab.socket(2)
    second.subscribe("group")
    steps = [
        (first, "patch", {"patch": add("/a", 1)}, {"a": 1}),
        (second, "patch", {"patch": [*add("/b", [1]), {"op": "remove", "path": "/a"}]},
         {"b": [1]}),
        (first, "replace", {"doc": {"c": {"d": 3}}}, {"c": {"d": 3}}),
        (second, "patch", {"patch": [{"op": "move", "from": "/c/d", "path": "/e"}]},
         {"c": {}, "e": 3}),
    ]
    docs = [{}]
    for version, (socket, op, body, expected) in enumerate(steps, start=1):
        assert socket.request(op=op, store="group", version=version - 1, **body)["version"] == \
            version
        assert lab.doc("group", lab.key(1)) == (version, expected)
        docs.append(expected)

    history = lab.history(key=lab.key(1))
    assert [(row["version"], row["author"], row["kind"]) for row in history] == [
        (1, lab.codes[0], "patch"), (2, lab.codes[1], "patch"), (3, lab.codes[0], "replace"),
        (4, lab.codes[1], "patch")]
    for row, (_, op, body, _) in zip(history, steps, strict=True):
        patch = json.loads(row["patch"])
        if op == "patch":
            assert patch == body["patch"]
        # every row, a replace too, is the patch that turns the previous version into this one
        assert jsonpatch.apply_patch(docs[row["version"] - 1], patch) == docs[row["version"]]
        assert row["scope"] == "group" and row["at"].endswith("+00:00")
    assert [row["at"] for row in history] == sorted(row["at"] for row in history)

    # The partner's page saw each change with its author shown by position, never by link.
    changes = [second.next_pushed("change") for _ in range(4)]
    assert [c["version"] for c in changes] == [1, 2, 3, 4]
    assert [c["author"]["id_in_group"] for c in changes] == [1, 2, 1, 2]
    assert [c["patch"] for c in changes] == [json.loads(row["patch"]) for row in history]
    assert not any(code in json.dumps(changes) for code in lab.codes)


# -- the example app ----------------------------------------------------------------------------


def test_prisoners_dilemma_pays_the_submitted_choices_even_if_a_page_edits_them(lab):
    people = [Participant(lab.base_url, code) for code in lab.codes[:2]]
    socket = lab.socket(1)
    assert people[1].submit({"choice": "D"}).status_code == 200
    version, doc = lab.doc("group", lab.key(1))
    assert doc == {"choices": {"2": "D"}}
    # Participant 1's page rewrites the partner's choice in the group data: it must not pay.
    socket.request(op="patch", store="group", version=version, patch=add("/choices/2", "C"))
    assert people[0].submit({"choice": "C"}).status_code == 200
    assert lab.doc("group", lab.key(1))[1] == {"choices": {"1": "C", "2": "D"}}
    results = [person.get() for person in people]
    assert [r.title for r in results] == ["Results", "Results"]
    assert "EUR 0.00" in results[0].html and "EUR 5.00" in results[1].html
    assert ">Cooperate<" in results[0].html.split('id="my-choice"')[1][:20]
    assert ">Defect<" in results[0].html.split('id="other-choice"')[1][:20]


# -- what pages may write: the app's declared shape ---------------------------------------------


@pytest.mark.parametrize("request_fields", [
    {"op": "replace", "doc": {"choices": "x"}},
    {"op": "replace", "doc": ["not", "an", "object"]},
    {"op": "patch", "patch": add("/choices", {"1": "maybe"})},
    {"op": "patch", "patch": add("/choices", {"3": "C"})},
], ids=["choices-text", "not-an-object", "unknown-choice", "unknown-member"])
def test_a_page_cannot_give_group_data_a_shape_the_app_does_not_declare(lab, request_fields):
    socket, partner = lab.socket(1), lab.socket(2)
    partner.subscribe("group")
    before = lab.shared_tables()
    answer = socket.request(store="group", version=0, **request_fields)
    assert answer["type"] == "error", answer
    assert "must keep the shape the app declares" in answer["message"]
    assert "app 'prisoners_dilemma': at /" in answer["message"]
    assert lab.shared_tables() == before
    partner.assert_quiet()
    # what the schema allows still goes through
    assert socket.request(op="patch", store="group", version=0,
                          patch=add("/choices", {"1": "C"}))["type"] == "ack"
    batch_version = lab.doc("batch", "pd_study")[0]
    refused = socket.request(op="patch", store="batch", version=batch_version,
                             patch=add("/next_treatment", "x"))
    assert "at /next_treatment: 'x' is not of type 'integer'" in refused["message"], refused


def admin_form(http, base_url: str, session_code: str, key: str) -> dict[str, str]:
    """The hidden fields of the admin's form for one shared document."""
    page = http.get(f"{base_url}/admin/sessions/{session_code}/shared", timeout=HTTP_TIMEOUT)
    assert page.status_code == 200
    form = page.text.split(f'name="key" value="{key}"')[0].rsplit("<form", 1)[1] + \
        page.text.split(f'name="key" value="{key}"')[1].split("</form>")[0]
    return {"csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', form).group(1),
            "key": key, "version": re.search(r'name="version" value="(\d+)"', form).group(1)}


def admin_save(http, lab: Lab, scope: str, key: str, doc: str, **fields: str) -> str:
    data = {**admin_form(http, lab.base_url, lab.session_code, key), "doc": doc, **fields}
    saved = http.post(f"{lab.base_url}/admin/sessions/{lab.session_code}/shared/{scope}",
                      data=data, timeout=HTTP_TIMEOUT)
    assert saved.status_code == 200, saved.status_code
    return html.unescape(saved.text)


@pytest.mark.parametrize("written", ['{"choices": "x"}', '["x"]', '{"choices": {"1": 7}}'])
def test_the_prisoners_dilemma_plays_on_whatever_shape_its_group_data_has(lab, written):
    people = [Participant(lab.base_url, code) for code in lab.codes[:2]]
    socket = lab.socket(1)
    socket.request(op="patch", store="group", version=0, patch=add("/note", "hi"))
    http = requests.Session()
    # The experimenter (whom the schema does not limit) leaves a shape the app never wrote.
    assert "saved as version 2" in admin_save(http, lab, "group", lab.key(1), written)
    assert lab.doc("group", lab.key(1)) == (2, json.loads(written))
    assert [r["author"] for r in lab.history("group", lab.key(1))][-1] == "admin"
    assert people[0].submit({"choice": "C"}).status_code == 200
    assert people[1].submit({"choice": "D"}).status_code == 200
    results = [person.get() for person in people]
    assert [r.title for r in results] == ["Results", "Results"]
    assert "EUR 0.00" in results[0].html and "EUR 5.00" in results[1].html
    assert lab.doc("group", lab.key(1))[1]["choices"] == {"1": "C", "2": "D"}


def test_the_experimenter_edits_group_and_study_data_as_new_versions(lab):
    http = requests.Session()
    shared = http.get(f"{lab.base_url}/admin/sessions/{lab.session_code}/shared",
                      timeout=HTTP_TIMEOUT)
    assert "None has any data yet." in shared.text
    socket = lab.socket(2)
    socket.request(op="patch", store="study", version=0, patch=add("/seen", 1))
    form = admin_form(http, lab.base_url, lab.session_code, lab.codes[1])
    assert form["version"] == "1"
    # a page changes it while the experimenter edits: nothing is saved
    socket.request(op="patch", store="study", version=1, patch=add("/seen", 2))
    stale = http.post(f"{lab.base_url}/admin/sessions/{lab.session_code}/shared/study",
                      data={**form, "doc": '{"seen": 0}'}, timeout=HTTP_TIMEOUT)
    assert "changed while you edited it (now version 2); nothing was saved" in stale.text
    assert lab.doc("study", lab.codes[1]) == (2, {"seen": 2})
    saved = admin_save(http, lab, "study", lab.codes[1], '{"seen": 3, "by": "admin"}')
    assert "saved as version 3" in saved
    assert lab.doc("study", lab.codes[1]) == (3, {"seen": 3, "by": "admin"})
    assert [(h["version"], h["author"]) for h in lab.history("study", lab.codes[1])] == [
        (1, lab.codes[1]), (2, lab.codes[1]), (3, "admin")]
    # refused: not JSON, too deep, a key of no group of this session
    bad = admin_save(http, lab, "study", lab.codes[1], "{not json")
    assert "was not saved: it is not valid JSON" in bad
    deep = admin_save(http, lab, "study", lab.codes[1], "[" * 900 + "]" * 900)
    assert "nested deeper than 64 levels" in deep
    foreign = http.post(f"{lab.base_url}/admin/sessions/{lab.session_code}/shared/group",
                        data={**form, "key": "OTHER/prisoners_dilemma/1/1", "doc": "{}"},
                        timeout=HTTP_TIMEOUT)
    assert "no group 'OTHER/prisoners_dilemma/1/1' in session" in html.unescape(foreign.text)
    assert lab.doc("study", lab.codes[1]) == (3, {"seen": 3, "by": "admin"})


# -- chat: history, a resend delivered once, a partner who has moved on -------------------------


def test_a_reconnected_page_gets_the_messages_it_may_see_and_a_resend_is_delivered_once(lab):
    first, second, stranger = lab.socket(1), lab.socket(2), lab.socket(3)
    second.subscribe("group")
    sent = first.request(op="message", store="group", body="hi", cid="c-1")
    again = first.request(op="message", store="group", body="hi", cid="c-1")  # lost answer
    assert again["message_id"] == sent["message_id"] and again.get("duplicate") is True
    assert second.next_pushed("message")["body"] == "hi"
    second.assert_quiet()  # delivered once
    first.request(op="message", store="group", body="only for 2", to=2, cid="c-2")
    stranger.request(op="message", store="group", body="other pair")
    stranger.request(op="message", store="group", body="to my partner", to=2)
    for number, socket in ((1, first), (2, second)):  # a reload: a new socket asks
        reloaded = lab.socket(number)
        request_id = reloaded.send(op="history", store="group")
        history = reloaded.read()
        assert (history["type"], history["id"]) == ("history", request_id)
        shown = [(m["body"], m["direct"], m["mine"], m["cid"], m["from"]["id_in_group"])
                 for m in history["messages"]]
        mine = socket is first
        assert shown == [("hi", False, mine, "c-1" if mine else None, 1),
                         ("only for 2", True, mine, "c-2" if mine else None, 1)]
    assert len(lab.shared_tables()["messages"]) == 4


def test_a_message_to_a_partner_who_has_moved_on_tells_the_sender(lab):
    first = lab.socket(1)
    partner = Participant(lab.base_url, lab.codes[1])
    assert partner.submit({"choice": "D"}).status_code == 200
    assert first.request(op="message", store="group", body="still there?")["gone"] == []
    Participant(lab.base_url, lab.codes[0]).submit({"choice": "C"})
    assert partner.get().title == "Results"
    assert partner.submit({}).status_code == 200  # the partner leaves the app round
    first_page = Participant(lab.base_url, lab.codes[0]).get()
    assert first_page.title == "Results"
    answer = first.request(op="message", store="group", body="bye")
    assert answer["type"] == "ack" and answer["gone"] == ["Player 2"], answer
    direct = first.request(op="message", store="group", body="bye", to=2)
    assert direct["type"] == "error"
    assert direct["message"].startswith("Player 2 has moved on and will not see your message")
