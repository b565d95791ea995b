"""Grouping by arrival time, on the lab day: who is still waiting (someone whose wait page
closed is not grouped with the others), and what happens when the first one waiting has waited
``arrival_timeout_seconds`` for a full group (the wait page's ``arrival_timeout_rule``):

- ``"smaller_group"``: everyone waiting forms one (smaller) group and goes on;
- ``"alone"``: each goes on in a group of their own;
- ``"end"``: they go to the end, paid the show-up fee (and what they earned before).

The server's once-a-second sweep asks (``ArrivalActions.expire_arrivals``), on the engine's
clock; the decision is logged in the session's action log.
"""

from __future__ import annotations

from datetime import datetime

from ..pages import ARRIVAL_RULES, WaitPage
from .core import EngineCore
from .progress import move_on
from .running import running_sessions
from .tx import Tx
from .wait import release, still_waiting

__all__ = ["ARRIVAL_RULES", "ArrivalActions"]


class ArrivalActions(EngineCore):
    def expire_arrivals(self) -> int:
        """Apply the arrival timeout rule wherever the first one waiting has waited too
        long; returns how many participants it moved."""
        moved = 0
        for session, _ in running_sessions(self, lambda name: bool(self._timed_pages(name))):
            for index, page in self._timed_pages(session["session_type"]):
                moved += self._expire(session["code"], index, page)
        return moved

    def _timed_pages(self, session_type_name: str) -> list[tuple[int, type[WaitPage]]]:
        """The steps of a session type that group by arrival with a waiting limit."""
        session_type = self.project.session_type(session_type_name)
        return [(step.index, step.wait_page) for step in self.steps(session_type)
                if step.is_wait and step.wait_page.group_by_arrival_time
                and step.wait_page.arrival_timeout_seconds is not None]

    def _expire(self, session_code: str, step_index: int, page: type[WaitPage]) -> int:
        # imported here: progress imports wait, which imports this module

        with self.store.reading():  # most seconds nobody is due: no write transaction
            tx = self._tx(self._session(session_code), self.clock())
            waiting = still_waiting(tx, step_index)
            if not waiting or not self._waited_too_long(tx, step_index, waiting[0], page):
                return 0
        with self._committing() as outbox:
            tx = self._tx(self._session(session_code), self.clock())
            outbox.txs.append(tx)
            waiting = still_waiting(tx, step_index)
            if not waiting or not self._waited_too_long(tx, step_index, waiting[0], page):
                return 0
            step = tx.steps[step_index]
            rule = page.arrival_timeout_rule
            if rule == "end":
                self._to_the_end(tx, waiting, step_index)
            else:
                groups = [waiting] if rule == "smaller_group" else [[p] for p in waiting]
                for members in groups:
                    group = tx.records.new_group(step.app, step.round_number)
                    for position, pid in enumerate(members, start=1):
                        player = tx.records.player(step.app, pid, step.round_number)
                        tx.records.assign_group(step.app, player, group, position)
                    move_on(tx, release(tx, step_index, f"group:{group.id}", group, members),
                            step_index)
            tx.store.log_action({
                "session_code": session_code, "participant_code": None,
                "action": f"arrival timeout: {len(waiting)} waited "
                          f"{page.arrival_timeout_seconds} s at {step.describe()}; {rule}",
                "step": step_index, "page": step.describe(), "at": tx.now_iso})
            tx.records.flush()
            tx.changed = True
            return len(waiting)

    def _waited_too_long(self, tx: Tx, step_index: int, first: int,
                         page: type[WaitPage]) -> bool:
        visit = tx.store.visit(first, step_index)
        if visit is None or not visit["arrived_at"]:
            return False
        waited = tx.now - datetime.fromisoformat(visit["arrived_at"]).timestamp()
        return waited >= float(page.arrival_timeout_seconds or 0)

    def _to_the_end(self, tx: Tx, waiting: list[int], step_index: int) -> None:
        for pid in waiting:
            row = tx.store.participant_by_id(pid)
            if row is None:
                continue
            tx.store.close_visit(pid, step_index, {
                "submitted_at": tx.now_iso, "timed_out": 1,
                "seconds": tx.seconds_since(row["page_arrived_at"])})
            tx.store.update_participant(pid, {
                "step": len(tx.steps), "app": None, "round_number": None, "page": None,
                "deadline": None, "page_arrived_at": tx.now_iso, "finished_at": tx.now_iso,
                "group_ended": 2})
            tx.moved.add(row["code"])
