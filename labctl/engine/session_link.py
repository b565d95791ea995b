"""The session-wide link: one URL for a whole class; each new browser gets the next free
participant, a browser that comes back (its cookie) or gives a label it already has keeps
its own. oTree's "session-wide link", with the next participant taken in one transaction,
so two browsers opening it at the same moment never share one."""

from __future__ import annotations

from ..hub import Channel
from .core import EngineCore
from .rooms import SessionFull
from .tx import iso


class SessionLinkActions(EngineCore):
    def claim_by_link(self, session_code: str, known: str | None = None,
                      label: str | None = None) -> str:
        """The participant code for a browser that opened the session-wide link.

        ``known`` is the participant the browser's cookie remembers (kept if it is one of
        this session's); ``label`` a ``participant_label`` from the link (the participant
        with that label keeps it; else the next free one gets it, as their recruitment id).
        Raises ``SessionFull`` when every participant is taken.
        """
        with self._committing() as outbox:
            self._session(session_code)
            for row in (self.store.participant_by_code(known) if known else None,
                        self.store.participant_by_label(session_code, label) if label
                        else None):
                if row is not None and row["session_code"] == session_code:
                    return str(row["code"])
            free = self.store.unclaimed_participant(session_code)
            if free is None:
                raise SessionFull("every place in this session is taken",
                                  "ask the experimenter to add participants or for a link")
            changes = {"claimed_at": iso(self.clock())}
            if label:
                changes["label"] = label
            self.store.update_participant(free["id"], changes)
            outbox.publish(Channel.monitor(session_code), {"type": "update"})
            return str(free["code"])
