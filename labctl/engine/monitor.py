"""What the experimenter sees and does live: each participant's status, and the two actions
that unstick a session (advance a participant, release a wait page), each logged.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from ..errors import LabctlError
from ..fields import Field
from ..i18n import in_english
from ..money import format_money, format_points
from .flow import Step
from .gate import gate_closed, gate_question, set_gate_value
from .progress import form_fields, move_on, parse_answers, submit
from .store import Row
from .tx import Tx
from .wait import forms_groups_by_arrival, release, wait_target

#: where a participant is, as the monitor shows it
MonitorStatus = Literal["not started", "playing", "waiting", "finished"]
#: what the monitor offers on a row: submit the page, release the wait page, or nothing
MonitorAction = Literal["advance", "release"]


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
    #: the bonus as the payments sheet shows it: in the session's currency, or in points
    bonus_text: str = ""
    #: the action the engine can take on this participant now, if any
    action: MonitorAction | None = None
    #: why a playing or waiting participant cannot be advanced (``action`` is then None)
    cannot_advance: str | None = None
    #: the app error that stopped the participant on this page: page, location, message, at
    app_error: dict[str, Any] | None = None
    #: fields the experimenter can type an answer for, to advance a page that has no values
    #: for them (name and label); empty where Advance needs no answer or is not possible
    answer_fields: list[dict[str, str]] = field(default_factory=list)
    #: the participant's connection (``presence_state.SeatState.as_dict``), None if never
    #: heard from; ``dropped`` is True when they are offline in the middle of the session
    presence: dict[str, Any] | None = None
    #: taken for gone by the session's dropout policy (their pages are decided for them)
    dropout: bool = False

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def monitor_rows(tx: Tx) -> list[MonitorRow]:
    rows = tx.store.participants_of(tx.session_code)
    names = {row["id"]: row["label"] or f"#{row['id_in_session']}" for row in rows}
    errors = {e["participant_code"]: e for e in tx.store.app_errors_of(tx.session_code)}
    return [_row(tx, row, names, errors.get(row["code"])) for row in rows]


def _row(tx: Tx, row: Row, names: dict[int, str], error: Row | None) -> MonitorRow:
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
    blocker = advance_blocker(tx, index) if status in ("playing", "waiting") else None
    action: MonitorAction | None = None
    if status in ("playing", "waiting") and blocker is None:
        action = "release" if status == "waiting" else "advance"
    bonus = row["bonus"] or 0
    answers = fields_to_answer(tx, index) if status == "playing" and blocker else []
    if status == "waiting" and not answers:
        answers = _closed_gate(tx, index, row)
        if answers:
            action, blocker = None, f"enter {answers[0]['label']} to open this gate"
    return MonitorRow(row["id_in_session"], row["code"], index, row["label"], status, row["app"],
                      row["round_number"], row["page"], seconds, waiting, bonus,
                      bonus_text=_bonus_text(tx, bonus), action=action,
                      cannot_advance=blocker, app_error=standing_error(error, index),
                      answer_fields=answers, dropout=bool(row.get("dropout_at")))


def _bonus_text(tx: Tx, bonus: int) -> str:
    if tx.session_type.pays_points:
        return format_points(bonus)
    return format_money(bonus, tx.session_type.currency)


def standing_error(error: Row | None, step: int) -> dict[str, Any] | None:
    """The participant's recorded app error while they are still on the page it stopped:
    once they moved on (Advance, Release), it no longer describes where they are."""
    if error is None or error["step"] != step:
        return None
    return {key: error[key] for key in ("page", "location", "message", "at")}


def advance_blocker(tx: Tx, index: int) -> str | None:
    """Why the engine cannot move a participant on from step ``index``, or None if it can.

    A form page can be submitted without the participant only when each of its fields has a
    value to submit (a ``timeout_submission`` value or an initial value); a wait page can be
    released unless it forms groups as people arrive. Depends on the page only, not on who is
    on it, so the monitor pays nothing per participant for it.
    """
    step = tx.steps[index]
    if step.is_wait:
        if forms_groups_by_arrival(step):
            return ("this wait page forms groups as people arrive; it releases by itself when "
                    "a full group has arrived")
        return None
    missing = _fields_without_value(step)
    if missing:
        return (f"page {step.name} declares no timeout value for {', '.join(missing)}: "
                "type an answer for each below, declare timeout_submission on the page, or "
                "ask the participant to answer")
    return None


def _form_model_fields(step: Step) -> dict[str, Field]:
    """The declared fields of the record a form page writes to."""
    model = step.app.model_class(step.form_page.form_model) or step.app.player_class
    return model.declared_fields()


def _fields_without_value(step: Step) -> list[str]:
    page = step.form_page
    declared = _form_model_fields(step)
    return [name for name in page.form_fields
            if page.timeout_submission.get(name) is None and name in declared
            and declared[name].required and declared[name].initial is None]


def _absent(tx: Tx, index: int, participant_id: int, names: dict[int, str]) -> list[str]:
    step = tx.steps[index]
    if forms_groups_by_arrival(step):
        return []
    player = tx.records.player(step.app, participant_id, step.round_number)
    _, _, members = wait_target(tx, index, player)
    arrived = set(tx.store.arrivals(tx.session_code, index))
    return [names[m] for m in members if m not in arrived]


def advance(tx: Tx, row: Row, answers: Mapping[str, str] | None = None) -> str:
    """Move a stuck participant on: submit their page with its timeout values (and the
    ``answers`` the experimenter typed for fields that have none), or release the wait page
    they are on. Returns what was done, for the log."""
    index = row["step"]
    if not 0 <= index < len(tx.steps):
        raise LabctlError(f"participant {row['id_in_session']} is not on a page",
                          "only a started, unfinished participant can be advanced")
    step = tx.steps[index]
    if step.is_wait:
        release_wait(tx, row, answers)
        return "open gate" if gate_question(step) else "release"
    given = _typed_answers(tx, row, step, answers or {})
    missing = [name for name in _fields_without_value(step) if name not in given]
    if missing:
        raise LabctlError(
            f"page {step.name} declares no timeout value for {', '.join(missing)}, so "
            f"participant {row['id_in_session']} cannot be advanced without an answer",
            "type an answer for each of them in the monitor, declare timeout_submission on "
            "the page, or ask the participant to answer")
    result = submit(tx, row, index, {}, timed_out=True, given=given)
    if not result.advanced:
        raise LabctlError(f"participant {row['id_in_session']} could not be advanced")
    return "advance"


def _typed_answers(tx: Tx, row: Row, step: Step, answers: Mapping[str, str]
                   ) -> dict[str, Any]:
    """The experimenter's answers for the page's fields, read as a participant's would be;
    an answer that does not fit its field is refused with the field's message."""
    blank = {name: text for name, text in answers.items() if str(text).strip() != ""}
    unknown = sorted(set(blank) - set(step.form_page.form_fields))
    if unknown:
        raise LabctlError(f"page {step.name} has no field {', '.join(unknown)}",
                          "reload the monitor: the participant may have moved on")
    player = tx.records.player(step.app, row["id"], step.round_number)
    values, errors = parse_answers(tx, form_fields(step.form_page, player), blank)
    if errors:
        raise LabctlError("; ".join(f"{name}: {message}" for name, message in errors.items()),
                          "correct the answers typed in the monitor")
    return values


def fields_to_answer(tx: Tx, index: int) -> list[dict[str, str]]:
    """The fields the experimenter must type an answer for to advance from a form page
    (those with no timeout or initial value): name and label, for the monitor's form."""
    step = tx.steps[index]
    if step.is_wait:
        return []
    declared = _form_model_fields(step)
    return [{"name": name, "label": in_english(declared[name].label) or name}
            for name in _fields_without_value(step)]


def release_wait(tx: Tx, row: Row, answers: Mapping[str, str] | None = None) -> None:
    """Release the wait page a participant is on, for their group (or everyone it waits for);
    a gate takes its value from ``answers`` first (``gate``)."""
    index = row["step"]
    step = tx.steps[index]
    if forms_groups_by_arrival(step):
        raise LabctlError("this wait page forms groups as people arrive",
                          "it releases by itself when a full group has arrived")
    player = tx.records.player(step.app, row["id"], step.round_number)
    key, target, members = wait_target(tx, index, player)
    if gate_question(step):
        set_gate_value(tx, step, target, answers or {})
    move_on(tx, release(tx, index, key, target, members), index)


def _closed_gate(tx: Tx, index: int, row: Row) -> list[dict[str, str]]:
    """The value a gate waits for, for the monitor's form; empty elsewhere."""
    step = tx.steps[index]
    question = gate_question(step)
    if not question:
        return []
    player = tx.records.player(step.app, row["id"], step.round_number)
    _, target, _ = wait_target(tx, index, player)
    return question if gate_closed(step, target) else []


def log_action(tx: Tx, row: Row, action: str) -> None:
    """Log an action at the step it was taken on (``row`` is read before the action)."""
    step = tx.steps[row["step"]] if 0 <= row["step"] < len(tx.steps) else None
    tx.store.log_action({"session_code": tx.session_code, "participant_code": row["code"],
                         "action": action, "step": row["step"],
                         "page": step.describe() if step else None, "at": tx.now_iso})
