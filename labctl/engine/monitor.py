"""What the experimenter sees and does live: each participant's status, and the two actions
that unstick a session (advance a participant, release a wait page), each logged.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from ..errors import LabctlError
from ..pages import form_target
from .progress import move_on, submit
from .store import Row
from .tx import Tx
from .wait import forms_groups_by_arrival, release, wait_target

#: where a participant is, as the monitor shows it
MonitorStatus = Literal["not started", "playing", "waiting", "finished"]


@dataclass(frozen=True)
class MonitorRow:
    id_in_session: int
    code: str
    #: the step the monitor saw: actions carry it, so a doubled click changes nothing
    step: int
    label: str | None
    status: MonitorStatus
    app: str | None
    round_number: int | None
    page: str | None
    seconds_on_page: float | None
    #: on a wait page: who has not arrived yet (labels, or participant numbers)
    waiting_for: list[str]
    bonus: int

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def monitor_rows(tx: Tx) -> list[MonitorRow]:
    rows = tx.store.participants_of(tx.session_code)
    names = {row["id"]: row["label"] or f"#{row['id_in_session']}" for row in rows}
    return [_row(tx, row, names) for row in rows]


def _row(tx: Tx, row: Row, names: dict[int, str]) -> MonitorRow:
    index = row["step"]
    waiting: list[str] = []
    status: MonitorStatus
    if index < 0:
        status = "not started"
    elif index >= len(tx.steps):
        status = "finished"
    elif tx.steps[index].is_wait:
        status = "waiting"
        waiting = _absent(tx, index, row["id"], names)
    else:
        status = "playing"
    arrived = row["page_arrived_at"]
    seconds = (round(tx.now - datetime.fromisoformat(arrived).timestamp(), 1)
               if arrived and status in ("playing", "waiting") else None)
    return MonitorRow(row["id_in_session"], row["code"], index, row["label"], status, row["app"],
                      row["round_number"], row["page"], seconds, waiting, row["bonus"] or 0)


def _absent(tx: Tx, index: int, participant_id: int, names: dict[int, str]) -> list[str]:
    step = tx.steps[index]
    if forms_groups_by_arrival(step):
        return []
    player = tx.records.player(step.app, participant_id, step.round_number)
    _, _, members = wait_target(tx, index, player)
    arrived = set(tx.store.arrivals(tx.session_code, index))
    return [names[m] for m in members if m not in arrived]


def advance(tx: Tx, row: Row) -> str:
    """Move a stuck participant on: submit their page with its timeout values, or release
    the wait page they are on. Returns what was done, for the log."""
    index = row["step"]
    if not 0 <= index < len(tx.steps):
        raise LabctlError(f"participant {row['id_in_session']} is not on a page",
                          "only a started, unfinished participant can be advanced")
    step = tx.steps[index]
    if step.is_wait:
        release_wait(tx, row)
        return "release"
    page = step.form_page
    missing = [name for name in page.form_fields
               if page.timeout_submission.get(name) is None
               and _initial(tx, row, name) is None]
    if missing:
        raise LabctlError(
            f"page {step.name} declares no timeout value for {', '.join(missing)}, so "
            f"participant {row['id_in_session']} cannot be advanced without an answer",
            "declare timeout_submission on the page, or ask the participant to answer")
    result = submit(tx, row, index, {}, timed_out=True)
    if not result.advanced:
        raise LabctlError(f"participant {row['id_in_session']} could not be advanced")
    return "advance"


def _initial(tx: Tx, row: Row, name: str) -> Any:
    step = tx.steps[row["step"]]
    player = tx.records.player(step.app, row["id"], step.round_number)
    declared = type(form_target(step.form_page, player)).declared_fields()[name]
    return declared.initial if declared.required else ""


def release_wait(tx: Tx, row: Row) -> None:
    """Release the wait page a participant is on, for their group (or everyone it waits for)."""
    index = row["step"]
    step = tx.steps[index]
    if forms_groups_by_arrival(step):
        raise LabctlError("this wait page forms groups as people arrive",
                          "it releases by itself when a full group has arrived")
    player = tx.records.player(step.app, row["id"], step.round_number)
    key, target, members = wait_target(tx, index, player)
    move_on(tx, release(tx, index, key, target, members), index)


def log_action(tx: Tx, row: Row, action: str) -> None:
    """Log an action at the step it was taken on (``row`` is read before the action)."""
    step = tx.steps[row["step"]] if 0 <= row["step"] < len(tx.steps) else None
    tx.store.log_action({"session_code": tx.session_code, "participant_code": row["code"],
                         "action": action, "step": row["step"],
                         "page": step.describe() if step else None, "at": tx.now_iso})
