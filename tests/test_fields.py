"""Fields parse what a browser posts and check values with messages for the participant."""

from decimal import Decimal as D

import pytest

from labctl import SessionType, fields
from labctl.errors import FieldValueError


def named(field, name="answer"):
    field.__set_name__(object, name)
    return field


@pytest.mark.parametrize(("field", "raw", "expected"), [
    (fields.Integer(), "42", 42),
    (fields.Integer(min=-5), " -5 ", -5),
    (fields.Integer(), "9" * 18, 10 ** 18 - 1),
    (fields.Integer(), "-" + "9" * 18, -(10 ** 18 - 1)),
    (fields.Integer(), "000000000000000000000042", 42),
    (fields.Money(), "9" * 16 + ".99", 10 ** 18 - 1),
    (fields.Decimal(), "3,25", D("3.25")),
    (fields.Decimal(places=2), "0.10", D("0.10")),
    (fields.Money(), "10.50", 1050),
    (fields.Money(), "7", 700),
    (fields.Text(), "  hello  ", "hello"),
    (fields.Boolean(), "1", True),
    (fields.Boolean(), "false", False),
    (fields.Choice(choices=[1, 2, 3]), "2", 2),
    (fields.Choice(choices=[("a", "Alpha"), ("b", "Beta")]), "b", "b"),
    (fields.Text(choices=["x", "y"]), "y", "y"),
])
def test_parse_accepts_valid_input(field, raw, expected):
    value = named(field).parse(raw)
    assert value == expected
    assert type(value) is type(expected)


@pytest.mark.parametrize(("field", "raw", "message"), [
    (fields.Integer(), "4.5", "Please enter a whole number."),
    (fields.Integer(), "abc", "Please enter a whole number."),
    # beyond SQLite's 64-bit INTEGER: refused as typed, not a failure when saved
    (fields.Integer(), "1" + "0" * 18, "Please enter a number of at most 18 digits."),
    (fields.Integer(), "-" + "9" * 19, "Please enter a number of at most 18 digits."),
    (fields.Integer(), "7" * 5000, "Please enter a number of at most 18 digits."),
    (fields.Money(), "1" + "0" * 16, "Please enter an amount of at most 16 digits before the "
                                     "decimal point."),
    (fields.Integer(min=1, max=10), "0", "Please enter a value of at least 1."),
    (fields.Integer(min=1, max=10), "11", "Please enter a value of at most 10."),
    (fields.Integer(), "", "Please answer this question."),
    (fields.Integer(), None, "Please answer this question."),
    (fields.Decimal(), "NaN", "Please enter a number, like 4.5."),
    (fields.Decimal(), "inf", "Please enter a number, like 4.5."),
    (fields.Decimal(places=1), "1.25", "Please use at most 1 decimal places."),
    (fields.Money(), "10.505", "Please use at most 2 decimal places."),
    (fields.Money(max=1000), "10.01", "Please enter a value of at most 10.00."),
    (fields.Money(min=50), "0.49", "Please enter a value of at least 0.50."),
    (fields.Text(max_length=3), "abcd", "Please keep it under 3 characters."),
    (fields.Boolean(), "maybe", "Please answer yes or no."),
    (fields.Choice(choices=[1, 2]), "3", "Please choose one of the options."),
    (fields.Integer(choices=[1, 2]), "3", "Please choose one of the options."),
    (fields.Boolean(widget="checkbox"), None, "Please tick this box to continue."),
    (fields.Boolean(widget="checkbox"), "0", "Please tick this box to continue."),
    (fields.Boolean(widget="checkbox"), "false", "Please tick this box to continue."),
])
def test_parse_refuses_invalid_input_with_a_participant_message(field, raw, message):
    with pytest.raises(FieldValueError) as caught:
        named(field).parse(raw)
    assert caught.value.message == message
    assert caught.value.field_name == "answer"


def test_optional_field_accepts_no_answer():
    assert named(fields.Text(required=False)).parse("   ") is None


def test_unticked_optional_checkbox_is_false():
    assert named(fields.Boolean(widget="checkbox", required=False)).parse(None) is False


def test_money_is_parsed_with_the_currency_minor_digits():
    money = named(fields.Money())
    assert money.parse("1500", minor_digits=0) == 1500
    assert money.parse("1.234", minor_digits=3) == 1234
    with pytest.raises(FieldValueError):
        money.parse("1.5", minor_digits=0)


@pytest.mark.parametrize("value", [0.1, True, "ten"])
def test_money_never_accepts_floats_or_booleans(value):
    with pytest.raises(FieldValueError):
        named(fields.Money()).coerce(value)


@pytest.mark.parametrize(("field", "widget"), [
    (fields.Integer(), "number"),
    (fields.Integer(choices=[1, 2]), "radio"),
    (fields.Text(), "text"),
    (fields.Text(widget="textarea"), "textarea"),
    (fields.Boolean(), "radio_horizontal"),
    (fields.Choice(choices=["a"]), "radio"),
])
def test_effective_widget_follows_type_and_choices(field, widget):
    assert field.effective_widget == widget


def test_display_label_defaults_to_the_field_name():
    assert named(fields.Integer(), "years_of_study").display_label == "Years of study"
    assert named(fields.Integer(label="Age?"), "age").display_label == "Age?"


def test_choice_sql_type_follows_its_values():
    assert fields.Choice(choices=[1, 2]).sql_type == "INTEGER"
    assert fields.Choice(choices=["a", "b"]).sql_type == "TEXT"


def test_declaration_records_the_researchers_line():
    declared = fields.Integer()
    assert declared.defined_at == (__file__, test_declaration_records_the_researchers_line
                                   .__code__.co_firstlineno + 1)


# -- the decimal mark: how a typed amount or decimal is read, by the session's locale ----------

AMBIGUOUS_DE = ('"1.234" could mean 1234 or 1,234: type 1234 without a thousands separator, '
                "or 1,234 with a decimal comma.")
AMBIGUOUS_EN = ('"1,234" could mean 1234 or 1.234: type 1234 without a thousands separator, '
                "or 1.234 with a decimal point.")


@pytest.mark.parametrize(("typed", "locale", "expected"), [
    # both marks are read as the decimal mark, whatever the locale
    ("4,50", "de", 450), ("4.50", "de", 450), ("4,50", "en", 450), ("4.50", "en", 450),
    ("4,5", "de_DE", 450), ("4.5", "en_US", 450), (" 4,50 ", "de", 450), ("-0,50", "de", -50),
    ("+3", "de", 300), (",5", "de", 50), ("5,", "de", 500), ("1234,50", "de", 123450),
    # the locale's own mark before three digits is the decimal mark (too many decimals here)
    ("1,234", "de", "Please use at most 2 decimal places."),
    ("1.234", "en", "Please use at most 2 decimal places."),
    ("1.234", "de_CH", "Please use at most 2 decimal places."),
    # the other mark before three digits could be a thousands separator: refused, not guessed
    ("1.234", "de", AMBIGUOUS_DE), ("1,234", "en", AMBIGUOUS_EN),
    ("-1.234", "de", '"-1.234" could mean -1234 or -1,234: type -1234 without a thousands '
                     "separator, or -1,234 with a decimal comma."),
    # ... unless it cannot be one: a leading 0, four digits before, or not three after
    ("0.250", "de", 25), ("1234.500", "de", 123450), ("12.3456", "de",
                                                        "Please use at most 2 decimal places."),
    # thousands separators, exponents, spaces inside and words are refused, saying what to type
    ("1.234,50", "de", "Please type the amount without thousands separators, like 1234,50."),
    ("1,234.50", "en", "Please type the amount without thousands separators, like 1234.50."),
    ("1.000.000", "de", "Please type the amount without thousands separators, like 1234,50."),
    ("1e3", "de", "Please enter an amount, like 4,50."),
    ("4 50", "de", "Please enter an amount, like 4,50."),
    ("4,50 €", "de", "Please enter an amount, like 4,50."),
    ("1_000", "en", "Please enter an amount, like 4.50."),
    ("١٢", "en", "Please enter an amount, like 4.50."),
    (",", "de", "Please enter an amount, like 4,50."),
    ("-", "de", "Please enter an amount, like 4,50."),
    ("NaN", "de", "Please enter an amount, like 4,50."),
    ("1" * 65, "de", "Please enter an amount, like 4,50."),
    # exactly, never through a float: 30 decimals are not rounded to 28 digits
    ("10." + "0" * 29 + "1", "en", "Please use at most 2 decimal places."),
    ("0.1", "en", 10), ("2.675", "en", "Please use at most 2 decimal places."),
    ("9" * 17, "de", "Please enter an amount of at most 16 digits before the decimal comma."),
])
def test_an_amount_is_read_with_the_sessions_decimal_mark(typed, locale, expected):
    mark = SessionType(name="s", app_sequence=["a"], locale=locale).decimal_mark
    money = named(fields.Money())
    if isinstance(expected, int):
        assert money.parse(typed, decimal_mark=mark) == expected
        return
    with pytest.raises(FieldValueError) as caught:
        money.parse(typed, decimal_mark=mark)
    assert caught.value.message == expected


@pytest.mark.parametrize(("field", "typed", "locale", "expected"), [
    (fields.Decimal(), "3,25", "de", D("3.25")),
    (fields.Decimal(), "3.25", "de", D("3.25")),
    (fields.Decimal(), "1,234", "de", D("1.234")),
    (fields.Decimal(), "1.234", "en", D("1.234")),
    (fields.Decimal(), "0.0000001", "en", D("0.0000001")),
    (fields.Decimal(), "1.234", "de", AMBIGUOUS_DE),
    (fields.Decimal(), "1.234,5", "de", "Please type the number without thousands separators, "
                                        "like 1234,5."),
    (fields.Decimal(), "zwei", "de", "Please enter a number, like 4,5."),
    (fields.Decimal(places=0), "x", "en", "Please enter a number, like 4."),
    (fields.Decimal(max="2.5"), "2,6", "de", "Please enter a value of at most 2,5."),
    (fields.Decimal(places=1), "1" + "0" * 27 + ".25", "en",
     "Please use at most 1 decimal places."),
    (fields.Money(), "4,50", "de", 450),
    # bounds in messages use the locale's mark
    (fields.Money(max=1000), "10,01", "de", "Please enter a value of at most 10,00."),
    (fields.Money(min=50), "0.49", "de", "Please enter a value of at least 0,50."),
    (fields.Money(max=1000), "10.01", "en", "Please enter a value of at most 10.00."),
    (fields.Integer(), "4,5", "de", "Please enter a whole number."),
    # a slider posts what the browser writes, always with a point
    (fields.Decimal(min=0, max=2, places=3, widget="slider"), "1.234", "de", D("1.234")),
])
def test_decimals_are_read_by_the_same_rules(field, typed, locale, expected):
    mark = SessionType(name="s", app_sequence=["a"], locale=locale).decimal_mark
    if not isinstance(expected, str):
        parsed = named(field).parse(typed, decimal_mark=mark)
        assert (parsed, type(parsed)) == (expected, type(expected))
        return
    with pytest.raises(FieldValueError) as caught:
        named(field).parse(typed, decimal_mark=mark)
    assert caught.value.message == expected


@pytest.mark.parametrize(("locale", "mark"), [
    ("en", "."), ("en_GB", "."), ("de", ","), ("de_DE", ","), ("de-AT", ","), ("de_CH", "."),
    ("fr", ","), ("fr_CH", ","), ("es", ","), ("es_MX", "."), ("ja", "."), ("en_ZA", ","),
])
def test_the_locale_decides_the_decimal_mark(locale, mark):
    assert SessionType(name="s", app_sequence=["a"], locale=locale).decimal_mark == mark


def test_the_default_locale_is_english_so_existing_projects_read_as_before():
    assert SessionType(name="s", app_sequence=["a"]).decimal_mark == "."
