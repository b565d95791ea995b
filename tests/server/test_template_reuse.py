"""Reusing templates, over real HTTP: a page shows a template of the project's ``_templates/``
folder or of another app (oTree's pattern), and a name that leaves those folders is refused."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from browserless import Participant

from labctl.engine import Engine
from labctl.project import load_project
from labctl.storage.sqlite import SqliteStore
from labctl.validation import validate_project

SESSIONS = """\
from labctl import SessionType

SESSION_TYPES = [SessionType(name="demo", app_sequence=["intro", "game"])]
"""
INTRO = """\
import labctl

app = labctl.App(players_per_group=None)


class Consent(labctl.Page):
    template_name = "_templates/Consent.html"


class Thanks(labctl.Page):
    pass


page_sequence = [Consent, Thanks]
"""
GAME = """\
import labctl

app = labctl.App(players_per_group=None)


class Goodbye(labctl.Page):
    template_name = "TEMPLATE"


page_sequence = [Goodbye]
"""
FILES = {
    "sessions.py": SESSIONS, "intro/__init__.py": INTRO,
    "_templates/Consent.html": "{% block title %}Consent{% endblock %}{% block content %}"
                               "<p id='shared'>Shared in {{ player.round_number }}</p>"
                               "{{ next_button() }}{% endblock %}",
    "intro/Thanks.html": "{% block title %}Thanks{% endblock %}{% block content %}"
                         "<p id='thanks'>Thanks from intro</p>{{ next_button() }}{% endblock %}",
}


@pytest.fixture
def project_with(tmp_path: Path) -> Callable[[str], Path]:
    def make(template: str) -> Path:
        root = tmp_path / "project"
        for name, text in {**FILES, "game/__init__.py": GAME.replace("TEMPLATE", template)
                           }.items():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            (root / name).write_text(text, encoding="utf-8")
        return root

    return make


@pytest.fixture
def serve() -> Iterator[Callable[[Path], Participant]]:
    from werkzeug.serving import make_server

    from labctl.server import create_app
    running: list = []

    def start(root: Path) -> Participant:
        project = load_project(root)
        assert validate_project(project) == []
        store = SqliteStore(root / "labctl.db")
        engine = Engine(project, store)
        server = make_server("127.0.0.1", 0, create_app(engine), threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        running.append((server, store, project))
        session = engine.create_session("demo", 1, seed=1)
        return Participant(f"http://127.0.0.1:{server.server_port}",
                           engine.participant_rows(session)[0]["code"])

    yield start
    for server, store, project in running:
        server.shutdown()
        store.close()
        project.unload()


def test_pages_show_a_shared_template_and_another_apps_template(project_with, serve):
    person = serve(project_with("intro/Thanks.html"))

    first = person.get()
    assert first.title == "Consent" and "<p id='shared'>Shared in 1</p>" in first.html
    person.submit({}, first)
    assert person.get().title == "Thanks"
    person.submit({})

    reused = person.get()  # game's Goodbye page with intro's template
    assert reused.title == "Thanks" and "Thanks from intro" in reused.html
    assert person.position()["page"] == "Goodbye"


@pytest.mark.parametrize(("template", "message"), [
    ("_templates/../../secret.html", "points outside the app folder"),
    ("intro/../../secret.html", "points outside the app folder"),
    ("_templates/Missing.html", "has no template"),
])
def test_a_template_name_that_leaves_the_shared_folders_is_refused(project_with, template,
                                                                   message):
    root = project_with(template)
    (root.parent / "secret.html").write_text("secret", encoding="utf-8")
    project = load_project(root)
    try:
        found = [p for p in validate_project(project) if p.code == "LC133"]
    finally:
        project.unload()

    assert len(found) == 1 and message in found[0].message
