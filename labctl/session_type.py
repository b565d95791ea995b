"""Session types: the recipes in a project's ``sessions.py``.

    SESSION_TYPES = [
        SessionType(name="my_session", fixed_pay=1000, currency="EUR",
                    app_sequence=["trust", "ultimatum", "questionnaire"]),
    ]

Amounts are integers in minor units of ``currency`` (``fixed_pay=1000`` is EUR 10.00). With
``money_per_point`` set, payoffs are points and are converted at that exact rate at the end.
``language`` (``"de"``, ``"pt_BR"``, ``"zh_CN"``; the project's ``LANGUAGE`` in
``sessions.py``, else ``"en"``) is the language of every text participants read; ``locale``
(``"de_CH"``) is how amounts and numbers are written, and follows the language unless given:
``language="de"`` shows ``10,00 €`` and reads ``4,50``; ``language="de", locale="de_CH"`` shows
``EUR 10.00`` and reads ``4.50``. The decimal mark decides what an ambiguous answer is read
as (``labctl.fields.typed_decimal``).
Constructing a session type never raises: ``labctl validate`` reports every mistake at once.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from .declarations import declaration_site
from .i18n.languages import SOURCE, formatting_locale
from .money import MINOR_UNITS, parse_rate, parse_rounding

__all__ = ["SessionType"]

#: the decimal mark of each language (CLDR's), where it is a comma; every other language
#: listed in ``POINT_LANGUAGES`` writes a point. A mistake here never misreads an answer: both
#: marks are accepted and only an ambiguous answer such as "1.234" is refused.
COMMA_LANGUAGES = frozenset({
    "af", "az", "be", "bg", "bs", "ca", "cs", "da", "de", "el", "es", "et", "eu", "fi", "fo",
    "fr", "gl", "hr", "hu", "hy", "id", "is", "it", "ka", "kk", "lt", "lv", "mk", "nb", "nl",
    "nn", "no", "pl", "pt", "ro", "ru", "sk", "sl", "sq", "sr", "sv", "tr", "uk", "vi",
})
POINT_LANGUAGES = frozenset({
    "ar", "cy", "en", "fa", "ga", "he", "hi", "ja", "ko", "ms", "mt", "sw", "th", "zh",
})
#: regions whose mark differs from their language's
REGION_MARKS = {
    "de_CH": ".", "de_LI": ".", "it_CH": ".", "es_MX": ".", "es_US": ".", "es_419": ".",
    "en_ZA": ",",
}
#: ``language`` or ``language_REGION`` (a hyphen is read as ``_``: ``de-CH``)
LOCALE_PATTERN = re.compile(r"([a-z]{2,3})(?:[_-]([A-Z]{2}|[0-9]{3}))?")


def decimal_mark_of(locale: object) -> str | None:
    """``","`` or ``"."`` for a locale, or ``None`` when labctl does not know it."""
    return _decimal_mark(locale) if isinstance(locale, str) else None


@functools.lru_cache(maxsize=64)
def _decimal_mark(locale: str) -> str | None:
    """Cached: every page with a form and every submit asks for the session's mark."""
    found = LOCALE_PATTERN.fullmatch(locale)
    if found is None:
        return None
    language, region = found[1], found[2]
    if region and f"{language}_{region}" in REGION_MARKS:
        return REGION_MARKS[f"{language}_{region}"]
    if language in COMMA_LANGUAGES:
        return ","
    return "." if language in POINT_LANGUAGES else None


@dataclass
class SessionType:
    """A recipe for a session: its apps in order, pay, currency and treatments."""

    name: str
    app_sequence: list[str]
    #: the show-up fee, in minor units of ``currency``
    fixed_pay: int = 0
    display_name: str | None = None
    #: participants when ``-n`` is not given; ``None`` means the fewest that fill every group
    num_participants: int | None = None
    currency: str = "EUR"
    #: minor currency units paid per point, e.g. ``"0.5"``; ``None`` means payoffs are money
    money_per_point: Any = None
    #: sessions of one batch share batch data; defaults to the session type's name
    batch: str | None = None
    #: free parameters (treatments) that apps read as ``session.params``
    params: dict[str, Any] = field(default_factory=dict)
    doc: str = ""
    #: how amounts and numbers are written, e.g. ``"de_CH"``; ``""`` follows ``language``
    locale: str = ""
    #: the participants' language, e.g. ``"de"``; ``None`` takes the project's ``LANGUAGE``
    language: str | None = None
    #: where participants go at the end, e.g. a platform's completion link, with placeholders
    #: (``labctl.exit_links``): ``"https://x.example/?pid={label}&cc={completion_code}"``
    exit_url: str | None = None
    #: one completion code for every participant (a platform's study code); ``None`` gives
    #: each participant a code of their own
    completion_code: str | None = None
    #: each participant's total is rounded up to the next multiple of this amount of
    #: ``currency`` (``"0.50"``), for cash; ``None`` pays the exact total
    payment_rounding: Any = None
    #: a welcome and consent page shown before the first app: an HTML file in the project
    #: (e.g. ``"consent.html"``); who declines is shown the end and paid ``fixed_pay``
    consent: str | None = None
    #: what labctl does for a participant who is gone (``labctl.Dropout``); None: nothing
    dropout: Any = None

    def __post_init__(self) -> None:
        self.defined_at: tuple[str, int] = declaration_site()

    @property
    def title(self) -> str:
        return self.display_name or self.name.replace("_", " ").capitalize()

    @property
    def batch_name(self) -> str:
        return self.batch or self.name

    @property
    def pays_points(self) -> bool:
        return self.money_per_point is not None

    @property
    def minor_digits(self) -> int:
        """How many decimals a participant types for money: 0 when the session pays points,
        else the currency's minor-unit digits (2 for EUR, 0 for JPY)."""
        return 0 if self.pays_points else MINOR_UNITS[self.currency]

    @property
    def speaks(self) -> str:
        """The language of the participants' texts (``language``, or English)."""
        return self.language or SOURCE

    @property
    def number_locale(self) -> str:
        """The CLDR locale amounts and numbers are written in: ``locale`` or the language's."""
        return self.locale if self.locale != "" else formatting_locale(self.speaks)

    @property
    def decimal_mark(self) -> str:
        """``","`` or ``"."``: the mark inputs show amounts and decimals with (``4,50``), and
        the one a separator followed by three digits is read as (``labctl validate`` has
        checked the locale: LC160)."""
        mark = decimal_mark_of(self.number_locale)
        if mark is None:
            raise ValueError(f"locale {self.number_locale!r} of session type '{self.name}' is "
                             "unknown")
        return mark

    @property
    def rounding_step(self) -> int:
        """``payment_rounding`` in minor units (0: no rounding); ``labctl validate`` has
        checked it (LC240)."""
        if self.payment_rounding is None:
            return 0
        return parse_rounding(self.payment_rounding, self.currency)

    @property
    def rate(self) -> Fraction | None:
        """The exact money-per-point rate, or ``None`` when payoffs are money."""
        return None if self.money_per_point is None else parse_rate(self.money_per_point)
