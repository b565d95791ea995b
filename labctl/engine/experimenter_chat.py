"""A participant's chat with the experimenter: typed on the participant's page, answered from
the monitor. Every message is kept (table ``experimenter_messages``) and exported; each one
is announced to the other side after the commit (the monitor refetches, the participant's page
shows it), so neither has to poll.
"""

from __future__ import annotations

from typing import Any, Literal

from ..errors import LabctlError
from ..hub import Channel
from .core import EngineCore
from .tx import iso

#: who wrote a message
Sender = Literal["participant", "experimenter"]
#: the longest message, in characters: a chat line, not a letter
MAX_CHARS = 1000
#: the message type a participant's page hears on its channel (``labctl.js`` passes it on)
MESSAGE_TYPE = "experimenter_chat"


def checked_text(text: Any) -> str:
    """The message as kept: stripped text of 1 to ``MAX_CHARS`` characters, or refused."""
    if not isinstance(text, str) or not text.strip():
        raise LabctlError("an empty chat message was not sent", "type a message first")
    text = text.strip()
    if len(text) > MAX_CHARS:
        raise LabctlError(f"a chat message holds at most {MAX_CHARS} characters, not "
                          f"{len(text)}", "split it in two")
    return text


def shown(row: dict[str, Any]) -> dict[str, Any]:
    """A kept message as the pages and the monitor show it."""
    return {"id": row["id"], "participant_code": row["participant_code"],
            "sender": row["sender"], "body": row["body"], "at": row["at"]}


class ExperimenterChatActions(EngineCore):
    def chat_with_experimenter(self, participant_code: str, text: Any) -> dict[str, Any]:
        """A participant's message to the experimenter; returns it as kept."""
        body = checked_text(text)
        with self._committing() as outbox:
            row = self._participant(participant_code)
            message = self._keep(row["session_code"], participant_code, "participant", body)
            outbox.publish(Channel.monitor(row["session_code"]), {"type": "update"})
        return message

    def chat_with_participant(self, session_code: str, participant_code: str, text: Any
                              ) -> dict[str, Any]:
        """The experimenter's answer to one participant of a session; returns it as kept."""
        body = checked_text(text)
        with self._committing() as outbox:
            row = self._participant(participant_code)
            if row["session_code"] != session_code:
                raise LabctlError(f"participant {participant_code} is not in session "
                                  f"{session_code}", "answer from the monitor of their session")
            message = self._keep(session_code, participant_code, "experimenter", body)
            outbox.publish(Channel.participant(participant_code),
                           {"type": MESSAGE_TYPE, "message": message})
            outbox.publish(Channel.monitor(session_code), {"type": "update"})
        return message

    def participant_chat(self, participant_code: str) -> list[dict[str, Any]]:
        """A participant's own chat with the experimenter, oldest first (what their page
        shows, again after a reload)."""
        with self.store.reading():
            row = self._participant(participant_code)
            return [shown(message) for message in self.store.experimenter_messages(
                row["session_code"], participant_code)]

    def experimenter_chat(self, session_code: str, participant_code: str | None = None
                          ) -> list[dict[str, Any]]:
        """A session's chat messages (one participant's when given), oldest first."""
        with self.store.reading():
            return [shown(row) for row in self.store.experimenter_messages(
                session_code, participant_code)]

    def _keep(self, session_code: str, participant_code: str, sender: Sender, body: str
              ) -> dict[str, Any]:
        row: dict[str, Any] = {"session_code": session_code, "sender": sender,
                               "participant_code": participant_code, "body": body,
                               "at": iso(self.clock())}
        row["id"] = self.store.add_experimenter_message(row)
        return shown(row)
