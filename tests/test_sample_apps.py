"""The sample project's apps that are copies of app templates stay copies.

An app in sample_sessions/ named like a template in app_templates/ (what
`labctl new-app NAME --template T` copies) is that template, file for file and byte for byte, so
an edit to one copy cannot silently miss the other. The few files where the sample must differ
are listed in ALLOWED_DIFFERENCES with the reason, and with a fingerprint of the difference: an
edit made to both copies keeps the fingerprint, an edit made to one copy changes it.
"""

from __future__ import annotations

import difflib
import hashlib
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "app_templates"
SAMPLE = ROOT / "sample_sessions"
THIS_FILE = "tests/test_sample_apps.py"


@dataclass(frozen=True)
class Allowed:
    reason: str
    #: sha256 (first 16 hex digits) of the lines that differ, see `fingerprint`
    fingerprint: str


#: sample_sessions/APP/FILE -> why it differs from app_templates/APP/FILE
ALLOWED_DIFFERENCES = {
    "public_goods/__init__.py": Allowed(
        "groups of four, not three: the load benchmark (benchmarks/lab_load.py) and the "
        "sample session type public_goods time group-data fan-out to the 3 other members of "
        "a group of 4",
        "c9314db61d1c8338",
    ),
    "public_goods/bots.py": Allowed(
        "the bots' contributions and expected payoffs for groups of four (see __init__.py)",
        "1c50b17aabd7f2f2",
    ),
    "questionnaire/__init__.py": Allowed(
        "the sample keeps the spec's short questionnaire (age, gender, field of study), whose "
        "fields the tests (tests/server, tests/engine, tests/bots) and the benchmarks "
        "(benchmarks/sample_answers.py) answer; the template adds years of education and a "
        "degree, with a check across fields",
        "1afebee2ca60a42c",
    ),
    "questionnaire/bots.py": Allowed(
        "the bots answer the sample's shorter Demographics page (see __init__.py)",
        "fc0cfdc248b1073d",
    ),
}


def app_files(folder: Path) -> set[str]:
    """The files of an app, relative to its folder, without Python's caches."""
    return {path.relative_to(folder).as_posix() for path in folder.rglob("*")
            if path.is_file() and "__pycache__" not in path.parts
            and path.suffix != ".pyc"}


def copied_apps() -> list[str]:
    """Sample apps named like a template: the copies this module keeps in step."""
    templates = {p.name for p in TEMPLATES.iterdir() if (p / "__init__.py").is_file()}
    return sorted(p.name for p in SAMPLE.iterdir() if p.name in templates and p.is_dir())


def difference(template: Path, sample: Path) -> list[str]:
    """The lines only one copy has (`-` the template's, `+` the sample's), without positions,
    so that the same edit to both copies leaves it as it was."""
    diff = list(difflib.unified_diff(template.read_text(encoding="utf-8").splitlines(),
                                     sample.read_text(encoding="utf-8").splitlines(),
                                     n=0, lineterm=""))
    return [line for line in diff[2:] if not line.startswith("@@")]


def fingerprint(lines: list[str]) -> str:
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()[:16]


def test_the_sample_apps_that_are_copies_of_templates():
    # trust, ultimatum, public_goods, prisoners_dilemma and questionnaire, as sessions.py plays,
    # and the live pages' double_auction and volunteer_dilemma (with their static/ files)
    assert copied_apps() == ["double_auction", "prisoners_dilemma", "public_goods",
                             "questionnaire", "trust", "ultimatum", "volunteer_dilemma"]


def test_every_allowed_difference_names_a_file_of_a_copied_app():
    for name in ALLOWED_DIFFERENCES:
        app = name.partition("/")[0]
        assert app in copied_apps(), f"{name}: no sample app {app} is a copy of a template"
        assert (TEMPLATES / name).is_file() and (SAMPLE / name).is_file(), (
            f"{name} is not in both app_templates/{app}/ and sample_sessions/{app}/; "
            f"delete its entry from ALLOWED_DIFFERENCES in {THIS_FILE}")


@pytest.mark.parametrize("app", copied_apps())
def test_a_sample_app_has_the_files_of_its_template(app):
    only_template = app_files(TEMPLATES / app) - app_files(SAMPLE / app)
    only_sample = app_files(SAMPLE / app) - app_files(TEMPLATES / app)
    assert not only_template, (
        f"app_templates/{app}/ has {sorted(only_template)}, sample_sessions/{app}/ has not: "
        f"copy them with `cp -r app_templates/{app}/. sample_sessions/{app}/`")
    assert not only_sample, (
        f"sample_sessions/{app}/ has {sorted(only_sample)}, app_templates/{app}/ has not: "
        f"add them to the template too, or delete them from the sample")


@pytest.mark.parametrize("app", copied_apps())
def test_a_sample_app_is_a_byte_for_byte_copy_of_its_template(app):
    for file in sorted(app_files(TEMPLATES / app) & app_files(SAMPLE / app)):
        name = f"{app}/{file}"
        template, sample = TEMPLATES / name, SAMPLE / name
        if name in ALLOWED_DIFFERENCES:
            continue
        if template.read_bytes() != sample.read_bytes():
            shown = "\n".join(difference(template, sample)[:40])
            pytest.fail(
                f"sample_sessions/{name} differs from app_templates/{name}; the sample app "
                f"{app} is a copy of the template, so an edit belongs in both. Make the other "
                f"copy the same, e.g. `cp app_templates/{name} sample_sessions/{name}` (or the "
                f"other way round); if the sample must differ, add the file to "
                f"ALLOWED_DIFFERENCES in {THIS_FILE} with the reason.\n"
                f"- template / + sample:\n{shown}")


@pytest.mark.parametrize("name", sorted(ALLOWED_DIFFERENCES))
def test_an_allowed_difference_stays_what_it_was(name):
    allowed = ALLOWED_DIFFERENCES[name]
    template, sample = TEMPLATES / name, SAMPLE / name
    lines = difference(template, sample)
    assert lines, (f"sample_sessions/{name} is now the same as app_templates/{name}: delete "
                   f"its entry from ALLOWED_DIFFERENCES in {THIS_FILE}")
    now = fingerprint(lines)
    assert now == allowed.fingerprint, (
        f"sample_sessions/{name} differs from app_templates/{name} on purpose ({allowed.reason}), "
        f"but the difference changed: one copy was edited and not the other. Make the same edit "
        f"in the other copy. If the new difference is meant, set its fingerprint in "
        f"ALLOWED_DIFFERENCES in {THIS_FILE} to {now!r}.\n- template / + sample:\n"
        + "\n".join(lines))
