"""oTree's template spellings served to a participant over real HTTP: they render as an oTree
user expects (a form, a button, fragments included once), and a misspelt name stops the page
loudly at its template line instead of printing nothing.

Each test writes a one-app project (one player per group, so no one waits) whose page
template is the test's, starts a lab server in a thread on 127.0.0.1 and opens the page.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from browserless import HTTP_TIMEOUT, Participant

from labctl.engine import Engine
from labctl.project import load_project
from labctl.storage.sqlite import SqliteStore

SESSIONS = """\
from labctl import SessionType

SESSION_TYPES = [SessionType(name="demo", app_sequence=["game"])]
"""
GAME = """\
import labctl
from labctl import fields

app = labctl.App(players_per_group=1)


class Player(labctl.Player):
    age = fields.Integer(min=0, max=120, label="Your age?")


class Ask(labctl.Page):
    form_fields = ["age"]


class Done(labctl.Page):
    pass


page_sequence = [Ask, Done]
"""
DONE = "{% block title %}Done{% endblock %}{% block content %}<p id='done'>Age "\
       "{{ player.age }}</p>{% endblock %}"


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Callable[..., tuple[Participant, Engine]]]:
    """``serve(ask_html, **more_files)``: the project served, and its one participant."""
    from werkzeug.serving import make_server

    from labctl.server import create_app
    running: list = []

    def start(ask: str, **files: str) -> tuple[Participant, Engine]:
        root = tmp_path / "project"
        for name, text in {"sessions.py": SESSIONS, "game/__init__.py": GAME,
                           "game/Ask.html": ask, "game/Done.html": DONE, **files}.items():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            (root / name).write_text(text, encoding="utf-8")
        project = load_project(root)
        store = SqliteStore(tmp_path / "labctl.db")
        engine = Engine(project, store)
        server = make_server("127.0.0.1", 0, create_app(engine), threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        running.append((server, store, project))
        session = engine.create_session("demo", 1, seed=1)
        code = engine.participant_rows(session)[0]["code"]
        return Participant(f"http://127.0.0.1:{server.server_port}", code), engine

    yield start
    for server, store, project in running:
        server.shutdown()
        store.close()
        project.unload()


OTREE_PAGE = """\
{{ block title }}Your age{{ endblock }}
{{ block content }}
{{ if player.round_number == 1 }}<p id="first">First round</p>{{ else }}<p>Later</p>{{ endif }}
{{ for field in form }}{{ formfield field }}{{ endfor }}
{{ next_button }}
{{ endblock }}
"""


@pytest.mark.parametrize("content", [
    OTREE_PAGE,
    OTREE_PAGE.replace("{{ for field in form }}{{ formfield field }}{{ endfor }}",
                       "{{ formfields }}"),
    OTREE_PAGE.replace("{{ for field in form }}{{ formfield field }}{{ endfor }}",
                       "{{ formfield player.age }}"),
    OTREE_PAGE.replace("{{ for field in form }}{{ formfield field }}{{ endfor }}",
                       "{{ formfield 'age' }}"),
    OTREE_PAGE.replace("{{ block title }}Your age{{ endblock }}",
                       "{% block title %}Your age{% endblock %}")
    .replace("{{ block content }}", "{% block content %}").replace("{{ endblock }}",
                                                                  "{% endblock %}")
    .replace("{{ for field in form }}{{ formfield field }}{{ endfor }}", "{{ formfields }}"),
], ids=["for-field-in-form", "formfields", "formfield-player-age", "formfield-quoted",
        "jinja-blocks-bare-formfields"])
def test_an_otree_spelt_page_shows_its_form_and_button_and_moves_on(serve, content):
    participant, _ = serve(content)
    response = participant.http.get(participant.url, timeout=HTTP_TIMEOUT)
    assert response.status_code == 200, response.text
    assert "<function" not in response.text
    assert '<p id="first">First round</p>' in response.text and "Later" not in response.text
    assert "<title>Your age</title>" in response.text
    page = participant.get()
    assert "age" in page.fields, response.text
    assert response.text.count('type="submit"') == 1
    answered = participant.submit({"age": "33"}, page)
    assert answered.status_code in (200, 303)
    assert "<p id='done'>Age 33</p>" in participant.http.get(participant.url,
                                                              timeout=HTTP_TIMEOUT).text


@pytest.mark.parametrize("content", [
    "{% load otree static %}\n" + OTREE_PAGE.replace(
        "{{ for field in form }}{{ formfield field }}{{ endfor }}",
        "{{ formfield 'age' label=\"How old are you, in years?\" }}"),
    "{{ load otree }}\n" + OTREE_PAGE.replace(
        "{{ for field in form }}{{ formfield field }}{{ endfor }}",
        "{% set d = {'name': 'age'} %}{{ formfield d.name label='How old are you, in years?' }}"),
], ids=["load-and-label", "dotted-name-and-label"])
def test_otree_formfield_with_its_own_label_and_oTree_3_load_tags_render(serve, content):
    # oTree 5 accepts these; before, labctl refused the label= and failed on the load tag
    participant, _ = serve(content)
    response = participant.http.get(participant.url, timeout=HTTP_TIMEOUT)
    assert response.status_code == 200, response.text
    assert ">How old are you, in years?</label>" in response.text
    assert "Your age?" not in response.text and "load otree" not in response.text
    page = participant.get()
    assert participant.submit({"age": "41"}, page).status_code in (200, 303)
    assert "<p id='done'>Age 41</p>" in participant.http.get(participant.url,
                                                              timeout=HTTP_TIMEOUT).text


RULES = '<p id="rules">Rules for round {{ player.round_number }}.</p>\n'


@pytest.mark.parametrize("include", [
    "{{ include_sibling 'Rules.html' }}", '{% include "Rules.html" %}',
    '{% include "game/Rules.html" %}'])
def test_an_included_fragment_is_its_text_once_inside_the_one_page(serve, include):
    participant, _ = serve("{% block title %}Ask{% endblock %}{% block content %}"
                           f"{include}{{{{ formfields() }}}}{{{{ next_button() }}}}"
                           "{% endblock %}", **{"game/Rules.html": RULES})
    response = participant.http.get(participant.url, timeout=HTTP_TIMEOUT)
    assert response.status_code == 200, response.text
    assert '<p id="rules">Rules for round 1.</p>' in response.text
    assert response.text.lower().count("<!doctype") == 1
    assert response.text.count("<form") == 1
    assert response.text.count('name="csrf_token"') == 1


@pytest.mark.parametrize("include", [
    '{{ include "global/Button.html" with text="Go on" n=player.round_number }}',
    "{%- include 'global/Button.html' with text='Go on' n=player.round_number -%}"])
def test_an_include_with_values_and_a_dotted_percent_tag_render_as_in_otree(serve, include):
    # oTree reads Django's include ... with, prints {% player.x %} like {{ player.x }} and
    # takes oTree 3's {% static 'x' %}
    participant, _ = serve("{{ block content }}\n<p id='round'>{% player.round_number %}</p>\n"
                           "<link rel='stylesheet' href=\"{% static 'look.css' %}\">\n"
                           f"{include}\n{{{{ formfields }}}}\n{{{{ endblock }}}}\n",
                           **{"game/global/Button.html":
                              "<button id='go'>{{ text }} ({{ n }})</button>",
                              "game/static/look.css": "p { color: navy }\n"})
    response = participant.http.get(participant.url, timeout=HTTP_TIMEOUT)
    assert response.status_code == 200, response.text
    assert "<p id='round'>1</p>" in response.text
    assert "<button id='go'>Go on (1)</button>" in response.text
    assert "href=\"/app-static/game/look.css" in response.text  # oTree 3's {% static %}


def test_methods_named_without_a_call_are_called_as_django_did(serve):
    # dimdub34/IM_farming: {{ for p in player.in_all_rounds }}; Django calls what it is given
    participant, _ = serve("{{ block content }}\n"
                           "{{ for p in player.in_all_rounds }}<i>round {{ p.round_number }}</i>"
                           "{{ endfor }}\n<b>{{ group.get_players|length }} of them</b>\n"
                           "{{ for key, value in participant.vars.items }}{{ key }}{{ endfor }}"
                           "\n{{ formfields }}\n{{ endblock }}\n")
    response = participant.http.get(participant.url, timeout=HTTP_TIMEOUT)
    assert response.status_code == 200, response.text
    assert "<i>round 1</i>" in response.text and "<b>1 of them</b>" in response.text


def test_a_misspelt_attribute_stops_the_page_at_its_template_line(serve):
    participant, engine = serve("{% block title %}Ask{% endblock %}\n{% block content %}\n"
                                "<p>Group {{ player.id_in_subsesion }}</p>\n"
                                "{{ formfields() }}{{ next_button() }}{% endblock %}\n")
    response = participant.http.get(participant.url, timeout=HTTP_TIMEOUT)
    assert response.status_code == 500
    assert "<p>Group </p>" not in response.text
    error = engine.store.app_error_of(participant.code)
    assert error is not None
    assert error["location"] == "game/Ask.html:3"
    assert "id_in_subsesion" in error["message"]


def test_otree_layout_and_bare_chat_serve_one_page_with_the_group_chat(serve):
    page = ('{{ extends "global/Page.html" }}\n{{ block title }}Ask{{ endblock }}\n'
            "{{ block content }}\n{{ chat }}\n{{ formfields }}{{ next_button }}\n"
            "{{ endblock }}\n")
    participant, _ = serve(page)
    response = participant.http.get(participant.url, timeout=HTTP_TIMEOUT)
    assert response.status_code == 200, response.text
    text = response.text
    assert text.lower().count("<!doctype") == 1 and "extends" not in text
    assert text.count('<div data-labctl-chat="group"></div>') == 1
    head = text[:text.index("</head>")]
    assert head.count("labctl-shared.js") == 1 and head.count("labctl-chat.js") == 1
    # the scripts it names are served (a file each: the CSP allows no inline script)
    for script in ("labctl-shared.js", "labctl-chat.js"):
        src = head.split(script)[0].rsplit('src="', 1)[1] + script
        assert participant.http.get(participant.base_url + src if src.startswith("/") else src,
                                    timeout=HTTP_TIMEOUT).status_code == 200


def test_djangos_filter_arguments_render_as_in_otree(serve):
    # oTree's templates take Django's spelling; default: also replaces None, as Django's does
    participant, _ = serve(
        "{% block title %}Ask{% endblock %}{% block content %}"
        "<p id='age'>{{ player.age|default:'not yet' }}</p>"
        "<p id='names'>{{ ['a', 'b']|join:\", \" }}</p>"
        "{{ formfields }}{{ next_button }}{% endblock %}")
    response = participant.http.get(participant.url, timeout=HTTP_TIMEOUT)
    assert response.status_code == 200, response.text
    assert "<p id='age'>not yet</p>" in response.text  # player.age is None until answered
    assert "<p id='names'>a, b</p>" in response.text


PRICE_LIST_GAME = GAME.replace(
    '    age = fields.Integer(min=0, max=120, label="Your age?")\n',
    '    age = fields.Integer(min=0, max=120, label="Your age?")\n'
    '    row_1 = fields.Text(choices=[("A", "10% of 20"), ("B", "10% of 39")], label="1")\n'
    '    row_2 = fields.Text(choices=[("A", "20% of 20"), ("B", "20% of 39")], label="2")\n'
).replace('form_fields = ["age"]', 'form_fields = ["row_1", "row_2"]')
PRICE_LIST = """\
{{ block title }}Lotteries{{ endblock }}
{{ block content }}
<table>{{ for field in form }}
  <tr><th>{{ field.label }}</th>{{ for choice in field }}
    <td>{{ choice }} {{ choice.label }}</td>{{ endfor }}</tr>
{{ endfor }}</table>
<p id="named">{{ form.row_2.label.text }}</p>
{{ next_button }}
{{ endblock }}
"""


def test_a_price_list_laid_out_from_the_forms_choices_posts_its_answers(serve):
    # oTree's radio table: each choice of each field is its own <input> and <label>
    participant, engine = serve(PRICE_LIST, **{"game/__init__.py": PRICE_LIST_GAME})
    response = participant.http.get(participant.url, timeout=HTTP_TIMEOUT)
    assert response.status_code == 200, response.text
    assert '<th><label for="id_row_1">1</label></th>' in response.text
    assert ('<td><input type="radio" name="row_2" value="B" id="id_row_2-1" required> '
            '<label for="id_row_2-1">20% of 39</label></td>') in response.text
    assert '<p id="named">2</p>' in response.text
    page = participant.get()
    assert participant.submit({"row_1": "A", "row_2": "B"}, page).status_code in (200, 303)
    rows = engine.store.db.execute("SELECT row_1, row_2 FROM game_player").fetchall()
    assert [tuple(row) for row in rows] == [("A", "B")]


def test_a_page_extending_another_page_template_keeps_the_layout(serve):
    # oTree: {% extends "game/Base.html" %} makes this page the base page with its blocks
    base = ("{% block title %}Base{% endblock %}{% block content %}<p id='base'>Base</p>"
            "{% block extra %}{% endblock %}{{ formfields() }}{{ next_button() }}"
            "{% endblock %}")
    participant, _ = serve('{% extends "game/Base.html" %}{% block title %}Ask{% endblock %}'
                           "{% block extra %}<p id='extra'>Extra</p>{% endblock %}",
                           **{"game/Base.html": base})
    response = participant.http.get(participant.url, timeout=HTTP_TIMEOUT)
    assert response.status_code == 200, response.text
    assert response.text.lower().count("<!doctype") == 1
    assert "<title>Ask</title>" in response.text
    assert "<p id='base'>Base</p><p id='extra'>Extra</p>" in response.text
    assert response.text.count('name="csrf_token"') == 1


def test_otrees_number_and_json_filters_render(serve):
    # {{ time_limit|to0 }} failed to compile when a participant opened the page
    participant, _ = serve(
        "{% block title %}Ask{% endblock %}{% block content %}"
        "<p id='r'>{{ 2.5|to0 }} {{ 0.5|to2 }} {{ 1.25|to1 }} {{ none|to2 }}</p>"
        "<p id='j' data-x='{{ {\"a\": [1, \"<b>\"]}|json }}'></p>"
        "{{ formfields() }}{{ next_button() }}{% endblock %}")
    response = participant.http.get(participant.url, timeout=HTTP_TIMEOUT)
    assert response.status_code == 200, response.text
    assert "<p id='r'>3 0.50 1.3 </p>" in response.text  # half up, as oTree rounds
    assert "data-x='{\"a\": [1, \"\\u003cb\\u003e\"]}'" in response.text


def test_otrees_currency_filter_shows_points_and_refuses_a_currency(serve, tmp_path):
    page = ("{% block title %}Ask{% endblock %}{% block content %}<p id='cu'>{{ 120|cu }}</p>"
            "{{ formfields() }}{{ next_button() }}{% endblock %}")
    points = SESSIONS.replace('app_sequence=["game"]',
                              'app_sequence=["game"], money_per_point="1"')
    participant, _ = serve(page, **{"sessions.py": points})
    response = participant.http.get(participant.url, timeout=HTTP_TIMEOUT)
    assert response.status_code == 200, response.text
    assert "<p id='cu'>120 points</p>" in response.text


def test_otrees_currency_filter_without_points_stops_the_page_at_its_line(serve):
    # without points oTree read the number in units of the currency: labctl cannot tell
    participant, engine = serve("{% block title %}Ask{% endblock %}\n{% block content %}\n"
                                "<p>{{ 120|cu }}</p>\n{{ formfields() }}{% endblock %}")
    response = participant.http.get(participant.url, timeout=HTTP_TIMEOUT)
    assert response.status_code == 500 and "<p>120" not in response.text
    error = engine.store.app_error_of(participant.code)
    assert error is not None and error["location"] == "game/Ask.html:3"
    assert ("|cu in a session type paid in a currency without points: write money(amount), "
            "the amount in minor units") in error["message"]


def test_djangos_forloop_counter_renders_as_in_otree(serve):
    participant, _ = serve(
        "{% block title %}Ask{% endblock %}{% block content %}<p id='n'>"
        "{{ for x in ['a', 'b'] }}{{ forloop.counter }}{{ x }}"
        "{{ if not forloop.last }},{{ endif }}{{ endfor }}</p>"
        "{{ formfields() }}{{ next_button() }}{% endblock %}")
    response = participant.http.get(participant.url, timeout=HTTP_TIMEOUT)
    assert response.status_code == 200, response.text
    assert "<p id='n'>1a,2b</p>" in response.text
