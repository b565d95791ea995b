"""Replaying a demo session after ``labctl dev`` reloads the project.

Why: a researcher editing page 5 should not click through pages 1-4 again after each save.
The reloaded project gets a fresh session; each participant is played through the engine (no
HTTP, no browser) up to the page they had open, with the answers they gave (labctl's
automatic bots answer where no answer was kept, or the kept one is refused now), and their
tab reloads onto it. Pages are matched by app, round and page name, so inserting a page before
the one being edited still lands on it; a page that no longer exists (or is no longer shown
to that participant) lands on the nearest earlier one, with a note saying so.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from ..engine import Engine
from ..engine.flow import Step
from .auto import automatic_values
from .runner import AUTO_ATTEMPTS

#: a page is known by its app, round and name: its index moves when pages are added
PageKey = tuple[str, int, str]


@dataclass(frozen=True)
class Place:
    """Where one participant was in the session before the reload."""

    id_in_session: int
    #: the pages up to and including the one they had open, in order (empty: not started)
    path: tuple[PageKey, ...]
    finished: bool = False
    #: the answers they gave, by page: typed again where the page still asks for them
    answers: dict[PageKey, dict[str, str]] = field(default_factory=dict)

    def describe(self) -> str:
        if not self.path:
            return "not started"
        app, round_number, page = self.path[-1]
        return f"{app} round {round_number}, page {page}"


def key_of(step: Step) -> PageKey:
    return (step.app.name, step.round_number, step.name)


def places(engine: Engine, session_code: str,
           answers: dict[str, dict[int, dict[str, str]]] | None = None,
           carried: dict[str, dict[PageKey, dict[str, str]]] | None = None) -> list[Place]:
    """Every participant's place in ``session_code``, read before the project is unloaded;
    ``answers`` are the forms each participant (by code) had accepted, by step, and
    ``carried`` those replayed into this session from the one before, by page."""
    steps = engine.steps(engine.session_type_of(session_code))
    found = []
    for row in engine.participant_rows(session_code):
        index = row["step"]
        finished = row["finished_at"] is not None or index >= len(steps)
        upto = len(steps) if finished else index + 1
        given = dict((carried or {}).get(row["code"], {}))
        given.update({key_of(steps[step]): form for step, form in
                      (answers or {}).get(row["code"], {}).items() if 0 <= step < len(steps)})
        found.append(Place(row["id_in_session"], tuple(key_of(s) for s in steps[:max(upto, 0)]),
                           finished, given))
    return found


def target_index(steps: list[Step], place: Place) -> int:
    """The step to play up to: the page they had open, else the nearest earlier one that
    still exists (-1: not started)."""
    if place.finished:
        return len(steps)
    where = {key_of(step): step.index for step in steps}
    for key in reversed(place.path):
        if key in where:
            return where[key]
    return 0 if place.path else -1


def replay(engine: Engine, session_code: str, old: list[Place], seed: int = 0
           ) -> dict[int, str]:
    """Play each participant of ``session_code`` up to their ``old`` place; returns a note per
    participant (by number) who could not get there, saying where they are instead."""
    session_type = engine.session_type_of(session_code)
    steps = engine.steps(session_type)
    rows = {row["id_in_session"]: row["code"] for row in engine.participant_rows(session_code)}
    targets = {rows[p.id_in_session]: target_index(steps, p) for p in old
               if p.id_in_session in rows}
    given = {rows[p.id_in_session]: p.answers for p in old if p.id_in_session in rows}
    # who had not opened their link stays so (a view would start them)
    targets = {code: target for code, target in targets.items() if target >= 0}
    rng = random.Random(seed)
    # every pass moves someone one page on, or nobody can move (a wait page): bounded by the
    # pages of everyone's path
    for _ in range(sum(targets.values()) + 1):
        if not any([_one_page_on(engine, code, target, rng, session_type, given[code])
                    for code, target in targets.items()]):
            break
    notes = {}
    for place in old:
        code = rows.get(place.id_in_session)
        if code is None:
            continue
        note = _note(engine, steps, code, place)
        if note:
            notes[place.id_in_session] = note
    return notes


def _one_page_on(engine: Engine, code: str, target: int, rng: random.Random,
                 session_type: Any, answers: dict[PageKey, dict[str, str]]) -> bool:
    """Submit the participant's page if they are short of ``target``, with the answer they
    gave before, else automatic answers; whether they moved."""
    with engine.view(code) as view:
        if view.kind != "page" or view.index >= target or view.step is None:
            return False
        index, fields, key = view.index, list(view.fields), key_of(view.step)
    if key in answers:
        result = engine.submit(code, index, answers[key])
        if result.status != "invalid":
            return result.advanced
    for attempt in range(AUTO_ATTEMPTS):
        values = automatic_values(fields, rng, attempt, session_type.minor_digits,
                                  session_type.decimal_mark)
        result = engine.submit(code, index, values)
        if result.status != "invalid":
            return result.advanced
    return False


def _note(engine: Engine, steps: list[Step], code: str, place: Place) -> str | None:
    """What to tell the researcher when a participant is not on the page they had open."""
    if place.finished or not place.path:
        return None
    index = engine.position(code)["step"]
    if 0 <= index < len(steps) and key_of(steps[index]) == place.path[-1]:
        return None
    now = (f"{steps[index].app.name} round {steps[index].round_number}, page "
           f"{steps[index].name}" if 0 <= index < len(steps) else "the end")
    return (f"Participant {place.id_in_session} was on {place.describe()}, which could not be "
            f"reached after the reload (the pages changed, or a wait page holds them); "
            f"they are on {now}.")
