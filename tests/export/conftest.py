"""Fixtures of the export tests: the sample session played through the engine with known answers.

``played`` is a 4-participant session of the sample project, played to the end on a fake clock
in the project's own ``labctl.db`` (so the CLI finds it with only ``--project``), next to a
session where one participant has started and one where nobody has. ``played_session.Answers``
says what each participant submitted; tests compare every exported cell with it, and with the
database read through its own connection.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from played_session import Answers, FakeClock, Played, play

from labctl.engine import Engine
from labctl.project import Project, load_project
from labctl.storage.sqlite import SqliteStore
from labctl.validation import validate_project


@pytest.fixture
def played(sample_project: Path) -> Iterator[Played]:
    project = load_project(sample_project)
    db = sample_project / "labctl.db"
    store = SqliteStore(db)
    clock = FakeClock()
    engine = Engine(project, store, clock=clock)
    answers = Answers()
    code = engine.create_session("my_session", 4, seed=11)
    play(engine, clock, code, answers)
    clock.now += 60
    running = engine.create_session("my_session", 4, seed=12)
    play(engine, clock, running, answers, only=[1])
    clock.now += 60
    idle = engine.create_session("my_session", 4, seed=13)
    yield Played(sample_project, db, project, store, engine, code, running, idle, answers)
    store.close()
    project.unload()


POINTS_APP = """\
import labctl
from labctl import fields

app = labctl.App(players_per_group=None, num_rounds=2)


class Subsession(labctl.Subsession):
    exchange_rate_shown = fields.Decimal(initial="0.5")


class Player(labctl.Player):
    earned = fields.Money(min=0, max=100)
    guess = fields.Decimal(places=3)
    sure = fields.Boolean()


class Earn(labctl.Page):
    form_fields = ["earned", "guess", "sure"]

    @staticmethod
    def before_next_page(player, timed_out):
        player.payoff = player.earned


page_sequence = [Earn]
"""


@pytest.fixture
def points_project(tmp_path: Path) -> Iterator[Callable[[], tuple[Path, Project]]]:
    """``points_project()``: a project paying points at 0.5 cent each, with decimal fields."""
    loaded: list[Project] = []

    def make() -> tuple[Path, Project]:
        root = tmp_path / "points_project"
        (root / "earn").mkdir(parents=True)
        (root / "sessions.py").write_text(textwrap.dedent("""\
            from labctl import SessionType

            SESSION_TYPES = [SessionType(name="points", app_sequence=["earn"], fixed_pay=500,
                                         currency="EUR", money_per_point="0.5")]
            """), encoding="utf-8")
        (root / "earn" / "__init__.py").write_text(POINTS_APP, encoding="utf-8")
        (root / "earn" / "Earn.html").write_text("{{ formfields() }}{{ next_button() }}\n",
                                                 encoding="utf-8")
        project = load_project(root)
        assert validate_project(project) == [], validate_project(project)
        loaded.append(project)
        return root, project

    yield make
    for project in loaded:
        project.unload()
