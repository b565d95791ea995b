"""oTree's bot idioms under ``labctl test``: the code after ``yield Page`` runs on the next page
(past the wait page, with ``self.html`` that page), ``cases`` play the session once per case,
and ``SubmissionMustFail`` expects a refusal."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # each test runs labctl test: bots against a server process

#: two players each type a number; the wait page adds them up; Results shows the total
PAIR = {
    "__init__.py": '''\
        import labctl
        from labctl import fields

        app = labctl.App(players_per_group=2, num_rounds=1)


        class Player(labctl.Player):
            number = fields.Integer(min=0, max=10, label="A number")
            note = fields.Text(required=False, label="A note")


        class Decide(labctl.Page):
            form_fields = ["number", "note"]


        class ResultsWait(labctl.WaitPage):
            @staticmethod
            def after_all_players_arrive(group):
                total = sum(p.number for p in group.get_players())
                for p in group.get_players():
                    p.payoff = total


        class Results(labctl.Page):
            @staticmethod
            def vars_for_template(player):
                return {"total": player.payoff}


        page_sequence = [Decide, ResultsWait, Results]
        ''',
    "Decide.html": '''\
        {% block content %}{{ formfields() }}{{ next_button() }}{% endblock %}
        ''',
    "Results.html": '''\
        {% block content %}<p id="total">Total: {{ total }}</p>{{ next_button() }}{% endblock %}
        ''',
}


def _pair(small_project, bots: str, name: str = "small") -> Path:
    return small_project({"pair": {**PAIR, "bots.py": bots}}, num_participants=2, name=name)


def test_code_after_yield_runs_on_the_results_page_past_the_wait_page(cli, small_project):
    # the first of the two to submit lands on the wait page: today its check ran there
    project = _pair(small_project, '''\
        from labctl.bots import Bot, expect

        from . import Decide, Results


        class PlayerBot(Bot):
            def play_round(self):
                yield Decide, {"number": str(self.player.id_in_group)}
                expect("Total: 3" in self.html, "after Decide the bot is not on Results: "
                       + self.html[:200])
                expect(self.player.payoff == 3, f"payoff {self.player.payoff}, not 3")
                yield Results
        ''')
    result = cli("test", "play", "--seed", 1, "--project", project)
    assert result.exit_code == 0, result.output
    assert "OK 2 bots played play" in result.output


MUST_FAIL = '''\
    from labctl.bots import Bot, SubmissionMustFail

    from . import Decide, Results


    class PlayerBot(Bot):
        def play_round(self):
            yield SubmissionMustFail(Decide, {"number": "NUMBER"})
            yield Decide, {"number": "5"}
            yield Results
    '''


def test_submission_must_fail_passes_when_the_server_refuses(cli, small_project):
    project = _pair(small_project, MUST_FAIL.replace("NUMBER", "11"))
    result = cli("test", "play", "--seed", 1, "--project", project)
    assert result.exit_code == 0, result.output


def test_submission_must_fail_fails_the_bot_when_the_server_accepts(cli, small_project):
    project = _pair(small_project, MUST_FAIL.replace("NUMBER", "4"))
    result = cli("test", "play", "--seed", 1, "--project", project)
    assert result.exit_code == 1, result.output
    assert ("app pair, round 1, page Decide: submitting {'number': '4'} should have been "
            "refused, but it was accepted") in result.output


CASES = '''\
    from labctl.bots import Bot, expect

    from . import Decide, Results

    NUMBERS = {"low": "0", "high": "10"}


    class PlayerBot(Bot):
        cases = ["low", "high"]

        def play_round(self):
            yield Decide, {"number": NUMBERS[self.case], "note": self.case}
            CHECK
            yield Results
    '''


def _exported(out: Path) -> list[tuple[str, str]]:
    with (out / "pair.csv").open(encoding="utf-8-sig", newline="") as handle:
        return sorted((row["player.number"], row["player.note"]) for row in csv.DictReader(handle))


def test_cases_play_the_session_once_per_case_each_with_its_case(cli, small_project, tmp_path):
    project = _pair(small_project, CASES.replace("CHECK", "pass"))
    out = tmp_path / "out"
    result = cli("test", "play", "--seed", 1, "--export", out, "--project", project)
    assert result.exit_code == 0, result.output
    assert "OK 4 bots played play" in result.output
    assert _exported(out / "case_1") == [("0", "low"), ("0", "low")]
    assert _exported(out / "case_2") == [("10", "high"), ("10", "high")]


def test_a_failure_in_one_case_names_the_case(cli, small_project):
    project = _pair(small_project, CASES.replace(
        "CHECK", 'expect(self.player.payoff < 20, f"case {self.case}: payoff too high")'))
    result = cli("test", "play", "--seed", 1, "--project", project)
    assert result.exit_code == 1, result.output
    assert "FAILED session type play, case 2 ('high'), participant" in result.output
    assert "case high: payoff too high" in result.output


def test_an_otree_apps_tests_py_plays_with_otrees_expect(cli, small_project):
    """oTree keeps an app's bots in ``tests.py`` and compares with ``expect(actual,
    expected)`` and ``expect(a, "in", b)``; such a bot runs as written (imports aside), and a
    comparison that does not hold fails the run instead of passing."""
    bots = '''\
        from labctl.bots import Bot, expect

        from . import Decide, Results


        class PlayerBot(Bot):
            def play_round(self):
                expect(self.subsession.round_number, self.round_number)  # as oTree's bots
                yield Decide, {"number": str(self.player.id_in_group)}
                expect(self.player.payoff, 3)
                expect("Total: 3", "in", self.html)
                yield Results
        '''
    project = small_project({"pair": {**PAIR, "tests.py": bots}}, num_participants=2,
                            name="small")
    result = cli("test", "play", "--seed", 1, "--project", project)
    assert result.exit_code == 0, result.output
    assert "OK 2 bots played play" in result.output

    (project / "pair" / "tests.py").write_text(
        (project / "pair" / "tests.py").read_text().replace("payoff, 3", "payoff, 0"))
    failed = cli("test", "play", "--seed", 1, "--project", project)
    assert failed.exit_code == 1
    assert "expected 0, found 3" in failed.output


def test_a_failing_case_that_is_a_dict_is_named_by_its_repr(cli, small_project):
    """oTree's sample games write cases as dicts ({'offer': 5, ...}): naming such a case in a
    failure report had raised TypeError (a dict cannot be a key) instead of the failure."""
    bots = CASES.replace('cases = ["low", "high"]', 'cases = [{"n": "low"}, {"n": "high"}]') \
        .replace("NUMBERS[self.case]", 'NUMBERS[self.case["n"]]') \
        .replace('"note": self.case', '"note": self.case["n"]')
    project = _pair(small_project, bots.replace(
        "CHECK", 'expect(self.player.payoff < 20, "payoff too high")'))
    result = cli("test", "play", "--seed", 1, "--project", project)
    assert result.exit_code == 1, result.output
    assert "TypeError" not in result.output
    assert "FAILED session type play, case 2 ({'n': 'high'}), participant" in result.output


def test_what_a_bot_sets_on_its_records_is_saved_as_in_otree(cli, small_project):
    # oTree's bots run on the database's objects: labs' tests.py set session.vars to steer
    # the app (a forced treatment, a paying round) and fields to set up a case
    app = dict(PAIR)
    app["__init__.py"] = PAIR["__init__.py"].replace(
        "p.payoff = total", "p.payoff = total + group.session.vars.get('bonus', 0)").replace(
        'label="A note")\n',
        'label="A note")\n            picked = fields.Integer(required=False)\n')
    project = small_project({"pair": {**app, "bots.py": '''\
        from labctl.bots import Bot, expect

        from . import Decide, Results


        class PlayerBot(Bot):
            def play_round(self):
                self.session.vars["bonus"] = 5
                self.participant.vars["seen"] = self.player.id_in_group
                for member in self.group.get_players():  # reached through the group
                    member.picked = 7 * member.id_in_group
                yield Decide, {"number": str(self.player.id_in_group)}
                expect(self.player.payoff == 8, f"payoff {self.player.payoff}, not 3 + 5")
                expect(self.participant.vars["seen"] == self.player.id_in_group, "vars lost")
                expect(self.player.picked == 7 * self.player.id_in_group,
                       f"picked is {self.player.picked!r}")
                yield Results
        '''}}, num_participants=2, name="small")
    result = cli("test", "play", "--seed", 1, "--project", project)
    assert result.exit_code == 0, result.output
    assert "OK 2 bots played play" in result.output


def test_a_bot_setting_a_value_its_field_cannot_hold_fails_naming_it(cli, small_project):
    project = _pair(small_project, '''\
        from labctl.bots import Bot

        from . import Decide


        class PlayerBot(Bot):
            def play_round(self):
                self.player.number = "many"
                yield Decide, {"number": "1"}
        ''')
    result = cli("test", "play", "--seed", 1, "--project", project)
    assert result.exit_code == 1
    assert "number: Please enter a whole number." in result.output


def test_a_bot_that_replaces_an_app_function_is_refused_by_name(cli, small_project):
    # oTree's bots shared the server's process, so APP.f = ... changed what the app ran;
    # labctl's server runs the app in its own process and would silently keep the original
    app = dict(PAIR)
    app["__init__.py"] = PAIR["__init__.py"].replace(
        "p.payoff = total", "p.payoff = total + bonus()").replace(
        "        class Decide(labctl.Page):",
        "        def bonus():\n            return 0\n\n\n        class Decide(labctl.Page):")
    project = small_project({"pair": {**app, "bots.py": '''\
        import sys

        from labctl.bots import Bot

        from . import Decide

        APP = sys.modules[__package__]


        class PlayerBot(Bot):
            def play_round(self):
                APP.bonus = lambda: 5
                yield Decide, {"number": "1"}
        '''}}, num_participants=2, name="small")
    result = cli("test", "play", "--seed", 1, "--project", project)
    assert result.exit_code == 1, result.output
    assert "the bot replaced pair.bonus: the app runs in the server's own process" in " ".join(
        result.output.split())


def test_a_bot_submission_can_time_out_as_in_otree(cli, small_project):
    # oTree's Submission(Page, timeout_happened=True): the page submits as its timer would
    app = dict(PAIR)
    app["__init__.py"] = PAIR["__init__.py"].replace(
        '            form_fields = ["number", "note"]\n',
        '            form_fields = ["number", "note"]\n'
        '            timeout_seconds = 60\n'
        '            timeout_submission = {"number": 7}\n\n'
        '            @staticmethod\n'
        '            def before_next_page(player, timed_out):\n'
        '                player.note = f"timed out: {timed_out}"\n')
    project = small_project({"pair": {**app, "bots.py": '''\
        from labctl.bots import Bot, Submission, expect

        from . import Decide, Results


        class PlayerBot(Bot):
            def play_round(self):
                yield Submission(Decide, timeout_happened=True)
                expect(self.player.number, 7)
                expect(self.player.note, "timed out: True")
                yield Results
        '''}}, num_participants=2, name="small")
    result = cli("test", "play", "--seed", 1, "--project", project)
    assert result.exit_code == 0, result.output


def test_a_timed_out_submission_with_values_is_refused_by_name(cli, small_project):
    project = _pair(small_project, '''\
        from labctl.bots import Bot, Submission

        from . import Decide


        class PlayerBot(Bot):
            def play_round(self):
                yield Submission(Decide, {"number": "1"}, timeout_happened=True)
        ''')
    result = cli("test", "play", "--seed", 1, "--project", project)
    assert result.exit_code == 1
    assert "a page that times out in labctl takes its timeout_submission" in " ".join(
        result.output.split())
