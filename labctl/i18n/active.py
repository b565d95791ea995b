"""The language of the page being made: a context variable, set per request by the server.

The server sets it (``speaking``) once it knows whose page it renders; everything that makes
participant-facing text under it (templates' ``_()`` and ``{% trans %}``, form validation
messages, wait-page texts) reads it here. A greenlet has its own context, so two requests in
different languages never see each other's. Outside a request the texts stay English.

Researchers' module-level texts (a field's ``label=_("Your age")``) are read when the app is
imported, before any language is known: ``_`` returns a lazy string, translated each time it
is shown (``str()``), in the language of the page it is shown on.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from babel.support import LazyProxy, NullTranslations

from .catalogues import catalogue
from .languages import SOURCE

_ENGLISH = NullTranslations()
_active: ContextVar[NullTranslations] = ContextVar("labctl_language", default=_ENGLISH)
_language: ContextVar[str] = ContextVar("labctl_language_code", default=SOURCE)


@contextmanager
def speaking(language: str, project: Path | None = None) -> Iterator[NullTranslations]:
    """Make ``language`` (and the project's own catalogue) the language of texts made inside."""
    translations = catalogue(language, project)
    token, code = _active.set(translations), _language.set(language)
    try:
        yield translations
    finally:
        _active.reset(token)
        _language.reset(code)


@contextmanager
def kept_language() -> Iterator[None]:
    """Whatever language is activated inside, the one before is back afterwards (the
    engine's steps activate their session's; a CLI or a test thread must not keep it)."""
    translations, language = _active.get(), _language.get()
    try:
        yield
    finally:
        _active.set(translations)
        _language.set(language)


def activate(language: str, project: Path | None = None) -> None:
    """Set the language for the rest of this request's context (the server's per-request
    hook: Flask runs each request in a fresh context, so nothing needs resetting)."""
    _active.set(catalogue(language, project))
    _language.set(language)


def active_catalogue() -> NullTranslations:
    return _active.get()


def current_language() -> str:
    return _language.get()


def gettext(message: str) -> str:
    """``message`` in the current language (as written when its catalogue lacks it)."""
    return _active.get().gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or the plural of the current language for ``n``."""
    return _active.get().ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    return str(_active.get().pgettext(context, message))


def lazy_gettext(message: str, **values: Any) -> LazyProxy:
    """A text translated when shown, for texts declared at import time (labels, choices).
    ``values`` fill ``%(name)s`` placeholders after translating."""
    if values:
        return LazyProxy(lambda: gettext(message) % values, enable_cache=False)
    return LazyProxy(gettext, message, enable_cache=False)


def in_english(text: Any) -> Any:
    """A researcher's text as written (a lazy ``_("...")`` is read in English): for the
    experimenter's tools and for data, which stay in the language the project is written in."""
    if not isinstance(text, LazyProxy):
        return text
    with speaking(SOURCE):
        return str(text)


def N_(message: str) -> str:
    """Mark a text for extraction; it is translated where it is shown (``gettext(text)``)."""
    return message
