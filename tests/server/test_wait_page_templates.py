"""Wait pages a researcher shapes, over real HTTP: their own template (title, body, a custom
visual) with ``vars_for_template`` and ``js_vars``, still moved on by labctl's wait-page script;
a wait page without its own file keeps ``title_text`` and ``body_text``."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from browserless import Participant

from labctl.engine import Engine
from labctl.project import load_project
from labctl.storage.sqlite import SqliteStore

SESSIONS = """\
from labctl import SessionType

SESSION_TYPES = [SessionType(name="demo", app_sequence=["game"], num_participants=2)]
"""
GAME = """\
import labctl

app = labctl.App(players_per_group=2)


class Ready(labctl.Page):
    pass


class Hold(labctl.WaitPage):
    title_text = "Hold on"
    body_text = "The default words."

    @staticmethod
    def vars_for_template(player):
        return {"position": player.id_in_group, "others": ["<b>", "x"]}

    @staticmethod
    def js_vars(player):
        return {"position": player.id_in_group}


class Done(labctl.Page):
    pass


page_sequence = [Ready, Hold, Done]
"""
HOLD = """\
{% block title %}Waiting, player {{ position }}{% endblock %}
{% block content %}
<p id="custom">You are number {{ position }}; {{ others | join(", ") }}</p>
<svg id="visual" width="10" height="10"></svg>
{% endblock %}
"""
PAGE = "{% block content %}{{ next_button() }}{% endblock %}"


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Callable[..., list[Participant]]]:
    """``serve(**files)``: the project served, and its two participants."""
    from werkzeug.serving import make_server

    from labctl.server import create_app
    running: list = []

    def start(**files: str) -> list[Participant]:
        root = tmp_path / "project"
        for name, text in {"sessions.py": SESSIONS, "game/__init__.py": GAME,
                           "game/Ready.html": PAGE, "game/Done.html": PAGE, **files}.items():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            (root / name).write_text(text, encoding="utf-8")
        project = load_project(root)
        store = SqliteStore(tmp_path / "labctl.db")
        engine = Engine(project, store)
        server = make_server("127.0.0.1", 0, create_app(engine), threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        running.append((server, store, project))
        session = engine.create_session("demo", 2, seed=1)
        base = f"http://127.0.0.1:{server.server_port}"
        return [Participant(base, row["code"]) for row in engine.participant_rows(session)]

    yield start
    for server, store, project in running:
        server.shutdown()
        store.close()
        project.unload()


def test_a_wait_page_with_its_own_template_shows_it_and_still_moves_on(serve):
    first, second = serve(**{"game/Hold.html": HOLD})
    assert first.submit({}).status_code == 200

    page = first.get()

    assert page.kind == "wait", page.html[:300]
    assert page.title == "Waiting, player 1"
    assert '<p id="custom">You are number 1; &lt;b&gt;, x</p>' in page.html
    assert '<svg id="visual"' in page.html and 'id="wait-page"' in page.html
    assert "The default words." not in page.html
    start = page.html.index('id="labctl-js-vars">') + len('id="labctl-js-vars">')
    assert json.loads(page.html[start:page.html.index("</script>", start)]) == {"position": 1}

    assert second.submit({}).status_code == 200
    assert first.get().kind == "page" and first.position()["page"] == "Done"


def test_a_wait_page_without_its_own_file_shows_its_title_and_body_text(serve):
    first, _second = serve()
    first.submit({})

    page = first.get()

    assert page.kind == "wait" and page.title == "Hold on"
    assert "The default words." in page.html and 'id="custom"' not in page.html
