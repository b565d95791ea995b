"""Live shared data in headless Chromium: the chat widget and the JavaScript client.

- Two people play the sample ``pd_chat`` against ``labctl run`` (gevent, its own process): they
  chat through the group chat widget and the batch-wide one, decide, and each sees both choices.
- ``labctl-shared.js`` against the real server: a change seen by the partner's page, and a stale
  change re-sent on the fresh version.
- ``labctl-shared.js`` against a scripted WebSocket (installed in the page, replacing the
  browser's): the conflict rule, ordering, gaps, reconnecting with back-off, changes made while
  disconnected or lost on the way, all deterministic.
"""

from __future__ import annotations

import json
import time

import pytest

pytestmark = pytest.mark.slow  # headless Chromium against labctl run in its own process

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips with the reason (or fails under CI)
    expect = None

#: how long a chat message may take to reach the other page (ms)
DELIVERY_TIMEOUT_MS = 5_000


class Person:
    """One participant at one browser."""

    def __init__(self, open_page, url: str) -> None:
        self.page, self.problems = open_page()
        self.url = url

    def open(self) -> None:
        self.page.goto(self.url)

    def chat(self, scope: str):
        return self.page.locator(f"[data-labctl-chat={scope}]")

    def wait_until_chatting(self) -> None:
        for scope in ("group", "batch"):
            expect(self.chat(scope)).to_have_attribute("data-labctl-chat-state", "open")

    def say(self, scope: str, text: str, press_enter: bool = True) -> None:
        box = self.chat(scope).locator("input")
        box.fill(text)
        if press_enter:
            box.press("Enter")
        else:
            self.chat(scope).locator("button").click()
        expect(box).to_have_value("")

    def messages(self, scope: str):
        return self.chat(scope).locator("li")

    def assert_no_problems(self) -> None:
        assert self.problems.all() == [], f"errors in the page at {self.url}"


@pytest.fixture
def lab(sample_project, lab_process):
    """``labctl run pd_chat -n 2``: one pair."""
    return lab_process(sample_project, "pd_chat", "-n", "2")


def test_two_people_chat_then_see_both_choices(lab, open_page):
    first, second = (Person(open_page, f"{lab.base_url}/p/{code}/") for code in lab.codes)
    for person in (first, second):
        person.open()
        expect(person.page.locator("h1")).to_have_text("The Community Game: your decision")
        person.wait_until_chatting()

    first.say("group", "Shall we both cooperate?")
    expect(second.messages("group")).to_have_text(["Player 1: Shall we both cooperate?"],
                                                  timeout=DELIVERY_TIMEOUT_MS)
    expect(first.messages("group")).to_have_text(["You: Shall we both cooperate?"])
    # Markup typed into the chat stays text on the other screen.
    second.say("group", "<b>Yes</b> & <script>deal()</script>", press_enter=False)
    expect(first.messages("group").nth(1)).to_have_text(
        "Player 2: <b>Yes</b> & <script>deal()</script>", timeout=DELIVERY_TIMEOUT_MS)
    expect(first.chat("group").locator("b, script")).to_have_count(0)
    expect(second.messages("group")).to_have_text(
        ["Player 1: Shall we both cooperate?", "You: <b>Yes</b> & <script>deal()</script>"])

    second.say("batch", "Hello everyone")
    expect(first.messages("batch")).to_have_text(["Participant 2: Hello everyone"],
                                                 timeout=DELIVERY_TIMEOUT_MS)
    expect(second.messages("batch")).to_have_text(["You: Hello everyone"])
    expect(first.messages("group")).to_have_count(2)  # a batch message stays in the batch chat
    # Enter in a chat box sent a message, never the page's form.
    for person in (first, second):
        assert person.page.url == person.url
        expect(person.page.locator("h1")).to_have_text("The Community Game: your decision")

    first.page.check("input[name=choice][value=C]")
    first.page.click("#next-button")
    expect(first.page.locator("#wait-page")).to_be_visible()
    second.page.check("input[name=choice][value=D]")
    second.page.click("#next-button")

    for person, mine, theirs, earned in ((first, "Cooperate", "Defect", "EUR 0.00"),
                                         (second, "Defect", "Cooperate", "EUR 5.00")):
        expect(person.page.locator("h1")).to_have_text("Results", timeout=DELIVERY_TIMEOUT_MS)
        expect(person.page.locator("#my-choice")).to_have_text(mine)
        expect(person.page.locator("#other-choice")).to_have_text(theirs)
        expect(person.page.locator("#pd-results")).to_contain_text(earned)
    first.assert_no_problems()
    second.assert_no_problems()


# -- labctl-shared.js against the real server ---------------------------------------------------

CONNECT = """
async () => {
  window.__events = [];
  window.__live = labctl.shared.connect({stores: ["group"], onState: (s) => __events.push(s)});
  __live.group.onChange((doc, patch, version, author) =>
    __events.push({doc, patch, version, author}));
  __live.group.onConflict((doc, version, ops) => __events.push({conflict: ops, doc, version}));
  for (let i = 0; i < 200 && !__events.includes("open"); i++) {
    await new Promise((r) => setTimeout(r, 25));
  }
  return __live.group.ready;
}
"""

CHANGE = """
([method, args]) => new Promise((resolve) => {
  __live.group[method](...args, (error, version) => resolve({error, version}));
})
"""


SOCKET_RECORDER = """
window.__sharedSockets = window.__sharedSockets || [];
const Original = window.WebSocket;
window.WebSocket = function (url, protocols) {
  const socket = protocols === undefined ? new Original(url) : new Original(url, protocols);
  if (String(url).endsWith("/shared")) { window.__sharedSockets.push(socket); }
  return socket;
};
window.WebSocket.prototype = Original.prototype;
Object.assign(window.WebSocket, {CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3});
"""


def test_a_pages_shared_data_socket_closes_when_the_answer_replaces_the_page(lab, open_page):
    """labctl.js shows the answer to a form in the same document: the chat page's shared-data
    socket must end with the page, not live on beside the next one."""
    page, _ = open_page()
    page.add_init_script(SOCKET_RECORDER)
    page.goto(f"{lab.base_url}/p/{lab.codes[0]}/")
    states = "() => window.__sharedSockets.map(s => s.readyState)"
    assert until(lambda: 1 in page.evaluate(states)), page.evaluate(states)
    page.check("input[name=choice][value=C]")
    page.click("#next-button")
    expect(page.locator("#wait-page")).to_be_visible(timeout=DELIVERY_TIMEOUT_MS)
    # CLOSING (2) or CLOSED (3), polled from here: the page's CSP forbids a polled predicate
    assert until(lambda: min(page.evaluate(states)) >= 2), page.evaluate(states)


def until(condition, seconds: float = DELIVERY_TIMEOUT_MS / 1000) -> bool:
    """Whether ``condition()`` holds within ``seconds`` (checked every 50 ms)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return bool(condition())


def test_the_client_syncs_and_resends_a_stale_change_on_the_fresh_version(live_server,
                                                                          open_page):
    server = live_server(session_type="pd_chat", n=2)
    first, second = (Person(open_page, server.url(code)) for code in server.codes)
    for person in (first, second):
        person.open()
        assert person.page.evaluate(CONNECT) is True

    assert first.page.evaluate(CHANGE, ["set", ["/a", {"n": 1}]]) == {"error": None,
                                                                       "version": 1}
    second.page.wait_for_function("() => __live.group.version === 1")
    change = second.page.evaluate("__events.filter((e) => e.version === 1)[0]")
    assert change["doc"] == {"a": {"n": 1}}
    assert change["patch"] == [{"op": "add", "path": "/a", "value": {"n": 1}}]
    assert change["author"]["id_in_group"] == 1

    # The second page acts as if it had missed that change: the server refuses, the client takes
    # the fresh document and sends the change again on it.
    second.page.evaluate("__live.group.version = 0")
    assert second.page.evaluate(CHANGE, ["set", ["/b", 2]]) == {"error": None, "version": 2}
    first.page.wait_for_function("() => __live.group.version === 2")
    for person in (first, second):
        assert person.page.evaluate("__live.group.get()") == {"a": {"n": 1}, "b": 2}
    # A stale replace is never re-sent: it is reported with the current document.
    assert first.page.evaluate(CHANGE, ["set", ["/c", 3]]) == {"error": None, "version": 3}
    second.page.wait_for_function("() => __live.group.version === 3")
    second.page.evaluate("__live.group.version = 2")  # as if it had missed the first's change
    refused = second.page.evaluate(CHANGE, ["replace", [{"only": "mine"}]])
    current = {"a": {"n": 1}, "b": 2, "c": 3}
    assert refused["error"]["conflict"] is True
    assert (refused["error"]["version"], refused["error"]["doc"]) == (3, current)
    assert second.page.evaluate("__events.filter((e) => e.conflict)") == [{
        "conflict": [{"op": "replace", "path": "", "value": {"only": "mine"}}],
        "doc": current, "version": 3}]
    history = server.engine.store.shared_history("group")
    assert [(h["version"], h["author"]) for h in history] == [
        (1, server.codes[0]), (2, server.codes[1]), (3, server.codes[0])]
    first.assert_no_problems()
    second.assert_no_problems()


# -- labctl-shared.js against a scripted socket -------------------------------------------------

FAKE_SOCKET = """
() => {
  const realSetTimeout = window.setTimeout.bind(window);
  const fake = window.__fake = {
    sockets: [], refuse: 0, compress: false, delays: [],
    tick: () => new Promise((r) => realSetTimeout(r, 5)),
    last: () => fake.sockets[fake.sockets.length - 1],
  };
  class FakeSocket {
    constructor(url) {
      this.url = url; this.readyState = 0; this.sent = [];
      fake.sockets.push(this);
      const refused = fake.refuse > 0;
      if (refused) { fake.refuse -= 1; }
      realSetTimeout(() => {
        this.readyState = refused ? 3 : 1;
        if (refused) { if (this.onclose) { this.onclose({code: 1006}); } }
        else if (this.onopen) { this.onopen({}); }
      }, 0);
    }
    send(data) { if (this.readyState !== 1) { throw new Error("not open"); }
                 this.sent.push(JSON.parse(data)); }
    close() { this.readyState = 3; }
    drop() { this.readyState = 3; if (this.onclose) { this.onclose({code: 1006}); } }
    deliver(message) { this.onmessage({data: JSON.stringify(message)}); }
    requests(op) { return this.sent.filter((r) => r.op === op); }
    lastRequest(op) { const found = this.requests(op); return found[found.length - 1]; }
  }
  // back-off delays (1 s and longer) are recorded, and shortened while `compress` is set
  window.setTimeout = function (fn, ms) {
    if (fake.compress && ms >= 1000) { fake.delays.push(ms); ms = 1; }
    return realSetTimeout(fn, ms);
  };
  window.WebSocket = FakeSocket;
}
"""

SCRIPTED = """
async () => {
  const fake = window.__fake;
  const log = [];
  const live = labctl.shared.connect({stores: ["group"], url: "ws://scripted/",
                                      onState: (s) => log.push(["state", s]),
                                      onError: (m, store) => log.push(["error", m, store])});
  const group = live.group;
  group.onChange((doc, patch, version, author) => log.push(["change", version, doc, patch,
                                                            author]));
  group.onConflict((doc, version, ops) => log.push(["conflict", version, doc, ops]));
  group.onMessage((from, body, direct) => log.push(["message", from, body, direct]));
  const done = {};
  const track = (name) => (error, version) => { done[name] = error ? error : version; };
  const until = async (test) => {
    for (let i = 0; i < 400 && !test(); i++) { await fake.tick(); }
    if (!test()) { throw new Error("timed out waiting for " + test); }
  };
  const snapshot = (ws, version, doc, closed) => ws.deliver(
    {type: "snapshot", store: "group", key: "k1", version, doc, closed: !!closed});
  const out = {};
  await fake.tick();
  let ws = fake.last();
  out.firstSubscribe = ws.requests("subscribe");
  snapshot(ws, 0, {});

  // 1. A path change refused as stale is re-sent on each fresh version, 3 times, then reported.
  group.set("/a", 1, track("retried"));
  for (let v = 1; v <= 4; v++) {
    ws.deliver({type: "conflict", id: ws.lastRequest("patch").id, store: "group", version: v,
                doc: {other: v}, reason: "stale version"});
  }
  out.retried = ws.requests("patch").map((r) => [r.version, r.key, r.patch]);
  out.retriedDone = done.retried;

  // 2. A replace and a failed test are refused at once, never re-sent.
  group.replace({mine: true}, track("replaced"));
  const replaceSent = ws.lastRequest("replace");
  ws.deliver({type: "conflict", id: replaceSent.id, store: "group", version: 5,
              doc: {other: 5}, reason: "stale version"});
  group.patch([{op: "test", path: "/other", value: 4}], track("tested"));
  ws.deliver({type: "conflict", id: ws.lastRequest("patch").id, store: "group", version: 5,
              doc: {other: 5}, reason: "test failed"});
  out.refusedAtOnce = [ws.requests("replace").length, ws.requests("patch").length,
                       replaceSent.version];

  // 3. One change at a time: the next waits for the previous one's ack and its broadcast.
  group.set("/x", 1, track("x"));
  group.set("/y", 2, track("y"));
  const xSent = ws.lastRequest("patch");
  ws.deliver({type: "ack", id: xSent.id, store: "group", version: 6});
  out.afterAck = ws.requests("patch").length;
  ws.deliver({type: "change", store: "group", version: 6,
              patch: [{op: "add", path: "/x", value: 1}], author: {id_in_group: 1}});
  const ySent = ws.lastRequest("patch");
  ws.deliver({type: "change", store: "group", version: 7,  // the broadcast before the ack
              patch: [{op: "add", path: "/y", value: 2}], author: {id_in_group: 1}});
  ws.deliver({type: "ack", id: ySent.id, store: "group", version: 7});
  out.ordered = [xSent.version, ySent.version, done.x, done.y, group.version, group.get()];

  // 4. A change ahead of its turn waits for the one before it (the server may push them out of
  //    order); a gap that stays open asks for a snapshot.
  const change = (version, path, value) => ws.deliver({type: "change", store: "group", version,
    patch: [{op: "add", path, value}], author: null});
  change(9, "/z", 9);
  out.held = [group.version, ws.requests("subscribe").length];
  change(8, "/w", 8);
  out.inOrder = [group.version, group.get()];
  fake.compress = true;  // the gap's wait (1 s) and nothing else is running now
  change(11, "/z", 11);
  await until(() => ws.requests("subscribe").length === 2);
  fake.compress = false;
  out.resubscribe = ws.requests("subscribe").slice(1);
  change(12, "/z", 12);  // arrives before the snapshot, which already holds it
  snapshot(ws, 12, {other: 5, x: 1, y: 2, w: 8, z: 12});
  out.afterGap = [group.version, group.get()];

  // 5. Messages.
  ws.deliver({type: "message", store: "group", from: {id_in_group: 2}, body: {hi: 1},
              direct: true});

  // 6. Disconnected: back-off 1 s, 2 s, 4 s ... 30 s; changes and messages made meanwhile are
  //    sent once a connection is back and subscribed.
  fake.delays.length = 0;
  fake.compress = true;
  fake.refuse = 6;
  ws.drop();
  group.set("/offline", true, track("offline"));
  group.send("while away", 2);
  await until(() => fake.sockets.length === 8 && fake.last().readyState === 1);
  ws = fake.last();
  out.delays = fake.delays.slice();
  await until(() => ws.requests("subscribe").length === 1);
  out.onReconnect = [ws.requests("subscribe"), ws.requests("message"), ws.requests("patch")];
  const away = {other: 5, x: 1, y: 2, w: 8, z: 13};  // someone wrote meanwhile
  snapshot(ws, 13, away);
  const madeOffline = ws.lastRequest("patch");  // on the version it was made on: stale now
  ws.deliver({type: "conflict", id: madeOffline.id, store: "group", version: 13, doc: away,
              reason: "stale version"});
  const offline = ws.lastRequest("patch");
  ws.deliver({type: "ack", id: offline.id, store: "group", version: 14});
  ws.deliver({type: "change", store: "group", version: 14, patch: offline.patch, author: {}});
  out.offline = [madeOffline.version, offline.version, offline.patch, done.offline];

  // 7. A change on its way when the connection drops is sent again on the same version: if the
  //    document already holds it, it applied; otherwise it is reported, never applied twice.
  group.set("/lost", 1, track("lostApplied"));
  const lost = ws.lastRequest("patch");
  ws.drop();
  await until(() => fake.last() !== ws && fake.last().readyState === 1);
  ws = fake.last();
  await until(() => ws.requests("subscribe").length === 1);
  const applied = Object.assign(group.get(), {lost: 1});
  snapshot(ws, 15, applied);
  const again = ws.lastRequest("patch");
  ws.deliver({type: "conflict", id: again.id, store: "group", version: 15, doc: applied,
              reason: "stale version"});
  group.set("/lost2", 1, track("lostUnknown"));
  const lost2 = ws.lastRequest("patch");
  ws.drop();
  await until(() => fake.last() !== ws && fake.last().readyState === 1);
  ws = fake.last();
  await until(() => ws.requests("subscribe").length === 1);
  const moved = Object.assign(group.get(), {someoneElse: 1});
  snapshot(ws, 16, moved);
  const again2 = ws.lastRequest("patch");
  ws.deliver({type: "conflict", id: again2.id, store: "group", version: 16, doc: moved,
              reason: "stale version"});
  fake.compress = false;
  out.lost = [lost.version, again.version, done.lostApplied, lost2.version, again2.version,
              done.lostUnknown && done.lostUnknown.conflict, ws.requests("patch").length];

  // 8. An error ends the change (reported, not retried); the queue goes on.
  group.remove("/missing", track("missing"));
  group.set("/after", 1, track("after"));
  ws.deliver({type: "error", id: ws.lastRequest("patch").id,
              message: "the patch cannot apply: no such path"});
  out.error = [done.missing, ws.lastRequest("patch").patch];

  // 9. get() hands out a copy; a closed document refuses changes without sending them.
  group.get().x = "changed here";
  out.copy = group.get().x;
  snapshot(ws, 16, moved, true);
  const before = ws.sent.length;
  group.set("/closed", 1, track("closed"));
  await until(() => done.closed !== undefined);
  out.closed = [group.closed, done.closed.message, ws.sent.length - before];
  live.close();
  out.log = log;
  return out;
}
"""

LOST_REPLACE = """
async () => {
  const fake = window.__fake;
  const until = async (test) => {
    for (let i = 0; i < 400 && !test(); i++) { await fake.tick(); }
    if (!test()) { throw new Error("timed out waiting for " + test); }
  };
  const live = labctl.shared.connect({stores: ["group"], url: "ws://scripted/"});
  const conflicts = [];
  live.group.onConflict((doc, version, ops) => conflicts.push(ops));
  await until(() => fake.last().readyState === 1);
  let ws = fake.last();
  const snapshot = (version, doc) => ws.deliver(
    {type: "snapshot", store: "group", key: "k", version, doc, closed: false});
  snapshot(0, {});
  const done = [];
  live.group.replace({r: 1}, (error, version) => done.push([error, version]));
  const sent = ws.lastRequest("replace");
  fake.compress = true;
  ws.drop();  // no answer came: did it apply?
  await until(() => fake.last() !== ws && fake.last().readyState === 1);
  fake.compress = false;
  ws = fake.last();
  snapshot(1, {r: 1});  // it did
  const again = ws.lastRequest("replace");
  ws.deliver({type: "conflict", id: again.id, store: "group", version: 1, doc: {r: 1},
              reason: "stale version"});
  live.close();
  return {versions: [sent.version, again.version], done, conflicts};
}
"""


def test_the_client_follows_the_protocol_and_the_conflict_rule(live_server, open_page):
    server = live_server(session_type="pd_chat", n=2)
    person = Person(open_page, server.url(server.codes[0]))
    person.open()
    person.wait_until_chatting()  # the page's own chat keeps its real socket
    person.page.evaluate(FAKE_SOCKET)
    out = person.page.evaluate(SCRIPTED)
    add_a = [{"op": "add", "path": "/a", "value": 1}]

    assert out["firstSubscribe"] == [{"op": "subscribe", "store": "group", "id": 1}]
    # 1. sent on version 0, then re-sent on 1, 2 and 3; the fourth refusal is reported
    assert out["retried"] == [[v, "k1", add_a] for v in range(4)]
    assert out["retriedDone"]["conflict"] is True and out["retriedDone"]["version"] == 4
    conflicts = [entry for entry in out["log"] if entry[0] == "conflict"]
    assert conflicts[0] == ["conflict", 4, {"other": 4}, add_a]
    # 2. one replace, one test: each sent once, reported at once
    assert out["refusedAtOnce"] == [1, 5, 4]
    assert conflicts[1] == ["conflict", 5, {"other": 5},
                            [{"op": "replace", "path": "", "value": {"mine": True}}]]
    assert conflicts[2][3] == [{"op": "test", "path": "/other", "value": 4}]
    # 3. the second change waited for the first one's broadcast, and built on it
    assert out["afterAck"] == 6  # five before, then x; y waits
    assert out["ordered"] == [5, 6, 6, 7, 7, {"other": 5, "x": 1, "y": 2}]
    changes = [entry for entry in out["log"] if entry[0] == "change"]
    assert changes[0] == ["change", 0, {}, None, None]  # the first snapshot
    assert ["change", 6, {"other": 5, "x": 1}, [{"op": "add", "path": "/x", "value": 1}],
            {"id_in_group": 1}] in changes
    # 4. out of order: held, then applied in order; a lasting gap: subscribe, snapshot
    assert out["held"] == [7, 1]
    assert out["inOrder"] == [9, {"other": 5, "x": 1, "y": 2, "w": 8, "z": 9}]
    assert [c[1] for c in changes if 7 < c[1] < 13] == [8, 9, 12]
    assert [(r["op"], r["key"]) for r in out["resubscribe"]] == [("subscribe", "k1")]
    assert out["afterGap"] == [12, {"other": 5, "x": 1, "y": 2, "w": 8, "z": 12}]
    assert ["change", 12, {"other": 5, "x": 1, "y": 2, "w": 8, "z": 12}, None, None] in changes
    # 5. messages
    assert ["message", {"id_in_group": 2}, {"hi": 1}, True] in out["log"]
    # 6. back-off doubling from 1 s to 30 s; the offline change and message sent on return
    assert out["delays"] == [1000, 2000, 4000, 8000, 16000, 30000, 30000]
    subscribe, messages, patches = out["onReconnect"]
    assert [(r["store"], r["key"]) for r in subscribe] == [("group", "k1")]
    assert [(m["body"], m["to"], m["key"]) for m in messages] == [("while away", 2, "k1")]
    assert patches == []  # not before the snapshot
    assert out["offline"] == [12, 13, [{"op": "add", "path": "/offline", "value": True}], 14]
    states = [entry[1] for entry in out["log"] if entry[0] == "state"]
    assert states[:3] == ["open", "reconnecting", "open"]
    # 7. in flight when the connection dropped: re-sent on its own version, never twice
    assert out["lost"] == [14, 14, 15, 15, 15, True, 1]
    assert conflicts[-1][3] == [{"op": "add", "path": "/lost2", "value": 1}]
    # 8. an error is final and reported; the next change goes out
    assert out["error"][0]["conflict"] is False
    assert "cannot apply" in out["error"][0]["message"]
    assert out["error"][1] == [{"op": "add", "path": "/after", "value": 1}]
    assert ["error", "the patch cannot apply: no such path", "group"] in out["log"]
    # 9. copies out; nothing sent on a closed document
    assert out["copy"] == 1
    assert out["closed"][0] is True and "closed" in out["closed"][1] and out["closed"][2] == 0
    assert states[-1] == "closed"
    # A replace lost on its way, which did apply, is recognised, not reported nor re-applied.
    assert person.page.evaluate(LOST_REPLACE) == {"versions": [0, 0], "done": [[None, 1]],
                                                   "conflicts": []}
    person.assert_no_problems()


def test_the_patch_implementation_matches_the_servers(live_server, open_page):
    import jsonpatch
    import jsonpointer

    cases = [
        ({"a": [1, 2]}, [{"op": "add", "path": "/a/-", "value": 3}]),
        ({"a": [1, 2]}, [{"op": "add", "path": "/a/1", "value": 9}]),
        ({"a": [1, 2]}, [{"op": "add", "path": "/a/3", "value": 9}]),
        ({"a": [1, 2]}, [{"op": "add", "path": "/a/01", "value": 9}]),
        ({"a": {"b": 1}}, [{"op": "remove", "path": "/a/b"}]),
        ({"a": 1}, [{"op": "remove", "path": "/b"}]),
        ({"a": 1}, [{"op": "replace", "path": "/a", "value": [2]}]),
        ({"a": 1}, [{"op": "replace", "path": "/b", "value": 2}]),
        ({"a": [1, 2, 3]}, [{"op": "move", "from": "/a/0", "path": "/a/2"}]),
        ({"a": {"b": 1}}, [{"op": "move", "from": "/a", "path": "/a/c"}]),
        ({"a": {"b": [1]}}, [{"op": "copy", "from": "/a/b", "path": "/c"}]),
        ({"a": {"x": [1, {"y": 2}]}}, [{"op": "test", "path": "/a/x/1", "value": {"y": 2}}]),
        ({"a": 1}, [{"op": "test", "path": "/a", "value": 2}]),
        ({"a/b": 1, "m~n": 2}, [{"op": "add", "path": "/a~1b", "value": 5},
                                {"op": "remove", "path": "/m~0n"}]),
        ({"a": 1}, [{"op": "add", "path": "", "value": [1]}]),
        ({"a": 1}, [{"op": "add", "path": "/x/y", "value": 1}]),
        ({"a": 1}, [{"op": "merge", "path": "/a"}]),
        ({"a": 1}, [{"op": "add", "path": "/__proto__", "value": {"polluted": True}}]),
    ]
    server = live_server(session_type="pd_chat", n=2)
    person = Person(open_page, server.url(server.codes[0]))
    person.open()
    # JSON text both ways: a "__proto__" key must travel as a plain member
    results = json.loads(person.page.evaluate("""(cases) => JSON.stringify(
      JSON.parse(cases).map(([doc, ops]) => {
        try { return {ok: labctl.shared.applyPatch(doc, ops)}; }
        catch (e) { return {failed: e.testFailed ? "test" : "error"}; }
      }))""", json.dumps(cases)))
    for (doc, ops), result in zip(cases, results, strict=True):
        try:
            expected = {"ok": jsonpatch.apply_patch(doc, ops)}
        except jsonpatch.JsonPatchTestFailed:
            expected = {"failed": "test"}
        except (jsonpatch.JsonPatchException, jsonpointer.JsonPointerException):
            expected = {"failed": "error"}
        assert result == expected, ops
    assert person.page.evaluate("({}).polluted") is None
    person.assert_no_problems()


# -- the chat keeps every message: history, sending through a lost connection, limits ----------

#: in the page before its scripts: WebSockets that the test can cut and refuse (a network that
#: fails), wrapping the browser's own
CUTTABLE_NETWORK = """
(() => {
  const Real = window.WebSocket;
  window.__down = false;
  window.__sockets = [];
  function Cuttable(url, protocols) {
    const socket = new Real(window.__down ? "ws://127.0.0.1:9/down" : url, protocols);
    window.__sockets.push(socket);
    return socket;
  }
  Cuttable.prototype = Real.prototype;
  Object.assign(Cuttable, {CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3});
  window.WebSocket = Cuttable;
})();
"""


def test_the_chat_keeps_its_history_sends_through_a_lost_connection_once_and_shows_limits(
        lab, open_page):
    first, second = (Person(open_page, f"{lab.base_url}/p/{code}/") for code in lab.codes)
    first.page.add_init_script(CUTTABLE_NETWORK)
    for person in (first, second):
        person.open()
        person.wait_until_chatting()
    counter = first.chat("group").locator(".labctl-chat-counter")
    expect(counter).to_have_text("0 / 500 characters")
    first.chat("group").locator("input").fill("x" * 600)
    expect(counter).to_have_text("500 / 500 characters: the limit")
    first.chat("group").locator("input").fill("")

    first.say("group", "Shall we both cooperate?")
    expect(second.messages("group")).to_have_text(["Player 1: Shall we both cooperate?"],
                                                  timeout=DELIVERY_TIMEOUT_MS)
    second.say("group", "Yes")
    expect(first.messages("group")).to_have_count(2, timeout=DELIVERY_TIMEOUT_MS)
    # A reload shows the history, each message once.
    second.page.reload()
    second.wait_until_chatting()
    expect(second.messages("group")).to_have_text(
        ["Player 1: Shall we both cooperate?", "You: Yes"], timeout=DELIVERY_TIMEOUT_MS)

    # The network fails: a message typed meanwhile is shown as not sent, with Retry.
    first.page.evaluate("() => { __down = true; __sockets.forEach((s) => s.close()); }")
    expect(first.chat("group")).to_have_attribute("data-labctl-chat-state", "reconnecting")
    first.say("group", "Typed while offline")
    typed = first.messages("group").nth(2)
    expect(typed).to_have_attribute("data-state", "not-sent")
    expect(typed).to_contain_text("Not sent yet: the connection is lost.")
    # The network is back: Retry connects now and the message arrives, once.
    first.page.evaluate("() => { __down = false; }")
    typed.locator(".labctl-chat-retry").click()
    expect(typed).to_have_attribute("data-state", "sent", timeout=DELIVERY_TIMEOUT_MS)
    expect(typed).to_have_text("You: Typed while offline")
    expect(second.messages("group")).to_have_text(
        ["Player 1: Shall we both cooperate?", "You: Yes", "Player 1: Typed while offline"],
        timeout=DELIVERY_TIMEOUT_MS)
    expect(first.messages("group")).to_have_text(
        ["You: Shall we both cooperate?", "Player 2: Yes", "You: Typed while offline"])
    second.page.reload()
    second.wait_until_chatting()
    expect(second.messages("group")).to_have_count(3, timeout=DELIVERY_TIMEOUT_MS)
    second.assert_no_problems()
