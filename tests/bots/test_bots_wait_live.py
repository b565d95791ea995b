"""``labctl test`` on an app with a live wait page: bots wait on it as on any wait page (a
bot's code runs on pages, so its ``live_method`` is left to the page's script, which
``labctl test --browsers`` runs) and are released together."""

from __future__ import annotations

import re

import pytest
from live_lobby import lobby_project

pytestmark = pytest.mark.slow  # labctl test: bots against a server process

BOTS = '''
from labctl.bots import Bot, expect

from . import Intro, Results


class PlayerBot(Bot):
    def play_round(self):
        expect(self.live({}), [{"intro": self.player.id_in_group}])
        yield Intro, {"note": "ready"}
        expect(self.player.group.waves, 0)
        yield Results
'''


def test_bots_wait_through_a_live_wait_page_and_are_released(cli, tmp_path):
    project = lobby_project(tmp_path / "project", {"lobby/bots.py": BOTS})

    result = cli("test", "lobby", "-n", 6, "--project", project)

    assert result.exit_code == 0, result.output
    assert re.search(r"^OK 6 bots played lobby", result.output, re.M), result.output
