"""oTree's timed-out forms, as labctl submits a page whose time ran out.

When a page's time runs out oTree saves the fields left empty or invalid as ``0`` (numbers),
``False`` (booleans) or ``''`` (text). labctl submits the page's ``timeout_submission``, the
same whether the browser is open or closed, and a field it does not name keeps its initial
value, ``None``. An imported app whose ``before_next_page`` then computes with the field
(``C.ENDOWMENT - player.contribution``) would stop on ``None`` where oTree computed with 0.

So each page of the rewritten module with a timeout and form fields, and no
``timeout_submission`` of its own, gets one with oTree's values, listed as changed behaviour
(oTree also kept what the participant had typed validly before the time ran out; labctl
submits the same values in every case). A field whose choices or bounds refuse oTree's value,
or whose declaration the module does not show, is left out and marked for the researcher.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from typing import Any

import libcst as cst

from .report import CHANGE_MARK, MANUAL_MARK
from .syntax import dotted as _dotted

#: what oTree stored at a timeout in a field of each labctl type
OTREE_TIMEOUT_VALUES: dict[str, Any] = {"Integer": 0, "Float": 0, "Money": 0, "Decimal": 0,
                                         "Boolean": False, "Text": ""}
#: a form's model, by ``form_model``
MODELS = {"player": "Player", "group": "Group"}
_UNKNOWN = object()
_UNREAD = object()


def with_timeout_submissions(module: cst.Module) -> cst.Module:
    """``module`` (an app rewritten to labctl) with oTree's timeout values given to each
    timed page that has none."""
    declared = _Declarations()
    module.visit(declared)
    return module.visit(_TimeoutSubmissions(declared.fields))


class _Declarations(cst.CSTVisitor):
    """Each record class's field declarations: class name -> field name -> ``fields.X(...)``."""

    def __init__(self) -> None:
        self.fields: dict[str, dict[str, cst.Call]] = {}
        self.classes: list[str] = []

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.classes.append(node.name.value)

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self.classes.pop()

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return False

    def visit_Assign(self, node: cst.Assign) -> None:
        if not self.classes or not isinstance(node.value, cst.Call) \
                or not _dotted(node.value.func).startswith("fields."):
            return
        for target in node.targets:
            if isinstance(target.target, cst.Name):
                self.fields.setdefault(self.classes[-1], {})[target.target.value] = node.value


class _TimeoutSubmissions(cst.CSTTransformer):
    def __init__(self, fields: dict[str, dict[str, cst.Call]]) -> None:
        super().__init__()
        self.fields = fields

    def leave_ClassDef(self, original_node: cst.ClassDef, updated_node: cst.ClassDef
                       ) -> cst.ClassDef:
        settings = _class_settings(updated_node)
        timed = settings.get("get_timeout_seconds") is not None \
            or settings.get("timeout_seconds") is not None
        if not timed or "timeout_submission" in settings:
            return updated_node
        if "get_form_fields" in settings:
            return _with_statement(updated_node, None, [
                MANUAL_MARK + "oTree saved 0, False or '' in the fields get_form_fields gives "
                "when the time ran out; labctl submits timeout_submission: declare one"])
        names = settings.get("form_fields")
        if not isinstance(names, list) or not names:
            return updated_node
        model = self.fields.get(MODELS.get(str(settings.get("form_model", "player")), ""), {})
        values, refused, empty = {}, [], []
        for name in names:
            value = _timeout_value(model.get(name))
            if value is _UNREAD or (value is _UNKNOWN and _is_text(model.get(name))):
                empty.append(name)  # '' is no choice: None, its empty value, says the same
            elif value is _UNKNOWN:
                refused.append(name)
            else:
                values[name] = value
        notes = [CHANGE_MARK + "a timeout submits timeout_submission, oTree's values for "
                 "fields left empty (0, False, ''); oTree also kept answers typed before the "
                 "time ran out, labctl submits these in every case" + (
                     f"; {', '.join(empty)} stay None (oTree saved 0 or '', which their "
                     "declaration may refuse)" if empty else "")]
        if refused:
            notes.append(MANUAL_MARK + f"oTree saved 0, False or '' in {', '.join(refused)} "
                         "when the time ran out, which its declaration refuses or the import "
                         "cannot see: add a value to timeout_submission")
        if not values:
            return _with_statement(updated_node, None, notes[1:] or notes)
        statement = cst.parse_statement(f"timeout_submission = {values!r}\n")
        return _with_statement(updated_node, statement, notes)


def _class_settings(node: cst.ClassDef) -> dict[str, Any]:
    """The class body's settings the timeout needs: literal values (``form_fields`` as a
    list of names, ``timeout_seconds`` as its source text) and the names of its methods."""
    found: dict[str, Any] = {}
    for statement in node.body.body:
        if isinstance(statement, cst.FunctionDef):
            found[statement.name.value] = statement
            continue
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            if isinstance(small, cst.Assign) and len(small.targets) == 1 \
                    and isinstance(small.targets[0].target, cst.Name):
                found[small.targets[0].target.value] = _literal(small.value)
            elif isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name) \
                    and small.value is not None:
                found[small.target.value] = _literal(small.value)
    return found


def _timeout_value(declaration: cst.Call | None) -> Any:
    """oTree's value at a timeout for a field; ``_UNKNOWN`` when the import cannot see the
    declaration or its literal choices or bounds refuse the value; ``_UNREAD`` when they are
    expressions the import cannot read (``min=C.LOWEST``, ``choices=C.LEVELS``)."""
    if declaration is None:
        return _UNKNOWN
    value = OTREE_TIMEOUT_VALUES.get(_dotted(declaration.func).removeprefix("fields."),
                                     _UNKNOWN)
    if value is _UNKNOWN:
        return _UNKNOWN
    options = {arg.keyword.value: _literal(arg.value) for arg in declaration.args if arg.keyword}
    choices, low, high = options.get("choices"), options.get("min"), options.get("max")
    if isinstance(choices, str) or isinstance(low, str):
        return _UNREAD  # an expression: labctl validate would refuse a value it does not take
    if ("choices" in options and not _among(value, choices)) or \
            (isinstance(low, int | float) and low > value) or \
            (isinstance(high, int | float) and value > high):
        return _UNKNOWN
    return value  # a max the import cannot read (max=C.ENDOWMENT): labctl validate checks


def _is_text(declaration: cst.Call | None) -> bool:
    return declaration is not None and _dotted(declaration.func) == "fields.Text"


def _among(value: Any, choices: Any) -> bool:
    if not isinstance(choices, list | tuple):
        return False
    values = [choice[0] if isinstance(choice, list | tuple) and choice else choice
              for choice in choices]
    return any(value == choice and isinstance(value, bool) == isinstance(choice, bool)
               for choice in values)


def _literal(node: cst.BaseExpression) -> Any:
    """A literal's value (``[1, 'A']``, ``60``), or the expression's source text."""
    code = cst.Module([]).code_for_node(node)
    try:
        return ast.literal_eval(code)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return code


def _with_statement(node: cst.ClassDef, statement: cst.BaseStatement | None,
                    notes: Sequence[str]) -> cst.ClassDef:
    """The class with ``statement`` added after its settings (the last of its statements
    before a method), the notes above it; without a statement, the notes above the class's
    first statement."""
    comments = [cst.EmptyLine(comment=cst.Comment(text)) for text in notes]
    body = list(node.body.body)
    if statement is None:
        body[0] = body[0].with_changes(leading_lines=[*body[0].leading_lines, *comments])
        return node.with_changes(body=node.body.with_changes(body=body))
    position = next((i for i, line in enumerate(body)
                     if not isinstance(line, cst.SimpleStatementLine)), len(body))
    body.insert(position, statement.with_changes(leading_lines=comments))
    return node.with_changes(body=node.body.with_changes(body=body))

