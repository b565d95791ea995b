"""Experimenter gates: wait pages that open when the experimenter enters a value in the monitor.

A gate holds its group (or, with ``wait_for_all_groups``, the subsession) even once everyone
has arrived, until the experimenter types the value of its ``gate_field`` in the monitor. The
value is read as a participant's answer to that field would be, stored on the record, and the
gate is released like any wait page (``wait.release``, which the monitor's ``advance`` calls).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..errors import FieldValueError, LabctlError
from ..fields import Field
from ..pages import gate_of
from .flow import Step
from .tx import Tx

__all__ = ["gate_closed", "gate_question", "set_gate_value"]


def gate_closed(step: Step, target: Any) -> bool:
    """Whether a wait page is a gate whose value the experimenter has not entered yet."""
    gate = gate_of(step.page)
    return gate is not None and getattr(target, gate.gate_field, None) is None


def gate_question(step: Step) -> list[dict[str, str]]:
    """What the monitor asks for at a gate: the field's name and the words to show."""
    gate = gate_of(step.page)
    if gate is None:
        return []
    field = _field(step)
    return [{"name": gate.gate_field, "label": gate.gate_label or field.label or field.name}]


def set_gate_value(tx: Tx, step: Step, target: Any, answers: Mapping[str, str]) -> None:
    """Store the experimenter's value on the gate's record; refused (nothing changes) when it
    is missing or does not fit the field, with the field's message."""
    gate = gate_of(step.page)
    assert gate is not None
    raw = str(answers.get(gate.gate_field, "")).strip()
    if getattr(target, gate.gate_field, None) is not None and raw == "":
        return  # opened before; the monitor's Release passes the ones still waiting
    field = _field(step)
    if raw == "":
        raise LabctlError(f"gate {step.describe()} opens with a value for "
                          f"{gate.gate_field}", "type it in the monitor")
    try:
        value = field.parse(raw, minor_digits=0 if tx.session_type.pays_points
                            else tx.session_type.minor_digits,
                            decimal_mark=tx.session_type.decimal_mark)
    except FieldValueError as exc:
        raise LabctlError(f"{gate.gate_field}: {exc.message}",
                          "correct the value typed in the monitor") from exc
    setattr(target, gate.gate_field, value)


def _field(step: Step) -> Field:
    gate = gate_of(step.page)
    assert gate is not None
    for model in (step.app.group_class, step.app.subsession_class):
        if gate.gate_field in model.declared_fields():
            return model.declared_fields()[gate.gate_field]
    raise LabctlError(f"gate {step.describe()} names gate_field '{gate.gate_field}', which is "
                      f"no field of app '{step.app.name}'s Group or Subsession",
                      "run labctl validate (LC258)")
