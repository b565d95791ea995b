"""labctl in the participants' language: gettext catalogues (Babel), the language of the page
being made, and the languages labctl ships.

    from labctl.i18n import gettext as _          # labctl's own code, at the time of showing
    from labctl import _                          # a researcher's app: lazy, see ``active``

A session type's ``language`` picks the catalogue; ``labctl/locale`` holds labctl's (built to
``.mo`` by ``labctl translations compile`` and committed, so the wheel ships them), a project's
``locale/`` folder its own texts.
"""

from .active import (
    N_,
    activate,
    current_language,
    gettext,
    in_english,
    kept_language,
    lazy_gettext,
    ngettext,
    pgettext,
    speaking,
)
from .catalogues import LABCTL_LOCALE, catalogue
from .languages import (
    RIGHT_TO_LEFT,
    SHIPPED,
    catalogue_of,
    direction,
    formatting_locale,
    html_lang,
    is_language,
    normalized,
)

__all__ = [
    "LABCTL_LOCALE",
    "N_",
    "RIGHT_TO_LEFT",
    "SHIPPED",
    "activate",
    "catalogue",
    "catalogue_of",
    "current_language",
    "direction",
    "formatting_locale",
    "gettext",
    "html_lang",
    "in_english",
    "is_language",
    "kept_language",
    "lazy_gettext",
    "ngettext",
    "normalized",
    "pgettext",
    "speaking",
]
