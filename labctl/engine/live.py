"""Live pages: a page's script sends ``liveSend(data)``, the page's ``live_method(player,
data)`` runs on the server, and what it returns reaches the addressed players' ``liveRecv``.

Each message is one transaction, like a submit: what the method changes commits with the
message or, when it raises, not at all (and the researcher sees its file:line in the monitor).
The message and each payload it delivers are logged in ``live_messages`` in the same
transaction (a payload once, however many members it reaches; each of them a small row of
``live_recipients``), and the deliveries are published (``hub.Channel.live``) after the
commit, in commit order, only to members who are on a live page of the same app round. A
wait page may have a ``live_method`` too (oTree 6): its messages reach only the members waiting
on that same wait page, as oTree sends a page's replies to those on the sender's page; a live
message never releases or holds a wait page. A message from a page the participant is no
longer on (a stale tab, a replay, a wait page that released) is refused, as are oversized or
deeply nested payloads and a page sending faster than ``RATE_PER_SECOND``.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import LabctlError, ResearcherCodeError, SourceLocation
from ..hub import Channel
from .core import EngineCore
from .flow import Step
from .hooks import call_hook
from .shared_data import MAX_JSON_DEPTH, too_deep
from .store import Row
from .tx import Tx

#: a live message is a move in a game, not a file transfer
MAX_PAYLOAD_BYTES = 64 * 1024
#: each participant's page may send this many messages a second on average...
RATE_PER_SECOND = 20.0
#: ...and this many at once (a burst after a reconnect)
RATE_BURST = 40.0
#: the deliveries a page that reconnects or polls is sent at most at once
RESUME_LIMIT = 500
#: what a participant's page is told when the live method failed (the researcher sees more)
FAILED = ("the experiment's code failed on this action, so nothing of it was saved; the "
          "experimenter has been told")


class LiveRefused(LabctlError):
    """A live message that cannot be run: stale page, not a live page, too large, too fast,
    or a live method that failed (``failure`` then holds the researcher's error)."""

    def __init__(self, message: str, hint: str = "",
                 failure: ResearcherCodeError | None = None, too_fast: bool = False) -> None:
        super().__init__(message, hint)
        self.failure = failure
        self.too_fast = too_fast


@dataclass(frozen=True)
class Delivery:
    """One payload for one participant's live page, as published and as resumed."""

    id: int
    reply_to: int
    data: Any

    def message(self) -> dict[str, Any]:
        return {"type": "live", "id": self.id, "re": self.reply_to, "data": self.data}

    def frame(self, data_text: str) -> LiveFrame:
        """The message as the hub carries it to every recipient, its JSON made once from
        the payload's (``data_text``)."""
        frame = LiveFrame(self.message())
        frame.text = (f'{{"type": "live", "id": {self.id}, "re": {self.reply_to}, '
                      f'"data": {data_text}}}')
        return frame


class LiveFrame(dict):
    """A delivery on the hub with its JSON text, made once for all the sockets it goes to:
    a market's order book was encoded again for each of its members."""

    __slots__ = ("text",)
    text: str


class RateLimits:
    """A token bucket per participant: a page in a loop is refused, not served."""

    MAX_REMEMBERED = 100_000

    def __init__(self, per_second: float = RATE_PER_SECOND, burst: float = RATE_BURST) -> None:
        self.per_second = per_second
        self.burst = burst
        self.buckets: dict[str, tuple[float, float]] = {}
        self.lock = threading.Lock()

    def take(self, code: str, now: float) -> bool:
        """Spend one token of ``code``'s bucket; False when it is empty."""
        with self.lock:
            tokens, last = self.buckets.get(code, (self.burst, now))
            tokens = min(self.burst, tokens + max(0.0, now - last) * self.per_second)
            if tokens < 1.0:
                self.buckets[code] = (tokens, now)
                return False
            if len(self.buckets) >= self.MAX_REMEMBERED:
                self.buckets.clear()
            self.buckets[code] = (tokens - 1.0, now)
            return True


class LiveActions(EngineCore):
    @property
    def live_rates(self) -> RateLimits:
        """The engine's rate limits of live messages (made on first use; a lab may set its
        own, ``engine.live_rates = RateLimits(per_second, burst)``)."""
        rates = self.__dict__.get("_live_rates")
        if rates is None:
            rates = self.__dict__["_live_rates"] = RateLimits()
        return rates

    @live_rates.setter
    def live_rates(self, rates: RateLimits) -> None:
        self.__dict__["_live_rates"] = rates

    def live_message(self, participant_code: str, step: Any, data: Any) -> int:
        """Run the live method of the page at ``step`` for one message; its logged id.

        ``step`` is the step the page was shown at: any other is a stale page. Raises
        ``LiveRefused`` with a message for the page; a failing live method is recorded as the
        participant's app error (file:line, for the monitor) before it is refused.
        """
        text = _payload_text(data)
        if not self.live_rates.take(participant_code, self.clock()):
            raise LiveRefused(f"too many live messages: at most {RATE_PER_SECOND:g} a second",
                              "this message was not sent; slow down", too_fast=True)
        try:
            with self._committing() as outbox:
                tx, row = self._step_tx(participant_code, outbox)
                tx.actor = None
                message_id = _run(tx, row, step, data, text)
        except ResearcherCodeError as exc:
            self.record_app_error(participant_code, exc)  # type: ignore[attr-defined]
            raise LiveRefused(FAILED, failure=exc) from exc
        return message_id

    def bot_live_call(self, participant_code: str, id_in_group: int, data: Any) -> Any:
        """Run the live method of the participant's current page as the member
        ``id_in_group`` of their group sends ``data``; what the method returned.

        This is oTree's ``call_live_method`` for bots: the test calls the method for any member,
        wherever that member's bot is, and checks what it returned (``{id_in_group:
        payload}``), so there is no page, socket or rate limit here. The message and its
        deliveries are logged and published as a page's would be, so the data is the same.
        """
        text = _payload_text(data)
        try:
            with self._committing() as outbox:
                tx, row = self._step_tx(participant_code, outbox)
                tx.actor = None
                step = live_step(tx, row["step"])
                if step is None:
                    raise LiveRefused("the bot's page has no live method", "nothing was sent")
                me = tx.records.player(step.app, row["id"], step.round_number)
                member = me.group.get_player_by_id(id_in_group)
                return _call(tx, step, row["step"], member, data, text)[1]
        except ResearcherCodeError as exc:
            self.record_app_error(participant_code, exc)  # type: ignore[attr-defined]
            raise LiveRefused(FAILED, failure=exc) from exc

    def live_deliveries(self, participant_code: str, after: Any) -> list[Delivery]:
        """What the participant's live page was sent after delivery ``after``: for a page
        that reconnected, or that polls where WebSockets are blocked."""
        since = after if isinstance(after, int) and not isinstance(after, bool) else 0
        with self.store.reading():
            row = self._participant(participant_code)
            rows = self.store.live_deliveries(participant_code, row["step"], since,
                                              RESUME_LIMIT)
        return [Delivery(r["id"], r["reply_to"], json.loads(r["payload"])) for r in rows]


def live_step(tx: Tx, index: int) -> Step | None:
    """The step at ``index`` if it is a page or wait page with a live method, else None."""
    if not 0 <= index < len(tx.steps):
        return None
    step = tx.steps[index]
    return step if getattr(step.page, "live_method", None) is not None else None


def _payload_text(data: Any) -> str:
    try:
        text = json.dumps(data, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise LiveRefused("a live message must be JSON", "send numbers, text, lists and "
                          "objects") from exc
    if len(text) > MAX_PAYLOAD_BYTES:
        raise LiveRefused(f"a live message must be under {MAX_PAYLOAD_BYTES // 1024} KiB",
                          "send less at once")
    if too_deep(text):
        raise LiveRefused(f"a live message must nest at most {MAX_JSON_DEPTH} levels")
    return text


def _run(tx: Tx, row: Row, step_token: Any, data: Any, text: str) -> int:
    """The live method's run and its log, inside the caller's transaction."""
    index = row["step"]
    step = live_step(tx, index)
    if step_token != index or isinstance(step_token, bool):
        raise LiveRefused("this page is no longer yours to act on: you have moved on",
                          "nothing was sent; reload to see your current page")
    if step is None:
        raise LiveRefused("this page has no live method", "nothing was sent")
    player = tx.records.player(step.app, row["id"], step.round_number)
    return _call(tx, step, index, player, data, text)[0]


def _call(tx: Tx, step: Step, index: int, player: Any, data: Any,
          text: str) -> tuple[int, Any]:
    """Run the step's live method for ``player``, log the message and deliver what it
    returned; the logged id and the method's return."""
    page = step.page
    assert page.live_method is not None
    returned = call_hook(page.live_method, player, data, root=tx.root,
                         what=f"live_method of {step.describe()}")
    addressed = _addressed(page.live_method, returned, player)
    tx.records.flush()
    where = {"session_code": tx.session_code, "step": index, "app": step.app.name,
             "round_number": step.round_number, "page": step.name, "at": tx.now_iso}
    message_id = tx.store.add_live_message({
        **where, "participant_code": player.participant.code,
        "id_in_group": player.id_in_group, "direction": "in", "payload": text,
        "recipients": ",".join(str(m.id_in_group) for m, _, _ in addressed)})
    _deliver(tx, step, addressed, message_id, where)
    return message_id, returned


def _addressed(method: Any, returned: Any, player: Any) -> list[tuple[Any, Any, str]]:
    """The members a live method's return addresses, each with its payload as JSON text."""
    if returned is None:
        return []
    if not isinstance(returned, dict):
        raise _bad_return(method, f"live_method returned {type(returned).__name__}, not a "
                                  "dict")
    members = {m.id_in_group: m for m in player.group.get_players()}
    found: dict[int, tuple[Any, Any, str]] = {}
    for key, payload in returned.items():
        try:
            text = json.dumps(payload, allow_nan=False)
        except (TypeError, ValueError) as exc:
            raise _bad_return(method, f"live_method's payload for {key!r} is not JSON: "
                                      f"{exc}") from exc
        if key == 0 and not isinstance(key, bool):
            for id_in_group, member in members.items():
                found[id_in_group] = (member, payload, text)
        elif key in members and not isinstance(key, bool):
            found[key] = (members[key], payload, text)
        else:
            raise _bad_return(method, f"live_method returned a payload for {key!r}, which is "
                                      f"no id_in_group of the group ({sorted(members)})")
    return [found[i] for i in sorted(found)]


def _bad_return(method: Any, message: str) -> ResearcherCodeError:
    code = getattr(method, "__code__", None)
    location = SourceLocation(Path(code.co_filename), code.co_firstlineno) if code else (
        SourceLocation(Path("?")))
    return ResearcherCodeError(message, location, "return None, or {id_in_group: payload} "
                               "with 0 for the whole group; payloads must be JSON")


def _deliver(tx: Tx, step: Step, addressed: list[tuple[Any, Any, str]], message_id: int,
             where: Row) -> None:
    """Log each payload once, with the members it reaches, and publish it to each of them:
    to members on a live page of the same app round only (a member who moved on, or has not
    arrived yet, gets nothing). A live method moves nobody, so their rows as read in this
    transaction tell where they are (``_reaches``)."""
    rows = tx.records.unmoved_participant_rows(
        [member.participant.id for member, _, _ in addressed])
    payloads: dict[str, tuple[Any, list[Row]]] = {}
    for member, payload, text in addressed:
        recipient = rows[member.participant.id]
        current = live_step(tx, recipient["step"])
        if current is None or not _reaches(step, current):
            continue
        payloads.setdefault(text, (payload, []))[1].append({
            "participant_code": recipient["code"], "id_in_group": member.id_in_group,
            "step": recipient["step"], "page": current.name})
    for text, (payload, recipients) in payloads.items():
        delivery_id = tx.store.add_live_delivery({
            **where, "direction": "out", "reply_to": message_id, "payload": text,
            "recipients": ",".join(str(r["id_in_group"]) for r in recipients)}, recipients)
        frame = Delivery(delivery_id, message_id, payload).frame(text)
        for recipient in recipients:
            tx.published.append((Channel.live(recipient["participant_code"]), frame))


def _reaches(sender: Step, recipient: Step) -> bool:
    """Whether a delivery of a message sent at ``sender`` reaches a member at ``recipient``
    (both live steps): a page's, the live pages of its app round; a wait page's, that wait
    page only (its script and a page's expect different messages; oTree delivers to the
    sender's page only)."""
    if sender.is_wait or recipient.is_wait:
        return recipient.index == sender.index
    return recipient.app is sender.app and recipient.round_number == sender.round_number
