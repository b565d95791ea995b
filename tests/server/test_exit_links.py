"""Leaving with the data, over real HTTP: the end page links to the session type's exit URL with
the participant's label, completion code and chosen values URL-encoded, shows the code that is
stored for them, and refuses by name a placeholder it cannot fill."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from html import unescape
from pathlib import Path

import pytest
from browserless import Participant

from labctl.engine import Engine
from labctl.exit_links import CODE_ALPHABET, CODE_LENGTH
from labctl.project import load_project
from labctl.storage.sqlite import SqliteStore

GAME = """\
import labctl

app = labctl.App(players_per_group=1)


def creating_session(subsession):
    for player in subsession.get_players():
        player.participant.vars["treatment"] = "high & low"


class Hello(labctl.Page):
    pass


page_sequence = [Hello]
"""
PAGE = "{% block content %}{{ next_button() }}{% endblock %}"


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Callable[..., tuple[list[Participant], Path]]]:
    """``serve('exit_url="..."')``: two labelled participants of a one-page session."""
    from werkzeug.serving import make_server

    from labctl.server import create_app
    running: list = []

    def start(arguments: str) -> tuple[list[Participant], Path]:
        root = tmp_path / "project"
        sessions = ("from labctl import SessionType\n\nSESSION_TYPES = [SessionType("
                    f'name="online", app_sequence=["game"], {arguments})]\n')
        for name, text in {"sessions.py": sessions, "game/__init__.py": GAME,
                           "game/Hello.html": PAGE}.items():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            (root / name).write_text(text, encoding="utf-8")
        project = load_project(root)
        store = SqliteStore(tmp_path / "labctl.db")
        engine = Engine(project, store)
        server = make_server("127.0.0.1", 0, create_app(engine), threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        running.append((server, store, project))
        session = engine.create_session("online", 2, seed=1, labels=["5f1a/x", "p2"])
        base = f"http://127.0.0.1:{server.server_port}"
        people = [Participant(base, row["code"]) for row in engine.participant_rows(session)]
        return people, tmp_path / "labctl.db"

    yield start
    for server, store, project in running:
        server.shutdown()
        store.close()
        project.unload()


def _stored_codes(db: Path) -> list[str]:
    conn = sqlite3.connect(db)
    try:
        return [row[0] for row in conn.execute(
            "SELECT completion_code FROM participants ORDER BY id_in_session")]
    finally:
        conn.close()


def _exit_link(html: str) -> str:
    start = html.index('id="exit-link" href="') + len('id="exit-link" href="')
    return unescape(html[start:html.index('"', start)])


def test_the_end_page_links_to_the_exit_url_with_each_participants_values(serve):
    people, db = serve('exit_url="https://survey.example/s?pid={label}&cc={completion_code}'
                       '&t={treatment}"')
    first = people[0]
    assert first.submit({}).status_code == 200

    page = first.get()

    codes = _stored_codes(db)
    assert page.kind == "finished"
    assert len(set(codes)) == 2 and all(
        len(code) == CODE_LENGTH and set(code) <= set(CODE_ALPHABET) for code in codes)
    assert f'<strong id="completion-code">{codes[0]}</strong>' in page.html
    assert _exit_link(page.html) == (
        f"https://survey.example/s?pid=5f1a%2Fx&cc={codes[0]}&t=high%20%26%20low")


def test_one_completion_code_for_everyone_is_shown_and_stored(serve):
    people, db = serve('completion_code="C1A2B3", exit_url='
                       '"https://app.prolific.com/submissions/complete?cc={completion_code}"')
    people[1].submit({})

    page = people[1].get()

    assert _stored_codes(db) == ["C1A2B3", "C1A2B3"]
    assert _exit_link(page.html) == "https://app.prolific.com/submissions/complete?cc=C1A2B3"


def test_a_placeholder_nobody_set_is_named_on_the_end_page_not_sent_empty(serve):
    people, _db = serve('exit_url="https://survey.example/?pid={label}&grp={group_name}"')
    people[0].submit({})

    page = people[0].get()

    assert page.kind == "finished"  # the end is saved; only the link is missing, and says so
    assert 'id="exit-link"' not in page.html
    assert ("exit_url of session type 'online' uses {group_name}, which is not set for this "
            "participant") in unescape(page.html)
