"""Participant and session fields declared once in ``sessions.py`` (oTree's
``PARTICIPANT_FIELDS`` / ``SESSION_FIELDS``), read and set as attributes.

A declaration is either oTree's list of names, each holding any JSON value (a number, text, a
list, a dict, ``True``/``False``, ``None``), or a dict of names to labctl fields, each typed like a
player's field (``fields.Money()``, ``fields.Float()``, ``fields.Boolean(initial=False)``...)::

    PARTICIPANT_FIELDS = {"expiry": fields.Float(doc="time budget's end, epoch seconds"),
                          "paid_app": fields.Text(initial="")}
    SESSION_FIELDS = ["treatment_order"]

The values are kept in the record's ``vars`` (so they are stored with it in the same
transaction and reach the next page) and exported as their own columns, ``participant.<name>``
and ``session.<name>``. A value a typed field cannot hold is refused at the line that sets it;
an untyped one is kept with its type as any value in ``vars`` is (``labctl/vars_codec.py``:
sets, tuples, decimals and dates come back as they were), and one that cannot be stored (an
object of the app's own class) is refused at its line.
"""

from __future__ import annotations

import copy
import keyword
import types
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

from .errors import FieldValueError, ModelError
from .fields import Field, Money
from .problems import Problem
from .vars_codec import check

__all__ = ["DECLARATIONS", "Declared", "declared_fields", "read_declared", "stored_declared"]

#: per owner: the ``sessions.py`` name that declares its fields
DECLARATIONS = {"participant": "PARTICIPANT_FIELDS", "session": "SESSION_FIELDS"}

#: a declaration: each name's field, or ``None`` for an untyped (any JSON) value
Declared = Mapping[str, "Field | None"]

#: names the records already use: a declared field of that name would hide them
_RESERVED = {
    "participant": {"code", "id", "id_in_session", "label", "vars", "payoff", "settle_payoff"},
    "session": {"code", "session_type", "params", "vars", "currency", "fixed_pay"},
}


def declared_fields(module: types.ModuleType, file: Path,
                    problems: list[Problem]) -> dict[str, dict[str, Field | None]]:
    """Both owners' declarations read from a loaded ``sessions.py``; mistakes become LC205."""
    return {owner: _declaration(owner, getattr(module, name, None), file, problems)
            for owner, name in DECLARATIONS.items()}


def _declaration(owner: str, declared: Any, file: Path,
                 problems: list[Problem]) -> dict[str, Field | None]:
    setting = DECLARATIONS[owner]
    if declared is None:
        return {}
    if isinstance(declared, (list, tuple)):
        entries: list[tuple[Any, Any]] = [(name, None) for name in declared]
    elif isinstance(declared, Mapping):
        entries = list(declared.items())
    else:
        problems.append(Problem.at(
            "LC205", file, f"{setting} is {type(declared).__name__}, not a list or a dict",
            f"write {setting} = ['name', ...] (any JSON value) or "
            f"{setting} = {{'name': fields.Integer(), ...}} (typed)"))
        return {}
    fields: dict[str, Field | None] = {}
    for name, field in entries:
        problem = _entry_problem(owner, name, field)
        if problem:
            problems.append(Problem.at("LC205", _site(field, file), problem[0], problem[1]))
        else:
            fields[name] = _named(field, name)
    return fields


def _entry_problem(owner: str, name: Any, field: Any) -> tuple[str, str] | None:
    setting = DECLARATIONS[owner]
    if not isinstance(name, str) or not name.isidentifier() or keyword.iskeyword(name):
        return (f"{setting} names {name!r}, which is not a Python name",
                "use a name such as 'is_dropout' (letters, digits and _)")
    if name in _RESERVED[owner] or name.startswith("_"):
        return (f"{setting} declares '{name}', which {owner} already has",
                f"choose another name: {owner}.{name} is labctl's own")
    if field is not None and not isinstance(field, Field):
        return (f"{setting}['{name}'] is {field!r}, not a field",
                f"write {setting} = {{'{name}': fields.Integer()}} (or any labctl field), or "
                f"list the name alone for any JSON value")
    return None


def _named(field: Field | None, name: str) -> Field | None:
    """A field of a declaration dict has no class attribute to learn its name from."""
    if field is None:
        return None
    named = copy.copy(field)
    named.name = name
    return named


def _site(field: Any, file: Path) -> tuple[str, int] | Path:
    site = getattr(field, "defined_at", None)
    return site if isinstance(site, tuple) and site[1] else file


# -- values ------------------------------------------------------------------------------------


def stored_declared(owner: str, name: str, field: Field | None, value: Any) -> Any:
    """What ``vars`` keeps for ``owner.name = value``, or a ``ModelError`` saying why not."""
    if value is None:
        return None
    if field is None:
        check(value, f"{owner}.{name}")  # kept with its type, as any value in vars
        return value
    try:
        if isinstance(field, Money) and type(value) is not int:
            value = field.amount_from_code(owner, value)
        typed = field.coerce(value)
    except FieldValueError as refused:
        raise ModelError(
            f"{owner}.{name} = {value!r}: not a value for a {field.type_name} field "
            f"({refused.message})",
            f"set a {field.type_name} value, or declare '{name}' with another field type in "
            f"{DECLARATIONS[owner]}") from None
    return str(typed) if isinstance(typed, Decimal) else typed


def read_declared(field: Field | None, stored: Any) -> Any:
    """A declared field's value from what ``vars`` keeps: its initial value when unset."""
    if field is None:
        return stored
    return field.initial if stored is None else field.coerce(stored)
