"""Forms written by hand, over real HTTP: a refused answer comes back with its message and the
value typed (``field_error``, ``field_value``), a field's choices loop in the template
(``choices``), an earlier answer is shown again read-only (``readonly_field``), and an untouched
slider is refused by the server too."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from html import unescape
from pathlib import Path

import pytest
from browserless import Participant

from labctl.engine import Engine
from labctl.project import load_project
from labctl.storage.sqlite import SqliteStore

SESSIONS = """\
from labctl import SessionType

SESSION_TYPES = [SessionType(name="quiz", app_sequence=["quiz"])]
"""
QUIZ = """\
import labctl
from labctl import fields

app = labctl.App(players_per_group=None)


class Player(labctl.Player):
    age = fields.Integer(min=16, max=99, label="Age")
    color = fields.Text(choices=[("r", "Red <warm>"), ("b", "Blue")], label="Colour")
    liking = fields.Integer(min=0, max=10, widget="slider", label="Liking")


class Ask(labctl.Page):
    form_fields = ["age", "color", "liking"]


class Explain(labctl.Page):
    pass


page_sequence = [Ask, Explain]
"""
ASK = """\
{% block content %}
<input name="age" id="age" value="{{ field_value('age') }}">
<span id="age-error">{{ field_error('age') }}</span>
{% for value, label in choices('color') %}
<label><input type="radio" name="color" value="{{ value }}" id="color-{{ value }}"
  {%- if field_value('color') == value %} checked{% endif %}>{{ label }}</label>
{% endfor %}
<span id="color-error">{{ field_error('color') }}</span>
{{ formfield('liking') }}
{{ next_button() }}
{% endblock %}
"""
EXPLAIN = """\
{% block content %}<div id="again">{{ readonly_field('color') }}</div>{{ next_button() }}
{% endblock %}
"""


@pytest.fixture
def participant(tmp_path: Path) -> Iterator[Participant]:
    from werkzeug.serving import make_server

    from labctl.server import create_app

    root = tmp_path / "project"
    for name, text in {"sessions.py": SESSIONS, "quiz/__init__.py": QUIZ,
                       "quiz/Ask.html": ASK, "quiz/Explain.html": EXPLAIN}.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    project = load_project(root)
    store = SqliteStore(tmp_path / "labctl.db")
    engine = Engine(project, store)
    server = make_server("127.0.0.1", 0, create_app(engine), threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    session = engine.create_session("quiz", 1, seed=1)
    yield Participant(f"http://127.0.0.1:{server.server_port}",
                      engine.participant_rows(session)[0]["code"])
    server.shutdown()
    store.close()
    project.unload()


def _between(html: str, start: str, end: str) -> str:
    at = html.index(start) + len(start)
    return unescape(html[at:html.index(end, at)])


def test_a_hand_written_form_keeps_values_and_shows_each_fields_message(participant):
    page = participant.get()
    assert _between(page.html, '<input name="age"', ">").endswith('value=""')
    assert "Red <warm>" in unescape(page.html)  # the choices' labels, escaped once

    refused = participant.submit({"age": "200", "color": "b"}, page)

    html = refused.text
    assert refused.status_code == 422  # refused: the same page again, with messages
    assert 'value="200"' in _between(html, '<input name="age"', ">")
    assert "at most 99" in _between(html, '<span id="age-error">', "</span>")
    assert " checked" in _between(html, 'id="color-b"', ">")
    assert " checked" not in _between(html, 'id="color-r"', ">")
    assert _between(html, '<span id="color-error">', "</span>") == ""
    assert "Please move the slider to give your answer." in unescape(html)


def test_an_earlier_answer_is_shown_again_read_only(participant):
    page = participant.get()
    assert participant.submit({"age": "30", "color": "r", "liking": "7"}, page
                              ).status_code == 200

    again = _between(participant.get().html, '<div id="again">', "</fieldset>")

    chosen = _between(again, 'value="r"', ">")
    assert " checked" in chosen and " disabled" in chosen
    assert " disabled" in _between(again, 'value="b"', ">") and "required" not in again
