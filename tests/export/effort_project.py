"""A real-effort project for the export tests: count tasks solved, several rounds, groups of 2.

A module of its own (not ``conftest``) so that tests can import it by a name no other test
folder uses. ``EXTRA`` source is appended to the app, so each test adds the hooks it tries.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

from labctl.engine import Engine

EFFORT_APP = '''\
import labctl
from labctl import fields

app = labctl.App(players_per_group=2, num_rounds=2)


class Player(labctl.Player):
    solved = fields.Integer(min=0, max=40, label="How many did you solve?",
                            doc="tasks solved in the round")


class Work(labctl.Page):
    form_fields = ["solved"]

    @staticmethod
    def before_next_page(player, timed_out):
        player.payoff = 10 * player.solved


page_sequence = [Work]
'''


def make_effort_project(root: Path, extra: str = "") -> Path:
    """Write the project into ``root`` and return it."""
    (root / "effort").mkdir(parents=True)
    (root / "sessions.py").write_text(textwrap.dedent("""\
        from labctl import SessionType

        SESSION_TYPES = [SessionType(name="effort", app_sequence=["effort"], fixed_pay=500,
                                     currency="EUR", num_participants=4)]
        """), encoding="utf-8")
    (root / "effort" / "__init__.py").write_text(EFFORT_APP + textwrap.dedent(extra),
                                                 encoding="utf-8")
    (root / "effort" / "Work.html").write_text("{{ formfields() }}{{ next_button() }}\n",
                                               encoding="utf-8")
    return root


def solved(me: int, round_number: int) -> int:
    """What participant ``me`` solves in a round."""
    return me + 10 * round_number


def play_effort(engine: Engine, code: str) -> None:
    """Every participant submits every round's Work page."""
    people = {row["id_in_session"]: row["code"] for row in engine.participant_rows(code)}
    for round_number in (1, 2):
        for me, participant in people.items():
            with engine.view(participant) as view:
                index = view.index
            result = engine.submit(participant, index,
                                   {"solved": str(solved(me, round_number))})
            assert result.status == "advanced", result
