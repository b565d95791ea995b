"""Grouping at arrival by the app's own rule, and keeping groups when the arrival page is skipped.

An app that groups by arrival time may write oTree's module-level hook::

    def group_by_arrival_time_method(subsession, waiting_players):
        if len(waiting_players) >= 2:
            return waiting_players[:2]
        for player in waiting_players:
            if labctl.waiting_seconds(player) > 300:
                return [player]          # waited five minutes: go on alone

It returns the players to group now (any number, from those waiting) or ``None``. labctl asks it
on every arrival, whenever a waiting participant's page is shown again, and on the server's
sweep once a second, so a rule that depends on the waiting time fires without a new arrival.
This module only chooses who goes together; ``wait`` forms the groups and releases them.

In round 2 and later, an arrival page that a player does not see (``is_displayed`` false)
keeps the player's group of the round before: without that, the players passing over it would
be re-paired silently in whatever order they happened to come.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from ..errors import ModelError, ResearcherCodeError, SourceLocation
from ..records import Group, Player
from .flow import Step
from .hooks import call_hook
from .tx import Tx

__all__ = ["chosen_groups", "chosen_people", "keep_previous_group"]


def chosen_groups(tx: Tx, step: Step, waiting: list[int]) -> list[list[int]]:
    """The groups the app's ``group_by_arrival_time_method`` forms now from the participants
    waiting (ids, in order of arrival); asked again after each group, until it returns none.

    Bounded: each answer groups at least one waiting player, so it is asked at most once more
    than there are players waiting."""
    method = step.app.group_by_arrival_time_method
    assert method is not None
    subsession = tx.records.subsession(step.app, step.round_number)
    arrived_at = {row["id"]: row["page_arrived_at"] for row in tx.store.participants_of(
        tx.session_code)}
    groups: list[list[int]] = []
    left = list(waiting)
    for _ in range(len(waiting)):
        players = [_waiting_player(tx, step, pid, arrived_at.get(pid)) for pid in left]
        chosen = call_hook(method, subsession, list(players), root=tx.root,
                           what=f"group_by_arrival_time_method of app '{step.app.name}'")
        if not chosen:
            break
        members = _checked(step, chosen, players)
        groups.append(members)
        left = [pid for pid in left if pid not in members]
        if not left:
            break
    return groups


def _waiting_player(tx: Tx, step: Step, participant_id: int, arrived: str | None) -> Player:
    player = tx.records.player(step.app, participant_id, step.round_number)
    player._waiting_seconds = 0.0 if arrived is None else max(
        0.0, tx.now - datetime.fromisoformat(arrived).timestamp())
    return player


def _checked(step: Step, chosen: object, players: list[Player]) -> list[int]:
    """The participant ids of the players chosen, which must be distinct waiting players;
    anything else is refused at the method's own file and line."""
    what = f"group_by_arrival_time_method of app '{step.app.name}'"
    if not isinstance(chosen, (list, tuple)):
        raise _refused(step, f"{what} returned {chosen!r}, not a list of players")
    waiting = {id(player) for player in players}
    ids: list[int] = []
    for player in chosen:
        if id(player) not in waiting:
            raise _refused(step, f"{what} returned {player!r}, which is not one of the "
                           "waiting_players")
        if player.participant.id in ids:
            raise _refused(step, f"{what} returned participant "
                           f"{player.participant.id_in_session} twice")
        ids.append(player.participant.id)
    return ids


def _refused(step: Step, message: str) -> ResearcherCodeError:
    return _refused_at(step.app.group_by_arrival_time_method, message,
                       "return a list of some of the waiting_players, or None to wait for more")


def _refused_at(hook: object, message: str, hint: str) -> ResearcherCodeError:
    """A hook's result that labctl cannot use, reported at the hook's own file and line."""
    code = getattr(hook, "__code__", None)
    where = SourceLocation(Path(code.co_filename) if code else Path("?"),
                           code.co_firstlineno if code else None)
    return ResearcherCodeError(message, where, hint)


def keep_previous_group(tx: Tx, step: Step, player: Player) -> None:
    """Put a player who passes over the arrival page of round 2+ into their group of the round
    before (same group number, same position); the groups of that round are created as
    needed."""
    if player.group is not None or step.round_number < 2:
        return
    before = tx.records.player(step.app, player.participant.id, step.round_number - 1)
    if before.group is None:
        raise ModelError(
            f"participant {player.participant.id_in_session} passes over the arrival page "
            f"of app '{step.app.name}' in round {step.round_number} but had no group in "
            f"round {step.round_number - 1} to keep",
            "show the arrival page (is_displayed) to players who were not grouped before")
    number = before.group.id_in_subsession
    groups = {group.id_in_subsession: group
              for group in tx.records.subsession(step.app, step.round_number).get_groups()}
    while number not in groups:
        created = tx.records.new_group(step.app, step.round_number)
        groups[created.id_in_subsession] = created
    tx.records.assign_group(step.app, player, groups[number], before.id_in_group)


def chosen_people(tx: Tx, step: Step, player: Player) -> tuple[str, Group, list[int]]:
    """Whom a wait page with ``wait_for(player)`` holds this player for: (release key, the
    player's group for ``after_all_players_arrive``, participant ids, the player included).

    The key is the sorted ids, so the players whose lists agree are released together once
    all of them have arrived; the hook runs once per such set."""
    hook = step.wait_page.wait_for
    assert hook is not None
    chosen = call_hook(hook, player, root=tx.root, what=f"wait_for of {step.describe()}")
    what = f"wait_for of {step.describe()}"
    if not isinstance(chosen, (list, tuple)) or not all(
            isinstance(other, Player) for other in chosen):
        raise _refused_at(hook, f"{what} returned {chosen!r}, not a list of players",
                          "return players of this round, e.g. [player] + "
                          "player.get_others_in_group()[:1]")
    ids = {other.participant.id for other in chosen} | {player.participant.id}
    members = sorted(ids)
    return "players:" + ",".join(map(str, members)), player.group, members
