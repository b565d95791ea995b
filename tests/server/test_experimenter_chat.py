"""A participant's chat with the experimenter over real HTTP and a real WebSocket: the
participant writes from their page, the monitor shows it and answers, the answer reaches the
participant's open page at once and stays in their history; a message without the page's
token, or empty, is refused with why, and nothing is kept."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
import websocket
from browserless import HTTP_TIMEOUT, Participant, admin_login, next_message

from labctl.export.files import write_results

PASSWORD = "chat-test-password"
GAME = """\
import labctl

app = labctl.App(players_per_group=None)


class Ask(labctl.Page):
    pass


page_sequence = [Ask]
"""
SESSIONS = """\
from labctl import SessionType

SESSION_TYPES = [SessionType(name="demo", app_sequence=["game"], num_participants=1)]
"""
ASK = ("{% block scripts %}<script src=\"{{ static_url('labctl-experimenter-chat.js') }}\" "
       "defer></script>{% endblock %}{% block content %}{{ experimenter_chat() }}"
       "{{ next_button() }}{% endblock %}")


@pytest.fixture
def lab(live_server, tmp_path: Path):
    root = tmp_path / "project"
    for name, text in {"sessions.py": SESSIONS, "game/__init__.py": GAME,
                       "game/Ask.html": ASK}.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return live_server(root, "demo", 1, admin_password=PASSWORD)


def _chat_url(lab, code: str) -> str:
    return f"{lab.base_url}/p/{code}/experimenter-chat"


def test_a_participant_and_the_experimenter_chat_through_the_monitor(lab, tmp_path):
    (code,) = lab.codes
    person = Participant(lab.base_url, code)
    page = person.get()
    token = re.search(r'data-labctl-experimenter-chat data-csrf="([^"]+)"', page.html).group(1)
    socket = websocket.create_connection(f"{lab.base_url.replace('http', 'ws')}/p/{code}/ws",
                                         timeout=HTTP_TIMEOUT)
    try:
        assert next_message(socket)["type"] == "position"
        sent = person.http.post(_chat_url(lab, code), data={"csrf_token": token,
                                "text": "  My screen froze <b>?</b> "}, timeout=HTTP_TIMEOUT)
        assert sent.status_code == 200
        assert sent.json()["message"]["body"] == "My screen froze <b>?</b>"

        admin = admin_login(lab.base_url, PASSWORD)
        monitor = admin.get(f"{lab.base_url}/admin/sessions/{lab.session_code}",
                            timeout=HTTP_TIMEOUT).text
        assert "My screen froze &lt;b&gt;?&lt;/b&gt;" in monitor
        live = admin.get(f"{lab.base_url}/admin/sessions/{lab.session_code}/monitor.json",
                         timeout=HTTP_TIMEOUT).json()
        assert [m["body"] for m in live["chat"][0]["messages"]] == ["My screen froze <b>?</b>"]
        admin_token = re.search(r'name="csrf_token" value="([^"]+)"', monitor).group(1)
        answered = admin.post(
            f"{lab.base_url}/admin/sessions/{lab.session_code}/participants/{code}/chat",
            data={"csrf_token": admin_token, "text": "Coming to you"}, timeout=HTTP_TIMEOUT,
            allow_redirects=False)
        assert answered.status_code == 303

        heard = next_message(socket)
        assert heard["type"] == "experimenter_chat"
        assert (heard["message"]["sender"], heard["message"]["body"]) == (
            "experimenter", "Coming to you")
    finally:
        socket.close()
    history = person.http.get(_chat_url(lab, code), timeout=HTTP_TIMEOUT).json()["messages"]
    assert [(m["sender"], m["body"]) for m in history] == [
        ("participant", "My screen froze <b>?</b>"), ("experimenter", "Coming to you")]
    assert person.get().kind == "page"  # chatting moved nobody
    written = write_results(lab.engine.store, lab.engine.project, tmp_path / "out",
                            [lab.session_code])
    (exported,) = [path for path in written if path.name == "experimenter_chat.csv"]
    with exported.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["participant_code"], r["sender"], r["body"]) for r in rows] == [
        (code, "participant", "My screen froze <b>?</b>"), (code, "experimenter", "Coming to you")]


@pytest.mark.parametrize(("token", "text", "error"), [
    ("forged", "hello", "security token"),
    (None, "   ", "empty chat message"),
    (None, "x" * 1001, "at most 1000 characters"),
])
def test_a_refused_message_says_why_and_keeps_nothing(lab, token, text, error):
    (code,) = lab.codes
    person = Participant(lab.base_url, code)
    page = person.get()
    real = re.search(r'data-csrf="([^"]+)"', page.html).group(1)

    refused = person.http.post(_chat_url(lab, code), data={"csrf_token": token or real,
                               "text": text}, timeout=HTTP_TIMEOUT)

    assert refused.status_code == 400 and error in refused.json()["error"]
    assert person.http.get(_chat_url(lab, code), timeout=HTTP_TIMEOUT).json() == {
        "messages": []}
