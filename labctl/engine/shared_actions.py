"""Participants' live shared data: reaching their documents, changing them, and messages."""

from __future__ import annotations

import json
from typing import Any

from ..hub import Channel
from . import shared_access, shared_data
from .core import EngineCore
from .shared_access import Target
from .shared_data import ChangeResult, SharedDataError
from .store import Row
from .tx import Tx

#: a message is a signal between pages, not a file transfer
MAX_MESSAGE_CHARS = 10_000


class SharedDataActions(EngineCore):
    def shared_target(self, participant_code: str, scope: str) -> Target:
        """The document a participant reaches in ``scope`` where they are now."""
        with self.store.reading():
            row = self._participant(participant_code)
            tx = self._tx(self._session(row["session_code"]), self.clock())
            return shared_access.target_of_participant(tx, row, scope)

    def shared_read(self, target: Target) -> tuple[int, Any]:
        with self.store.reading():
            return shared_data.read(self.store, target.scope, target.key)

    def shared_change(self, participant_code: str, target: Target, base_version: Any, *,
                      patch: Any = None, replace: Any = None) -> ChangeResult:
        """A participant's change to a document they reach; refused if the version is stale.

        The target is re-derived in the transaction: a participant who moved on since the
        socket opened cannot write into the group they left.
        """
        with self._committing() as outbox:
            tx, row = self._step_tx(participant_code, outbox)
            current = shared_access.target_of_participant(tx, row, target.scope)
            if current != target:
                raise SharedDataError(f"this page's {target.scope} data is no longer yours",
                                      "reload the page to reach your current data")
            result = shared_access.apply_change(tx, target, base_version, participant_code,
                                                patch=patch, replace=replace,
                                                shown_as=_sender_name(tx, row),
                                                check=_declared_shape(tx, row, target.scope))
        return result

    def shared_message(self, participant_code: str, target: Target, body: Any,
                       to: Any = None) -> None:
        """A message to the other members (or one, by ``id_in_group``): logged, not data."""
        if not isinstance(body, (str, int, float, bool, dict, list)) or len(
                json.dumps(body)) > MAX_MESSAGE_CHARS:
            raise SharedDataError("a message must be JSON under 10,000 characters")
        with self._committing() as outbox:
            tx, row = self._step_tx(participant_code, outbox)
            channel = target.channel
            recipient = None
            if to is not None:
                if target.scope != "group":
                    raise SharedDataError("direct messages go to a member of your group")
                recipient = _member_code(tx, row, to)
                channel = Channel.direct(recipient)
            self.store.add_shared_message({
                "scope": target.scope, "key": target.key, "sender": participant_code,
                "recipient": recipient, "body": json.dumps(body), "at": tx.now_iso})
            outbox.publish(channel, {"type": "message", "store": target.scope,
                                     "from": _sender_name(tx, row), "body": body,
                                     "direct": recipient is not None})


def _declared_shape(tx: Tx, row: Row, scope: str) -> shared_data.ShapeCheck:
    """What a participant's page may write to ``scope``: the schema of the app they play now;
    outside an app (before the first page, after the last), every schema the session's apps
    declare for the store, since any of them may read it later."""
    if 0 <= row["step"] < len(tx.steps):
        apps = [tx.steps[row["step"]].app]
    else:
        apps = list({id(s.app): s.app for s in tx.steps}.values())

    def check(doc: Any) -> str | None:
        for app in apps:
            problem = app.shared_problem(scope, doc)
            if problem is not None:
                return f"app '{app.name}': {problem}"
        return None

    return check


def _member_code(tx: Tx, row: Row, id_in_group: Any) -> str:
    step = tx.steps[row["step"]]
    player = tx.records.player(step.app, row["id"], step.round_number)
    for member in player.group.get_players():
        if member.id_in_group == id_in_group:
            return member.participant.code
    raise SharedDataError(f"your group has no member {id_in_group!r}")


def _sender_name(tx: Tx, row: Row) -> dict[str, Any]:
    """How a message's sender is shown: position and role in the group, and label."""
    sender: dict[str, Any] = {"label": row["label"], "id_in_session": row["id_in_session"]}
    if 0 <= row["step"] < len(tx.steps):
        step = tx.steps[row["step"]]
        player = tx.records.player(step.app, row["id"], step.round_number)
        sender.update(id_in_group=player.id_in_group, role=player.role)
    return sender
