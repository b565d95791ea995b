"""Typed fields that players, groups and subsessions declare.

A field is a class attribute of a model class::

    class Player(labctl.Player):
        age = fields.Integer(min=18, max=99, label="How old are you?")
        sent = fields.Money(min=0, max=1000)

Declaring never raises: a field with a mistake (min above max, empty choices, a widget that does
not fit) records it and ``labctl validate`` reports every such mistake at once, at the line of
the declaration. At run time a field parses what a browser posted (``parse``) and checks values
(``check``), raising ``FieldValueError`` with a message meant for the participant.
"""

from __future__ import annotations

import copy
import decimal
import math
import operator
import re
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, ClassVar

from babel.support import LazyProxy

from .declarations import declaration_site
from .errors import FieldValueError, ModelError
from .i18n import N_, lazy_gettext
from .i18n import gettext as _

__all__ = [
    "Boolean",
    "Choice",
    "Decimal",
    "Field",
    "FieldProblem",
    "Float",
    "Integer",
    "Money",
    "Text",
]


@dataclass(frozen=True)
class FieldProblem:
    """A mistake in a field declaration, found without raising."""

    code: str
    message: str
    hint: str


#: decimal exponents beyond this are typing accidents or attacks, never answers
MAX_MAGNITUDE = 30
#: whole numbers (and amounts in minor units) are stored as SQLite's 64-bit INTEGER, which
#: ends at about 9.2 x 10**18: a larger answer would fail when saved, so it is refused as typed
INTEGER_DIGITS = 18
#: what a participant may type into an amount or decimal field: a sign, digits and at most one
#: separator; ASCII digits only (``decimal.Decimal`` would also read "1e3", "1_000" and "١٢")
TYPED_NUMBER = re.compile(r"([+-]?)([0-9]*)(?:([.,])([0-9]*))?")
#: the longest amount or decimal a participant may type: longer is a paste or an attack, and
#: bounding it bounds the work of reading it exactly
MAX_TYPED = 64
#: digits with several separators: thousands separators, which a participant is asked to leave out
GROUPED_DIGITS = re.compile(r"[+-]?[0-9]+(?:[.,][0-9]+)+[.,]?")
#: a label a participant reads: a text, or a lazy one translated where shown (``labctl._``)
Label = str | LazyProxy
#: how messages name a decimal mark (translated where shown)
MARK_NAMES = {".": N_("decimal point"), ",": N_("decimal comma")}
#: what the participant is asked for when a typed amount or number cannot be read
ENTER_NOUN = {"amount": N_("Please enter an amount, like %(example)s."),
              "number": N_("Please enter a number, like %(example)s.")}
NO_THOUSANDS = {"amount": N_("Please type the amount without thousands separators, like "
                             "%(example)s."),
                "number": N_("Please type the number without thousands separators, like "
                             "%(example)s.")}


class Field:
    """Base of every field type: label, required, initial value, widget and choices."""

    type_name: ClassVar[str] = "field"
    sql_type: ClassVar[str] = "TEXT"
    widgets: ClassVar[tuple[str, ...]] = ()
    default_widget: ClassVar[str] = ""

    def __init__(
        self,
        *,
        label: str | None = None,
        required: bool = True,
        initial: Any = None,
        widget: str | None = None,
        choices: Iterable[Any] | None = None,
        help_text: str = "",
        doc: str = "",
    ) -> None:
        self.name = ""
        #: what the column means, for whoever analyses the data (not shown to participants)
        self.doc = doc
        self.label = label
        self.required = required
        self.initial = initial
        self.widget = widget
        self.help_text = help_text
        self.choices: list[tuple[Any, Label]] | None = _normalise_choices(choices)
        self._choices_raw = choices
        self.defined_at = declaration_site()

    def with_limits(self, limits: dict[str, Any]) -> Field:
        """A copy with other ``min``, ``max`` or ``choices`` (what an app's field hooks give
        one record); this field, shared by every request, is left as it is."""
        limited = copy.copy(self)
        for name, value in limits.items():
            if name == "choices":
                limited.choices = _normalise_choices(value)
                limited._choices_raw = value
            else:
                setattr(limited, name, value)
        return limited

    # -- descriptor protocol: values live on the record, not on the class ---------------------
    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, instance: Any, owner: type | None = None) -> Any:
        if instance is None:
            return self
        return instance._values.get(self.name, self.initial)

    def __set__(self, instance: Any, value: Any) -> None:
        if value is not None:
            value = self.coerce(value)
        instance._values[self.name] = value
        instance._dirty.add(self.name)

    # -- declaration checks ----------------------------------------------------------------
    @property
    def display_label(self) -> str:
        return self.label if self.label is not None else self.name.replace("_", " ").capitalize()

    @property
    def effective_widget(self) -> str:
        if self.widget:
            return self.widget
        if self._choices_raw is not None and self.default_widget in ("number", "text"):
            return "radio"
        return self.default_widget

    def problems(self) -> list[FieldProblem]:
        """Every mistake in this declaration (empty when it is fine)."""
        found: list[FieldProblem] = []
        if self._choices_raw is not None and not self.choices:
            found.append(FieldProblem(
                "LC141", f"field '{self.name}' has empty choices",
                "list at least one choice, or remove choices=",
            ))
        if self.choices:
            for value, _label in self.choices:
                try:
                    self.coerce(value)
                except (FieldValueError, TypeError, ValueError):
                    found.append(FieldProblem(
                        "LC143", f"choice {value!r} of field '{self.name}' is not a valid "
                        f"{self.type_name}", f"give choices of type {self.type_name}",
                    ))
        if self.widget is not None and self.widget not in self.widgets:
            found.append(FieldProblem(
                "LC144", f"widget '{self.widget}' does not fit {self.type_name} field "
                f"'{self.name}'", "use one of: " + ", ".join(self.widgets),
            ))
        if self.initial is not None:  # of its type; choices and bounds: initial_problem()
            try:
                self.coerce(self.initial)
            except (FieldValueError, TypeError, ValueError) as exc:
                detail = exc.message if isinstance(exc, FieldValueError) else str(exc)
                found.append(FieldProblem(
                    "LC143", f"initial value {self.initial!r} of field '{self.name}' is not "
                    f"valid: {detail}", "change initial= to a value the field accepts",
                ))
        return found

    def initial_problem(self) -> FieldProblem | None:
        """An ``initial`` outside the choices or bounds, a problem only where a form shows the
        field (it would offer a value the form refuses). Elsewhere it is a state the app's code
        moves on from, as oTree allows (``stage = StringField(initial="NEW", choices=[...])``):
        choices and bounds check what participants type, not what the code assigns."""
        if self.initial is None:
            return None
        try:
            self.check(self.coerce(self.initial))
        except (FieldValueError, TypeError, ValueError) as exc:
            detail = exc.message if isinstance(exc, FieldValueError) else str(exc)
            return FieldProblem(
                "LC143", f"initial value {self.initial!r} of field '{self.name}' is not "
                f"valid: {detail}", "change initial= to a value the field accepts")
        return None

    # -- run time --------------------------------------------------------------------------
    def coerce(self, value: Any) -> Any:
        """Turn a Python value into this field's type, or raise ``FieldValueError``."""
        raise NotImplementedError

    def parse(self, raw: str | None, *, minor_digits: int = 2, decimal_mark: str = ".") -> Any:
        """Read what a browser posted; ``None`` or empty means no answer.

        ``decimal_mark`` is the session's (its ``locale``); a slider posts what the browser
        writes, always with a point, so it is read with a point (``typed_mark``).
        Raises ``FieldValueError`` with a message a participant can act on.
        """
        if raw is None or raw.strip() == "":
            if self.required:
                raise FieldValueError(self.name, _("Please move the slider to give your answer.")
                                      if self.effective_widget == "slider"
                                      else _("Please answer this question."))
            return None
        mark = self.typed_mark(decimal_mark)
        value = self.parse_text(raw.strip(), minor_digits, mark)
        self.check(value, minor_digits=minor_digits, decimal_mark=mark)
        return value

    def typed_mark(self, decimal_mark: str) -> str:
        """The decimal mark of this field's input: the session's, except in a slider, whose
        value the browser writes (and posts) with a point whatever the language."""
        return "." if self.effective_widget == "slider" else decimal_mark

    def parse_text(self, text: str, minor_digits: int, decimal_mark: str = ".") -> Any:
        return self.coerce(text)

    def check(self, value: Any, minor_digits: int = 2, decimal_mark: str = ".") -> None:
        """Check a value of the right type against choices and bounds.

        ``minor_digits`` and ``decimal_mark`` say how amounts are typed, so that a money
        bound reads ``10.00`` (or ``10,00``).
        """
        if self.choices is not None and value not in [c for c, _ in self.choices]:
            raise FieldValueError(self.name, _("Please choose one of the options."))

    def choice_values(self) -> list[Any]:
        return [value for value, _ in self.choices or []]


def _normalise_choices(choices: Iterable[Any] | None) -> list[tuple[Any, Label]] | None:
    """Accept ``[1, 2]`` or ``[(1, 'One'), (2, 'Two')]``; keep the declared order."""
    if choices is None:
        return None
    normalised: list[tuple[Any, Label]] = []
    for item in choices:
        if isinstance(item, (tuple, list)) and len(item) == 2:
            label = item[1]  # a lazy text (``_("Yes")``) stays lazy: shown in each page's language
            normalised.append((item[0], label if isinstance(label, LazyProxy) else str(label)))
        else:
            normalised.append((item, str(item)))
    return normalised


class _Number(Field):
    """Shared bounds logic of Integer, Decimal and Money."""

    widgets = ("number", "slider", "radio", "select", "radio_horizontal")
    default_widget = "number"

    def __init__(self, *, min: Any = None, max: Any = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.min = min
        self.max = max

    def problems(self) -> list[FieldProblem]:
        found = super().problems()
        bounds = {}
        for bound_name in ("min", "max"):
            bound = getattr(self, bound_name)
            if bound is None:
                continue
            try:
                bounds[bound_name] = self.coerce(bound)
            except (FieldValueError, TypeError, ValueError):
                found.append(FieldProblem(
                    "LC140", f"{bound_name}={bound!r} of field '{self.name}' is not a valid "
                    f"{self.type_name}", f"write {bound_name} as a {self.type_name}",
                ))
        if "min" in bounds and "max" in bounds and bounds["min"] > bounds["max"]:
            found.append(FieldProblem(
                "LC140", f"field '{self.name}' has min={self.min!r} above max={self.max!r}",
                "swap them or correct one of them",
            ))
        declared_bounds = [b for b in (self.min, self.max) if b is not None]
        for value, _label in (self.choices or []) if len(bounds) == len(declared_bounds) else []:
            try:
                coerced = self.coerce(value)
            except (FieldValueError, TypeError, ValueError):
                continue  # reported above as a choice of the wrong type
            if ("min" in bounds and coerced < bounds["min"]) or (
                    "max" in bounds and coerced > bounds["max"]):
                found.append(FieldProblem(
                    "LC143", f"choice {value!r} of field '{self.name}' is outside its min and "
                    "max", "remove the choice or widen the bounds"))
        if self.widget == "slider" and (self.min is None or self.max is None):
            found.append(FieldProblem(
                "LC144", f"slider field '{self.name}' needs both min and max",
                "add min= and max=, or use widget='number'",
            ))
        return found

    def check(self, value: Any, minor_digits: int = 2, decimal_mark: str = ".") -> None:
        super().check(value, minor_digits)
        for bound, message, beyond in (
                (self.min, N_("Please enter a value of at least %(bound)s."), operator.lt),
                (self.max, N_("Please enter a value of at most %(bound)s."), operator.gt)):
            if bound is not None and beyond(value, self.coerce(bound)):
                shown = self.describe(self.coerce(bound), minor_digits, decimal_mark)
                raise FieldValueError(self.name, _(message) % {"bound": shown})

    def describe(self, value: Any, minor_digits: int, decimal_mark: str = ".") -> str:
        """A bound as the participant would type it."""
        return str(value)


def typed_decimal(field: Field, text: str, decimal_mark: str, noun: str, example: str
                  ) -> decimal.Decimal:
    """Read a typed amount or decimal exactly: the one reader of every such field.

    Why these rules: a participant types the mark of their language or of their keyboard, so
    ``4,50`` and ``4.50`` both mean 4.50 whatever the session's ``decimal_mark``. Only a
    separator that is not the session's mark, followed by exactly three digits after one to
    three digits not starting with 0 (``1.234`` in a comma locale, ``1,234`` in a point
    locale), could also be a thousands separator: it is refused, naming both readings, rather
    than guessed. Accepted: an optional sign, ASCII digits and at most one separator (``.5``
    and ``5.`` too). Refused: thousands separators (two separators), exponents, spaces
    inside, ``NaN``, ``Infinity``, and anything beyond ``MAX_MAGNITUDE``. ``noun`` and
    ``example`` make the messages ("Please enter an amount, like 4,50.").
    """
    found = TYPED_NUMBER.fullmatch(text) if len(text) <= MAX_TYPED else None
    if found is None or not (found[2] or found[4]):
        if sum(text.count(s) for s in ".,") > 1 and GROUPED_DIGITS.fullmatch(text):
            raise FieldValueError(field.name, _(NO_THOUSANDS[noun]) % {"example": "123"
                                                                                + example})
        raise FieldValueError(field.name, _(ENTER_NOUN[noun]) % {"example": example})
    sign, whole, separator, fraction = found[1], found[2], found[3], found[4] or ""
    if separator and separator != decimal_mark and len(fraction) == 3 and \
            1 <= len(whole) <= 3 and not whole.startswith("0"):
        raise FieldValueError(field.name, _(
            '"%(typed)s" could mean %(grouped)s or %(decimal)s: type %(grouped)s without a '
            "thousands separator, or %(decimal)s with a %(mark)s.") % {
                "typed": text, "grouped": f"{sign}{whole}{fraction}",
                "decimal": f"{sign}{whole}{decimal_mark}{fraction}",
                "mark": _(MARK_NAMES[decimal_mark])})
    number = decimal.Decimal(f"{sign}{whole or '0'}.{fraction or '0'}") if separator else \
        decimal.Decimal(f"{sign}{whole}")
    if abs(number.adjusted()) > MAX_MAGNITUDE:
        raise FieldValueError(field.name, _(ENTER_NOUN[noun]) % {"example": example})
    return number


def scaled(number: decimal.Decimal, places: int) -> int | None:
    """``number`` times 10**places as an exact integer, or ``None`` when it has more decimal
    places. Integer arithmetic on the digits: ``scaleb`` and ``quantize`` round to the
    context's 28 digits, so 10.000…001 with 30 decimals would become 1000 cents."""
    sign, digits, exponent = number.as_tuple()
    assert isinstance(exponent, int)  # finite: NaN and Infinity are refused before
    coefficient = int("".join(map(str, digits)) or "0")
    shift = exponent + places
    if shift >= 0:
        whole = coefficient * 10 ** shift
    else:
        whole, rest = divmod(coefficient, 10 ** -shift)
        if rest:
            return None
    return -whole if sign else whole


def _whole_number(value: float | decimal.Decimal | Fraction) -> int | None:
    """The integer a number equals (``50.0`` is 50), or ``None`` (a fraction, NaN, infinity)."""
    try:
        return int(value) if value == int(value) else None
    except (ValueError, OverflowError):
        return None


def shown_decimal(value: decimal.Decimal, decimal_mark: str) -> str:
    """A decimal as a participant types it: never in exponent notation (``str`` writes
    ``1E-7``, which the reader refuses), with the session's mark."""
    return f"{value:f}".replace(".", decimal_mark)


def _storable(field: Field, number: int, message: str) -> int:
    """``number`` if SQLite's INTEGER holds it; set by a hook or typed, a larger one would only
    fail when the step is saved (the hook's line is reported instead)."""
    if abs(number) >= 10 ** INTEGER_DIGITS:
        raise FieldValueError(field.name, message)
    return number


class Integer(_Number):
    """A whole number."""

    type_name = "integer"
    sql_type = "INTEGER"

    TOO_LONG = N_("Please enter a number of at most %(digits)s digits.")

    def parse_text(self, text: str, minor_digits: int, decimal_mark: str = ".") -> int:
        digits = text.lstrip("+-").lstrip("0")
        if digits.isdigit() and len(digits) > INTEGER_DIGITS:  # before int() reads them all
            raise FieldValueError(self.name, _(self.TOO_LONG) % {"digits": INTEGER_DIGITS})
        return self.coerce(text)

    def coerce(self, value: Any) -> int:
        return _storable(self, self._whole(value), _(self.TOO_LONG) % {"digits": INTEGER_DIGITS})

    def _whole(self, value: Any) -> int:
        if isinstance(value, bool):
            raise FieldValueError(self.name, _("Please enter a whole number."))
        if isinstance(value, int):
            return value
        if isinstance(value, (decimal.Decimal, float)) and value == int(value):
            return int(value)
        if isinstance(value, str):
            try:
                return int(value.strip())
            except ValueError:
                pass
        raise FieldValueError(self.name, _("Please enter a whole number."))


class Decimal(_Number):
    """A number with decimals, kept exact as ``decimal.Decimal`` (stored as text)."""

    type_name = "decimal"
    sql_type = "TEXT"

    def __init__(self, *, places: int | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.places = places

    def parse_text(self, text: str, minor_digits: int, decimal_mark: str = ".") -> Any:
        example = "4" if self.places == 0 else f"4{decimal_mark}5"
        return typed_decimal(self, text, decimal_mark, "number", example)

    def describe(self, value: Any, minor_digits: int, decimal_mark: str = ".") -> str:
        return shown_decimal(value, decimal_mark)

    def coerce(self, value: Any) -> decimal.Decimal:
        if isinstance(value, (bool, float)):
            # floats are refused so that 0.1 stays 0.1; a browser posts text anyway.
            raise FieldValueError(self.name, _("Please enter a number."))
        try:
            number = decimal.Decimal(str(value).strip().replace(",", "."))
        except decimal.InvalidOperation:
            raise FieldValueError(self.name, _("Please enter a number.")) from None
        if not number.is_finite() or abs(number.adjusted()) > MAX_MAGNITUDE:
            raise FieldValueError(self.name, _("Please enter a number."))
        return number

    def check(self, value: Any, minor_digits: int = 2, decimal_mark: str = ".") -> None:
        super().check(value, minor_digits, decimal_mark)
        if self.places is not None and scaled(value, self.places) is None:
            raise FieldValueError(self.name, _("Please use at most %(places)s decimal places.")
                                  % {"places": self.places})


class Float(_Number):
    """A measure that is not money and need not be exact: a reaction time, a belief, a
    probability. Stored as SQLite's REAL (a binary float: 0.1 is kept as 0.1000…0056), so
    use ``Decimal`` when the digits typed must come back exactly, and ``Money`` for amounts."""

    type_name = "float"
    sql_type = "REAL"

    def parse_text(self, text: str, minor_digits: int, decimal_mark: str = ".") -> float:
        return float(typed_decimal(self, text, decimal_mark, "number", f"0{decimal_mark}5"))

    def coerce(self, value: Any) -> float:
        if isinstance(value, bool):
            raise FieldValueError(self.name, _("Please enter a number."))
        if isinstance(value, str):
            value = value.strip().replace(",", ".")
        try:
            number = float(value)
        except (TypeError, ValueError, OverflowError):
            raise FieldValueError(self.name, _("Please enter a number.")) from None
        if not math.isfinite(number):
            raise FieldValueError(self.name, _("Please enter a number."))
        return number

    def describe(self, value: Any, minor_digits: int, decimal_mark: str = ".") -> str:
        return shown_decimal(decimal.Decimal(repr(float(value))).normalize(), decimal_mark)


class Money(_Number):
    """An amount in minor currency units (cents), or in points when the session pays points.

    Values are ``int``. In a form the participant types the amount in major units (``10.50``)
    and it is stored as ``1050``; bounds are declared in minor units like every amount.
    """

    type_name = "money"
    sql_type = "INTEGER"

    def __set__(self, instance: Any, value: Any) -> None:
        """An amount set by the app's code (``player.payoff = 100 / 3``): a non-integer is the
        researcher's mistake, not a participant's, so it is refused with how to round; an
        integral float such as ``50.0`` is the amount it names. Ints pass one type check."""
        if type(value) is not int and value is not None:
            value = self.amount_from_code(type(instance).__name__, value)
        super().__set__(instance, value)

    def amount_from_code(self, owner: str, value: Any) -> Any:
        """``value`` as whole minor units, or a ``ModelError`` a researcher can act on."""
        if not isinstance(value, (bool, float, decimal.Decimal, Fraction)):
            return value  # an int subclass or text: ``coerce`` reads it or refuses it
        whole = None if isinstance(value, bool) else _whole_number(value)
        if whole is None:
            raise ModelError(
                f"{owner}.{self.name} = {value!r} is not a whole amount: amounts are integers, "
                "in minor units of the currency (cents) or in points",
                f"round where you compute it, e.g. {owner.lower()}.{self.name} = round(value) "
                "(Python rounds halves to even) or math.floor(value + 0.5) (halves up)")
        return whole

    def coerce(self, value: Any) -> int:
        return _storable(self, self._minor_units(value), f"An amount has at most "
                         f"{INTEGER_DIGITS} digits in minor units.")

    def _minor_units(self, value: Any) -> int:
        if isinstance(value, (bool, float)):
            raise FieldValueError(self.name, _("Please enter an amount."))
        if isinstance(value, int):
            return value
        if isinstance(value, decimal.Decimal) and value == int(value):
            return int(value)
        if isinstance(value, str):
            try:
                return int(value.strip())
            except ValueError:
                pass
        raise FieldValueError(self.name, _("Please enter an amount."))

    def describe(self, value: Any, minor_digits: int, decimal_mark: str = ".") -> str:
        return shown_decimal(decimal.Decimal(int(value)).scaleb(-minor_digits), decimal_mark)

    def parse_text(self, text: str, minor_digits: int, decimal_mark: str = ".") -> int:
        """The amount typed in major units (``4,50`` or ``4.50``), in minor units (450)."""
        example = f"4{decimal_mark}5{'0' * (minor_digits - 1)}" if minor_digits else "4"
        minor = scaled(typed_decimal(self, text, decimal_mark, "amount", example), minor_digits)
        if minor is None:
            raise FieldValueError(self.name, _("Please use at most %(places)s decimal places.")
                                  % {"places": minor_digits})
        return _storable(self, minor, _(
            "Please enter an amount of at most %(digits)s digits before the %(mark)s.") % {
                "digits": INTEGER_DIGITS - minor_digits, "mark": _(MARK_NAMES[decimal_mark])})


class Text(Field):
    """Free text, optionally bounded in length or limited to choices."""

    type_name = "text"
    sql_type = "TEXT"
    widgets = ("text", "textarea", "radio", "select", "radio_horizontal")
    default_widget = "text"

    def __init__(self, *, max_length: int | None = 10_000, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.max_length = max_length

    def coerce(self, value: Any) -> str:
        if not isinstance(value, str):
            raise FieldValueError(self.name, _("Please enter text."))
        return value

    def check(self, value: Any, minor_digits: int = 2, decimal_mark: str = ".") -> None:
        super().check(value, minor_digits)
        if self.max_length is not None and len(value) > self.max_length:
            raise FieldValueError(self.name, _("Please keep it under %(limit)s characters.")
                                  % {"limit": self.max_length})


class Boolean(Field):
    """Yes or no. As a required checkbox it must be ticked (e.g. a consent box)."""

    type_name = "boolean"
    sql_type = "INTEGER"
    widgets = ("radio", "radio_horizontal", "checkbox", "select")
    default_widget = "radio_horizontal"

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("choices", None)
        super().__init__(**kwargs)
        if self.choices is None:
            self.choices = [(True, lazy_gettext("Yes")), (False, lazy_gettext("No"))]

    def coerce(self, value: Any) -> bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, int) and value in (0, 1):
            return bool(value)
        if isinstance(value, str) and value.strip().lower() in ("1", "true", "yes", "on"):
            return True
        if isinstance(value, str) and value.strip().lower() in ("0", "false", "no", "off"):
            return False
        raise FieldValueError(self.name, _("Please answer yes or no."))

    def parse(self, raw: str | None, *, minor_digits: int = 2, decimal_mark: str = ".") -> Any:
        if self.effective_widget == "checkbox":
            # a browser sends a ticked box's value and nothing for an unticked one; a forged
            # "0" or "false" must not pass a required box (a consent box, say)
            ticked = raw is not None and raw.strip().lower() not in ("", "0", "false", "off",
                                                                    "no")
            if self.required and not ticked:
                raise FieldValueError(self.name, _("Please tick this box to continue."))
            return self.coerce(raw) if ticked else False
        return super().parse(raw, minor_digits=minor_digits, decimal_mark=decimal_mark)


class Choice(Field):
    """One of a fixed list of options; values are all integers or all text."""

    type_name = "choice"
    widgets = ("radio", "radio_horizontal", "select")
    default_widget = "radio"

    def __init__(self, *, choices: Iterable[Any], **kwargs: Any) -> None:
        super().__init__(choices=choices, **kwargs)

    # the class attribute elsewhere, a property here: a choice's column type depends on its
    # choices, so mypy's "a property overrides a class variable" is intended
    @property
    def sql_type(self) -> str:  # type: ignore[override]
        values = self.choice_values()
        if values and all(isinstance(v, int) and not isinstance(v, bool) for v in values):
            return "INTEGER"
        return "TEXT"

    def coerce(self, value: Any) -> Any:
        for choice in self.choice_values():
            if value == choice or (isinstance(value, str) and value == str(choice)):
                return choice
        if not self.choices:
            return value
        raise FieldValueError(self.name, _("Please choose one of the options."))

    def problems(self) -> list[FieldProblem]:
        found = super().problems()
        values = self.choice_values()
        kinds = {type(v) for v in values}
        if len(kinds) > 1 or (kinds and not kinds <= {int, str}):
            found.append(FieldProblem(
                "LC143", f"choices of field '{self.name}' mix types or use a type other than "
                "int or str", "make every choice value an int, or every one a str",
            ))
        return found
