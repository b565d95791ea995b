"""Wait pages: record arrivals and release each group (or the subsession) exactly once.

Exactly once holds under concurrency because arrivals and the release are written in the same
transaction as the submit that caused them, transactions run one at a time (BEGIN IMMEDIATE
under one lock), and the release row has a unique key: a second release of the same group at
the same step inserts nothing and runs nothing.

Releasing does not move anyone itself: ``arrive`` and ``release`` return the participants
released, and the caller (``progress.enter``) enters their next page. So this module needs
nothing of ``progress``, and ``progress`` imports it.
"""

from __future__ import annotations

from typing import Any

from ..records import Player, Subsession
from .arrival import chosen_groups, chosen_people, keep_previous_group
from .creation import apply_group_matrix
from .flow import Step
from .gate import gate_closed
from .hooks import call_hook
from .tx import Tx


def still_waiting(tx: Tx, step_index: int) -> list[int]:
    """Participant ids at a grouping wait page, in order of arrival, not yet in a group and
    still on the page (one whose wait page closed is left out until they come back)."""
    step = tx.steps[step_index]
    waiting: list[int] = []
    for pid in tx.store.arrivals(tx.session_code, step_index):
        player = tx.records.player(step.app, pid, step.round_number)
        if player.group is None and not tx.has_left(player.participant.code):
            waiting.append(pid)
    return waiting


def forms_groups_by_arrival(step: Step) -> bool:
    """Whether the step is a wait page that forms groups in order of arrival."""
    return step.is_wait and step.wait_page.group_by_arrival_time


def arrive(tx: Tx, step_index: int, player: Player, skipped: bool) -> list[int]:
    """Note that a player reached (or passed over) a wait page; release if they were last.

    Passing over the page (``skipped``: its ``is_displayed`` is false, or
    ``app_after_this_page`` skipped its app) counts as arriving, so nobody waits for that
    player. As in oTree, ``after_all_players_arrive`` runs only when the page was displayed
    to at least one member:
    a page every member passed over is a round or role nobody played (an app's rounds past
    the ones a session type uses), and its hook would compute from fields never filled.

    Returns the participants released, whom the caller moves to the next step."""
    step = tx.steps[step_index]
    participant_id = player.participant.id
    tx.store.add_arrival(tx.session_code, step_index, participant_id, tx.now_iso, skipped)
    if forms_groups_by_arrival(step):
        if skipped and step.round_number > 1:
            keep_previous_group(tx, step, player)
            return []
        return form_groups_by_arrival(tx, step_index)
    key, target, members = wait_target(tx, step_index, player)
    # everyone there is the usual reason, so it is asked first: a group released early by the
    # experimenter is the exception, and the last to arrive need not ask
    if (tx.store.arrival_count(tx.session_code, step_index, members) == len(members)
            and not gate_closed(step, target)) or tx.store.is_released(
            tx.session_code, step_index, key):
        shown = tx.store.arrival_count(tx.session_code, step_index, members, shown=True) > 0
        return release(tx, step_index, key, target, members, run_hook=shown)
    return []


def wait_target(tx: Tx, step_index: int, player: Player) -> tuple[str, Any, list[int]]:
    """Whom a wait page waits for: (release key, hook argument, participant ids)."""
    if tx.steps[step_index].wait_page.wait_for_all_groups:
        members = [row["id"] for row in tx.store.participants_of(tx.session_code)]
        return "all", player.subsession, members
    if tx.steps[step_index].wait_page.wait_for is not None:
        return chosen_people(tx, tx.steps[step_index], player)
    group = player.group
    members = [p.participant.id for p in group.get_players()]
    return f"group:{group.id}", group, members


def release(tx: Tx, step_index: int, key: str, target: Any, members: list[int],
            run_hook: bool = True) -> list[int]:
    """Run after_all_players_arrive once, and close the wait page of every member on it.

    Returns those members, whom the caller moves to the next step. A group released before
    everyone arrived (by the experimenter) stays released: a member arriving later passes
    straight through, and the hook does not run again.
    """
    step = tx.steps[step_index]
    if tx.store.add_release(tx.session_code, step_index, key, tx.now_iso) and run_hook:
        _after_all_players_arrive(tx, step, target)
    released = []
    for participant_id in members:
        row = tx.store.participant_by_id(participant_id)
        if row is not None and row["step"] == step_index:
            tx.store.close_visit(participant_id, step_index, {
                "submitted_at": tx.now_iso, "timed_out": 0,
                "seconds": tx.seconds_since(row["page_arrived_at"])})
            if participant_id != tx.actor:
                tx.moved.add(row["code"])
            released.append(participant_id)
    return released


def _after_all_players_arrive(tx: Tx, step: Step, target: Any) -> None:
    """Run the hook; a wait page for all groups may regroup the round (oTree's
    ``set_group_matrix`` there): the rest of the hook sees the new groups at once, the players
    from the next page on."""
    what = f"after_all_players_arrive of {step.describe()}"
    if not isinstance(target, Subsession):
        call_hook(step.wait_page.after_all_players_arrive, target, root=tx.root, what=what)
        return
    target._accepts_matrix = True
    target._regroup = lambda: apply_group_matrix(tx, step.app, target, _participant_ids(tx),
                                                 what)
    try:
        call_hook(step.wait_page.after_all_players_arrive, target, root=tx.root, what=what)
    finally:
        target._accepts_matrix = False
        target._regroup = None


def _participant_ids(tx: Tx) -> dict[int, int]:
    """Participant number -> id, for a matrix of participant numbers."""
    return {row["id_in_session"]: row["id"] for row in tx.store.participants_of(
        tx.session_code)}


def form_groups_by_arrival(tx: Tx, step_index: int) -> list[int]:
    """Group players in order of arrival, as soon as a full group is waiting (or as the app's
    ``group_by_arrival_time_method`` chooses)."""
    step = tx.steps[step_index]
    spec = step.app
    waiting = still_waiting(tx, step_index)
    released: list[int] = []
    for members in _arrival_groups(tx, step, waiting):
        group = tx.records.new_group(spec, step.round_number)
        for position, participant_id in enumerate(members, start=1):
            player = tx.records.player(spec, participant_id, step.round_number)
            tx.records.assign_group(spec, player, group, position)
        released += release(tx, step_index, f"group:{group.id}", group, members)
    return released


def _arrival_groups(tx: Tx, step: Step, waiting: list[int]) -> list[list[int]]:
    """Who goes together now: the app's rule, or full groups in order of arrival."""
    if step.app.group_by_arrival_time_method is not None:
        return chosen_groups(tx, step, waiting)
    size = step.app.players_per_group or 1
    return [waiting[i:i + size] for i in range(0, len(waiting) - size + 1, size)]
