"""An oTree page whose inline script prints template values (``const n = {{ C.ROWS }};``,
``"{{ static 'x.png' }}"``, a JSON text from ``vars_for_template``), imported with ``labctl
import otree``: in Chromium the moved script reads the same values from the page's JSON data
block, under the Content-Security-Policy, with no script error or CSP violation; a value that
is not JSON stops the script with an error naming its tag. An inline handler printing values
(in a loop, ``onclick="pick('{{ n }}')"``) reads them from its own element."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.test_import_otree import imported, write

pytestmark = pytest.mark.slow  # headless Chromium against labctl run in its own process

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips with the reason (or fails under CI)
    expect = None

SETTINGS = """
SESSION_CONFIGS = [dict(name='rows', num_demo_participants=1, app_sequence=['rows'])]
SESSION_CONFIG_DEFAULTS = dict(real_world_currency_per_point=1.00, participation_fee=0.00,
                               doc="")
"""
ROWS = """
import json

from otree.api import *


class C(BaseConstants):
    NAME_IN_URL = 'rows'
    PLAYERS_PER_GROUP = None
    NUM_ROUNDS = 1
    ROWS = 3
    CHOICES = [1, 2]


class Subsession(BaseSubsession):
    pass


class Group(BaseGroup):
    pass


class Player(BasePlayer):
    pass


class Show(Page):
    @staticmethod
    def vars_for_template(player):
        return dict(people=json.dumps([{'name': "O'Neil & co"}]), flag=True)


page_sequence = [Show]
"""
SHOW = """
{{ block content }}
<p id="rows"></p><p id="icon"></p><p id="name"></p><p id="who"></p>
{{ for n in C.CHOICES }}
<button type="button" id="b{{ n }}"
        onclick="document.getElementById('who').dataset.clicked = '{{ n }}' + {{ n }}">
  {{ n }}</button>
{{ endfor }}
{{ next_button }}
{{ endblock }}

{{ block scripts }}
<script>
  const rows = {{ C.ROWS }};  // a number, read as one
  const people = {{ people }};
  document.getElementById('rows').textContent = rows + 1;
  document.getElementById('icon').textContent = "{{ static 'rows/icon.png' }}";
  document.getElementById('name').textContent = people[0].name;
  document.getElementById('who').textContent = `player {{ player.id_in_group }}`;
</script>
<script>
  const flag = {{ flag }};
</script>
{{ endblock }}
"""


def test_values_an_imported_inline_script_printed_reach_its_file(tmp_path: Path, lab_process,
                                                                 open_page):
    source = write(tmp_path / "otree_src", {"settings.py": SETTINGS, "rows/__init__.py": ROWS,
                                             "rows/Show.html": SHOW,
                                             "rows/static/rows/icon.png": "png"})
    dest, output = imported(tmp_path, source)
    assert "the 4 template value(s) it printed are printed into #labctl-values-Show_1" in output
    lab = lab_process(dest, "rows", "-n", "1")
    page, problems = open_page()
    page.goto(f"{lab.base_url}/p/{lab.codes[0]}/")
    expect(page.locator("#rows")).to_have_text("4")
    expect(page.locator("#icon")).to_have_text(re.compile(r"^/app-static/rows/rows/icon\.png"))
    expect(page.locator("#name")).to_have_text("O'Neil & co")
    expect(page.locator("#who")).to_have_text("player 1")
    page.click("#b2")  # a handler a loop repeats reads its own element's values
    expect(page.locator("#who")).to_have_attribute("data-clicked", "22")
    errors = [problem for problem in problems.all()]
    assert len(errors) == 1 and "{{ flag }} printed \"True\", which this script cannot read" \
        in str(errors[0]), errors
