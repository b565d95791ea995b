"""The session engine: pure Python over a store, no HTTP.

``Engine`` is the one entry point the server, the CLI and the tests use::

    engine = Engine(project, SqliteStore("labctl.db"))
    code = engine.create_session("my_session", num_participants=4)
    with engine.view(participant_code) as page:      # what to show (and start if new)
        ...
    engine.submit(participant_code, page.index, {"sent_amount": "5.00"})

Each call is one transaction. Participants moved by someone else's action (a wait page that
released them) are announced on the hub channel ``participant:<code>`` after the commit.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from ..errors import LabctlError
from ..fields import Field
from ..hub import Channel, Hub, InProcessHub
from ..pages import Page
from ..project import Project
from ..records import Group, Participant, Player, Session, Subsession
from ..session_type import SessionType
from . import creation, monitor, progress, rooms, shared_access
from . import shared_data as shared
from .flow import Step, build_steps
from .payment import Payment, payment_of
from .progress import FORM_ERROR, SubmitResult
from .recordset import RecordSet
from .tx import Tx, iso

__all__ = ["FORM_ERROR", "Engine", "PageView", "Payment", "SubmitResult", "UnknownParticipant"]

UnknownSeat = rooms.UnknownSeat
SessionFull = rooms.SessionFull


class UnknownParticipant(LabctlError):
    """No participant has this code (a mistyped or foreign link)."""


@dataclass
class PageView:
    """Everything needed to show a participant their current page."""

    kind: str  # "page", "wait" or "finished"
    index: int
    total_steps: int
    participant: Participant
    session: Session
    step: Step | None = None
    player: Player | None = None
    group: Group | None = None
    subsession: Subsession | None = None
    fields: list[Field] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    seconds_left: float | None = None
    waiting_for: int = 0
    payment: Payment | None = None

    @property
    def page(self) -> type[Page] | None:
        return self.step.page if self.step else None  # type: ignore[return-value]


@dataclass
class Outbox:
    """What a committed transaction announces: its Tx's moves and changes, and messages."""

    txs: list[Tx] = field(default_factory=list)
    messages: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def publish(self, channel: str, message: dict[str, Any]) -> None:
        self.messages.append((channel, message))


class Engine:
    """Creates sessions and moves participants through them; storage is behind ``store``."""

    def __init__(self, project: Project, store: Any, hub: Hub | None = None,
                 clock: Callable[[], float] = time.time, timeout_grace: float = 1.0) -> None:
        self.project = project
        self.store = store
        self.hub: Hub = hub or InProcessHub()
        self.clock = clock
        self.timeout_grace = timeout_grace
        self._steps: dict[str, list[Step]] = {}
        for spec in project.apps.values():
            store.sync_app(spec)

    # -- sessions --------------------------------------------------------------------------
    def steps(self, session_type: SessionType) -> list[Step]:
        if session_type.name not in self._steps:
            self._steps[session_type.name] = build_steps(self.project, session_type)
        return self._steps[session_type.name]

    def create_session(self, session_type_name: str, num_participants: int | None = None,
                       labels: list[str] | None = None, seed: int | None = None,
                       room: str | None = None) -> str:
        """Create a session with its participants, subsessions and groups; returns its code.

        In a ``room``, participants get their labels as seats join, the default size is the
        room's, and the room's waiting seats are told the session is open.
        """
        session_type = self.project.session_type(session_type_name)
        if room is not None:
            seats = self.project.room(room).seat_labels(self.project.root)
            labels = None
            if num_participants is None:
                num_participants = len(seats)
        count = (self.project.participant_count(session_type) if num_participants is None
                 else num_participants)
        creation.check_participant_count(self.project, session_type, count)
        seed = secrets.randbits(32) if seed is None else seed
        now = self.clock()
        with self._committing() as outbox:
            code = creation.insert_session(self.store, session_type, count, seed, labels,
                                           iso(now), room)
            tx = self._tx(self.store.session_row(code), now)
            outbox.txs.append(tx)  # e.g. batch data changed in creating_session
            creation.create_subsessions(tx, self.project, seed)
            if room is not None:
                outbox.publish(Channel.room(room), {"type": "advance"})
        return code

    def join_room(self, room: str, label: str) -> str | None:
        """The participant code for a seat, or ``None`` while no session is open there."""
        rooms.check_seat(self.project, room, label)
        with self._committing() as outbox:
            row = self.store.room_session(room)
            if row is None:
                return None
            code = rooms.claim_seat(self.store, row["code"], label)
            outbox.publish(Channel.monitor(row['code']), {"type": "update"})
        return code

    def room_is_open(self, room: str) -> bool:
        self.project.room(room)
        with self.store.reading():
            return self.store.room_session(room) is not None

    # -- the experimenter's live view and actions ------------------------------------------
    def monitor(self, session_code: str) -> list[monitor.MonitorRow]:
        """Every participant's status, page, time on page and whom they wait for."""
        with self.store.reading():
            row = self.store.session_row(session_code)
            if row is None:
                raise LabctlError(f"no session '{session_code}' in {self.store.path}")
            with self._reading_tx(row) as tx:
                return monitor.monitor_rows(tx)

    def admin_advance(self, participant_code: str, session_code: str | None = None,
                      step: int | None = None) -> str:
        """Move a stuck participant past their page (timeout values) or wait page; logged.

        ``session_code`` and ``step`` are what the monitor showed: a participant of another
        session, or one who moved on since (a doubled click), is refused and nothing changes.
        """
        with self._committing() as outbox:
            row = self._participant(participant_code)
            if session_code is not None and row["session_code"] != session_code:
                raise LabctlError(f"participant {participant_code} is not in session "
                                  f"{session_code}", "use the monitor of their session")
            if step is not None and row["step"] != step:
                raise LabctlError(f"participant {row['id_in_session']} has moved on since the "
                                  "monitor showed them; nothing was done",
                                  "look at the monitor again before acting")
            tx = self._tx(self.store.session_row(row["session_code"]), self.clock())
            outbox.txs.append(tx)
            done = monitor.advance(tx, row)
            monitor.log_action(tx, row, done)
            tx.moved.add(participant_code)
            tx.records.flush()
        return done

    def admin_actions(self, session_code: str) -> list[dict[str, Any]]:
        with self.store.reading():
            return self.store.actions_of(session_code)

    def session_rows(self) -> list[dict[str, Any]]:
        with self.store.reading():
            return self.store.session_rows()

    def participant_rows(self, session_code: str) -> list[dict[str, Any]]:
        with self.store.reading():
            return self.store.participants_of(session_code)

    def session_type_of(self, session_code: str) -> SessionType:
        with self.store.reading():
            row = self.store.session_row(session_code)
        if row is None:
            raise LabctlError(f"no session '{session_code}' in {self.store.path}")
        return self.project.session_type(row["session_type"])

    # -- participants ----------------------------------------------------------------------
    @contextmanager
    def view(self, participant_code: str) -> Iterator[PageView]:
        """The participant's current page (starting them if this is their first visit).

        The transaction stays open while the caller renders, so templates can navigate
        records; anything a hook changes is saved when the block ends.
        """
        with self._committing() as outbox:
            tx, row = self._step_tx(participant_code, outbox)
            yield self._page_view(tx, self._started(tx, row))
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
            result = self._submit(tx, row, step, form, timed_out)
            if result.advanced:
                row = self._participant(participant_code)
            yield result, self._page_view(tx, self._started(tx, row))
            tx.records.flush()

    def _started(self, tx: Tx, row: dict[str, Any]) -> dict[str, Any]:
        """The participant's row, after starting them on their first page if this is their
        first visit (a form posted before any page was shown starts them too)."""
        if row["step"] >= 0:
            return row
        self.store.update_participant(row["id"], {"started_at": tx.now_iso})
        progress.enter(tx, row["id"], 0)
        return self.store.participant_by_id(row["id"])

    def _step_tx(self, participant_code: str, outbox: Outbox) -> tuple[Tx, dict[str, Any]]:
        """The participant's row and a Tx of their session, announced after the commit."""
        row = self._participant(participant_code)
        tx = self._tx(self.store.session_row(row["session_code"]), self.clock())
        tx.actor = row["id"]
        tx.records.know_participant(row)
        outbox.txs.append(tx)
        return tx, row

    def _submit(self, tx: Tx, row: dict[str, Any], step: int | None, form: Mapping[str, str],
                timed_out: bool) -> SubmitResult:
        expired = row["deadline"] is not None and tx.now >= row["deadline"] - self.timeout_grace
        result = progress.submit(tx, row, step, form, timed_out=timed_out and expired)
        if result.advanced:
            tx.records.flush()
        return result

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

    def position(self, participant_code: str) -> dict[str, Any]:
        """Where a participant is: what wait pages poll when WebSockets are blocked."""
        with self.store.reading():
            row = self._participant(participant_code)
        return {"step": row["step"], "page": row["page"], "finished": row["finished_at"]
                is not None}

    def payments(self, session_code: str) -> list[Payment]:
        session_type = self.session_type_of(session_code)
        total = len(self.steps(session_type))
        return [payment_of(session_type, row, total)
                for row in self.participant_rows(session_code)]

    # -- live shared data (batch, group, study) -------------------------------------------
    def shared_target(self, participant_code: str, scope: str) -> shared_access.Target:
        """The document a participant reaches in ``scope`` where they are now."""
        with self.store.reading():
            row = self._participant(participant_code)
            with self._reading_tx(self.store.session_row(row["session_code"])) as tx:
                return shared_access.target_of_participant(tx, row, scope)

    def shared_read(self, target: shared_access.Target) -> tuple[int, Any]:
        with self.store.reading():
            return shared.read(self.store, target.scope, target.key)

    def shared_change(self, participant_code: str, target: shared_access.Target,
                      base_version: Any, *, patch: Any = None, replace: Any = None
                      ) -> shared.ChangeResult:
        """A participant's change to a document they reach; refused if the version is stale.

        The target is re-derived in the transaction: a participant who moved on since the
        socket opened cannot write into the group they left.
        """
        with self._committing() as outbox:
            tx, row = self._step_tx(participant_code, outbox)
            current = shared_access.target_of_participant(tx, row, target.scope)
            if current != target:
                raise shared.SharedDataError(
                    f"this page's {target.scope} data is no longer yours",
                    "reload the page to reach your current data")
            result = shared_access.apply_change(tx, target, base_version, participant_code,
                                                patch=patch, replace=replace,
                                                shown_as=self._sender_name(tx, row))
        return result

    def shared_message(self, participant_code: str, target: shared_access.Target, body: Any,
                       to: Any = None) -> None:
        """A message to the other members (or one, by ``id_in_group``): logged, not data."""
        if not isinstance(body, (str, int, float, bool, dict, list)) or len(
                json.dumps(body)) > 10_000:
            raise shared.SharedDataError("a message must be JSON under 10,000 characters")
        with self._committing() as outbox:
            tx, row = self._step_tx(participant_code, outbox)
            channel = target.channel
            recipient = None
            if to is not None:
                if target.scope != "group":
                    raise shared.SharedDataError("direct messages go to a member of your group")
                recipient = self._member_code(tx, row, to)
                channel = Channel.direct(recipient)
            self.store.add_shared_message({
                "scope": target.scope, "key": target.key, "sender": participant_code,
                "recipient": recipient, "body": json.dumps(body), "at": tx.now_iso})
            outbox.publish(channel, {"type": "message", "store": target.scope,
                                     "from": self._sender_name(tx, row), "body": body,
                                     "direct": recipient is not None})

    def _member_code(self, tx: Tx, row: dict[str, Any], id_in_group: Any) -> str:
        step = tx.steps[row["step"]]
        player = tx.records.player(step.app, row["id"], step.round_number)
        for member in player.group.get_players():  # type: ignore[union-attr]
            if member.id_in_group == id_in_group:
                return member.participant.code
        raise shared.SharedDataError(f"your group has no member {id_in_group!r}")

    def _sender_name(self, tx: Tx, row: dict[str, Any]) -> dict[str, Any]:
        """How a message's sender is shown: position and role in the group, and label."""
        sender: dict[str, Any] = {"label": row["label"], "id_in_session": row["id_in_session"]}
        if 0 <= row["step"] < len(tx.steps):
            step = tx.steps[row["step"]]
            player = tx.records.player(step.app, row["id"], step.round_number)
            sender.update(id_in_group=player.id_in_group, role=player.role)
        return sender

    def batch_documents(self) -> list[dict[str, Any]]:
        """Every batch of the project's session types with its document and version."""
        names = sorted({st.batch_name for st in self.project.session_types})
        with self.store.reading():
            found = []
            for name in names:
                version, doc = shared.read(self.store, "batch", name)
                found.append({"batch": name, "version": version, "doc": doc})
            return found

    def admin_replace_batch(self, batch: str, base_version: Any, doc: Any) -> shared.ChangeResult:
        """The experimenter edits batch data: versioned like any change, author ``admin``."""
        if batch not in {st.batch_name for st in self.project.session_types}:
            raise shared.SharedDataError(f"there is no batch '{batch}' in this project")
        target = shared_access.Target("batch", batch, False)
        with self._committing() as outbox:
            result = shared.change(self.store, "batch", batch, base_version, author="admin",
                                   now_iso=iso(self.clock()), replace=doc)
            if result.accepted:
                outbox.publish(target.channel, {"type": "change", "store": "batch",
                                                "version": result.version,
                                                "patch": result.patch, "author": "admin"})
        return result

    def group_documents(self, session_code: str) -> list[dict[str, Any]]:
        """The session's group documents (read-only in the monitor)."""
        prefix = f"{session_code}/"
        with self.store.reading():
            return [{"key": r["key"], "version": r["version"], "doc": json.loads(r["doc"])}
                    for r in self.store.shared_docs("group") if r["key"].startswith(prefix)]

    @contextmanager
    def _committing(self) -> Iterator[Outbox]:
        """One transaction; its messages leave right after the commit, still under the
        store's lock, so that every channel sees changes in commit order (version 2 is never
        pushed after version 3)."""
        outbox = Outbox()
        try:
            with self.store.reading():
                with self.store.transaction():
                    yield outbox
                for tx in outbox.txs:
                    self._announce(tx)
                for channel, message in outbox.messages:
                    self.hub.publish(channel, message)
        finally:
            for tx in outbox.txs:
                tx.records.release()

    # -- internals -------------------------------------------------------------------------
    def _participant(self, code: str) -> dict[str, Any]:
        row = self.store.participant_by_code(code) if isinstance(code, str) else None
        if row is None:
            raise UnknownParticipant("this link does not belong to any participant",
                                     "check the link, or ask the experimenter for yours")
        return row

    def _tx(self, session_row: dict[str, Any], now: float) -> Tx:
        session_type = self.project.session_type(session_row["session_type"])
        records = RecordSet(self.store, self.project, session_type, session_row)
        tx = Tx(self.store, records, self.steps(session_type), session_type, now,
                self.project.root)
        records.shared_access = lambda player, scope: shared_access.SharedDoc(
            tx, shared_access.target_of_player(tx, player, scope))
        return tx

    @contextmanager
    def _reading_tx(self, session_row: dict[str, Any]) -> Iterator[Tx]:
        """A Tx that only reads (the monitor, a shared-data socket opening); its records are
        released afterwards, as ``_committing`` releases those of a step."""
        tx = self._tx(session_row, self.clock())
        try:
            yield tx
        finally:
            tx.records.release()

    def _announce(self, tx: Tx) -> None:
        for channel, message in tx.published:
            self.hub.publish(channel, message)
        for code in tx.moved:
            self.hub.publish(Channel.participant(code), {"type": "advance"})
        if tx.changed:
            self.hub.publish(Channel.monitor(tx.session_code), {"type": "update"})

    def _page_view(self, tx: Tx, row: dict[str, Any]) -> PageView:
        person = tx.records.participant(row["id"])
        index = row["step"]
        base = {"index": index, "total_steps": len(tx.steps), "participant": person,
                "session": tx.records.session}
        if index >= len(tx.steps):
            person.payoff = row["bonus"] or 0
            return PageView("finished", payment=payment_of(tx.session_type, row, len(tx.steps)),
                            **base)
        step = tx.steps[index]
        player = tx.records.player(step.app, row["id"], step.round_number)
        view = PageView("wait" if step.is_wait else "page", step=step, player=player,
                        group=player.group, subsession=player.subsession, **base)
        if step.is_wait:
            view.waiting_for = self._waiting_for(tx, step, player)
            return view
        page: type[Page] = step.page  # type: ignore[assignment]
        view.fields = progress.form_fields(page, player)
        view.extra = dict(progress.call_hook(
            page.vars_for_template, player, root=tx.root,
            what=f"vars_for_template of {step.describe()}") or {})
        if row["deadline"] is not None:
            view.seconds_left = max(0.0, row["deadline"] - tx.now)
        return view

    def _waiting_for(self, tx: Tx, step: Step, player: Player) -> int:
        if getattr(step.page, "group_by_arrival_time", False):
            size = step.app.players_per_group or 1
            waiting = len(tx.store.arrivals(tx.session_code, step.index))
            return size - waiting % size if waiting % size else 0
        if getattr(step.page, "wait_for_all_groups", False):
            members = [r["id"] for r in tx.store.participants_of(tx.session_code)]
        else:
            members = [p.participant.id for p in player.group.get_players()]  # type: ignore
        return len(members) - tx.store.arrival_count(tx.session_code, step.index, members)

