"""Money is integers in minor units; points convert exactly, rounding once."""

from decimal import Decimal
from fractions import Fraction

import pytest

from labctl.money import format_money, format_points, parse_rate, points_to_money
from labctl.session_type import SessionType


@pytest.mark.parametrize(("amount", "currency", "shown"), [
    (1000, "EUR", "EUR 10.00"),
    (1050, "EUR", "EUR 10.50"),
    (5, "USD", "USD 0.05"),
    (-250, "GBP", "GBP -2.50"),
    (1500, "JPY", "JPY 1,500"),
    (1234567, "EUR", "EUR 12,345.67"),
    (1001, "KWD", "KWD 1.001"),
])
def test_format_money(amount, currency, shown):
    assert format_money(amount, currency) == shown


def test_format_points():
    assert format_points(1) == "1 point"
    assert format_points(1200) == "1,200 points"


@pytest.mark.parametrize(("rate", "expected"), [
    ("0.5", Fraction(1, 2)),
    (Decimal("0.1"), Fraction(1, 10)),
    (2, Fraction(2)),
    (Fraction(1, 3), Fraction(1, 3)),
])
def test_parse_rate_is_exact(rate, expected):
    assert parse_rate(rate) == expected


@pytest.mark.parametrize("rate", [0.5, "abc", 0, "-1", True, None])
def test_parse_rate_refuses_floats_and_non_positive(rate):
    with pytest.raises(ValueError):
        parse_rate(rate)


@pytest.mark.parametrize(("points", "rate", "money"), [
    (100, Fraction(1, 2), 50),
    (3, Fraction(1, 2), 2),      # 1.5 rounds half up
    (1, Fraction(1, 3), 0),
    (2, Fraction(1, 3), 1),
    (300, Fraction(1, 10), 30),  # 0.1 * 300 is exactly 30 with fractions
    (-3, Fraction(1, 2), -1),
])
def test_points_to_money(points, rate, money):
    assert points_to_money(points, rate) == money


@pytest.mark.parametrize(("currency", "money_per_point", "digits"), [
    ("EUR", None, 2), ("JPY", None, 0), ("KWD", None, 3), ("EUR", "0.5", 0), ("KWD", 1, 0)])
def test_a_session_type_says_how_many_decimals_are_typed_for_money(currency, money_per_point,
                                                                    digits):
    session_type = SessionType(name="s", app_sequence=["a"], currency=currency,
                               money_per_point=money_per_point)
    assert session_type.minor_digits == digits
