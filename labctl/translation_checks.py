"""What ``labctl validate`` checks of a project's languages (LC220-LC224).

A session type in a language participants would not fully read in is a confound, so each gap
is named with its count: a language code that is not one (LC220); the project's own marked
texts without a translation in a language in use (LC221); a catalogue edited but not compiled,
which pages would not see (LC222); a language labctl ships no catalogue for, whose buttons and
messages the project's catalogue must then translate (LC223); a page with a template per
language (``Instructions.de.html``) lacking one for another language in use (LC224).
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from .i18n.catalogues import LABCTL_DOMAIN, LABCTL_LOCALE
from .i18n.extraction import extract, untranslated
from .i18n.languages import SOURCE, catalogue_of, is_language, normalized
from .i18n.project_texts import po_path
from .problems import Problem
from .project import Project
from .session_type import SessionType

UPDATE = "run `labctl translations update -l {language}`, translate the empty entries, then " \
         "`labctl translations compile`"


def problems(project: Project) -> list[Problem]:
    """Every language problem of the project's session types and templates."""
    found: list[Problem] = []
    speaking = [st for st in project.session_types if _checked_language(st, found)]
    foreign = [st for st in speaking if normalized(st.speaks).split("_")[0] != SOURCE]
    if foreign:
        marked = {m.id for m in extract(project.root, project.root.name) if m.id}
        for st in foreign:
            found += _catalogue_problems(project, st, marked)
    found += _variant_problems(project, {normalized(st.speaks) for st in speaking})
    return found


def _checked_language(st: SessionType, found: list[Problem]) -> bool:
    if st.language is None or is_language(st.language):
        return True
    found.append(Problem.at(
        "LC220", st.defined_at, f"language={st.language!r} of '{st.name}' is not a language "
        "code", "write a code such as 'de', 'fr', 'pt_BR' or 'zh_Hans' (English: 'en')"))
    return False


def _catalogue_problems(project: Project, st: SessionType, marked: set) -> list[Problem]:
    language = normalized(st.speaks)
    path = po_path(project.root, language)
    catalog = _read(path, language)
    found = []
    own = marked - _translated_ids(catalog)
    if own:
        found.append(Problem.at(
            "LC221", st.defined_at, f"session type '{st.name}' is in '{language}', but "
            f"{len(own)} of the project's {len(marked)} marked texts have no translation "
            f"there ({path.relative_to(project.root)})", UPDATE.format(language=language)))
    mo = path.with_suffix(".mo")
    if catalog is not None and (not mo.is_file() or mo.stat().st_mtime < path.stat().st_mtime):
        found.append(Problem.at(
            "LC222", path, f"{path.relative_to(project.root)} is newer than its compiled "
            ".mo: participants would see the texts before your last edit",
            "run `labctl translations compile`"))
    if catalogue_of(language) == SOURCE:
        labctl_texts = _labctl_ids() - _translated_ids(catalog)
        if labctl_texts:
            found.append(Problem.at(
                "LC223", st.defined_at, f"labctl ships no '{language}' texts: {len(labctl_texts)}"
                f" of its own (the Next button, wait pages, form messages) would show in "
                f"English in '{st.name}'", UPDATE.format(language=language) + " (update adds "
                "labctl's texts for a language labctl does not ship)"))
    return found


def _variant_problems(project: Project, languages: set[str]) -> list[Problem]:
    """A page written whole per language must be written in every language in use."""
    foreign = {code for code in languages if code.split("_")[0] != SOURCE}
    found = []
    for spec in project.apps.values():
        for page in spec.page_sequence:
            if not hasattr(page, "template_file") or not spec.template_path(page).is_file():
                continue
            stem, _, suffix = page.template_file().rpartition(".")
            have = {p.name[len(stem) + 1:-len(suffix) - 1]
                    for p in spec.folder.glob(f"{stem}.*.{suffix}")}
            if not have:
                continue
            for language in sorted(foreign):
                if language not in have and language.split("_")[0] not in have:
                    found.append(Problem.at(
                        "LC224", spec.template_path(page), f"{page.template_file()} is "
                        f"written per language ({', '.join(sorted(have))}) but has no "
                        f"'{language}' version, which a session type uses",
                        f"add {stem}.{language}.{suffix}, or translate one template with "
                        "{% trans %} instead"))
    return found


def _read(path: Path, language: str) -> Catalog | None:
    if not path.is_file():
        return None
    with path.open("rb") as handle:
        return read_po(handle, locale=language)


def _translated_ids(catalog: Catalog | None) -> set:
    if catalog is None:
        return set()
    missing = set(untranslated(catalog))
    return {m.id for m in catalog
            if m.id and (m.id if isinstance(m.id, str) else m.id[0]) not in missing}


def _labctl_ids() -> set:
    with (LABCTL_LOCALE / f"{LABCTL_DOMAIN}.pot").open("rb") as handle:
        return {m.id for m in read_po(handle) if m.id}
