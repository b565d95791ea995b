"""What a bot's own code sets on records, saved as oTree's bots saved it.

oTree's bots run in the server's process on the database's objects, and labs' ``tests.py``
rely on it: ``self.player.session.vars['paying_round'] = 1`` before a submission decides what
the app does next, and a bot may run the app's own ``set_payoffs(self.group)``. labctl's bots
play through the real server and read their records from a ``RecordSet`` of their own, so such
a change would be lost. Between two submissions the runner keeps that set, takes what changed
on it (``bot_changes``: the fields of every record the bot's code reached, the keys of the
session's and participants' vars it set or removed) and ``save_bot_changes`` writes exactly
those in one transaction, on the records as they are stored then, before the bot's next
submission reaches the server.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .. import vars_codec
from . import progress
from .core import EngineCore
from .progress import SubmitResult
from .recordset import Unsaved

#: a vars key the bot removed
DELETED = object()


@dataclass
class BotChanges:
    """Fields by (app, kind, id), and vars keys set (``DELETED``: removed) by a bot's code."""

    fields: list[tuple[str, str, int, dict[str, Any]]] = field(default_factory=list)
    participant_vars: dict[int, dict[str, Any]] = field(default_factory=dict)
    session_vars: dict[str, Any] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.fields or self.participant_vars or self.session_vars)

    def names(self) -> list[str]:
        """What changed, as the bot wrote it (for a failure message)."""
        return ([f"{kind}.{name}" for _, kind, _, values in self.fields for name in values]
                + [f"participant.vars[{key!r}]" for keys in self.participant_vars.values()
                   for key in keys]
                + [f"session.vars[{key!r}]" for key in self.session_vars])


def bot_changes(unsaved: Unsaved) -> BotChanges:
    """What a bot's code changed on its record set (``RecordSet.unsaved``)."""
    changes = BotChanges(fields=unsaved.fields,
                         session_vars=_vars_changes(*unsaved.session_vars, "session"))
    for participant_id, (values, text) in unsaved.participant_vars.items():
        if (changed := _vars_changes(values, text, "participant")):
            changes.participant_vars[participant_id] = changed
    return changes


def _vars_changes(values: dict[str, Any], text: str, owner: str) -> dict[str, Any]:
    """The keys of ``values`` set or changed since they were loaded from ``text``, and those
    removed. Compared as stored text, so a value equal by ``==`` but of another type (``1``
    and ``True``) is a change too."""
    loaded = vars_codec.decode(text)
    changed = {key: value for key, value in values.items()
               if key not in loaded or vars_codec.encode({key: value}, owner)
               != vars_codec.encode({key: loaded[key]}, owner)}
    changed.update({key: DELETED for key in loaded if key not in values})
    return changed


class BotChangeActions(EngineCore):
    def bot_timed_out(self, participant_code: str, step: int) -> SubmitResult:
        """The participant's page ``step`` submits as timed out, now, whatever its deadline:
        oTree's ``Submission(Page, timeout_happened=True)`` in a bot's test."""
        with self._committing() as outbox:
            tx, row = self._step_tx(participant_code, outbox)
            result = progress.submit(tx, row, step, {}, timed_out=True)
            if result.advanced:
                tx.records.flush()
            return result

    def save_bot_changes(self, participant_code: str, changes: BotChanges) -> None:
        """Write what a bot's code changed onto the records as stored now: one transaction,
        through the records' own checks (a value a field cannot hold is refused as in a
        hook), the payoffs counted into the participants' totals as a hook's are."""
        with self._committing() as outbox:
            tx, _ = self._step_tx(participant_code, outbox)
            tx.actor = None
            for app, kind, record_id, values in changes.fields:
                record = tx.records.record(self.project.apps[app], kind, record_id)
                for name, value in values.items():
                    setattr(record, name, value)
            targets = [(tx.records.participant(participant_id).vars, keys)
                       for participant_id, keys in changes.participant_vars.items()]
            for target, keys in [*targets, (tx.records.session.vars, changes.session_vars)]:
                for key, value in keys.items():
                    if value is DELETED:
                        target.pop(key, None)
                    else:
                        target[key] = value
            tx.records.flush()
