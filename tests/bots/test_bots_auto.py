"""Automatic bots' answers: every value drawn from a field declaration is one the field accepts.

Hypothesis generates declarations that ``labctl validate`` accepts (Integer, Money, Decimal,
Float, Text, Boolean and Choice with random bounds, choices, places, lengths, widgets and
``required``) and checks that every automatic value, on every retry, parses with
``field.parse(value, minor_digits=...)``, as the server parses a form. Declarations where
``labctl.bots.auto`` draws values the field refuses are pinned by the strict xfail tests at the
end (and left out of the generated ones so that those test the rest).
"""

from __future__ import annotations

import random
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from labctl import fields
from labctl.bots.auto import automatic_values
from labctl.errors import FieldValueError

SETTINGS = settings(max_examples=300, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
#: the retries an automatic bot makes (the runner stops at 20; shrinking stops at 12)
ATTEMPTS = st.integers(min_value=0, max_value=19)
#: how amounts are typed: JPY (0), EUR (2), BHD (3)
MINOR_DIGITS = st.sampled_from([0, 2, 3])
#: the session's decimal mark: English (4.50) or German (4,50)
DECIMAL_MARK = st.sampled_from([".", ","])
LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_"


def _named(field: fields.Field) -> fields.Field:
    field.name = "answer"
    return field


def _ordered(low, high):
    return (high, low) if low is not None and high is not None and low > high else (low, high)


@st.composite
def whole_number_fields(draw: st.DrawFn, kind: type) -> fields.Field:
    """Integer or Money (minor units), bounded, half-bounded or not, maybe with choices."""
    bound = st.one_of(st.none(), st.integers(-1_000_000, 1_000_000))
    low, high = _ordered(draw(bound), draw(bound))
    required = draw(st.booleans())
    if draw(st.booleans()):
        lo = low if low is not None else (high - 1000 if high is not None else -1000)
        hi = high if high is not None else lo + 1000
        choices = draw(st.lists(st.integers(lo, hi), min_size=1, max_size=8, unique=True))
        widget = draw(st.sampled_from([None, "radio", "radio_horizontal", "select"]))
        return _named(kind(min=low, max=high, choices=choices, widget=widget, required=required))
    widget = "slider" if low is not None and high is not None and draw(st.booleans()) else None
    return _named(kind(min=low, max=high, widget=widget, required=required))


@st.composite
def decimal_fields(draw: st.DrawFn) -> fields.Field:
    """Decimal with or without places; bounds have no more decimals than ``places``."""
    places = draw(st.one_of(st.none(), st.integers(0, 4)))
    bound_places = draw(st.integers(0, places if places is not None else 4))
    bound = st.one_of(st.none(), st.decimals(
        min_value=-10_000, max_value=10_000, places=bound_places, allow_nan=False,
        allow_infinity=False))
    low, high = _ordered(draw(bound), draw(bound))
    if draw(st.booleans()):  # researchers write bounds as "0.5" or as Decimal("0.5")
        low, high = (None if b is None else str(b) for b in (low, high))
    return _named(fields.Decimal(min=low, max=high, places=places,
                                 required=draw(st.booleans())))


@st.composite
def float_fields(draw: st.DrawFn) -> fields.Field:
    """Float (a reaction time, a belief), bounded, half-bounded or not."""
    bound = st.one_of(st.none(), st.integers(-10_000, 10_000), st.decimals(
        min_value=-10_000, max_value=10_000, places=4, allow_nan=False,
        allow_infinity=False).map(float))  # bounds as researchers write them: 0.5, 2.25
    low, high = _ordered(draw(bound), draw(bound))
    return _named(fields.Float(min=low, max=high, required=draw(st.booleans())))


@st.composite
def text_fields(draw: st.DrawFn) -> fields.Field:
    max_length = draw(st.one_of(st.none(), st.integers(1, 60)))
    required = draw(st.booleans())
    if draw(st.booleans()):
        choice = st.text(LETTERS, min_size=1, max_size=max_length or 20)
        choices = draw(st.lists(choice, min_size=1, max_size=6, unique=True))
        return _named(fields.Text(max_length=max_length, choices=choices, required=required,
                                  widget=draw(st.sampled_from([None, "radio", "select"]))))
    widget = draw(st.sampled_from([None, "text", "textarea"]))
    return _named(fields.Text(max_length=max_length, required=required, widget=widget))


@st.composite
def boolean_fields(draw: st.DrawFn) -> fields.Field:
    widget = draw(st.sampled_from([None, "radio", "radio_horizontal", "select", "checkbox"]))
    return _named(fields.Boolean(widget=widget, required=draw(st.booleans())))


@st.composite
def choice_fields(draw: st.DrawFn) -> fields.Field:
    values = st.one_of(
        st.lists(st.integers(-1000, 1000), min_size=1, max_size=8, unique=True),
        st.lists(st.text(LETTERS, min_size=1, max_size=12), min_size=1, max_size=8,
                 unique=True))
    choices = draw(values)
    labelled = draw(st.booleans())
    return _named(fields.Choice(
        choices=[(c, f"Option {c}") for c in choices] if labelled else choices,
        widget=draw(st.sampled_from([None, "radio", "radio_horizontal", "select"])),
        required=draw(st.booleans())))


ANY_FIELD = st.one_of(whole_number_fields(fields.Integer), whole_number_fields(fields.Money),
                      decimal_fields(), float_fields(), text_fields(), boolean_fields(),
                      choice_fields())


def _parsed(field: fields.Field, seed: int, attempt: int, minor_digits: int, mark: str = "."):
    value = automatic_values([field], random.Random(seed), attempt, minor_digits,
                             mark)[field.name]
    assert isinstance(value, str), f"{value!r} is not typed text"
    return value, field.parse(value, minor_digits=minor_digits, decimal_mark=mark)


@SETTINGS
@given(field=ANY_FIELD, seed=st.integers(), attempt=ATTEMPTS, minor_digits=MINOR_DIGITS,
       mark=DECIMAL_MARK)
def test_every_automatic_value_parses(field, seed, attempt, minor_digits, mark):
    assume(not field.problems())  # labctl validate would refuse the declaration
    value, parsed = _parsed(field, seed, attempt, minor_digits, mark)
    if field.choices is not None:
        assert parsed in field.choice_values(), f"{value!r} is not one of the choices"


@SETTINGS
@given(fields_=st.lists(ANY_FIELD, min_size=1, max_size=6), seed=st.integers(),
       attempt=ATTEMPTS, minor_digits=MINOR_DIGITS, mark=DECIMAL_MARK)
def test_a_whole_form_parses_and_is_reproducible(fields_, seed, attempt, minor_digits, mark):
    for index, field in enumerate(fields_):
        field.name = f"field_{index}"
        assume(not field.problems())
    form = automatic_values(fields_, random.Random(seed), attempt, minor_digits, mark)
    assert list(form) == [f.name for f in fields_]
    for field in fields_:
        field.parse(form[field.name], minor_digits=minor_digits, decimal_mark=mark)
    assert automatic_values(fields_, random.Random(seed), attempt, minor_digits, mark) == form


@pytest.mark.parametrize(("field", "typed"), [
    (fields.Money(min=1050, max=1050), "10,50"),
    (fields.Decimal(min="1.234", max="1.234", places=3), "1,234"),
    (fields.Decimal(choices=[Decimal("2.5")]), "2,5"),
    (fields.Decimal(min="1.234", max="1.234", places=3, widget="slider"), "1.234"),
])
def test_bots_type_with_the_sessions_mark_except_in_a_slider(field, typed):
    """A slider posts what the browser writes, with a point, whatever the language."""
    value, parsed = _parsed(_named(field), seed=1, attempt=0, minor_digits=2, mark=",")
    assert (value, parsed) == (typed, field.coerce(field.min or field.choices[0][0]))


@SETTINGS
@given(low=st.integers(-500, 500), span=st.one_of(st.none(), st.integers(0, 5000)),
       kind=st.sampled_from([fields.Integer, fields.Money]), seed=st.integers(),
       attempt=ATTEMPTS)
def test_retries_draw_closer_to_the_minimum(low, span, kind, seed, attempt):
    """A page's error_message usually restricts an upper limit the field does not declare:
    each retry halves the range above the minimum, so some attempt passes."""
    field = _named(kind(min=low, max=None if span is None else low + span))
    _, parsed = _parsed(field, seed, attempt, minor_digits=2)
    declared_span = span if span is not None else (100 if kind is fields.Integer else 10_000)
    assert low <= parsed <= low + declared_span // 2 ** min(attempt, 12)


# -- declarations the automatic bots get wrong (labctl/bots/auto.py) ---------------------------


def _refusals(field: fields.Field, check=None) -> list[str]:
    """What goes wrong over 40 seeds and every attempt: exceptions, refusals, failed checks."""
    found = set()
    for seed in range(40):
        for attempt in range(0, 20, 3):
            try:
                value, parsed = _parsed(field, seed, attempt, minor_digits=2)
            except FieldValueError as exc:
                found.add(f"refused: {exc}")
            except Exception as exc:
                found.add(f"{type(exc).__name__}: {exc}")
            else:
                if check and not check(parsed):
                    found.add(f"{value!r} parsed as {parsed!r}")
    return sorted(found)


@pytest.mark.parametrize("field", [
    fields.Integer(max=-1), fields.Money(max=-1), fields.Decimal(max=Decimal("-1")),
], ids=["Integer", "Money", "Decimal"])
def test_a_negative_max_without_min(field):
    field = _named(field)
    assert not field.problems()
    assert _refusals(field) == []


def test_a_decimal_min_with_more_decimals_than_places():
    field = _named(fields.Decimal(min=Decimal("0.05"), max=Decimal("1"), places=1))
    assert not field.problems()  # 0.1, 0.2, ... 1.0 are valid answers
    assert _refusals(field) == []


def test_a_required_checkbox_is_ticked():
    field = _named(fields.Boolean(widget="checkbox", required=True, label="I agree"))
    assert _refusals(field, check=lambda parsed: parsed is True) == []
