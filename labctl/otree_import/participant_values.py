"""What a project's apps store on participants, and in which unit, for the apps that read it.

oTree apps pass amounts between apps through participant fields: ``participant.payoff_trust =
sum(p.payoff for p in player.in_all_rounds())`` in one app, then, in the last app,
``participant.payoff = participant.vars['payoff_' + paid_app]``. Whether the value read is
an amount decides whether the import converts it to minor units, and that is only known from
the other apps' assignments. So the import reads every module once to collect what is
stored (``ParticipantWrites``), then rewrites each module knowing it (``ParticipantValues``).

A value is named by a key: ``participant.x`` and ``participant.vars['x']`` are ``"x"`` (oTree
keeps ``PARTICIPANT_FIELDS`` in ``vars``), an item of one is ``"x[]"``, and a key only partly
written in the code, ``participant.vars['payoff_' + app]``, is the pattern ``"payoff_*"``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

import libcst as cst

Unit = Literal["amount", "number", "unknown"]

#: a participant's own attributes, which are not values the apps stored
OWN_ATTRIBUTES = frozenset({"vars", "payoff", "code", "label", "id_in_session", "session",
                            "id", "time_started_utc", "is_dropout",
                            "payoff_plus_participation_fee"})


def participant_key(node: cst.BaseExpression) -> str | None:
    """The key of a participant value ``node`` reads or writes, or ``None`` when it is not
    one: ``participant.x`` / ``player.participant.vars['x']`` -> ``"x"``, ``...x[i]`` ->
    ``"x[]"``, ``participant.vars['pay_' + app]`` -> ``"pay_*"``."""
    if isinstance(node, cst.Attribute) and _is_participant(node.value):
        return None if node.attr.value in OWN_ATTRIBUTES else node.attr.value
    if not isinstance(node, cst.Subscript) or len(node.slice) != 1 \
            or not isinstance(node.slice[0].slice, cst.Index):
        return None
    if isinstance(node.value, cst.Attribute) and node.value.attr.value == "vars" \
            and _is_participant(node.value.value):
        return _literal_key(node.slice[0].slice.value)
    inner = participant_key(node.value)
    return None if inner is None or inner.endswith("*") else inner + "[]"


def read_key(call: cst.Call) -> str | None:
    """The key ``participant.vars.get('x', default)`` reads, else ``None``."""
    func = call.func
    if not (isinstance(func, cst.Attribute) and func.attr.value == "get" and call.args
            and isinstance(func.value, cst.Attribute) and func.value.attr.value == "vars"
            and _is_participant(func.value.value)):
        return None
    return _literal_key(call.args[0].value)


def _is_participant(node: cst.BaseExpression) -> bool:
    return (isinstance(node, cst.Name) and node.value == "participant") or (
        isinstance(node, cst.Attribute) and node.attr.value == "participant")


def _literal_key(node: cst.BaseExpression) -> str | None:
    """``'x'`` -> ``"x"``; ``'pay_' + app`` and ``f'pay_{app}'`` -> ``"pay_*"``."""
    if isinstance(node, cst.SimpleString):
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add):
        prefix = _literal_key(node.left)
        return None if prefix is None else prefix.rstrip("*") + "*"
    if isinstance(node, cst.FormattedString) and node.parts \
            and isinstance(node.parts[0], cst.FormattedStringText):
        return node.parts[0].value + "*"
    return None


def _matches(read: str, written: str) -> bool:
    """Whether a value written under one key can be the one read under the other."""
    if not read.endswith("*") and not written.endswith("*"):
        return read == written
    if "[]" in read or "[]" in written:
        return False
    prefix_read, prefix_written = read.rstrip("*"), written.rstrip("*")
    if read.endswith("*") and written.endswith("*"):
        return prefix_read.startswith(prefix_written) or prefix_written.startswith(prefix_read)
    return (read if written.endswith("*") else written).startswith(
        prefix_written if written.endswith("*") else prefix_read)


@dataclass(frozen=True)
class ParticipantValues:
    """Every participant value the project's code writes: (key, unit, fractional)."""

    writes: tuple[tuple[str, Unit, bool], ...] = ()

    def unit(self, key: str) -> Unit:
        """The unit every write the key can read shares, else (none, or two) unknown."""
        units = {unit for written, unit, _ in self.writes if _matches(key, written)}
        return units.pop() if len(units) == 1 else "unknown"

    def fractional(self, key: str) -> bool:
        """Whether a write the key can read holds a division or a float."""
        return any(fraction for written, _, fraction in self.writes if _matches(key, written))


@dataclass
class ParticipantWrites:
    """The collector of one reading of the project: what each assignment stores."""

    found: set[tuple[str, Unit, bool]] = field(default_factory=set)

    def add(self, key: str, unit: Unit, fractional: bool) -> None:
        self.found.add((key, unit, fractional))

    def values(self) -> ParticipantValues:
        return ParticipantValues(tuple(sorted(self.found)))


def written_keys(targets: Iterable[cst.BaseExpression]) -> list[str]:
    """The participant keys an assignment's targets write."""
    return [key for key in map(participant_key, targets) if key is not None]
