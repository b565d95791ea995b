"""Which expressions are amounts, for projects that pay in a currency without points.

With ``USE_POINTS = False`` oTree reads a plain number that becomes a Currency as units of
the currency: ``player.payoff = 10`` pays USD 10.00, ``cu(player.score)`` is the score in
dollars. labctl's amounts are minor units, so the same line would pay 10 cents. The import
therefore tells an amount (a money field, ``payoff``, a ``C`` constant set with ``cu()``, a
literal it already converted) from a plain number (an integer field, a literal) and scales the
number; where it cannot tell, it marks the line instead of guessing.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import libcst as cst

from .participant_values import ParticipantValues, Unit, participant_key, read_key
from .syntax import dotted

#: ``session.config`` values the import knows the unit of
CONFIG_UNITS: dict[str | bytes, Unit] = {"real_world_currency_per_point": "number",
                                         "participation_fee": "amount"}

#: calls whose result has the unit their arguments share
SAME_UNIT_CALLS = frozenset({"min", "max", "abs", "round", "sum", "int", "float"})
#: calls whose result is an item of their first argument (a list): its items' unit
ITEM_CALLS = frozenset({"random.choice", "choice", "random.sample", "sorted", "list", "tuple"})


@dataclass(frozen=True)
class Units:
    """What the module declares: its amount names and number fields."""

    #: money fields and ``payoff``
    money: Collection[str]
    #: constants of ``C`` set with ``cu()``
    amount_constants: Collection[str]
    #: the module's functions by the unit all their ``return``s share (``function_units``)
    function_units: dict[str, Unit]
    #: fields that are not money (integers, floats, ...)
    number_fields: Collection[str]
    #: ids of the literals the import already made minor units (``cu(10)`` -> ``1000``)
    converted: Collection[int]
    #: constants of ``C`` that hold plain numbers (``RATES = {1: 0.5}``)
    number_constants: Collection[str] = ()
    #: oTree's Currency and the module's names for it: ``cu(x)`` is an amount
    currency: Collection[str] = ("cu", "Currency")
    #: per function being rewritten (innermost last): its local names' units, from the
    #: assignments seen so far (``wage = group.wage_offer`` makes ``wage`` an amount)
    scopes: list[dict[str, Unit]] = field(default_factory=list)
    #: plain numbers of the expression last asked about that an amount is added to or
    #: subtracted from (``payoff - 20``): oTree read them in units of the currency (``scaled``)
    to_scale: set[int] = field(default_factory=set)
    #: what the project's apps store on participants (``participant_values``)
    participant: ParticipantValues = field(default_factory=ParticipantValues)
    #: the unit of each session config key, from the project's settings (``config_units``)
    config: dict[str, Unit] = field(default_factory=dict)

    def of_expression(self, node: cst.BaseExpression) -> Unit:
        """``of`` for a whole expression, noting afresh the numbers to scale."""
        self.to_scale.clear()
        return self.of(node)

    def of(self, node: cst.BaseExpression) -> Unit:
        """The unit of an expression: an amount, a plain number, or unknown."""
        if id(node) in self.converted:
            return "amount"
        if isinstance(node, cst.Integer | cst.Float):
            return "number"
        if isinstance(node, cst.Name):
            return self.scopes[-1].get(node.value, "unknown") if self.scopes else "unknown"
        stored = self._stored(node)
        if stored != "unknown":
            return stored
        if isinstance(node, cst.ListComp | cst.GeneratorExp):  # sum([p.payoff for p in ...])
            return self.of(node.elt)
        if isinstance(node, cst.List | cst.Tuple):  # [sim_payoff, trust_payoff]: its items'
            units = {self.of(element.value) for element in node.elements
                     if isinstance(element, cst.Element) and not is_zero(element.value)}
            return units.pop() if len(units) == 1 else "unknown"
        if isinstance(node, cst.Subscript):
            return self._item(node)
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

    def _stored(self, node: cst.BaseExpression) -> Unit:
        """The unit of a participant value other apps stored (``participant.payoff_trust``)."""
        key = participant_key(node) if isinstance(node, cst.Attribute | cst.Subscript) else None
        return "unknown" if key is None else self.participant.unit(key)

    def _attribute(self, node: cst.Attribute) -> Unit:
        name = node.attr.value
        if isinstance(node.value, cst.Name) and node.value.value == "C":
            return "amount" if name in self.amount_constants else (
                "number" if name in self.number_constants else "unknown")
        if name in self.money:
            return "amount"
        return "number" if name in self.number_fields else "unknown"

    def _item(self, node: cst.Subscript) -> Unit:
        """``C.RATES[e]``: an item of a constant holds the constant's unit; of
        ``session.config``, the rate is a number and the participation fee an amount."""
        value = node.value
        if isinstance(value, cst.Attribute) and value.attr.value == "config" \
                and len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index) \
                and isinstance(node.slice[0].slice.value, cst.SimpleString):
            return self._config(node.slice[0].slice.value.evaluated_value)

        if isinstance(value, cst.Name):  # urn[ball] of a local list: the unit of its items
            return self.of(value)
        while isinstance(value, cst.Subscript):  # C.PAYOFFS[version][option]["self"]
            value = value.value
        if isinstance(value, cst.Attribute) and isinstance(value.value, cst.Name) \
                and value.value.value == "C":
            if value.attr.value in self.amount_constants:
                return "amount"
            if value.attr.value in self.number_constants:
                return "number"
        return "unknown"

    def _named_field(self, name: cst.BaseExpression) -> Unit:
        """The unit every field a name computed in an f-string can spell shares
        (``f"choice_{i}_payoff"``: ``choice_1_payoff``, ...), else unknown."""
        if isinstance(name, cst.SimpleString) and isinstance(name.evaluated_value, str):
            pattern = re.escape(name.evaluated_value)
        elif isinstance(name, cst.FormattedString):
            pattern = "".join(re.escape(part.value) if isinstance(part, cst.FormattedStringText)
                              else ".+" for part in name.parts)
        else:
            return "unknown"
        units = {"amount" if field in self.money else "number"
                 for field in (*self.money, *self.number_fields)
                 if re.fullmatch(pattern, field)}
        return units.pop() if len(units) == 1 else "unknown"

    def _config(self, key: str | bytes) -> Unit:
        """A ``session.config`` value's unit: labctl's own keys, then the project's."""
        return CONFIG_UNITS.get(key) or self.config.get(str(key), "unknown")

    def _operation(self, node: cst.BinaryOperation) -> Unit:
        if isinstance(node.operator, cst.Add | cst.Subtract) and is_zero(node.right):
            return self.of(node.left)  # 0 is 0 in any unit
        if isinstance(node.operator, cst.Add | cst.Subtract) and is_zero(node.left):
            return self.of(node.right)
        left, right = self.of(node.left), self.of(node.right)
        if "unknown" in (left, right):
            return "unknown"
        if isinstance(node.operator, cst.Add | cst.Subtract) and left != right:
            # oTree: Currency - 20 subtracts 20 units of the currency (and Currency - score
            # score units): the plain number is made minor units
            self.to_scale.add(id(node.right if left == "amount" else node.left))
            return "amount"
        if isinstance(node.operator, cst.Add | cst.Subtract):
            return left
        if isinstance(node.operator, cst.Multiply):
            return "unknown" if left == right == "amount" else (
                "amount" if "amount" in (left, right) else "number")
        if isinstance(node.operator, cst.Divide | cst.FloorDivide):
            return left if right == "number" else "unknown"
        return "unknown"

    def _call(self, node: cst.Call) -> Unit:
        name = node.func.value if isinstance(node.func, cst.Name) else ""
        if dotted(node.func) in ITEM_CALLS and node.args:  # random.choice([fee, 0])
            return self.of(node.args[0].value)
        if name == "getattr" and len(node.args) >= 2:  # getattr(player, f"choice_{i}_payoff")
            return self._named_field(node.args[1].value)
        if name in self.currency:
            return "amount"
        if name in self.function_units:
            return self.function_units[name]
        key = read_key(node)  # participant.vars.get('x', ...)
        if key is not None:
            return self.participant.unit(key)
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value == "get" and node.args \
                and isinstance(func.value, cst.Attribute) and func.value.attr.value == "config" \
                and isinstance(node.args[0].value, cst.SimpleString):  # config.get('x', 0)
            return self._config(node.args[0].value.evaluated_value)
        if name in SAME_UNIT_CALLS and node.args:
            units = {self.of(arg.value) for arg in node.args[:1 if name == "round" else None]
                     if not is_zero(arg.value)}  # max(x, 0): 0 is 0 in any unit
            return units.pop() if len(units) == 1 else "number" if not units else "unknown"
        return "unknown"


def is_zero(node: cst.BaseExpression) -> bool:
    """A literal 0 (or -0): 0 in any unit."""
    if isinstance(node, cst.UnaryOperation) and isinstance(node.operator, cst.Minus):
        node = node.expression
    return isinstance(node, cst.Integer | cst.Float) and float(node.value.replace("_", "")) == 0


def constant_unit(value: cst.BaseExpression) -> Unit:
    """A constant's unit: ``number`` for a number or a list, tuple or dict of numbers."""
    if isinstance(value, cst.Integer | cst.Float):
        return "number"
    if isinstance(value, cst.UnaryOperation) and isinstance(value.operator, cst.Minus):
        return constant_unit(value.expression)
    items: list[cst.BaseExpression] = []
    if isinstance(value, cst.List | cst.Tuple):
        items = [element.value for element in value.elements
                 if isinstance(element, cst.Element)]
    elif isinstance(value, cst.Dict):
        items = [element.value for element in value.elements
                 if isinstance(element, cst.DictElement)]
    if items and all(constant_unit(item) == "number" for item in items):
        return "number"  # numbers at any depth: C.PAYOFFS[version][option]["self"]
    return "unknown"


class _Scaler(cst.CSTTransformer):
    """The plain numbers ``Units`` noted, in minor units: a literal converted, any other
    expression multiplied."""

    def __init__(self, numbers: Collection[int], scale: int) -> None:
        super().__init__()
        self.numbers = numbers
        self.scale = scale

    def on_leave(self, original_node: cst.CSTNode, updated_node: cst.CSTNode
                 ) -> Any:
        if id(original_node) not in self.numbers or not isinstance(
                updated_node, cst.BaseExpression):
            return updated_node
        if isinstance(updated_node, cst.Integer | cst.Float):
            value = Decimal(updated_node.value.replace("_", "")) * self.scale
            return (cst.Integer(str(int(value))) if value == int(value)
                    else cst.Float(str(value)))
        inner = updated_node if isinstance(updated_node, cst.Name | cst.Attribute | cst.Call
                                           | cst.Subscript) else updated_node.with_changes(
            lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
        return cst.Call(func=cst.Name("round"), args=[cst.Arg(value=cst.BinaryOperation(
            inner, cst.Multiply(), cst.Integer(str(self.scale))))])


def scaled(node: cst.BaseExpression, numbers: Collection[int], scale: int
           ) -> cst.BaseExpression:
    """``node`` with the plain ``numbers`` in it (by id) multiplied by ``scale``."""
    return node.visit(_Scaler(numbers, scale)) if numbers else node  # type: ignore[return-value]


def function_units(units: Units, returns: dict[str, list[cst.BaseExpression]]
                   ) -> dict[str, Unit]:
    """Each function's unit, when every value it returns has the same one: ``def cost(e):
    return C.COSTS[e]`` returns plain numbers, so ``group.cost = cost(e)`` is scaled, where
    oTree read the number in units of the currency."""
    found: dict[str, Unit] = {}
    for _ in range(len(returns) + 1):  # a function returning another's result: its unit
        before = dict(found)
        for name, values in returns.items():
            kinds = {units.of(value) for value in values}
            found[name] = kinds.pop() if len(kinds) == 1 else "unknown"
            units.function_units[name] = found[name]
        if found == before:
            break
    return found
