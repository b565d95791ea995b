"""The languages labctl speaks to participants: shipped catalogues, aliases and direction.

A session type's ``language`` is a code such as ``"de"``, ``"pt_BR"`` or ``"zh_CN"``; it names
a catalogue folder under ``labctl/locale`` (``catalogue_of``), the ``<html lang>`` of every page
(``html_lang``) and, unless the session type sets ``locale``, the format of amounts and numbers.
"""

from __future__ import annotations

import re

#: the languages whose catalogues labctl ships (folders of ``labctl/locale``)
SHIPPED = ("de", "fr", "es", "it", "nl", "pt_BR", "zh_Hans", "ja", "ko")
#: the language labctl's messages are written in (no catalogue needed)
SOURCE = "en"
#: languages written right to left: their pages get ``dir="rtl"``
RIGHT_TO_LEFT = frozenset({"ar", "he", "fa", "ur", "yi"})
#: other spellings of a shipped catalogue's language
ALIASES = {"zh": "zh_Hans", "zh_CN": "zh_Hans", "zh_SG": "zh_Hans", "pt": "pt_BR",
           "iw": "he"}
#: ``language``, ``language_REGION`` or ``language_Script`` (a hyphen is read as ``_``)
LANGUAGE_PATTERN = re.compile(r"([a-z]{2,3})(?:[_-]([A-Z]{2}|[0-9]{3}|[A-Z][a-z]{3}))?")


def normalized(language: str) -> str:
    """``"de-CH"`` -> ``"de_CH"``; an alias to its catalogue (``"zh_CN"`` -> ``"zh_Hans"``)."""
    code = language.replace("-", "_")
    return ALIASES.get(code, code)


def catalogue_of(language: str) -> str:
    """The catalogue a language's texts come from: itself, its alias, or its base language
    (``"de_AT"`` reads ``de``), else the source language (``"en"``)."""
    code = normalized(language)
    if code in SHIPPED or code == SOURCE:
        return code
    base = normalized(code.split("_")[0])
    return base if base in SHIPPED else SOURCE


def is_language(language: object) -> bool:
    """True for a well-formed language code (whether or not labctl ships its catalogue)."""
    return (isinstance(language, str)
            and LANGUAGE_PATTERN.fullmatch(normalized(language)) is not None)


def html_lang(language: str) -> str:
    """The BCP 47 tag of ``<html lang>``: ``"pt-BR"``, ``"zh-Hans"``."""
    return normalized(language).replace("_", "-")


def direction(language: str) -> str:
    """``"rtl"`` for Arabic, Hebrew, Farsi (and Urdu, Yiddish), else ``"ltr"``."""
    return "rtl" if normalized(language).split("_")[0] in RIGHT_TO_LEFT else "ltr"


def formatting_locale(language: str) -> str:
    """The CLDR locale a language's numbers are written in when no ``locale`` is given:
    a script subtag is dropped (``zh_Hans`` writes as ``zh``)."""
    code = normalized(language)
    parts = code.split("_")
    return parts[0] if len(parts) == 2 and len(parts[1]) == 4 else code
