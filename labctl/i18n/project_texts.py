"""A researcher's own texts in several languages: the catalogues of a project.

    labctl translations extract      # locale/messages.pot: every _("...") and {% trans %}
    labctl translations update -l de # locale/de/LC_MESSAGES/messages.po, new texts empty
    labctl translations compile      # every .po to the .mo that pages read

Texts are marked with ``_("...")`` in an app's Python (``from labctl import _``: translated
each time it is shown, in the language of the session it is shown in) and with ``_()`` or
``{% trans %}`` in its templates. A page's ``.mo`` is read when the server starts.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

from ..errors import LabctlError
from .catalogues import LABCTL_DOMAIN, LABCTL_LOCALE, PROJECT_DOMAIN, PROJECT_LOCALE
from .extraction import compile_po, extract, untranslated, update
from .languages import SOURCE, catalogue_of, is_language, normalized


@dataclass
class LanguageStatus:
    """One language's catalogue after ``update`` or ``compile``: its texts and the missing."""

    language: str
    path: Path
    total: int
    missing: int


def template_path(root: Path) -> Path:
    return root / PROJECT_LOCALE / f"{PROJECT_DOMAIN}.pot"


def po_path(root: Path, language: str) -> Path:
    return root / PROJECT_LOCALE / normalized(language) / "LC_MESSAGES" / f"{PROJECT_DOMAIN}.po"


def extract_project(root: Path) -> tuple[Path, int]:
    """Write ``locale/messages.pot`` with every marked text of the project; returns it and
    the number of texts."""
    catalog = extract(root, project=root.name)
    target = template_path(root)
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("wb") as handle:
        write_po(handle, catalog, width=96)
    return target, sum(1 for m in catalog if m.id)


def update_project(root: Path, languages: Iterable[str]) -> list[LanguageStatus]:
    """Bring each language's ``.po`` in step with ``messages.pot`` (made first if missing)."""
    if not template_path(root).is_file():
        extract_project(root)
    with template_path(root).open("rb") as handle:
        template = read_po(handle)
    found = []
    for language in languages:
        if not is_language(language) or normalized(language) == SOURCE:
            raise LabctlError(f"'{language}' is not a language to translate into",
                              "give a code such as de, fr, pt_BR or zh_Hans")
        path = po_path(root, language)
        wanted = template if catalogue_of(language) != SOURCE else _with_labctls(template)
        catalog = update(wanted, path, normalized(language))
        found.append(_status(language, path, catalog))
    return found


def compile_project(root: Path) -> list[LanguageStatus]:
    """Compile every ``locale/<lang>/LC_MESSAGES/messages.po`` of the project to its ``.mo``."""
    pos = sorted((root / PROJECT_LOCALE).glob(f"*/LC_MESSAGES/{PROJECT_DOMAIN}.po"))
    if not pos:
        raise LabctlError(f"no catalogues in {root / PROJECT_LOCALE}",
                          "run `labctl translations update -l LANGUAGE` first")
    found = []
    for path in pos:
        compile_po(path)
        with path.open("rb") as handle:
            found.append(_status(path.parent.parent.name, path, read_po(handle)))
    return found


def _with_labctls(template: Catalog) -> Catalog:
    """The project's texts and labctl's own (its buttons, wait pages, form messages): for a
    language labctl ships no catalogue of, the project's catalogue translates both."""
    with (LABCTL_LOCALE / f"{LABCTL_DOMAIN}.pot").open("rb") as handle:
        labctl_texts = read_po(handle)
    merged = Catalog(project=template.project, charset="utf-8")
    for catalog in (labctl_texts, template):
        for message in catalog:
            if message.id:
                merged.add(message.id, None, message.locations, flags=message.flags,
                           context=message.context)
    return merged


def _status(language: str, path: Path, catalog: Catalog) -> LanguageStatus:
    return LanguageStatus(normalized(language), path, sum(1 for m in catalog if m.id),
                          len(untranslated(catalog)))
