"""What a bot's own code sets on its records, saved as oTree's bots saved it.

oTree's bots run in the server's process on the database's objects, and labs' ``tests.py``
rely on it: ``self.player.session.vars['paying_round'] = 1`` before a submission decides what
the app does next. labctl's bots play through the real server and read a copy of their
records, so such a change would be lost. The runner takes what the bot's code changed between
two submissions (``BotChanges``: fields of its player and group, keys of the participant's and
session's vars) and ``save_bot_changes`` writes exactly those in one transaction, on the
records as they are stored then, before the bot's next submission reaches the server.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .. import vars_codec
from ..app import AppSpec
from ..records import Record
from .core import EngineCore

#: a vars key the bot deleted
DELETED = object()


@dataclass
class BotChanges:
    """Fields and vars keys a bot's code set (``DELETED`` for a removed key)."""

    player: dict[str, Any] = field(default_factory=dict)
    group: dict[str, Any] = field(default_factory=dict)
    participant_vars: dict[str, Any] = field(default_factory=dict)
    session_vars: dict[str, Any] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return any((self.player, self.group, self.participant_vars, self.session_vars))

    def names(self) -> list[str]:
        """What changed, as the bot wrote it (for a failure message)."""
        return ([f"player.{name}" for name in self.player]
                + [f"group.{name}" for name in self.group]
                + [f"participant.vars[{key!r}]" for key in self.participant_vars]
                + [f"session.vars[{key!r}]" for key in self.session_vars])


def vars_snapshot(values: dict[str, Any], owner: str) -> dict[str, str]:
    """Each key's value as stored text, to tell later which keys a bot changed."""
    return {key: vars_codec.encode({key: value}, owner) for key, value in values.items()}


def vars_changes(before: dict[str, str], values: dict[str, Any], owner: str
                 ) -> dict[str, Any]:
    """The keys set or changed since ``before`` (``vars_snapshot``), and those removed."""
    changed: dict[str, Any] = {key: value for key, value in values.items()
                               if before.get(key) != vars_codec.encode({key: value}, owner)}
    changed.update({key: DELETED for key in before if key not in values})
    return changed


def field_changes(record: Record | None) -> dict[str, Any]:
    return record.changed_fields() if record is not None else {}


class BotChangeActions(EngineCore):
    def save_bot_changes(self, participant_code: str, spec: AppSpec, round_number: int,
                         changes: BotChanges) -> None:
        """Write what a bot's code changed onto its records as stored now: one transaction,
        through the records' own checks (a value a field cannot hold is refused as in a
        hook)."""
        with self._committing() as outbox:
            tx, row = self._step_tx(participant_code, outbox)
            tx.actor = None
            player = tx.records.player(spec, row["id"], round_number)
            for record, values in ((player, changes.player), (player.group, changes.group)):
                for name, value in values.items():
                    setattr(record, name, value)
            for target, values in ((player.participant.vars, changes.participant_vars),
                                   (player.session.vars, changes.session_vars)):
                for key, value in values.items():
                    if value is DELETED:
                        target.pop(key, None)
                    else:
                        target[key] = value
            tx.records.flush()
