"""Which of an app's constants (``C.ENDOWMENT``) are amounts, read from how the app uses them.

In oTree a constant written ``cu(100)`` is a Currency and prints as money in a template; in
labctl amounts are plain integers in minor units, so ``{{ C.ENDOWMENT }}`` prints 1000 where the
participant should read EUR 10.00. Nothing in the value says it is an amount, but its use does:
a constant that bounds or starts a ``fields.Money`` (``max=C.ENDOWMENT``), or that is set as or
added to a payoff or another amount field (``player.payoff = C.ENDOWMENT - player.sent``), is
an amount. A constant only multiplied or divided (``C.MULTIPLIER``) is not. ``labctl validate``
then asks for ``money(C.ENDOWMENT)`` where such a constant is printed bare (LC173).
"""

from __future__ import annotations

import ast
from pathlib import Path

__all__ = ["amount_constants"]

#: keyword arguments of a field that are amounts when the field is ``Money``
AMOUNT_OPTIONS = frozenset({"min", "max", "initial"})


def amount_constants(source_file: Path, money_fields: frozenset[str],
                     other_fields: frozenset[str] = frozenset()) -> frozenset[str]:
    """The names ``X`` of ``C.X`` that the module uses as amounts; ``money_fields`` are the
    app's Money field names (``payoff`` among them), ``other_fields`` its other fields: an
    amount computed from a count (``C.CAPACITY - group.units``) says nothing of the constant."""
    try:
        tree = ast.parse(source_file.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
        return frozenset()  # reported by the loader
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _is_money_field(node):
            for keyword in node.keywords:
                if keyword.arg in AMOUNT_OPTIONS:
                    found |= _amounts_among(_additive_terms(keyword.value), other_fields)
        elif isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)) and \
                _sets_amount(node, money_fields) and node.value is not None:
            found |= _amounts_among(_additive_terms(node.value), other_fields)
    return frozenset(found)


def _amounts_among(terms: list[ast.expr], other_fields: frozenset[str]) -> set[str]:
    """The constants among an amount's added terms, unless a term is a field that is not an
    amount (then the sum mixes units, and the constant may be a count)."""
    if any(isinstance(term, ast.Attribute) and term.attr in other_fields for term in terms):
        return set()
    return {_constant_name(term) for term in terms if _constant_name(term)}


def _is_money_field(call: ast.Call) -> bool:
    """``fields.Money(...)`` or ``Money(...)``."""
    function = call.func
    name = function.attr if isinstance(function, ast.Attribute) else getattr(function, "id", "")
    return name == "Money"


def _sets_amount(node: ast.Assign | ast.AugAssign | ast.AnnAssign,
                 money_fields: frozenset[str]) -> bool:
    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
    return any(isinstance(target, ast.Attribute) and target.attr in money_fields
               for target in targets)


def _additive_terms(expression: ast.expr) -> list[ast.expr]:
    """The terms added or subtracted in ``expression`` (through ``round(...)``, ``max``/``min``
    and conditionals); a product or quotient is one term, so its factors are never amounts."""
    if isinstance(expression, ast.BinOp) and isinstance(expression.op, (ast.Add, ast.Sub)):
        return _additive_terms(expression.left) + _additive_terms(expression.right)
    if isinstance(expression, ast.UnaryOp):
        return _additive_terms(expression.operand)
    if isinstance(expression, ast.IfExp):
        return _additive_terms(expression.body) + _additive_terms(expression.orelse)
    if isinstance(expression, ast.Call) and isinstance(expression.func, ast.Name):
        name = expression.func.id
        if name in {"round", "int", "abs"} and expression.args:
            return _additive_terms(expression.args[0])
        if name in {"max", "min"}:
            return [term for argument in expression.args for term in _additive_terms(argument)]
    return [expression]


def _constant_name(expression: ast.expr) -> str:
    """``X`` for ``C.X``; empty otherwise."""
    if (isinstance(expression, ast.Attribute) and isinstance(expression.value, ast.Name)
            and expression.value.id == "C"):
        return expression.attr
    return ""
