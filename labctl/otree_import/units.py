"""Which expressions are amounts, for projects that pay in a currency without points.

With ``USE_POINTS = False`` oTree reads a plain number that becomes a Currency as units of
the currency: ``player.payoff = 10`` pays USD 10.00, ``cu(player.score)`` is the score in
dollars. labctl's amounts are minor units, so the same line would pay 10 cents. The import
therefore tells an amount (a money field, ``payoff``, a ``C`` constant set with ``cu()``, a
literal it already converted) from a plain number (an integer field, a literal) and scales the
number; where it cannot tell, it marks the line instead of guessing.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Literal

import libcst as cst

Unit = Literal["amount", "number", "unknown"]

#: calls whose result has the unit their arguments share
SAME_UNIT_CALLS = frozenset({"min", "max", "abs", "round", "sum", "int", "float"})


@dataclass(frozen=True)
class Units:
    """What the module declares: its amount names and number fields."""

    #: money fields and ``payoff``
    money: Collection[str]
    #: constants of ``C`` set with ``cu()``
    amount_constants: Collection[str]
    #: functions whose result the module assigns to amounts
    amount_functions: Collection[str]
    #: fields that are not money (integers, floats, ...)
    number_fields: Collection[str]
    #: ids of the literals the import already made minor units (``cu(10)`` -> ``1000``)
    converted: Collection[int]

    def of(self, node: cst.BaseExpression) -> Unit:
        """The unit of an expression: an amount, a plain number, or unknown."""
        if id(node) in self.converted:
            return "amount"
        if isinstance(node, cst.Integer | cst.Float):
            return "number"
        if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus):
            return self.of(node.expression)
        if isinstance(node, cst.Attribute):
            return self._attribute(node)
        if isinstance(node, cst.BinaryOperation):
            return self._operation(node)
        if isinstance(node, cst.IfExp):
            body, orelse = self.of(node.body), self.of(node.orelse)
            return body if body == orelse else "unknown"
        if isinstance(node, cst.Call):
            return self._call(node)
        return "unknown"

    def _attribute(self, node: cst.Attribute) -> Unit:
        name = node.attr.value
        if isinstance(node.value, cst.Name) and node.value.value == "C":
            return "amount" if name in self.amount_constants else "unknown"
        if name in self.money:
            return "amount"
        return "number" if name in self.number_fields else "unknown"

    def _operation(self, node: cst.BinaryOperation) -> Unit:
        if isinstance(node.operator, cst.Add | cst.Subtract) and _zero(node.right):
            return self.of(node.left)  # 0 is 0 in any unit
        if isinstance(node.operator, cst.Add | cst.Subtract) and _zero(node.left):
            return self.of(node.right)
        left, right = self.of(node.left), self.of(node.right)
        if "unknown" in (left, right):
            return "unknown"
        if isinstance(node.operator, cst.Add | cst.Subtract):
            return left if left == right else "unknown"  # oTree: Currency + 5 adds $5
        if isinstance(node.operator, cst.Multiply):
            return "unknown" if left == right == "amount" else (
                "amount" if "amount" in (left, right) else "number")
        if isinstance(node.operator, cst.Divide | cst.FloorDivide):
            return left if right == "number" else "unknown"
        return "unknown"

    def _call(self, node: cst.Call) -> Unit:
        name = node.func.value if isinstance(node.func, cst.Name) else ""
        if name in self.amount_functions:
            return "amount"
        if name in SAME_UNIT_CALLS and node.args:
            units = {self.of(arg.value) for arg in node.args[:1 if name == "round" else None]
                     if not _zero(arg.value)}  # max(x, 0): 0 is 0 in any unit
            return units.pop() if len(units) == 1 else "number" if not units else "unknown"
        return "unknown"


def _zero(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Integer | cst.Float) and float(node.value) == 0
