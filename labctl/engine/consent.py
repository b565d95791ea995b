"""A session type's welcome and consent page: shown before the first app; "I agree" is stored
with its time and the participant starts; "I do not agree" ends their session at once (they are
paid the show-up fee, as the session type declares), and nothing of theirs is recorded beyond
that answer.
"""

from __future__ import annotations

from typing import Literal

from ..session_type import SessionType
from .core import EngineCore
from .page_view import PageView
from .store import Row
from .tx import Tx

Consent = Literal["agreed", "declined"]


def awaits_consent(session_type: SessionType, row: Row) -> bool:
    """Whether the participant must answer the consent page before their first page."""
    return bool(session_type.consent) and row["step"] < 0 and not row.get("consent")


def consent_view(tx: Tx, row: Row) -> PageView:
    return PageView("consent", row["step"], len(tx.steps), tx.records.participant(row["id"]),
                    tx.records.session)


class ConsentActions(EngineCore):
    def give_consent(self, participant_code: str, agreed: bool) -> Consent | None:
        """Record the participant's answer to the consent page; the first answer counts (a
        second click, or the other button in another tab, changes nothing). Returns the
        answer that stands, or None when the session type asks for none."""
        with self._committing() as outbox:
            tx, row = self._step_tx(participant_code, outbox)
            if not awaits_consent(tx.session_type, row):
                return row.get("consent")
            answer: Consent = "agreed" if agreed else "declined"
            changes: Row = {"consent": answer, "consent_at": tx.now_iso}
            if not agreed:  # at the end at once: shown the end page, paid the show-up fee
                changes.update({"started_at": tx.now_iso, "finished_at": tx.now_iso,
                                "page_arrived_at": tx.now_iso, "step": len(tx.steps)})
            self.store.update_participant(row["id"], changes)
            tx.changed = True
            tx.moved.add(participant_code)
            return answer
