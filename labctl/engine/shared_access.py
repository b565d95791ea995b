"""Who reaches which shared document, and the handle apps use from Python.

A participant reaches exactly three documents: their batch's, their current group's and their
own study data; the keys are derived here from the participant, never taken from the client, so
another group's or batch's document is out of reach by construction. A group's document is
closed (read-only, kept for export) once every member has left that app round; a study
document once its participant has finished.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..hub import Channel
from ..records import Player
from . import shared_data as shared
from .shared_data import ChangeResult, SharedDataError
from .tx import Tx


@dataclass(frozen=True)
class Target:
    scope: str
    key: str
    closed: bool

    @property
    def channel(self) -> str:
        return Channel.shared(self.scope, self.key)


def group_key(session_code: str, app: str, round_number: int, id_in_subsession: int) -> str:
    return f"{session_code}/{app}/{round_number}/{id_in_subsession}"


def target_of_player(tx: Tx, player: Player, scope: str) -> Target:
    """The document of ``scope`` for this player (their group in their app round)."""
    if scope != "group":
        return _participant_target(tx, tx.records.participant_row(player.participant.id),
                                   scope)
    if player.group is None:
        raise SharedDataError("this player has no group yet",
                              "group data exists once groups are formed")
    spec = player._app
    key = group_key(tx.session_code, spec.name, player.round_number,
                    player.group.id_in_subsession)
    last = max(s.index for s in tx.steps
               if s.app.name == spec.name and s.round_number == player.round_number)
    members = [p.participant.id for p in player.group.get_players()]
    closed = all(tx.records.participant_row(m)["step"] > last for m in members)
    return Target("group", key, closed)


def target_of_participant(tx: Tx, row: dict[str, Any], scope: str) -> Target:
    """The document of ``scope`` for a participant where they are now."""
    if scope == "group":
        index = row["step"]
        if not 0 <= index < len(tx.steps):
            raise SharedDataError("this participant is not in an app now",
                                  "group data exists while a participant plays an app")
        step = tx.steps[index]
        player = tx.records.player(step.app, row["id"], step.round_number)
        return target_of_player(tx, player, scope)
    return _participant_target(tx, row, scope)


def _participant_target(tx: Tx, row: dict[str, Any], scope: str) -> Target:
    """The batch and study documents depend on the participant alone, not where they are."""
    if scope == "batch":
        return Target("batch", tx.session_type.batch_name, False)
    if scope == "study":
        return Target("study", row["code"], row["step"] >= len(tx.steps))
    raise SharedDataError(f"there is no shared store '{scope}'",
                          "use 'batch', 'group' or 'study'")


def apply_change(tx: Tx, target: Target, base_version: Any, author: str, *,
                 patch: Any = None, replace: Any = None, shown_as: Any = None,
                 check: shared.ShapeCheck | None = None) -> ChangeResult:
    """Apply and queue the broadcast. ``author`` goes to the history; pages are shown
    ``shown_as`` (a participant's code is their link, so it is never sent to others)."""
    if target.closed:
        raise SharedDataError(f"this {target.scope} data is closed",
                              "it is kept read-only for the export")
    result = shared.change(tx.store, target.scope, target.key, base_version, author=author,
                           now_iso=tx.now_iso, patch=patch, replace=replace, check=check)
    if result.accepted:
        tx.published.append((target.channel, {
            "type": "change", "store": target.scope, "version": result.version,
            "patch": result.patch, "author": shown_as if shown_as is not None else author}))
        if target.scope == "group":  # the monitor shows group data live
            tx.published.append((Channel.monitor(tx.session_code), {"type": "update"}))
    return result


class SharedDoc:
    """A shared document as apps see it: ``player.group_data.set("/choice", "C")``.

    Changes apply at once, in the page's transaction, on the current version (inside one
    transaction nobody else can write in between), and reach the members' pages after commit.
    """

    def __init__(self, tx: Tx, target: Target) -> None:
        self._tx = tx
        self._target = target

    @property
    def version(self) -> int:
        return shared.read(self._tx.store, self._target.scope, self._target.key)[0]

    @property
    def data(self) -> Any:
        """A copy of the current document."""
        return shared.read(self._tx.store, self._target.scope, self._target.key)[1]

    @property
    def closed(self) -> bool:
        return self._target.closed

    def get(self, key: str, default: Any = None) -> Any:
        doc = self.data
        return doc.get(key, default) if isinstance(doc, dict) else default

    def patch(self, ops: list[dict[str, Any]]) -> int:
        result = apply_change(self._tx, self._target, self.version, "app", patch=ops)
        if not result.accepted:
            raise SharedDataError(f"the patch's test failed on {self._target.scope} data",
                                  "check the document before patching it")
        return result.version

    def set(self, path: str, value: Any) -> int:
        return self.patch([{"op": "add", "path": path, "value": value}])

    def remove(self, path: str) -> int:
        return self.patch([{"op": "remove", "path": path}])

    def replace(self, doc: Any) -> int:
        return apply_change(self._tx, self._target, self.version, "app", replace=doc).version
