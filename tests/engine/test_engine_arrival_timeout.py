"""Grouping by arrival on the lab day, through the engine on a fake clock: a waiting limit with
its rule ("smaller_group", "alone", "end"), logged; and the presence check (someone whose wait
page closed is not grouped, and is again once back)."""

from __future__ import annotations

import textwrap

import pytest

from labctl.engine import Engine
from labctl.project import load_project
from labctl.storage.sqlite import SqliteStore
from labctl.validation import validate_project

APP = """\
import labctl

app = labctl.App(players_per_group={size})


class Gather(labctl.WaitPage):
    group_by_arrival_time = True
    arrival_timeout_seconds = {timeout}
    arrival_timeout_rule = "{rule}"


class Play(labctl.Page):
    pass


page_sequence = [Gather, Play]
"""


class Clock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def lab(tmp_path):
    made = []

    def make(size: int, count: int, rule: str = "smaller_group", timeout: object = 120):
        root = tmp_path / f"arrive_{len(made)}"
        (root / "arrive").mkdir(parents=True)
        (root / "sessions.py").write_text(textwrap.dedent("""\
            from labctl import SessionType

            SESSION_TYPES = [SessionType(name="arrive", app_sequence=["arrive"],
                                         fixed_pay=500)]
            """), encoding="utf-8")
        (root / "arrive" / "__init__.py").write_text(
            APP.format(size=size, timeout=timeout, rule=rule), encoding="utf-8")
        (root / "arrive" / "Play.html").write_text("{% block content %}{% endblock %}\n",
                                                   encoding="utf-8")
        project = load_project(root)
        assert validate_project(project) == []
        clock = Clock()
        engine = Engine(project, SqliteStore(root / "labctl.db"), clock=clock)
        made.append(engine)
        code = engine.create_session("arrive", count, seed=1)
        return engine, clock, code, [r["code"] for r in engine.participant_rows(code)]

    yield make
    for engine in made:
        engine.store.close()
        engine.project.unload()


def places(engine, session) -> list[tuple]:
    return [(r["page"], r["finished_at"] is not None)
            for r in engine.participant_rows(session)]


def arrive(engine, code) -> None:
    with engine.view(code):
        pass


@pytest.mark.parametrize(("rule", "groups", "pages"), [
    ("smaller_group", [2], [("Play", False), ("Play", False), (None, False)]),
    ("alone", [1, 1], [("Play", False), ("Play", False), (None, False)]),
    ("end", [], [(None, True), (None, True), (None, False)]),
])
def test_the_waiting_limit_applies_its_rule(lab, rule, groups, pages):
    engine, clock, session, codes = lab(size=3, count=3, rule=rule)
    arrive(engine, codes[0])
    clock.now += 30
    arrive(engine, codes[1])
    clock.now += 89
    assert engine.expire_arrivals() == 0  # the first has waited 119 s
    clock.now += 1
    assert engine.expire_arrivals() == 2
    assert places(engine, session) == pages
    with engine.store.reading():
        formed = engine.store.round_rows("arrive", "group", session, 1)
        sizes = [len(engine.store.group_player_rows("arrive", g["id"])) for g in formed]
    assert sizes == groups
    actions = [a["action"] for a in engine.admin_actions(session)]
    assert actions == [f"arrival timeout: 2 waited 120 s at arrive, page Gather; {rule}"]
    if rule == "end":
        payments = engine.payments(session)
        assert [(p.total, p.note) for p in payments[:2]] == [(500, "no group in time")] * 2


def test_someone_who_left_the_wait_page_is_not_grouped_until_back(lab):
    engine, clock, session, (first, second, third, fourth) = lab(size=2, count=4,
                                                                  timeout=None)
    engine.page_socket_opened(first)
    arrive(engine, first)
    engine.page_socket_closed(first)  # the wait page was closed
    clock.now += 4
    arrive(engine, second)
    assert places(engine, session)[:2] == [("Gather", False), ("Gather", False)]  # apart
    arrive(engine, third)
    rows = {r["code"]: r["page"] for r in engine.participant_rows(session)}
    assert (rows[second], rows[third], rows[first]) == ("Play", "Play", "Gather")
    engine.page_socket_opened(first)  # back on the wait page
    arrive(engine, fourth)
    rows = {r["code"]: r["page"] for r in engine.participant_rows(session)}
    assert (rows[first], rows[fourth]) == ("Play", "Play")
