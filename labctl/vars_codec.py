"""How ``participant.vars`` and ``session.vars`` are stored: as JSON that gives every value back
with its type.

Plain JSON changes values on the way back, silently: a set became the text ``"{1, 2}"`` (so a
membership test in a later round was wrong), a tuple a list, ``{1: "x"}`` became ``{"1": "x"}``,
a ``Decimal`` or a date a string. oTree users keep exactly such values in ``vars`` (the partners
met so far, the round chosen for payment). So each value JSON cannot carry is stored tagged,
``{"__labctl_type__": "set", "value": [...]}``, and comes back as it was: sets, frozensets,
tuples, dicts with keys that are not text, ``Decimal``, ``Fraction``, dates, times, datetimes,
timedeltas and non-finite floats. Anything else (an object of the app's own class, a function, a
record) is refused by ``VarsDict`` at the line that sets it, and by ``encode`` naming its key.

The export shows ``vars`` as plain JSON for analysts (``plain``): sets and tuples as lists,
decimals and fractions as text, dates in ISO 8601.
"""

from __future__ import annotations

import datetime
import decimal
import json
import math
from collections.abc import Callable, Iterable
from fractions import Fraction
from typing import Any

from .errors import ModelError

__all__ = ["TAG", "VarsDict", "decode", "encode", "plain"]

TAG = "__labctl_type__"
_SCALARS = (str, bool, type(None))


def encode(values: dict[str, Any], owner: str = "participant") -> str:
    """``values`` as the JSON text stored, or a ``ModelError`` naming the key that cannot be."""
    return json.dumps({key: _tagged(value, f"{owner}.vars[{key!r}]")
                       for key, value in values.items()}, sort_keys=True)


def decode(text: str | None) -> dict[str, Any]:
    """Stored ``vars`` back, every tagged value with its type. Empty vars (most
    participants') are not parsed, and one decoder serves every call: each live message of a
    market decodes the vars of all its members."""
    if not text or text == "{}":
        return {}
    loaded = _DECODER.decode(text)
    return loaded if isinstance(loaded, dict) else {}


def check(value: Any, where: str) -> None:
    """Raise the ``ModelError`` ``encode`` would, for one value set at ``where``."""
    _tagged(value, where)


def plain(text: str | None) -> str:
    """Stored ``vars`` as plain JSON, for the export: nothing tagged, sorted keys."""
    return json.dumps(_plain(decode(text)), sort_keys=True, ensure_ascii=False)


# -- encoding ---------------------------------------------------------------------------------


def _tagged(value: Any, where: str) -> Any:
    if isinstance(value, _SCALARS):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else _tag("float", repr(value))
    if isinstance(value, list):
        return [_tagged(item, f"{where}[{n}]") for n, item in enumerate(value)]
    if isinstance(value, dict):
        return _dict(value, where)
    encoder = _ENCODERS.get(type(value))
    if encoder is None:
        raise ModelError(
            f"{where} = {_shown(value)}: a {type(value).__name__} cannot be stored in vars, so "
            "it would be lost after this page",
            "store its data instead: numbers, text, True/False, lists, dicts, sets, tuples, "
            "Decimal, dates; a record is found again by its id_in_group or participant code")
    name, encoded = encoder(value, where)
    return _tag(name, encoded)


def _dict(value: dict[Any, Any], where: str) -> Any:
    if TAG in value:
        raise ModelError(f"{where} is a dict with the key {TAG!r}, which labctl reserves",
                         "use another key")
    if all(isinstance(key, str) for key in value):
        return {key: _tagged(item, f"{where}[{key!r}]") for key, item in value.items()}
    return _tag("dict", [[_tagged(key, f"{where} key {key!r}"),
                          _tagged(item, f"{where}[{key!r}]")] for key, item in value.items()])


def _tag(name: str, value: Any) -> dict[str, Any]:
    return {TAG: name, "value": value}


def _items(values: Iterable[Any], where: str) -> list[Any]:
    return [_tagged(item, f"{where} item") for item in values]


def _unordered(values: Iterable[Any], where: str) -> list[Any]:
    """A set's items in a stable order, so an unchanged set is not stored again."""
    return sorted(_items(values, where), key=lambda item: json.dumps(item, sort_keys=True))


_ENCODERS: dict[type, Callable[[Any, str], tuple[str, Any]]] = {
    set: lambda v, w: ("set", _unordered(v, w)),
    frozenset: lambda v, w: ("frozenset", _unordered(v, w)),
    tuple: lambda v, w: ("tuple", _items(v, w)),
    decimal.Decimal: lambda v, w: ("decimal", str(v)),
    Fraction: lambda v, w: ("fraction", str(v)),
    datetime.datetime: lambda v, w: ("datetime", v.isoformat()),
    datetime.date: lambda v, w: ("date", v.isoformat()),
    datetime.time: lambda v, w: ("time", v.isoformat()),
    datetime.timedelta: lambda v, w: ("timedelta", [v.days, v.seconds, v.microseconds]),
}


def _shown(value: Any) -> str:
    shown = repr(value)
    return shown if len(shown) <= 60 else shown[:57] + "..."


# -- decoding ---------------------------------------------------------------------------------

_DECODERS: dict[str, Callable[[Any], Any]] = {
    "set": set, "frozenset": frozenset, "tuple": tuple,
    "dict": lambda pairs: {_hashable(key): item for key, item in pairs},
    "decimal": decimal.Decimal, "fraction": Fraction, "float": float,
    "datetime": datetime.datetime.fromisoformat, "date": datetime.date.fromisoformat,
    "time": datetime.time.fromisoformat,
    "timedelta": lambda parts: datetime.timedelta(*parts),
}


def _untagged(obj: dict[str, Any]) -> Any:
    if TAG not in obj or set(obj) != {TAG, "value"}:
        return obj
    decoder = _DECODERS.get(obj[TAG])
    return obj if decoder is None else decoder(obj["value"])


#: made once: ``json.loads`` builds a decoder on every call that passes an object_hook
_DECODER = json.JSONDecoder(object_hook=_untagged)


def _hashable(key: Any) -> Any:
    """A dict key as it was (a list only where a tuple key held a list: not hashable)."""
    return tuple(key) if isinstance(key, list) else key


# -- the export's plain view -----------------------------------------------------------------


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if isinstance(value, (set, frozenset)):
        return sorted((_plain(item) for item in value), key=lambda v: json.dumps(v, default=str))
    if isinstance(value, (decimal.Decimal, Fraction)):
        return str(value)
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, datetime.timedelta):
        return value.total_seconds()
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)
    return value


class VarsDict(dict[str, Any]):
    """``vars`` that refuse, at the line that sets it, a value they could not give back.

    Only values set directly are checked here (``vars["x"] = ...``, ``setdefault``,
    ``update``); one put inside a list or dict already stored is checked when the step
    is saved, and the error names its key."""

    def __init__(self, owner: str, values: dict[str, Any] | None = None) -> None:
        super().__init__(values or {})
        self._owner = owner

    def __setitem__(self, key: str, value: Any) -> None:
        self._check(key, value)
        super().__setitem__(key, value)

    def setdefault(self, key: str, default: Any = None) -> Any:
        if key not in self:
            self._check(key, default)
        return super().setdefault(key, default)

    def update(self, *args: Any, **kwargs: Any) -> None:
        for key, value in dict(*args, **kwargs).items():
            self[key] = value

    def _check(self, key: Any, value: Any) -> None:
        if not isinstance(key, str):
            raise ModelError(f"{self._owner}.vars[{key!r}]: vars keys are text",
                             f"write {self._owner}.vars[{str(key)!r}]")
        check(value, f"{self._owner}.vars[{key!r}]")
