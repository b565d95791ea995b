"""What a committed transaction announces, and the order it leaves in.

Messages are sent after the commit (a page never hears of a change that was rolled back) and
still under the store's lock, so that every channel sees changes in commit order: version 2 of
a shared document is never pushed after version 3.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..hub import Channel, Hub
from .tx import Tx


@dataclass
class Outbox:
    """What a committed transaction announces: its Tx's moves and changes, and messages."""

    txs: list[Tx] = field(default_factory=list)
    messages: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def publish(self, channel: str, message: dict[str, Any]) -> None:
        self.messages.append((channel, message))

    def send(self, hub: Hub) -> None:
        """Publish everything, each Tx's announcements first, then the outbox's own."""
        for tx in self.txs:
            announce(hub, tx)
        for channel, message in self.messages:
            hub.publish(channel, message)


def announce(hub: Hub, tx: Tx) -> None:
    """Tell the pages a step changed: what it published, whom it moved, and the monitor."""
    for channel, message in tx.published:
        hub.publish(channel, message)
    for code in tx.moved:
        hub.publish(Channel.participant(code), {"type": "advance"})
    if tx.changed:
        hub.publish(Channel.monitor(tx.session_code), {"type": "update"})
