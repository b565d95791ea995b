"""Wait pages: record arrivals and release each group (or the subsession) exactly once.

Exactly once holds under concurrency because arrivals and the release are written in the same
transaction as the submit that caused them, transactions run one at a time (BEGIN IMMEDIATE
under one lock), and the release row has a unique key: a second release of the same group at
the same step inserts nothing and runs nothing.
"""

from __future__ import annotations

from typing import Any

from ..records import Player
from .hooks import call_hook
from .tx import Tx


def arrive(tx: Tx, step_index: int, player: Player, skipped: bool) -> None:
    """Note that a player reached (or passed over) a wait page; release if they were last."""
    step = tx.steps[step_index]
    participant_id = player.participant.id  # type: ignore[attr-defined]
    tx.store.add_arrival(tx.session_code, step_index, participant_id, tx.now_iso, skipped)
    if getattr(step.page, "group_by_arrival_time", False):
        _form_groups_by_arrival(tx, step_index)
        return
    key, target, members = wait_target(tx, step_index, player)
    # everyone there is the usual reason, so it is asked first: a group released early by the
    # experimenter is the exception, and the last to arrive need not ask
    if tx.store.arrival_count(tx.session_code, step_index, members) == len(
            members) or tx.store.is_released(tx.session_code, step_index, key):
        release(tx, step_index, key, target, members)


def wait_target(tx: Tx, step_index: int, player: Player) -> tuple[str, Any, list[int]]:
    """Whom a wait page waits for: (release key, hook argument, participant ids)."""
    if getattr(tx.steps[step_index].page, "wait_for_all_groups", False):
        members = [row["id"] for row in tx.store.participants_of(tx.session_code)]
        return "all", player.subsession, members
    members = [p.participant.id for p in player.group.get_players()]  # type: ignore
    return f"group:{player.group.id}", player.group, members  # type: ignore[attr-defined]


def release(tx: Tx, step_index: int, key: str, target: Any, members: list[int]) -> None:
    """Run after_all_players_arrive once, then move every waiting member on.

    A group released before everyone arrived (by the experimenter) stays released: a member
    arriving later passes straight through, and the hook does not run again.
    """
    from .progress import enter

    step = tx.steps[step_index]
    if tx.store.add_release(tx.session_code, step_index, key, tx.now_iso):
        call_hook(step.page.after_all_players_arrive, target, root=tx.root,  # type: ignore
                  what=f"after_all_players_arrive of {step.describe()}")
    for participant_id in members:
        row = tx.store.participant_by_id(participant_id)
        if row["step"] == step_index:
            tx.store.close_visit(participant_id, step_index, {
                "submitted_at": tx.now_iso, "timed_out": 0,
                "seconds": tx.seconds_since(row["page_arrived_at"])})
            if participant_id != tx.actor:
                tx.moved.add(row["code"])
            enter(tx, participant_id, step_index + 1)


def _form_groups_by_arrival(tx: Tx, step_index: int) -> None:
    """Group players in order of arrival, as soon as a full group is waiting."""
    step = tx.steps[step_index]
    spec = step.app
    size = spec.players_per_group or 1
    waiting = [pid for pid in tx.store.arrivals(tx.session_code, step_index)
               if tx.records.player(spec, pid, step.round_number).group is None]
    while len(waiting) >= size:
        members, waiting = waiting[:size], waiting[size:]
        group = tx.records.new_group(spec, step.round_number)
        for position, participant_id in enumerate(members, start=1):
            player = tx.records.player(spec, participant_id, step.round_number)
            tx.records.assign_group(spec, player, group, position)
        release(tx, step_index, f"group:{group.id}", group, members)  # type: ignore[attr-defined]
