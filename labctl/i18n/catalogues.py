"""Loading gettext catalogues: labctl's own (``labctl/locale/<lang>/LC_MESSAGES/labctl.mo``)
and a project's (``<project>/locale/<lang>/LC_MESSAGES/messages.mo``), the project's first.

Loaded once per (language, project folder) and kept: a page looks its catalogue up in a dict.
"""

from __future__ import annotations

import functools
from pathlib import Path

from babel.support import NullTranslations, Translations

from .languages import SOURCE, catalogue_of, normalized

#: where labctl's catalogues are; ``labctl translations`` writes a project's to ``locale/``
LABCTL_LOCALE = Path(__file__).resolve().parent.parent / "locale"
LABCTL_DOMAIN = "labctl"
#: the gettext domain of a researcher's project (Babel's default)
PROJECT_DOMAIN = "messages"
PROJECT_LOCALE = "locale"


@functools.lru_cache(maxsize=64)
def catalogue(language: str, project: Path | None = None) -> NullTranslations:
    """The translations of ``language``: the project's catalogue (its own texts) falling back
    to labctl's (its buttons and messages); English texts stay as written."""
    labctl_texts = _load(LABCTL_LOCALE, catalogue_of(language), LABCTL_DOMAIN)
    if project is None:
        return labctl_texts
    own = _load(project / PROJECT_LOCALE, normalized(language), PROJECT_DOMAIN)
    if isinstance(own, Translations):
        own.add_fallback(labctl_texts)
        return own
    return labctl_texts


def _load(folder: Path, language: str, domain: str) -> NullTranslations:
    if language == SOURCE and domain == LABCTL_DOMAIN:
        return NullTranslations()
    found = Translations.load(str(folder), [language], domain)
    return found
