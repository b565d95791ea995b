"""Finding the texts to translate (Babel's extractors) and keeping catalogues in step.

One place for what ``labctl translations`` does over a researcher's project and what labctl
does over its own package (``python -m labctl.i18n.extraction`` rebuilds ``labctl/locale``):
extract every marked text (``_()``, ``gettext``, ``ngettext``, ``N_``, ``lazy_gettext`` in
Python; ``_()`` and ``{% trans %}`` in templates), update each language's ``.po`` with it
(new texts empty, old ones kept), and compile the ``.po`` files to the ``.mo`` files that
pages read.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from .catalogues import LABCTL_DOMAIN, LABCTL_LOCALE
from .languages import SHIPPED

KEYWORDS = {**DEFAULT_KEYWORDS, "lazy_gettext": None, "_": None}
#: how each kind of file is read: Python, and Jinja templates (labctl's and oTree-style)
METHOD_MAP = [
    ("**/__pycache__/**", "ignore"),
    ("**/locale/**", "ignore"),
    ("**.py", "python"),
    ("**.html", "jinja2.ext:babel_extract"),
]
TEMPLATE_OPTIONS = {"extensions": "jinja2.ext.i18n", "trimmed": "false"}


def extract(folder: Path, project: str = "labctl") -> Catalog:
    """Every marked text under ``folder``, with the files and lines it appears at."""
    catalog = Catalog(project=project, charset="utf-8")
    options = {"**.html": TEMPLATE_OPTIONS}
    for filename, lineno, message, comments, context in extract_from_dir(
            str(folder), METHOD_MAP, options, keywords=KEYWORDS, strip_comment_tags=True):
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments,
                    context=context)
    return catalog


def update(template: Catalog, po_path: Path, language: str) -> Catalog:
    """The language's catalogue with ``template``'s texts: translations kept, new texts
    empty, texts no longer marked dropped (Babel keeps them as obsolete ``#~`` entries)."""
    if po_path.is_file():
        with po_path.open("rb") as handle:
            catalog = read_po(handle, locale=language)
        catalog.update(template, no_fuzzy_matching=True)
    else:
        catalog = Catalog(locale=language, project=template.project, charset="utf-8")
        catalog.update(template, no_fuzzy_matching=True)
    po_path.parent.mkdir(parents=True, exist_ok=True)
    with po_path.open("wb") as handle:
        write_po(handle, catalog, width=96, omit_header=False, ignore_obsolete=True)
    return catalog


def compile_po(po_path: Path) -> Path:
    """Write the ``.mo`` next to the ``.po``; returns its path."""
    with po_path.open("rb") as handle:
        catalog = read_po(handle)
    mo_path = po_path.with_suffix(".mo")
    with mo_path.open("wb") as handle:
        write_mo(handle, catalog)
    return mo_path


def untranslated(catalog: Catalog) -> list[str]:
    """The texts of a catalogue with no translation (or a fuzzy one, which gettext skips)."""
    return [str(m.id if isinstance(m.id, str) else m.id[0]) for m in catalog
            if m.id and (m.fuzzy or not _translated(m.string))]


def _translated(string: object) -> bool:
    """A singular's text, or every plural form, is filled in."""
    if isinstance(string, str):
        return bool(string)
    return isinstance(string, (list, tuple)) and all(string)


def labctl_sources() -> Path:
    return LABCTL_LOCALE.parent


def rebuild_labctl(languages: Iterable[str] = SHIPPED) -> None:
    """Extract labctl's own texts to ``labctl/locale/labctl.pot``, update and compile every
    shipped language (run after changing a participant-facing text)."""
    template = extract(labctl_sources())
    with (LABCTL_LOCALE / f"{LABCTL_DOMAIN}.pot").open("wb") as handle:
        write_po(handle, template, width=96, omit_header=False)
    for language in languages:
        po = LABCTL_LOCALE / language / "LC_MESSAGES" / f"{LABCTL_DOMAIN}.po"
        update(template, po, language)
        compile_po(po)


if __name__ == "__main__":
    rebuild_labctl(sys.argv[1:] or SHIPPED)
