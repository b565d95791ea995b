"""The experimenter's live view and actions: the monitor, unsticking a participant, the
action log, and the batch and group documents."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from typing import Any

from ..errors import LabctlError, ResearcherCodeError
from ..hub import Channel
from . import monitor, shared_data
from .core import EngineCore
from .monitor import MonitorRow
from .shared_access import Target, group_key
from .store import Row
from .tx import iso


class ExperimenterActions(EngineCore):
    def monitor(self, session_code: str) -> list[monitor.MonitorRow]:
        """Every participant's status, page, time on page and whom they wait for."""
        with self.store.reading():
            tx = self._tx(self._session(session_code), self.clock())
            rows = monitor.monitor_rows(tx)
        return [dataclasses.replace(row, presence=self._presence_cell(row)) for row in rows]

    def _presence_cell(self, row: MonitorRow) -> dict[str, Any] | None:
        """The row's connection; a participant offline while playing or waiting has
        ``dropped`` set, for the monitor to flag."""
        state = self.presence.state(row.code, self.clock())
        if state is None:
            return None
        return {**state.as_dict(), "dropped": not state.online
                and row.status in ("playing", "waiting")}

    def admin_advance(self, participant_code: str, session_code: str | None = None,
                      step: int | None = None, answers: Mapping[str, str] | None = None) -> str:
        """Move a stuck participant past their page (timeout values) or wait page; logged.

        ``session_code`` and ``step`` are what the monitor showed: a participant of another
        session, or one who moved on since (a doubled click), is refused and nothing changes.
        ``answers`` are what the experimenter typed for fields that have no timeout value,
        read and checked as a participant's answers are (an answer that does not fit is
        refused with its field's message, and nothing changes).
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
            tx = self._tx(self._session(row["session_code"]), self.clock())
            outbox.txs.append(tx)
            tx.decided_by = "admin"
            done = monitor.advance(tx, row, answers)
            if answers and done == "advance":
                done = "advance with answers"
            monitor.log_action(tx, row, done)
            tx.moved.add(participant_code)
            tx.records.flush()
        return done

    # -- app errors: a researcher's hook failed on a participant's page -------------------------
    def record_app_error(self, participant_code: str, error: ResearcherCodeError) -> None:
        """Keep the error that stopped a participant's page, and tell the monitor at once.

        A transaction of its own: the step that failed was rolled back. The error is kept at
        the participant's step (after the rollback: where they still are), so it stops
        showing once they are moved on.
        """
        with self._committing() as outbox:
            row = self._participant(participant_code)
            tx = self._tx(self._session(row["session_code"]), self.clock())
            index = row["step"]
            step = tx.steps[index] if 0 <= index < len(tx.steps) else None
            self.store.record_app_error({
                "participant_code": participant_code, "session_code": row["session_code"],
                "step": index, "page": step.describe() if step else None,
                "location": error.location.display(self.project.root),
                "message": str(error.args[0]) if error.args else "", "at": tx.now_iso})
            outbox.publish(Channel.monitor(row["session_code"]), {"type": "update"})

    def app_error_standing(self, participant_code: str) -> bool:
        """Whether the participant's page still stands stopped by an app error: what their
        error page polls (where WebSockets are blocked) to know when to try again."""
        with self.store.reading():
            row = self._participant(participant_code)
            error = self.store.app_error_of(participant_code)
        return monitor.standing_error(error, row["step"]) is not None

    def admin_retry(self, participant_code: str, session_code: str, step: int) -> None:
        """Let a participant stopped by an app error try their page again (once the cause is
        dealt with, e.g. the participant they depend on has answered); logged. Their error
        page reloads by itself; if the code fails again, the error is recorded again."""
        with self._committing() as outbox:
            row = self._participant(participant_code)
            if row["session_code"] != session_code or row["step"] != step:
                raise LabctlError(f"participant {row['id_in_session']} has moved on since the "
                                  "monitor showed them; nothing was done",
                                  "look at the monitor again before acting")
            tx = self._tx(self._session(session_code), self.clock())
            self.store.clear_app_error(participant_code)
            monitor.log_action(tx, row, "retry")
            outbox.publish(Channel.participant(participant_code), {"type": "retry"})
            outbox.publish(Channel.monitor(session_code), {"type": "update"})

    def admin_actions(self, session_code: str) -> list[Row]:
        with self.store.reading():
            return self.store.actions_of(session_code)

    def batch_documents(self) -> list[dict[str, Any]]:
        """Every batch of the project's session types with its document and version."""
        names = sorted({st.batch_name for st in self.project.session_types})
        with self.store.reading():
            found = []
            for name in names:
                version, doc = shared_data.read(self.store, "batch", name)
                found.append({"batch": name, "version": version, "doc": doc})
            return found

    def admin_replace_batch(self, batch: str, base_version: Any, doc: Any
                            ) -> shared_data.ChangeResult:
        """The experimenter edits batch data: versioned like any change, author ``admin``."""
        if batch not in {st.batch_name for st in self.project.session_types}:
            raise shared_data.SharedDataError(f"there is no batch '{batch}' in this project")
        target = Target("batch", batch, False)
        with self._committing() as outbox:
            result = shared_data.change(self.store, "batch", batch, base_version,
                                        author="admin", now_iso=iso(self.clock()), replace=doc)
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

    def study_documents(self, session_code: str) -> list[dict[str, Any]]:
        """The study data of each participant of the session who has any, by participant."""
        with self.store.reading():
            labels = {p["code"]: p for p in self.store.participants_of(session_code)}
            return [{"key": r["key"], "participant": labels[r["key"]]["id_in_session"],
                     "version": r["version"], "doc": json.loads(r["doc"])}
                    for r in self.store.shared_docs("study") if r["key"] in labels]

    def admin_replace_shared(self, session_code: str, scope: str, key: str, base_version: Any,
                             doc: Any) -> shared_data.ChangeResult:
        """The experimenter replaces a group's or a participant's study data, e.g. to repair a
        document that stops a group: versioned like any change, author ``admin``, and not
        limited by the app's schema (the experimenter is trusted; pages are not)."""
        if scope not in ("group", "study"):
            raise shared_data.SharedDataError(f"there is no session data '{scope}' to edit",
                                              "edit 'group' or 'study' data here")
        self._check_session_key(session_code, scope, key)
        target = Target(scope, key, False)
        with self._committing() as outbox:
            result = shared_data.change(self.store, scope, key, base_version, author="admin",
                                        now_iso=iso(self.clock()), replace=doc)
            if result.accepted:
                outbox.publish(target.channel, {"type": "change", "store": scope,
                                                "version": result.version,
                                                "patch": result.patch, "author": "admin"})
                if scope == "group":
                    outbox.publish(Channel.monitor(session_code), {"type": "update"})
        return result

    def _check_session_key(self, session_code: str, scope: str, key: str) -> None:
        """A key of this session only: a group of one of its app rounds, or its participant."""
        with self.store.reading():
            session_type = self.project.session_type(self._session(session_code)["session_type"])
            codes = {p["code"] for p in self.store.participants_of(session_code)}
        if scope == "study":
            if key not in codes:
                raise shared_data.SharedDataError(f"no participant '{key}' in session "
                                                  f"{session_code}", "pick one in the list")
            return
        rounds = {group_key(session_code, s.app.name, s.round_number, 1).rsplit("/", 1)[0]
                  for s in self.steps(session_type)}
        prefix, _, number = key.rpartition("/")
        if prefix not in rounds or not number.isdigit() or int(number) < 1:
            raise shared_data.SharedDataError(f"no group '{key}' in session {session_code}",
                                              "a group key is SESSION/app/round/group")
