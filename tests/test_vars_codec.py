"""participant.vars and session.vars keep each value's type through the database (sets,
tuples, dicts with number keys, decimals, dates...), and refuse a value they cannot keep."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from labctl.errors import ModelError
from labctl.vars_codec import TAG, VarsDict, decode, encode, plain

KEPT = {
    "partners": {2, 3},
    "frozen": frozenset({"a"}),
    "pair": (1, "x"),
    "by_round": {1: "left", 2: "right"},
    "by_pair": {(1, 2): 0.5},
    "share": Decimal("0.125"),
    "third": Fraction(1, 3),
    "day": datetime.date(2026, 11, 30),
    "at": datetime.datetime(2026, 11, 30, 9, 30, 15, 120),
    "clock": datetime.time(9, 30),
    "wait": datetime.timedelta(seconds=90.5),
    "nested": [{"seen": {1}}, ("t",), None, True, 1.5, float("inf")],
    "text": "é", "flag": False, "number": 7, "none": None,
}


def test_every_kept_value_comes_back_with_its_type():
    back = decode(encode(KEPT))
    assert back == KEPT
    for key, value in KEPT.items():
        assert type(back[key]) is type(value), key
    assert type(back["nested"][0]["seen"]) is set and type(back["nested"][1]) is tuple


def test_plain_json_values_are_stored_as_plain_json():
    assert json.loads(encode({"a": [1, "x", {"b": None}]})) == {"a": [1, "x", {"b": None}]}


def test_an_unchanged_set_is_encoded_the_same_way_each_time():
    assert encode({"s": {3, 1, 2}}) == encode({"s": {2, 3, 1}})


class Token:
    pass


@pytest.mark.parametrize(("values", "fragment"), [
    ({"obj": Token()}, "participant.vars['obj'] = <"),
    ({"deep": [1, {"x": Token()}]}, "participant.vars['deep'][1]['x']"),
    ({"bad": {TAG: "set"}}, "labctl reserves"),
])
def test_a_value_that_cannot_be_kept_is_refused_by_its_key(values, fragment):
    with pytest.raises(ModelError) as raised:
        encode(values)
    assert fragment in str(raised.value)


def test_vars_refuse_at_the_assignment_and_in_setdefault_and_update():
    kept = VarsDict("session", {"a": 1})
    for assign in (lambda: kept.__setitem__("x", Token()), lambda: kept.setdefault("y", Token()),
                   lambda: kept.update(z=Token()), lambda: kept.__setitem__(3, 1)):
        with pytest.raises(ModelError):
            assign()
    assert kept == {"a": 1}
    kept["partners"] = {1}
    assert kept.setdefault("partners", set()) == {1}


def test_the_exports_view_is_plain_json():
    assert json.loads(plain(encode(KEPT)))["partners"] == [2, 3]
    assert json.loads(plain(encode(KEPT)))["by_round"] == {"1": "left", "2": "right"}
    assert json.loads(plain(encode(KEPT)))["share"] == "0.125"
    assert json.loads(plain(encode(KEPT)))["day"] == "2026-11-30"


scalars = (st.none() | st.booleans() | st.integers() | st.text(max_size=5)
           | st.floats(allow_nan=False) | st.decimals(allow_nan=False, allow_infinity=False)
           | st.fractions() | st.dates())
hashables = st.recursive(scalars, lambda inner: st.tuples(inner, inner) | st.frozensets(
    inner, max_size=3), max_leaves=6)
values = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.text(max_size=3).filter(lambda k: k != TAG), inner, max_size=3)
    | st.dictionaries(st.integers(), inner, max_size=3) | st.sets(hashables, max_size=3)
    | st.tuples(inner, inner), max_leaves=12)


@given(st.dictionaries(st.text(max_size=4), values, max_size=4))
def test_any_storable_vars_round_trip(stored):
    assert decode(encode(stored)) == stored
