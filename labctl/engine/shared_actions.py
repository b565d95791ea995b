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
#: a page's own id of a message, for a resend to be delivered once
MAX_CLIENT_ID_CHARS = 64
#: the messages a (re)connected page is sent, newest last
HISTORY_MESSAGES = 200


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
                       to: Any = None, client_id: Any = None) -> dict[str, Any]:
        """A message to the other members (or one, by ``id_in_group``): logged, not data.

        ``client_id`` names the message on the sender's page, which re-sends it when the
        connection dropped before the answer: the same id is delivered once. The receipt says
        which members have moved on and will not see it (a direct message to one is refused).
        """
        if not isinstance(body, (str, int, float, bool, dict, list)) or len(
                json.dumps(body)) > MAX_MESSAGE_CHARS:
            raise SharedDataError("a message must be JSON under 10,000 characters")
        if client_id is not None and not (isinstance(client_id, str) and 0 < len(client_id)
                                          <= MAX_CLIENT_ID_CHARS):
            raise SharedDataError("a message's cid must be text of 1 to 64 characters")
        with self._committing() as outbox:
            tx, row = self._step_tx(participant_code, outbox)
            if client_id is not None:
                sent = self.store.shared_message_of_client(participant_code, client_id)
                if sent is not None:
                    return {"message_id": sent["id"], "gone": [], "duplicate": True}
            channel = target.channel
            recipient = None
            gone = _members_gone(tx, row) if target.scope == "group" else []
            if to is not None:
                if target.scope != "group":
                    raise SharedDataError("direct messages go to a member of your group")
                recipient = _member_code(tx, row, to)
                if any(member.participant.code == recipient for member in gone):
                    raise SharedDataError(f"{_shown(gone[0])} has moved on and will not see "
                                          "your message", "nothing was sent")
                channel = Channel.direct(recipient)
            message_id = self.store.add_shared_message({
                "scope": target.scope, "key": target.key, "sender": participant_code,
                "recipient": recipient, "body": json.dumps(body), "at": tx.now_iso})
            if client_id is not None:
                self.store.add_shared_message_id(participant_code, client_id, message_id)
            outbox.publish(channel, {"type": "message", "store": target.scope,
                                     "from": _sender_name(tx, row), "body": body,
                                     "direct": recipient is not None, "mid": message_id,
                                     "cid": client_id})
        return {"message_id": message_id, "gone": [_shown(m) for m in gone]}

    def shared_messages_for(self, participant_code: str, target: Target) -> list[dict[str, Any]]:
        """The newest messages of a document this participant may see, for a page that
        (re)connects: to everyone, to them, and their own, each with its sender as shown."""
        with self.store.reading():
            row = self._participant(participant_code)
            tx = self._tx(self._session(row["session_code"]), self.clock())
            rows = self.store.shared_messages_seen_by(target.scope, target.key,
                                                      participant_code, HISTORY_MESSAGES)
            names: dict[str, dict[str, Any]] = {}
            found = []
            for message in rows:
                sender = message["sender"]
                if sender not in names:
                    names[sender] = _sender_in(tx, target, self._participant(sender))
                mine = sender == participant_code
                found.append({"mid": message["id"], "from": names[sender],
                              "body": json.loads(message["body"]),
                              "direct": message["recipient"] is not None, "mine": mine,
                              "cid": message["client_id"] if mine else None})
            return found


def _members_gone(tx: Tx, row: Row) -> list[Any]:
    """The other members of the participant's group who have left this app round."""
    step = tx.steps[row["step"]]
    player = tx.records.player(step.app, row["id"], step.round_number)
    last = max(s.index for s in tx.steps
               if s.app.name == step.app.name and s.round_number == step.round_number)
    return [m for m in player.get_others_in_group()
            if tx.records.participant_row(m.participant.id)["step"] > last]


def _shown(player: Any) -> str:
    """A member as the chat shows them: their role, else their position in the group."""
    return player._role.capitalize() if player._role else f"Player {player.id_in_group}"


def _sender_in(tx: Tx, target: Target, row: Row) -> dict[str, Any]:
    """How a past message's sender is shown: as in the group of the message's app round."""
    sender: dict[str, Any] = {"label": row["label"], "id_in_session": row["id_in_session"]}
    if target.scope == "group":
        _, app_name, round_number, _ = target.key.rsplit("/", 3)
        app = next(s.app for s in tx.steps if s.app.name == app_name)
        player = tx.records.player(app, row["id"], int(round_number))
        sender.update(id_in_group=player.id_in_group, role=player._role)
    return sender


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
        sender.update(id_in_group=player.id_in_group, role=player._role)
    return sender
