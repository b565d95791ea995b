"""An app's own script, stylesheet and image in Chromium under labctl's strict CSP, with the
page's js_vars read by the app's script as oTree code reads them (``js_vars.x``)."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # headless Chromium against labctl run in its own process

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips with the reason (or fails under CI)
    expect = None

#: a 1x1 PNG, so that the image's natural width proves it loaded
PIXEL = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEh"
                         "QGAhKmMIQAAAABJRU5ErkJggg==")
APP_INIT = '''\
import labctl
from labctl import fields

app = labctl.App(players_per_group=1)


class Player(labctl.Player):
    age = fields.Integer(min=0, max=120)


class Look(labctl.Page):
    form_fields = ["age"]

    @staticmethod
    def js_vars(player):
        return {"greeting": "</script>hi\\u2028", "id": player.id_in_group}


page_sequence = [Look]
'''
LOOK_HTML = """{% block title %}Look{% endblock %}
{% block scripts %}<script src="{{ static('look.js') }}" defer></script>{% endblock %}
{% block styles %}<link rel="stylesheet" href="{{ static('look.css') }}">{% endblock %}
{% block content %}<p id="out">nothing yet</p>
<img id="pixel" alt="" src="{{ static('img/pixel.png') }}">
{{ formfields() }}{{ next_button() }}{% endblock %}
"""
LOOK_JS = """document.getElementById("out").textContent =
  js_vars.greeting + "|" + window.labctl.js_vars.id;
"""


@pytest.fixture
def lab(tmp_path: Path, lab_process):
    app = tmp_path / "project" / "look"
    (app / "static" / "img").mkdir(parents=True)
    (tmp_path / "project" / "sessions.py").write_text(
        "from labctl import SessionType\n\nSESSION_TYPES = [SessionType(name='demo', "
        "app_sequence=['look'], num_participants=1)]\n")
    (app / "__init__.py").write_text(APP_INIT)
    (app / "Look.html").write_text(LOOK_HTML)
    (app / "static" / "look.js").write_text(LOOK_JS)
    (app / "static" / "look.css").write_text("#out { color: rgb(1, 2, 3); }\n")
    (app / "static" / "img" / "pixel.png").write_bytes(PIXEL)
    return lab_process(tmp_path / "project", "demo", "-n", "1")


def test_an_apps_script_reads_js_vars_and_its_files_load(lab, open_page):
    page, problems = open_page()
    page.goto(f"{lab.base_url}/p/{lab.codes[0]}/")

    expect(page.locator("#out")).to_have_text("</script>hi\u2028|1")
    assert page.eval_on_selector("#out", "e => getComputedStyle(e).color") == "rgb(1, 2, 3)"
    assert page.eval_on_selector("#pixel", "e => e.complete && e.naturalWidth") == 1
    assert problems.all() == []
