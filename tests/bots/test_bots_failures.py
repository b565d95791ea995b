"""``labctl test`` failing: exit 1 with one FAILED line naming the session type, participant,
app, round and page, and what went wrong (a bot's check, the app's file and line, a page the
server did not show, a page that refuses every valid answer)."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # each test runs labctl test: bots against a server process

FAILED = re.compile(r"FAILED session type (?P<session_type>\w+), participant (?P<participant>\d+)"
                    r", app (?P<app>\w+), round (?P<round>\d+), page (?P<page>\w+): "
                    r"(?P<message>.*)")


def _failed(result) -> re.Match:
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert not re.search(r"^OK ", result.output, re.M), result.output
    found = FAILED.search(result.output)
    assert found, result.output
    return found


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert text.count(old) == 1, f"{old!r} not once in {path}"
    path.write_text(text.replace(old, new))


def _role_of(export: Path, app: str, participant: str, round_number: str) -> str:
    with (export / f"{app}.csv").open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            if (row["participant.id_in_session"], row["round_number"]) == (
                    participant, round_number):
                return row["player.role"]
    raise AssertionError(f"participant {participant} not in {app}.csv round {round_number}")


@pytest.mark.parametrize(("app", "old", "new", "role", "round_number", "message"), [
    ("trust", "expected = C.ENDOWMENT - SENT + SENT_BACK",
     "expected = C.ENDOWMENT - SENT + SENT_BACK + 1", "trustor",
     "1", "trustor payoff 900, expected 901"),
    ("ultimatum", "expected = C.PIE - offer if accepted else 0",
     "expected = C.PIE - offer if accepted else self.round_number - 1", "proposer", "2",
     "proposer payoff in round 2 is 0, expected 1"),
], ids=["trust", "ultimatum-round-2"])
def test_a_wrong_expected_payoff_names_participant_app_round_page_and_check(
        cli, sample_project, tmp_path, app, old, new, role, round_number, message):
    _replace(sample_project / app / "bots.py", old, new)
    out = tmp_path / "out"
    result = cli("test", "my_session", "-n", 4, "--seed", 1, "--export", out,
                 "--project", sample_project)
    failed = _failed(result)
    assert failed.group("session_type", "app", "round", "page", "message") == (
        "my_session", app, round_number, "Results", message)
    # the participant named is one whose check failed: the trustor, or the proposer
    assert _role_of(out, app, failed.group("participant"), round_number) == role


def test_an_exception_in_a_page_hook_names_the_apps_file_and_line(cli, sample_project):
    init = sample_project / "trust" / "__init__.py"
    _replace(init, '''    @staticmethod
    def is_displayed(player):
        return player.role == "trustee"
''', '''    @staticmethod
    def is_displayed(player):
        return player.role == "trustee"

    @staticmethod
    def before_next_page(player, timed_out):
        player.participant.vars["ratio"] = player.group.sent_back_amount / 0
''')
    line = next(number for number, text in enumerate(init.read_text().splitlines(), 1)
                if "/ 0" in text)
    result = cli("test", "my_session", "--seed", 1, "--project", sample_project)
    failed = _failed(result)
    assert failed.group("app", "round", "page") == ("trust", "1", "SendBack")
    assert "the server answered 500" in failed.group("message")
    assert f"{init}:{line}" in result.output
    assert "ZeroDivisionError" in result.output
    assert "before_next_page" in result.output


QUESTIONNAIRE_BOTS = '''\
from labctl.bots import Bot

from . import Demographics, Opinions

DEMOGRAPHICS = {"age": "24", "gender": "female", "field_of_study": "Economics"}


class PlayerBot(Bot):
    def play_round(self):
        {plan}
'''


@pytest.mark.parametrize(("plan", "page", "message"), [
    ('yield Opinions, {"trust_general": "5"}', "Demographics",
     "the server shows page Demographics, but the bot yielded Opinions"),
    ('yield Demographics, DEMOGRAPHICS\n        yield Opinions, {"trust_general": "5"}\n'
     '        yield Demographics, DEMOGRAPHICS', "Opinions",
     "the bot of app questionnaire round 1 yielded page Demographics, which was not shown"),
], ids=["out-of-order", "one-too-many"])
def test_a_bot_yielding_a_page_the_server_does_not_show_fails_clearly(
        cli, small_project, sample_project, plan, page, message):
    questionnaire = sample_project / "questionnaire"
    app = {path.name: path.read_text() for path in questionnaire.iterdir() if path.is_file()}
    app["bots.py"] = QUESTIONNAIRE_BOTS.replace("{plan}", plan)
    project = small_project({"questionnaire": app}, num_participants=2)
    result = cli("test", "play", "--seed", 1, "--project", project)
    failed = _failed(result)
    assert failed.group("app", "round", "page") == ("questionnaire", "1", page)
    assert message in failed.group("message")


def test_a_trustee_bot_yielding_the_trustors_page_fails_clearly(cli, sample_project):
    _replace(sample_project / "trust" / "bots.py",
             'yield SendBack, {"sent_back_amount": typed(SENT_BACK)}',
             'yield Send, {"sent_amount": typed(SENT_BACK)}')
    result = cli("test", "my_session", "--seed", 1, "--project", sample_project)
    failed = _failed(result)
    assert failed.group("app", "page") == ("trust", "SendBack")
    assert "the server shows page SendBack, but the bot yielded Send" in result.output


def test_automatic_bots_give_up_on_a_page_that_refuses_everything(cli, small_project):
    project = small_project({"never": {
        "__init__.py": '''\
            import labctl
            from labctl import fields

            app = labctl.App(players_per_group=None, num_rounds=1)


            class Player(labctl.Player):
                number = fields.Integer(min=0, max=10)


            class Ask(labctl.Page):
                form_fields = ["number"]

                @staticmethod
                def error_message(player, values):
                    return "No answer is ever right here."


            page_sequence = [Ask]
            ''',
        "Ask.html": "{% block title %}Ask{% endblock %}\n"
                    "{% block content %}{{ formfields() }}{{ next_button() }}{% endblock %}\n",
    }}, num_participants=1)
    result = cli("test", "play", "--seed", 1, "--project", project)
    failed = _failed(result)
    assert failed.group("app", "page") == ("never", "Ask")
    assert "refused 20 forms of valid random values" in failed.group("message")
    assert "No answer is ever right here." in failed.group("message")
    assert "write a bots.py (or oTree's tests.py) for app never" in failed.group("message")

