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


@pytest.mark.parametrize("rate", [0.5, "abc", -1, "-1", True, None])
def test_parse_rate_refuses_floats_and_negatives(rate):
    with pytest.raises(ValueError):
        parse_rate(rate)


@pytest.mark.parametrize("rate", [0, "0", "0.00"])
def test_a_rate_of_zero_makes_points_a_score_worth_nothing(rate):
    assert parse_rate(rate) == 0
    assert points_to_money(750, parse_rate(rate)) == 0


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


# -- amounts and points in the participants' format (Babel's CLDR data) ------------------------


@pytest.mark.parametrize(("amount", "currency", "locale", "shown"), [
    (1000, "EUR", "de", "10,00\xa0€"),
    (1000, "EUR", "fr", "10,00\xa0€"),
    (123456, "EUR", "de", "1.234,56\xa0€"),
    (-250, "EUR", "de", "-2,50\xa0€"),
    (1000, "EUR", "nl", "€\xa010,00"),
    (1000, "JPY", "ja", "￥1,000"),
    (1000, "EUR", "de_CH", "EUR\xa010.00"),  # Swiss German writes the code
    (1000, "EUR", "en", "EUR 10.00"),  # English keeps the ISO code
    (1000, "EUR", None, "EUR 10.00"),
])
def test_an_amount_is_written_as_its_locale_writes_it(amount, currency, locale, shown):
    assert format_money(amount, currency, locale) == shown


@pytest.mark.parametrize(("points", "locale", "shown"), [
    (1200, "de", "1.200 Punkte"), (1, "de", "1 Punkt"), (3, "fr", "3 points"),
    (5, "ja", "5ポイント"), (1200, None, "1,200 points"),
])
def test_points_are_labelled_in_the_pages_language(points, locale, shown):
    from labctl.i18n import speaking

    with speaking(locale or "en"):
        assert format_points(points, locale) == shown
