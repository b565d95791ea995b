"""labctl's own texts in the shipped languages: every participant-facing text is marked for
translation, the catalogues hold every marked text, and each shipped language translates all
of them with the same placeholders; the compiled ``.mo`` files are those of the ``.po`` files."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from labctl.i18n import SHIPPED, catalogue, speaking
from labctl.i18n.catalogues import LABCTL_LOCALE
from labctl.i18n.client_texts import CLIENT_TEXTS
from labctl.i18n.extraction import extract, labctl_sources, untranslated

PACKAGE = labctl_sources()
TEMPLATES = PACKAGE / "server" / "templates" / "labctl"
STATIC = PACKAGE / "server" / "static"
#: the scripts participants' pages run (labctl-admin.js is the experimenter's, in English)
PARTICIPANT_SCRIPTS = ["labctl.js", "labctl-chat.js", "labctl-recover.js", "labctl-live.js",
                       "labctl-experimenter-chat.js"]
#: modules whose string constants are what participants read (docstrings and logs aside)
PARTICIPANT_MODULES = ["server/__init__.py", "server/participant.py", "server/rooms.py",
                       "server/widgets.py", "server/consent.py", "server/session_link.py"]
PLACEHOLDER = re.compile(r"%\([a-z_]+\)s|\{[a-z_]+\}")
TRANSLATING_CALLS = {"_", "N_", "gettext", "ngettext", "pgettext", "lazy_gettext"}


def pot_ids() -> set:
    with (LABCTL_LOCALE / "labctl.pot").open("rb") as handle:
        return {m.id for m in read_po(handle) if m.id}


def po_of(language: str):
    with (LABCTL_LOCALE / language / "LC_MESSAGES" / "labctl.po").open("rb") as handle:
        return read_po(handle, locale=language)


def test_the_catalogue_template_holds_every_marked_text_of_labctl():
    """Fails when a text is marked (or changed) without ``python -m labctl.i18n.extraction``."""
    marked = {m.id for m in extract(PACKAGE) if m.id}
    assert marked == pot_ids(), ("rebuild the catalogues: python -m labctl.i18n.extraction; "
                                 f"new: {marked - pot_ids()}, gone: {pot_ids() - marked}")


@pytest.mark.parametrize("language", SHIPPED)
def test_every_shipped_language_translates_every_text_with_its_placeholders(language):
    catalog = po_of(language)
    assert {m.id for m in catalog if m.id} == pot_ids(), f"update {language}'s .po"
    assert untranslated(catalog) == []
    for message in catalog:
        if not message.id:
            continue
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        strings = [message.string] if isinstance(message.string, str) else list(message.string)
        wanted = {p for text in ids for p in PLACEHOLDER.findall(text)}
        for string in strings:
            assert set(PLACEHOLDER.findall(string)) == wanted, (language, message.id, string)


@pytest.mark.parametrize("language", SHIPPED)
def test_the_compiled_catalogue_is_the_one_of_its_po_file(language):
    """A ``.po`` edited without ``compile`` would leave participants with the old texts."""
    folder = LABCTL_LOCALE / language / "LC_MESSAGES"
    with (folder / "labctl.mo").open("rb") as handle:
        compiled = {_key(m.id): _key(m.string) for m in read_mo(handle) if m.id}
    assert compiled == {_key(m.id): _key(m.string) for m in po_of(language) if m.id}


def _key(text):
    return tuple(text) if isinstance(text, (list, tuple)) else text


def test_a_language_reads_its_catalogue_and_an_unknown_one_stays_english():
    with speaking("de"):
        assert catalogue("de").gettext("Next") == "Weiter"
    assert catalogue("pt").gettext("Next") == "Próximo"  # pt reads pt_BR's
    assert catalogue("zh_CN").gettext("Next") == "下一页"
    assert catalogue("de_AT").gettext("Next") == "Weiter"
    assert catalogue("sw").gettext("Next") == "Next"


# -- nothing a participant reads is left unmarked ----------------------------------------------


def visible_text(template: str) -> str:
    """What a template shows outside Jinja's tags and expressions and outside HTML tags."""
    template = re.sub(r"\{#.*?#\}", " ", template, flags=re.S)
    template = re.sub(r"\{%\s*trans\b.*?\{%\s*endtrans\s*%\}", " ", template, flags=re.S)
    template = re.sub(r"\{\{.*?\}\}|\{%.*?%\}", " ", template, flags=re.S)
    template = re.sub(r"<[^>]*>", " ", template, flags=re.S)
    return " ".join(template.split())


def test_no_template_of_a_participant_page_shows_an_unmarked_word():
    found = {}
    for path in sorted(TEMPLATES.glob("*.html")):
        words = re.findall(r"[^\W\d_]{2,}", visible_text(path.read_text(encoding="utf-8")))
        if words:
            found[path.name] = words
    assert found == {}


def test_the_scan_of_templates_would_see_an_unmarked_word():
    assert visible_text('<p class="x">{{ _("Next") }} Please wait</p>') == "Please wait"
    assert visible_text("{% trans %}Hello{% endtrans %}<b>{{ x }}</b>") == ""


def english_literals(script: str) -> list[str]:
    """String literals of a script that read like English for a person: two words or more,
    or one capitalised word; code (selectors, attribute names, JSON keys) has neither."""
    script = re.sub(r"^\s*//.*$|/\*.*?\*/", "", script, flags=re.S | re.M)
    found = []
    for line in script.splitlines():
        if re.search(r"\bthrow\b|console\.|setRequestHeader", line):  # code, not texts
            continue
        for literal in re.findall(r'"((?:[^"\\]|\\.)*)"', line):
            if re.fullmatch(r"(?:[A-Z][a-z]+|[A-Za-z]+(?: [a-z]+)+)[ .…!?:]*", literal) \
                    and literal != "use strict":
                found.append(literal)
    return found


@pytest.mark.parametrize("script", PARTICIPANT_SCRIPTS)
def test_no_participant_script_shows_an_english_literal(script):
    """Their texts come from ``labctl.t(key)`` (``labctl/i18n/client_texts.py``)."""
    assert english_literals((STATIC / script).read_text(encoding="utf-8")) == []


def test_the_scan_of_scripts_would_see_an_english_literal():
    assert english_literals('el.textContent = "Connection lost";') == ["Connection lost"]
    assert english_literals('b = element("button", "button", "Send");') == ["Send"]
    assert english_literals('x.querySelector("#wait-page"); t("chat.send");') == []


@pytest.mark.parametrize("key", sorted(CLIENT_TEXTS))
def test_every_key_the_client_texts_declare_is_used_by_a_script(key):
    scripts = "".join((STATIC / s).read_text(encoding="utf-8") for s in PARTICIPANT_SCRIPTS)
    assert f'"{key}"' in scripts


def unmarked_strings(source: str) -> list[str]:
    """Sentence-like string constants outside a translating call, a docstring, a log call or
    a socket's close reason."""
    tree = ast.parse(source)
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = getattr(node.func, "id", getattr(node.func, "attr", ""))
            owner = getattr(getattr(node.func, "value", None), "id", "")
            if name in TRANSLATING_CALLS or owner == "log" or name == "close":
                skipped.update(id(n) for n in ast.walk(node))
        if isinstance(node, (ast.FunctionDef, ast.ClassDef, ast.Module)) and node.body and \
                isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value,
                                                                  ast.Constant):
            skipped.add(id(node.body[0].value))
    return [node.value for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str)
            and id(node) not in skipped
            and re.fullmatch(r"[A-Z][a-z']+(?: [\w',;:()…-]+)+[.!?…]?", node.value)]


@pytest.mark.parametrize("module", PARTICIPANT_MODULES)
def test_no_participant_facing_module_has_an_unmarked_sentence(module):
    assert unmarked_strings((PACKAGE / module).read_text(encoding="utf-8")) == []


def test_the_scan_of_modules_would_see_an_unmarked_sentence():
    assert unmarked_strings('page(404, "Page not found", _("There is no page."))') == [
        "Page not found"]


def test_every_form_message_of_the_fields_is_translated_where_raised():
    """``FieldValueError(name, message)``: the message is ``_(...)`` (or made from one)."""
    tree = ast.parse((PACKAGE / "fields.py").read_text(encoding="utf-8"))
    plain = [node.lineno for node in ast.walk(tree)
             if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "FieldValueError"
             and isinstance(node.args[1], (ast.Constant, ast.JoinedStr))]
    assert plain == []


def test_unmarked_paths_are_the_researchers_own_texts(tmp_path: Path):
    """The admin's templates are the experimenter's and stay English: none is scanned."""
    assert not any(p.parent.name == "admin" for p in TEMPLATES.glob("*.html"))
