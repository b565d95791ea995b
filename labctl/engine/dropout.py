"""The dropout policy at work (``labctl.dropout``): the server's once-a-second sweep asks the
engine who is gone past the declared limit, and acts for them through the engine, as the
participant would: a submit (``decided_by`` bot or timeout) or the group's end.

Presence (offline since when) is the engine's in-memory ``presence``; time on the page is the
store's ``page_arrived_at``; both read against the engine's clock, so tests drive it.
"""

from __future__ import annotations

import random
from datetime import datetime

from ..bots.auto import automatic_values
from ..dropout import Dropout
from ..errors import ResearcherCodeError
from ..session_type import SessionType
from . import progress
from .core import EngineCore
from .flow import Step
from .running import running_sessions
from .store import Row
from .tx import Tx

#: attempts at a form the automatic bot's values did not pass (each draws closer to minima)
BOT_ATTEMPTS = 6


def policy_of(session_type: SessionType, step: Step) -> Dropout | None:
    """The policy on this step: the app's, else the session type's."""
    policy = step.app.settings.dropout or session_type.dropout
    return policy if isinstance(policy, Dropout) else None


class DropoutActions(EngineCore):
    def apply_dropouts(self) -> int:
        """Act for every participant gone past their policy's limit; returns how many pages
        (or groups) were decided. Sessions whose type and apps declare no policy cost one
        look at the session list."""
        now = self.clock()
        acted = 0
        for session, rows in running_sessions(self, self._declares_dropout):
            for row in rows:
                try:
                    acted += self._check(session, row, now)
                except ResearcherCodeError as exc:  # their page's hook failed: shown in the
                    self._record_failure(row["code"], exc)  # monitor, the others go on
        return acted

    def _record_failure(self, code: str, exc: ResearcherCodeError) -> None:
        record = getattr(self, "record_app_error", None)  # ExperimenterActions, in Engine
        if record is not None:
            record(code, exc)

    def _declares_dropout(self, name: str) -> bool:
        session_type = self.project.session_type(name)
        return session_type.dropout is not None or any(
            self.project.apps[app].settings.dropout is not None
            for app in session_type.app_sequence if app in self.project.apps)

    def _check(self, session: Row, row: Row, now: float) -> int:
        session_type = self.project.session_type(session["session_type"])
        steps = self.steps(session_type)
        state = self.presence.state(row["code"], now)
        if row.get("dropout_at"):  # back on any page (a wait page, the end page too): they
            # take over; asked before the end check, as one who came back may finish within
            # the second between two sweeps
            gone_since = datetime.fromisoformat(row["dropout_at"]).timestamp()
            if state is not None and state.online and state.since > gone_since:
                return self._came_back(row)
        if not 0 <= row["step"] < len(steps):
            return 0
        if steps[row["step"]].is_wait:
            return 0
        policy = policy_of(session_type, steps[row["step"]])
        if policy is None:
            return 0
        if not row.get("dropout_at"):
            offline = state is not None and not state.online and now - state.since
            idle = now - datetime.fromisoformat(row["page_arrived_at"]).timestamp()
            if not ((offline and offline >= policy.after_seconds)
                    or idle >= policy.after_seconds):
                return 0
        return self._act(row["code"], row["step"], policy)

    def note_return(self, tx: Tx, row: Row) -> None:
        """A participant taken for gone loads a page again: they take over (in the page's
        own transaction; the sweep would miss one who finishes within a second, once their
        session has ended)."""
        self.store.update_participant(row["id"], {"dropout_at": None})
        self._log(tx, row, "returned: plays on from their current page")
        tx.changed = True

    def _came_back(self, row: Row) -> int:
        """They are online again since they were taken for gone: they take over."""
        with self._committing() as outbox:
            tx, fresh = self._step_tx(row["code"], outbox)
            self.store.update_participant(fresh["id"], {"dropout_at": None})
            self._log(tx, fresh, "returned: plays on from their current page")
            tx.changed = True
        return 0

    def _act(self, code: str, step: int, policy: Dropout) -> int:
        with self._committing() as outbox:
            tx, row = self._step_tx(code, outbox)
            if row["step"] != step:  # they moved on meanwhile
                return 0
            tx.actor = None  # the participant's own page, if open, is told to move
            if not row.get("dropout_at"):
                self.store.update_participant(row["id"], {"dropout_at": tx.now_iso})
                self._log(tx, row, f"dropout: gone for {policy.after_seconds} s; then "
                                   f"{policy.then}")
                tx.changed = True
            if policy.then == "end_group":
                return self._end_group(tx, row)
            tx.decided_by = "bot" if policy.then == "bot" else "timeout"
            advanced = self._decide(tx, row, policy.then == "bot")
            if advanced:
                tx.records.flush()
                tx.moved.add(code)
            return int(advanced)

    def _decide(self, tx: Tx, row: Row, as_bot: bool) -> bool:
        """Submit the page: the automatic bot's values, or the timeout values (the bot's for
        a field that has none)."""
        index = row["step"]
        step = tx.steps[index]
        page = step.form_page
        player = tx.records.player(step.app, row["id"], step.round_number)
        fields = progress.form_fields(page, player)
        without = [f for f in fields
                   if page.timeout_submission.get(f.name) is None and f.initial is None]
        rng = random.Random(f"{row['code']}:{index}")
        for attempt in range(BOT_ATTEMPTS):
            typed = automatic_values(fields if as_bot else without, rng, attempt,
                                     tx.session_type.minor_digits, tx.session_type.decimal_mark)
            if as_bot:
                result = progress.submit(tx, row, index, typed, timed_out=False)
            else:
                given, _ = progress.parse_answers(tx, without, typed)
                result = progress.submit(tx, row, index, {}, timed_out=True, given=given)
            if result.advanced:
                return True
        return False

    def _end_group(self, tx: Tx, row: Row) -> int:
        """The dropout's group goes to the end: each member is shown why, and paid what they
        earned so far and the show-up fee."""
        step = tx.steps[row["step"]]
        mine = self.store.player_row(step.app.name, row["id"], step.round_number)
        members = ([p["participant_id"] for p in
                    self.store.group_player_rows(step.app.name, mine["group_id"])]
                   if mine and mine.get("group_id") else [row["id"]])
        for member in members:
            other = self.store.participant_by_id(member)
            if other is None or other["step"] >= len(tx.steps):
                continue
            self.store.update_participant(member, {
                "step": len(tx.steps), "app": None, "round_number": None, "page": None,
                "deadline": None, "page_arrived_at": tx.now_iso, "finished_at": tx.now_iso,
                "group_ended": 1})
            tx.moved.add(other["code"])
        self._log(tx, row, f"end_group: group of {len(members)} sent to the end")
        tx.changed = True
        return 1

    def _log(self, tx: Tx, row: Row, action: str) -> None:
        step = tx.steps[row["step"]] if 0 <= row["step"] < len(tx.steps) else None
        self.store.log_action({"session_code": tx.session_code, "participant_code": row["code"],
                               "action": action, "step": row["step"],
                               "page": step.describe() if step else None, "at": tx.now_iso})
