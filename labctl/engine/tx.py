"""One engine step in one database transaction: what it loaded and whom it must notify."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ..session_type import SessionType
from .flow import Step
from .recordset import RecordSet
from .store import Store


def iso(timestamp: float) -> str:
    """ISO 8601 in UTC with microseconds: sortable, and read by Excel, R and pandas."""
    return datetime.fromtimestamp(timestamp, timezone.utc).isoformat(timespec="microseconds")


@dataclass
class Tx:
    store: Store
    records: RecordSet
    steps: list[Step]
    session_type: SessionType
    now: float
    root: Path
    #: participant codes whose page changed because of someone else's action
    moved: set[str] = field(default_factory=set)
    #: the participant (id) whose own browser made this request: the answer shows them their
    #: page, so they are never told to move (``None`` for the server's own actions)
    actor: int | None = None
    #: whether anyone's page changed (the live monitor is told after the commit)
    changed: bool = False
    #: hub messages to send after the commit: (channel, message)
    published: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    #: who decides the page submitted in this step when not the participant: "timeout",
    #: "bot" or "admin" (the page timings' ``decided_by``)
    decided_by: str | None = None
    #: whether a participant (by code) has left their page: not grouped by arrival then
    has_left: Callable[[str], bool] = field(default=lambda code: False, repr=False)
    _now_iso: str | None = field(default=None, repr=False)

    @property
    def session_code(self) -> str:
        return self.records.session.code

    @property
    def now_iso(self) -> str:
        """``now`` as stored: formatted once, though a step writes it into several rows."""
        if self._now_iso is None:
            self._now_iso = iso(self.now)
        return self._now_iso

    def seconds_since(self, arrived_iso: str | None) -> float | None:
        """Seconds from an ISO arrival time to now: the page timing written on submit.

        Never below 0: ``now`` has more digits than its stored microseconds, so a page left
        in the step that showed it came out as ``-0.0`` (PostgreSQL keeps the sign, and the
        export printed it)."""
        if not arrived_iso:
            return None
        return max(0.0, round(self.now - datetime.fromisoformat(arrived_iso).timestamp(), 6))
