"""``labctl test`` on a live page: a bot sends through the real live socket with
``self.live(data)`` and gets what its player received in answer, then submits; automatic bots
fill a live page's form; a live message the server refuses fails the bot by name."""

from __future__ import annotations

import csv
import json
import re

import pytest
from live_counter import counter_project

pytestmark = pytest.mark.slow  # each test runs labctl test: bots against a server process

BOTS = '''
from labctl.bots import Bot, expect

from . import Count, Results


class PlayerBot(Bot):
    def play_round(self):
        replies = self.live({"kind": "click"})
        expect(len(replies), 1)
        expect(replies[0]["by"], self.player.id_in_group)
        expect(replies[0] in self.live_messages, "the reply is among the messages received")
        state = self.live({})
        expect(state, [{"total": state[0]["total"], "clicks": 1}])
        expect(self.live({"kind": "whisper", "to": 4}), [])
        yield Count, {"note": "clicked"}
        expect(self.player.clicks, 1)
        yield Results
'''


def test_bots_click_through_the_live_socket_and_the_export_has_every_message(cli, tmp_path):
    project = counter_project(tmp_path / "project", {"counter/bots.py": BOTS})
    project.joinpath("counter", "__init__.py").write_text(
        project.joinpath("counter", "__init__.py").read_text().replace(
            "return {data[\"to\"]: {\"from\": player.id_in_group}}",
            "return {data[\"to\"]: {\"from\": player.id_in_group}} if data[\"to\"] < 4 "
            "else None"))
    out = tmp_path / "out"

    result = cli("test", "counter", "-n", 6, "--seed", 1, "--export", out, "--project", project)

    assert result.exit_code == 0, result.output
    assert re.search(r"^OK 6 bots played counter", result.output, re.M), result.output
    with (out / "live_messages.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    sent = [json.loads(r["payload"]) for r in rows if r["direction"] == "in"]
    assert sorted(map(json.dumps, sent)) == sorted(
        [json.dumps({"kind": "click"}), json.dumps({}), json.dumps({"kind": "whisper", "to": 4})]
        * 6)
    with (out / "counter.csv").open(encoding="utf-8-sig", newline="") as handle:
        assert {row["group.total"] for row in csv.DictReader(handle)} == {"3"}


def test_automatic_bots_fill_a_live_pages_form(cli, tmp_path):
    project = counter_project(tmp_path / "project")

    result = cli("test", "counter", "-n", 3, "--project", project)

    assert result.exit_code == 0, result.output


def test_a_refused_live_message_fails_the_bot_with_the_servers_message(cli, tmp_path):
    bots = BOTS.replace('replies = self.live({"kind": "click"})',
                        'replies = self.live({"kind": "boom"})')
    project = counter_project(tmp_path / "project", {"counter/bots.py": bots})

    result = cli("test", "counter", "-n", 3, "--project", project)

    assert result.exit_code == 1, result.output
    assert "app counter, round 1, page Count: live message {'kind': 'boom'} refused: the " \
           "experiment's code failed" in result.output, result.output
    assert re.search(r"counter/__init__\.py:33: live_method of counter, page Count raised "
                     r"RuntimeError: the counter broke", result.output), result.output
    assert "Traceback" not in result.output
