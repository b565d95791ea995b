"""A participant's own requests: their page, their answers, and where they are."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from . import progress
from .consent import awaits_consent, consent_view
from .core import EngineCore
from .page_view import PageView, page_view
from .progress import SubmitResult
from .store import Row
from .tx import Tx


class ParticipantActions(EngineCore):
    @contextmanager
    def view(self, participant_code: str) -> Iterator[PageView]:
        """The participant's current page (starting them if this is their first visit).

        The transaction stays open while the caller renders, so templates can navigate
        records; anything a hook changes is saved when the block ends.
        """
        with self._committing() as outbox:
            tx, row = self._step_tx(participant_code, outbox)
            if row.get("dropout_at"):  # taken for gone, and here again: they take over
                self.note_return(tx, row)  # type: ignore[attr-defined]
                row = self._participant(participant_code)
            if awaits_consent(tx.session_type, row):  # not started before they agree
                yield consent_view(tx, row)
                return
            row = self._started(tx, row)
            if progress.asks_arrival_rule(tx, row["step"]):
                progress.group_waiting(tx, row["step"])
                row = self._participant(participant_code)
            yield page_view(tx, row)
            tx.records.flush()

    def submit(self, participant_code: str, step: int | None, form: Mapping[str, str],
               timed_out: bool = False, announce_self: bool = False) -> SubmitResult:
        """Submit the form of the participant's current page; one transaction.

        ``step`` is the step the page was shown at: a different one means a stale, replayed
        or doubled submit, which changes nothing. ``announce_self`` also tells the
        participant's own page (used when the server submits a page that timed out). A
        timeout counts only once the page's deadline has passed (less a small grace for clock
        skew).
        """
        with self._committing() as outbox:
            tx, row = self._step_tx(participant_code, outbox)
            if announce_self:
                tx.actor = None
            result = self._submit(tx, row, step, form, timed_out)
            if result.advanced and announce_self:
                tx.moved.add(participant_code)
        return result

    @contextmanager
    def answer(self, participant_code: str, step: int | None, form: Mapping[str, str],
               timed_out: bool = False) -> Iterator[tuple[SubmitResult, PageView]]:
        """Submit the current page and show the page the participant is on afterwards: the
        next one, or the same one again when the form was refused or stale.

        One transaction and one set of loaded records for both, so the answer to a form is
        the next page at the cost of one request (the records of the next page are mostly
        those just written). Renders inside the block, like ``view``.
        """
        with self._committing() as outbox:
            tx, row = self._step_tx(participant_code, outbox)
            if awaits_consent(tx.session_type, row):  # a form before the consent page
                yield SubmitResult("stale", reason="not_shown"), consent_view(tx, row)
                return
            result = self._submit(tx, row, step, form, timed_out)
            if result.advanced:
                row = self._participant(participant_code)
            yield result, page_view(tx, self._started(tx, row))
            tx.records.flush()

    def expire_timeouts(self) -> int:
        """Submit, with their timeout values, every page whose deadline has passed."""
        with self.store.reading():
            due = self.store.expired_deadlines(self.clock() - self.timeout_grace)
        submitted = 0
        for row in due:
            result = self.submit(row["code"], row["step"], {}, timed_out=True,
                                 announce_self=True)
            submitted += result.advanced
        return submitted

    def group_waiting_arrivals(self) -> int:
        """Ask each arrival page's ``group_by_arrival_time_method`` again, for rules that
        depend on how long players have waited (the server's sweep calls this once a second).

        Free for a project without such a rule; otherwise one read per session, and a
        transaction only where someone waits at such a page. Returns how many moved on."""
        if not any(spec.group_by_arrival_time_method for spec in self.project.apps.values()):
            return 0
        with self.store.reading():
            sessions = self.store.session_rows()
        moved = 0
        for session_row in sessions:
            with self.store.reading():
                steps = self.steps(self.project.session_type(session_row["session_type"]))
                waiting = sorted({row["step"] for row in self.store.participants_of(
                    session_row["code"]) if 0 <= row["step"] < len(steps)
                    and progress.asks_arrival_rule_at(steps[row["step"]])})
            for index in waiting:
                with self._committing() as outbox:
                    tx = self._tx(self._session(session_row["code"]), self.clock())
                    outbox.txs.append(tx)
                    moved += len(progress.group_waiting(tx, index))
                    tx.records.flush()
        return moved

    def position(self, participant_code: str) -> dict[str, Any]:
        """Where a participant is: what wait pages poll when WebSockets are blocked."""
        with self.store.reading():
            row = self._participant(participant_code)
        return {"step": row["step"], "page": row["page"], "finished": row["finished_at"]
                is not None}

    def _started(self, tx: Tx, row: Row) -> Row:
        """The participant's row, after starting them on their first page if this is their
        first visit (a form posted before any page was shown starts them too)."""
        if row["step"] >= 0:
            return row
        self.store.update_participant(row["id"], {"started_at": tx.now_iso})
        progress.enter(tx, row["id"], 0)
        return self._participant(row["code"])

    def _submit(self, tx: Tx, row: Row, step: int | None, form: Mapping[str, str],
                timed_out: bool) -> SubmitResult:
        expired = row["deadline"] is not None and tx.now >= row["deadline"] - self.timeout_grace
        result = progress.submit(tx, row, step, form, timed_out=timed_out and expired)
        if result.advanced:
            tx.records.flush()
        return result
