"""An oTree live page whose buttons have inline handlers (``onclick="liveSend(...)"``, as
oTree's snippets write them), imported with ``labctl import otree``: in Chromium the moved
handlers run under the page's Content-Security-Policy, send the live message, and cancel what
``return false`` cancels, with no script error or CSP violation."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_import_otree import imported, write

pytestmark = pytest.mark.slow  # headless Chromium against labctl run in its own process

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips with the reason (or fails under CI)
    expect = None

SETTINGS = """
SESSION_CONFIGS = [dict(name='clicks', num_demo_participants=1, app_sequence=['clicks'])]
SESSION_CONFIG_DEFAULTS = dict(real_world_currency_per_point=1.00, participation_fee=0.00,
                               doc="")
"""
CLICKS = """
from otree.api import *


class C(BaseConstants):
    NAME_IN_URL = 'clicks'
    PLAYERS_PER_GROUP = None
    NUM_ROUNDS = 1


class Subsession(BaseSubsession):
    pass


class Group(BaseGroup):
    pass


class Player(BasePlayer):
    clicks = models.IntegerField(initial=0)


class MyPage(Page):
    @staticmethod
    def live_method(player, data):
        player.clicks += 1
        return {player.id_in_group: player.clicks}


page_sequence = [MyPage]
"""
MY_PAGE = """
{{ block content }}
<p>Clicks: <span id="count">0</span></p>
<button type="button" id="click" onclick="liveSend('clicked')">Click me</button>
<a id="link" href="#away"
   onclick="document.getElementById('count').dataset.link = 'yes'; return false;">A link</a>
{{ next_button }}
{{ endblock }}

{{ block scripts }}
<script>
  function liveRecv(count) { document.getElementById('count').textContent = count; }
</script>
{{ endblock }}
"""


def test_imported_inline_handlers_run_under_the_csp(tmp_path: Path, lab_process, open_page):
    source = write(tmp_path / "otree_src", {"settings.py": SETTINGS,
                                             "clicks/__init__.py": CLICKS,
                                             "clicks/MyPage.html": MY_PAGE})
    dest, _ = imported(tmp_path, source)
    lab = lab_process(dest, "clicks", "-n", "1")
    page, problems = open_page()
    page.goto(f"{lab.base_url}/p/{lab.codes[0]}/")
    page.click("#click")
    expect(page.locator("#count")).to_have_text("1")
    page.click("#click")
    expect(page.locator("#count")).to_have_text("2")
    page.click("#link")  # return false: the link is not followed
    expect(page.locator("#count")).to_have_attribute("data-link", "yes")
    assert not page.url.endswith("#away")
    assert problems.all() == []
