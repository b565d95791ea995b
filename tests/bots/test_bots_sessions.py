"""``labctl test`` passing: the sample session with its bots, a project made from every app
template, automatic bots on a page that refuses what its fields allow, ``--export`` and
``--seed``.

Each ``labctl test`` starts its own server process; every run here is bounded by the runner's
own time limits (a stuck bot fails after 60 s on a wait page).
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from labctl.scaffold import list_templates

# each test runs labctl test: bots against a server process; those taking ``store_kind``
# play on each store (PostgreSQL through --db)
pytestmark = [pytest.mark.slow, pytest.mark.both_stores]

OK_LINE = re.compile(r"^OK (\d+) bots played (\w+) \((\d+) pages\) in [\d.]+ s\.$", re.M)


def _ok(result, bots: int, session_type: str) -> int:
    """Assert an "OK" line for ``bots`` bots of ``session_type``; return the pages played."""
    assert result.exit_code == 0, result.output
    found = OK_LINE.search(result.output)
    assert found, result.output
    assert (int(found.group(1)), found.group(2)) == (bots, session_type)
    assert "FAILED" not in result.output
    return int(found.group(3))


def on_store(store_kind: str, new_store_target) -> tuple[str, ...]:
    """``--db`` for a PostgreSQL run; nothing for SQLite (a temporary file, as users run it)."""
    return ("--db", str(new_store_target())) if store_kind == "postgres" else ()


def test_the_sample_session_passes_with_its_bots(cli, sample_project, store_kind,
                                                 new_store_target):
    for app in ("trust", "ultimatum", "questionnaire"):
        assert (sample_project / app / "bots.py").is_file()
    result = cli("test", "my_session", "-n", 4, "--seed", 1, "--project", sample_project,
                 *on_store(store_kind, new_store_target))
    # trust 2 pages each, ultimatum 2 per round, questionnaire 2, plus 4 refused submits
    # that do not count: 4 bots x 8 pages
    assert _ok(result, 4, "my_session") == 32
    # the bots played on a temporary database, never on the project's own
    assert not list(sample_project.glob("*.db*"))


def test_the_sample_public_goods_game_passes_in_groups_of_four(cli, sample_project, store_kind,
                                                               new_store_target):
    result = cli("test", "public_goods", "-n", 8, "--seed", 1, "--project", sample_project,
                 *on_store(store_kind, new_store_target))
    # 3 rounds of Contribute and Results, 2 refused submits that do not count: 8 bots x 6 pages
    assert _ok(result, 8, "public_goods") == 48


def test_a_project_from_every_template_validates_and_passes(cli, templates_project):
    templates = {t.name for t in list_templates()}
    assert {"blank", "trust", "ultimatum", "public_goods", "prisoners_dilemma",
            "questionnaire", "dictator"} <= templates
    checked = cli("validate", templates_project)
    assert checked.exit_code == 0, checked.output
    assert "no problems" in checked.output
    for name in templates:
        assert f"my_{name}" in checked.output
    result = cli("test", "all_templates", "--seed", 3, "--project", templates_project)
    # per bot: blank 2, trust 2, ultimatum 2 x 2, public goods 2 x 3, questionnaire 2,
    # dictator 3 or 2 (6 bots: 111 pages), and the prisoner's dilemma
    assert _ok(result, 6, "all_templates") >= 111 + 6


AUTO_APP = {
    "__init__.py": '''\
        """Guess: an answer the page refuses above limits that no field declares."""

        import labctl
        from labctl import fields


        app = labctl.App(players_per_group=2, num_rounds=2)


        class Player(labctl.Player):
            guess = fields.Integer(min=0, label="Your guess")
            bid = fields.Money(min=0, label="Your bid")
            share = fields.Decimal(min="0", max="1", places=1, label="A share")
            sure = fields.Boolean(label="Are you sure?")
            colour = fields.Choice(choices=["red", "green"], label="A colour")
            note = fields.Text(max_length=5, label="A short note")


        class Guess(labctl.Page):
            form_fields = ["guess", "bid", "share", "sure", "colour", "note"]

            @staticmethod
            def error_message(player, values):
                if values["guess"] > 3:
                    return {"guess": "Guess at most 3."}
                if values["bid"] > 100:
                    return "Bid no more than 1.00."
                return None


        class Together(labctl.WaitPage):
            pass


        class Results(labctl.Page):
            pass


        page_sequence = [Guess, Together, Results]
        ''',
    "Guess.html": "{% block title %}Guess{% endblock %}\n"
                  "{% block content %}{{ formfields() }}{{ next_button() }}{% endblock %}\n",
    "Results.html": "{% block title %}Done{% endblock %}\n"
                    "{% block content %}{{ next_button() }}{% endblock %}\n",
}


def test_automatic_bots_retry_until_the_page_accepts_and_never_get_stuck(
        cli, small_project, tmp_path):
    project = small_project({"guess": AUTO_APP}, num_participants=4)
    assert not (project / "guess" / "bots.py").exists()
    out = tmp_path / "out"
    result = cli("test", "play", "--seed", 9, "--export", out, "--project", project)
    assert _ok(result, 4, "play") == 4 * 2 * 2
    rows = list(csv.DictReader((out / "guess.csv").open(encoding="utf-8-sig")))
    assert len(rows) == 8
    for row in rows:
        assert 0 <= int(row["player.guess"]) <= 3
        assert 0 <= int(row["player.bid"]) <= 100
        assert row["player.colour"] in ("red", "green")
        assert 1 <= len(row["player.note"]) <= 5


# -- --export and --seed --------------------------------------------------------------------

#: what differs between two runs of the same seed: codes, times and durations
VOLATILE = re.compile(r"(^|\.)code$|_at$|seconds$")


def _stable_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return [{k: v for k, v in row.items() if not VOLATILE.search(k)}
                for row in csv.DictReader(handle)]


def test_export_writes_the_results_and_a_seed_reproduces_them(cli, sample_project, tmp_path):
    for bots in sample_project.glob("*/bots.py"):  # automatic bots: the seed draws every answer
        bots.unlink()
    runs = {}
    for name, seed in (("first", 5), ("again", 5), ("other", 6)):
        out = tmp_path / name
        result = cli("test", "my_session", "--seed", seed, "--export", out,
                     "--project", sample_project)
        _ok(result, 4, "my_session")
        assert "Wrote" in result.output and str(out) in result.output.replace("\n", "")
        runs[name] = out
    first = runs["first"]
    for file_name in ("results_wide.csv", "trust.csv", "ultimatum.csv", "questionnaire.csv",
                      "page_timings.csv"):
        assert (first / file_name).is_file(), file_name
    assert len(_stable_rows(first / "results_wide.csv")) == 4
    assert len(_stable_rows(first / "ultimatum.csv")) == 8
    assert {row["page"] for row in _stable_rows(first / "page_timings.csv")} >= {
        "Send", "SendBack", "Offer", "Respond", "Demographics", "Opinions"}
    apps = ("trust.csv", "ultimatum.csv", "questionnaire.csv")
    for file_name in apps:
        assert _stable_rows(runs["again"] / file_name) == _stable_rows(first / file_name), \
            file_name
    assert [_stable_rows(runs["other"] / f) for f in apps] != [
        _stable_rows(first / f) for f in apps]



SHARE_APP = {
    "__init__.py": '''\
        import labctl
        from labctl import fields


        app = labctl.App(players_per_group=None, num_rounds=3)


        class Player(labctl.Player):
            share = fields.Decimal(min="1", max="1.999", places=3, label="A share")
            amount = fields.Money(min=100, max=999, label="An amount")


        class Ask(labctl.Page):
            form_fields = ["share", "amount"]


        page_sequence = [Ask]
        ''',
    "Ask.html": "{% block title %}Ask{% endblock %}\n"
                "{% block content %}{{ formfields() }}{{ next_button() }}{% endblock %}\n",
}


def test_automatic_bots_type_with_a_german_sessions_decimal_comma(cli, small_project, tmp_path):
    """A share of 1 to 1.999 with three decimals typed "1.234" in German could be 1234: the
    bots must type "1,234", as the page shows it, or every form would be refused."""
    project = small_project({"shares": SHARE_APP}, num_participants=2)
    sessions = project / "sessions.py"
    sessions.write_text(sessions.read_text().replace('currency="EUR"',
                                                     'currency="EUR", locale="de"'))
    out = tmp_path / "out"
    result = cli("test", "play", "--seed", 4, "--export", out, "--project", project)
    assert _ok(result, 2, "play") == 2 * 3
    rows = list(csv.DictReader((out / "shares.csv").open(encoding="utf-8-sig")))
    assert len(rows) == 6
    for row in rows:
        assert "1" <= row["player.share"] < "2" and len(row["player.share"]) <= 5
        assert 100 <= int(row["player.amount"]) <= 999
