"""Moving participants through their steps: entering pages, submitting forms, timeouts.

``enter`` places a participant on the first step at or after an index that they are shown,
passing over pages whose ``is_displayed`` is false (a passed-over wait page still counts as an
arrival, so nobody waits for a player who will never come). ``submit`` validates a form on the
server, applies it, runs ``before_next_page`` and enters the next step, all in the caller's
transaction.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from ..errors import FieldValueError, ModelError
from ..fields import Field
from ..pages import Page, WaitPage, form_target
from ..records import Group, Player
from .flow import Step
from .hooks import call_hook
from .tx import Tx
from .wait import arrive, form_groups_by_arrival, forms_groups_by_arrival

#: the form key of errors that concern the whole form rather than one field
FORM_ERROR = "__all__"


#: what happened to a submit: the participant moved on, the form was refused (with messages),
#: or it was for a step they are no longer on (a stale, replayed or doubled submit)
SubmitStatus = Literal["advanced", "invalid", "stale"]

#: why a submit was stale, so that the page the participant lands on can say so rather than
#: drop their answer silently: the experimenter advanced them, the page's time ran out, the page
#: was already answered (another tab, or an earlier attempt whose answer was lost on the way),
#: or the form was never for a page they were shown (a forged or mangled step)
StaleReason = Literal["experimenter", "timeout", "answered", "not_shown"]


@dataclass
class SubmitResult:
    """What happened to a submit, with the form's errors and values when it was refused."""

    status: SubmitStatus
    errors: dict[str, str] = field(default_factory=dict)
    values: dict[str, str] = field(default_factory=dict)
    timed_out: bool = False
    #: set when ``status`` is ``"stale"``
    reason: StaleReason | None = None

    @property
    def advanced(self) -> bool:
        return self.status == "advanced"


def enter(tx: Tx, participant_id: int, index: int) -> None:
    """Put a participant on the first step from ``index`` on that they are shown; everyone a
    wait page releases on the way enters their next step too."""
    tx.changed = True
    while index < len(tx.steps):
        step = tx.steps[index]
        player = tx.records.player(step.app, participant_id, step.round_number)
        shown = call_hook(step.page.is_displayed, player, root=tx.root,
                          what=f"is_displayed of {step.describe()}")
        if not shown:
            if step.is_wait:
                move_on(tx, arrive(tx, index, player, skipped=True), index)
            index += 1
            continue
        _place(tx, participant_id, index, player)
        if step.is_wait:
            move_on(tx, arrive(tx, index, player, skipped=False), index)
        return
    tx.store.update_participant(participant_id, {
        "step": len(tx.steps), "app": None, "round_number": None, "page": None,
        "deadline": None, "page_arrived_at": tx.now_iso, "finished_at": tx.now_iso})


def move_on(tx: Tx, released: list[int], index: int) -> None:
    """Enter the step after a wait page for each participant it released (or the later app
    its ``app_after_this_page`` names for them)."""
    step = tx.steps[index]
    for participant_id in released:
        following = index + 1
        if step.wait_page.app_after_this_page is not None:
            player = tx.records.player(step.app, participant_id, step.round_number)
            following = _next_index(tx, step.wait_page, player, index)
        enter(tx, participant_id, following)


def asks_arrival_rule_at(step: Step) -> bool:
    """Whether a step is an arrival page whose app groups by its own rule."""
    return forms_groups_by_arrival(step) and step.app.group_by_arrival_time_method is not None


def asks_arrival_rule(tx: Tx, index: int) -> bool:
    """Whether a participant at step ``index`` waits at an arrival page with a rule."""
    return 0 <= index < len(tx.steps) and asks_arrival_rule_at(tx.steps[index])


def group_waiting(tx: Tx, index: int) -> list[int]:
    """Ask the arrival page's rule again (time has passed since the last arrival); everyone
    it groups moves on. Returns the participants released."""
    released = form_groups_by_arrival(tx, index)
    if released:
        tx.changed = True
        move_on(tx, released, index)
    return released


def _place(tx: Tx, participant_id: int, index: int, player: Player) -> None:
    step = tx.steps[index]
    timeout = (wait_timeout_of(tx, step.wait_page, player) if step.is_wait
               else timeout_of(tx, step.form_page, player))
    tx.store.update_participant(participant_id, {
        "step": index, "app": step.app.name, "round_number": step.round_number,
        "page": step.name, "page_arrived_at": tx.now_iso,
        "deadline": tx.now + timeout if timeout is not None else None})
    tx.store.insert_visit({
        "session_code": tx.session_code, "participant_id": participant_id, "step": index,
        "app": step.app.name, "round_number": step.round_number, "page": step.name,
        "arrived_at": tx.now_iso, "timed_out": 0})


def timeout_of(tx: Tx, page: type[Page] | type[WaitPage], player: Player) -> float | None:
    """The player's seconds on a page: ``get_timeout_seconds(player)`` when the page has it
    (0 or less, an expired time budget, times the page out at once), else ``timeout_seconds``
    (where 0 means none, as it always has)."""
    if page.get_timeout_seconds is None:
        return page.timeout_seconds or None
    seconds = call_hook(page.get_timeout_seconds, player, root=tx.root,
                        what=f"get_timeout_seconds of page {page.__name__}")
    if seconds is None:
        return None
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or math.isnan(seconds):
        raise ModelError(f"get_timeout_seconds of page {page.__name__} returned {seconds!r}",
                         "return a number of seconds, or None for no timeout")
    return max(0.0, float(seconds))


def form_fields(page: type[Page], player: Player) -> list[Field]:
    """The fields of the player's form: ``get_form_fields(player)`` or ``form_fields``, each
    with the bounds and choices the app's field hooks (``age_max(player)``...) give it."""
    target = form_target(page, player)
    declared = type(target).declared_fields()
    names = page.form_fields
    if page.get_form_fields is not None:
        names = _chosen_fields(page, player, declared)
    hooks = player._app.field_hooks
    return [_for_player(declared[name], target, hooks[name]) if name in hooks
            else declared[name] for name in names]


def _chosen_fields(page: type[Page], player: Player, declared: Mapping[str, Field]
                   ) -> list[str]:
    assert page.get_form_fields is not None
    names = call_hook(page.get_form_fields, player, root=player._app.folder.parent,
                      what=f"get_form_fields of page {page.__name__}")
    if names is None:  # as in oTree, a hook that returns nothing for a player asks nothing
        return []
    unknown = [n for n in names or [] if n not in declared] if isinstance(
        names, (list, tuple)) else names
    if unknown or not isinstance(names, (list, tuple)):
        raise ModelError(
            f"get_form_fields of page {page.__name__} returned {names!r}, which names no "
            f"fields of its form_model: {unknown!r}",
            "return a list of these field names: "
            f"{', '.join(n for n in declared if n != 'payoff')}")
    return list(names)


def _for_player(declared: Field, target: Player | Group, hooks: dict[str, Any]) -> Field:
    """A copy of a field with the bounds and choices its hooks give this record; the declared
    field (shared by every request) is left as it is."""
    return declared.with_limits({
        suffix: call_hook(hooks[suffix], target, root=target._app.folder.parent,
                          what=f"{declared.name}_{suffix} of app '{target._app.name}'")
        for suffix in ("min", "max", "choices") if suffix in hooks})


def minor_digits(tx: Tx) -> int:
    """How many decimals a participant types for money: 0 when the session pays points."""
    return tx.session_type.minor_digits


def submit(tx: Tx, row: dict[str, Any], step_token: int | None, form: Mapping[str, str],
           timed_out: bool, given: Mapping[str, Any] | None = None) -> SubmitResult:
    """Apply a form to the participant's current page, or refuse it as stale or invalid.

    A timed-out page takes its timeout values; ``given`` are values the experimenter typed
    for fields that have none (already parsed: ``parse_answers``)."""
    index = row["step"]
    if timed_out and step_token == index and 0 <= index < len(tx.steps) and tx.steps[
            index].is_wait:
        return wait_timed_out(tx, row)
    if step_token != index or not 0 <= index < len(tx.steps) or tx.steps[index].is_wait:
        return SubmitResult("stale", reason=stale_reason(tx, row, step_token))
    step = tx.steps[index]
    page = step.form_page
    player = tx.records.player(step.app, row["id"], step.round_number)
    target = form_target(page, player)
    fields = form_fields(page, player)
    if timed_out:
        chosen = given or {}
        values = {f.name: chosen[f.name] if f.name in chosen
                  else page.timeout_submission.get(f.name, f.initial) for f in fields}
    else:
        values, errors = _parse(tx, fields, form)
        if not errors:
            errors = _field_errors(tx, target, values)
        if not errors:
            errors = _page_errors(tx, page, player, values)
        if errors:
            raw = {f.name: str(form.get(f.name, "")) for f in fields}
            return SubmitResult("invalid", errors=errors, values=raw)
    for name, value in values.items():
        setattr(target, name, value)
    call_hook(page.before_next_page, player, timed_out, root=tx.root,
              what=f"before_next_page of {step.describe()}")
    tx.store.close_visit(row["id"], index, {
        "submitted_at": tx.now_iso, "timed_out": int(timed_out),
        "seconds": tx.seconds_since(row["page_arrived_at"]),
        "decided_by": tx.decided_by or ("timeout" if timed_out else "participant")})
    enter(tx, row["id"], _next_index(tx, page, player, index))
    return SubmitResult("advanced", timed_out=timed_out)


def wait_timeout_of(tx: Tx, page: type[WaitPage], player: Player) -> float | None:
    """A wait page's limit for this player; free for the wait page that has none."""
    if page.timeout_seconds is None and page.get_timeout_seconds is None:
        return None
    return timeout_of(tx, page, player)


def wait_timed_out(tx: Tx, row: dict[str, Any]) -> SubmitResult:
    """A player waited as long as the wait page allows: on to the next page, or to the end
    (``after_timeout``). Their arrival stays counted, so the others are released as usual."""
    index = row["step"]
    page = tx.steps[index].wait_page
    tx.store.close_visit(row["id"], index, {
        "submitted_at": tx.now_iso, "timed_out": 1,
        "seconds": tx.seconds_since(row["page_arrived_at"])})
    player = tx.records.player(tx.steps[index].app, row["id"], tx.steps[index].round_number)
    enter(tx, row["id"], len(tx.steps) if page.after_timeout == "end"
          else _next_index(tx, page, player, index))
    return SubmitResult("advanced", timed_out=True)


def _next_index(tx: Tx, page: type[Page] | type[WaitPage], player: Player, index: int) -> int:
    """The step after a submitted page (or a wait page left): the next one, or with
    ``app_after_this_page`` the first page of the later app it names. The wait pages passed
    over count as arrivals (as for a page not displayed), so nobody waits for a player who
    skipped ahead; a wait page that groups by arrival is left out, so the skipper is never
    grouped there."""
    if page.app_after_this_page is None:
        return index + 1
    apps = tx.session_type.app_sequence
    upcoming = apps[apps.index(player._app.name) + 1:]
    chosen = call_hook(page.app_after_this_page, player, list(upcoming), root=tx.root,
                       what=f"app_after_this_page of page {page.__name__}")
    if chosen is None:
        return index + 1
    if chosen not in upcoming:
        raise ModelError(f"app_after_this_page of page {page.__name__} returned {chosen!r}, "
                         f"which is not one of the upcoming apps {upcoming!r}",
                         "return the name of a later app in the session's app_sequence, "
                         "or None to go on as usual")
    target = next(i for i in range(index + 1, len(tx.steps)) if tx.steps[i].app.name == chosen)
    for passed in range(index + 1, target):
        step = tx.steps[passed]
        if step.is_wait and not forms_groups_by_arrival(step):
            skipper = tx.records.player(step.app, player.participant.id, step.round_number)
            move_on(tx, arrive(tx, passed, skipper, skipped=True), passed)
    return target


def stale_reason(tx: Tx, row: dict[str, Any], step_token: int | None) -> StaleReason:
    """Why a form for ``step_token`` no longer applies: read only on this rare path (one
    visit row, and the session's few logged experimenter actions)."""
    if not isinstance(step_token, int) or not 0 <= step_token < min(row["step"], len(tx.steps)):
        return "not_shown"
    visit = tx.store.visit(row["id"], step_token)
    if visit is None or visit["submitted_at"] is None:
        return "not_shown"
    if not visit["timed_out"]:
        return "answered"
    advanced = any(action["participant_code"] == row["code"] and action["step"] == step_token
                   for action in tx.store.actions_of(tx.session_code))
    return "experimenter" if advanced else "timeout"


def parse_answers(tx: Tx, fields: list[Field], form: Mapping[str, str]
                  ) -> tuple[dict[str, Any], dict[str, str]]:
    """Values typed for some of a page's fields (by the experimenter), read exactly as a
    participant's answer would be, each field checked; the others are left out."""
    return _parse(tx, [f for f in fields if f.name in form], form)


def _parse(tx: Tx, fields: list[Field], form: Mapping[str, str]
           ) -> tuple[dict[str, Any], dict[str, str]]:
    """Each field's value, or its message; amounts and decimals are read with the session's
    decimal mark (its ``locale``), so "1.234" in German is refused rather than guessed."""
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    digits, mark = minor_digits(tx), tx.session_type.decimal_mark
    for declared in fields:
        raw = form.get(declared.name)
        try:
            values[declared.name] = declared.parse(None if raw is None else str(raw),
                                                   minor_digits=digits, decimal_mark=mark)
        except FieldValueError as exc:
            errors[declared.name] = exc.message
    return values, errors


def _field_errors(tx: Tx, target: Player | Group, values: dict[str, Any]) -> dict[str, str]:
    """Each field's own check, ``<field>_error_message(player, value)``, where the app has
    one: run after the value parsed and before the page's ``error_message``, as in oTree."""
    hooks = target._app.field_hooks
    errors: dict[str, str] = {}
    for name, value in values.items():
        check = hooks.get(name, {}).get("error_message")
        if check is not None:
            found = call_hook(check, target, value, root=tx.root,
                              what=f"{name}_error_message of app '{target._app.name}'")
            if found:
                errors[name] = str(found)
    return errors


def _page_errors(tx: Tx, page: type[Page], player: Player, values: dict[str, Any]
                 ) -> dict[str, str]:
    """The page's own checks: a message for the whole form, or one per field."""
    found = call_hook(page.error_message, player, dict(values), root=tx.root,
                      what=f"error_message of page {page.__name__}")
    if not found:
        return {}
    if isinstance(found, dict):
        return {str(k): str(v) for k, v in found.items() if v}
    return {FORM_ERROR: str(found)}
