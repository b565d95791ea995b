"""oTree's template tags, translated to Jinja once, when a template is loaded.

oTree 5 writes its tags in double braces: ``{{ block content }}``, ``{{ if x }}``,
``{{ formfields }}``, ``{{ formfield 'age' }}``, ``{{ include_sibling 'x.html' }}``,
``{{ static 'app/img.png' }}``, Django's filter arguments (``{{ x|default:0 }}``) and its
``forloop.counter`` (Jinja's ``loop.index``). Left as
they are, some are Jinja syntax errors and others (``{{ formfields }}``) silently print a
function instead of a form. ``translate`` rewrites the ones that have an exact Jinja equivalent,
keeping every newline so that error lines stay the researcher's; ``untranslated`` finds the
ones it leaves alone, which ``labctl validate`` refuses with the spelling to write instead.

Include targets of an app template are resolved here too (``resolve``): a bare file name is a
sibling in the same app folder, ``other_app/file.html`` is another app's file, ``labctl/...``
is labctl's own; every one of them is a *fragment* (``FRAGMENT_PREFIX``), loaded without
labctl's page layout, so it includes cleanly into the page.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection

#: the Jinja names of an app's page templates (wrapped in the layout) and of its fragments
PAGE_PREFIX = "app:"
FRAGMENT_PREFIX = "fragment:"

#: oTree tags whose Jinja spelling is the same words inside ``{% %}``
STATEMENTS = frozenset({"block", "endblock", "if", "elif", "else", "endif", "for", "endfor",
                        "include", "with", "endwith"})
#: oTree tags that are function calls in labctl (no arguments)
CALLS = frozenset({"formfields", "next_button"})

#: a tag in double braces that starts with a word: ``{{ word rest }}`` (``-`` kept)
_TAG = re.compile(r"\{\{(?P<left>-?)(?P<space>\s*)(?P<word>[A-Za-z_]\w*)(?P<rest>(?:\s[^{}]*?)?)"
                  r"(?P<right>\s*-?)\}\}")
_QUOTED = re.compile(r"""^\s*(['"])(?P<name>[A-Za-z_]\w*)\1\s*$""")
_RECORD_FIELD = re.compile(r"^\s*(?:player|group)\.(?P<name>[A-Za-z_]\w*)\s*$")
_BARE_NAME = re.compile(r"^\s*(?P<name>[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)\s*$")
#: ``'age' label="How old are you?"`` (oTree 2: ``player.age with label="..."``): a field
#: with this page's own label
_LABELLED = re.compile(r"""^\s*(?P<field>\S+?)\s+(?:with\s+)?label\s*=\s*"""
                       r"""(?P<label>(['"]).*\3)\s*$""", re.S)
_QUOTED_FILE = re.compile(r"""^\s*(['"])[^'"]+\1\s*$""")
#: oTree's page layout extended, in either spelling: labctl wraps every page in its own layout
_OTREE_LAYOUT = re.compile(
    r"""\{[{%]-?\s*extends\s+(['"])(?:global|otree)/(?:Wait)?(?:Page|Base)\.html\1\s*-?[}%]\}"""
    # oTree 3's tag libraries, which oTree 5 still accepts and ignores: labctl loads nothing
    r"""|\{[{%]-?\s*load(?:\s+\w+)+\s*-?[}%]\}""")
#: oTree's group chat with no options: labctl's chat on the group's shared data
_BARE_CHAT = re.compile(r"\{\{-?\s*chat\s*-?\}\}")
CHAT_BOX = '<div data-labctl-chat="group"></div>'
#: appended (on the template's last line) to a template that uses ``{{ chat }}``: the chat's
#: scripts, in a block of labctl's layout that is otherwise empty
CHAT_SCRIPTS = ("{% block labctl_chat %}"
                "<script src=\"{{ static_url('labctl-shared.js') }}\" defer></script>"
                "<script src=\"{{ static_url('labctl-chat.js') }}\" defer></script>"
                "{% endblock %}")

#: oTree tags labctl has no translation for, with the spelling to write instead
REPLACEMENTS = {
    "chat": ("{{ chat }} without options (the group's chat), or "
             '<div data-labctl-chat="group" data-labctl-chat-placeholder="..."></div> with '
             "labctl-shared.js and labctl-chat.js in {% block scripts %} (see README, Live "
             "shared data)"),
    "formfield": "{{ formfield('name') }}, with the field's label set in its declaration",
    "formfield_errors": "nothing: formfield('name') shows the field's error beside it",
    "static": "{{ static('path/in/static/folder') }} for a file of the app's static/ folder",
    "url": "a link the participant needs in vars_for_template",
    "include_sibling": "{% include 'file.html' %}",
    "extends": "nothing: labctl puts every page in its layout",
}


#: Django's filter arguments (``x|default:0``), which oTree's templates take, as Jinja writes
#: them; only filters whose Jinja namesake does the same (Django's ``default`` also replaces
#: ``None``, ``0`` and ``""``: Jinja's with ``true``)
DJANGO_FILTERS = {"default": "default({}, true)", "join": "join({})"}
_DJANGO_FILTER = re.compile(r"""\|\s*(?P<name>\w+):(?P<arg>"[^"]*"|'[^']*'|[^\s|}%]+)""")
#: any template tag, in either spelling
ANY_TAG = re.compile(r"\{[{%].*?[}%]\}", re.S)
#: Django's loop variable, which oTree's templates have, as Jinja names it
FORLOOP = {"counter0": "index0", "counter": "index", "revcounter0": "revindex0",
           "revcounter": "revindex", "first": "first", "last": "last"}
_FORLOOP = re.compile(r"\bforloop\.(?P<name>counter0|counter|revcounter0|revcounter|first|last)"
                      r"\b")

#: Django's include with values, which oTree reads in either spelling: ``{{ include
#: "global/Button.html" with text="Next" }}``
_INCLUDE_WITH = re.compile(r"""\{[{%](?P<left>-?)\s*include\s+(?P<name>(['"])[^'"]+\3)\s+with"""
                           r"""\s+(?P<values>(?:\w+\s*=\s*(?:"[^"]*"|'[^']*'|[^\s{}%]+)\s*)+)"""
                           r"""(?P<right>-?)[}%]\}""")
_VALUE = re.compile(r"""(\w+)\s*=\s*("[^"]*"|'[^']*'|[^\s{}%]+)""")
#: oTree 5 prints ``{% player.name %}`` as ``{{ player.name }}``: a dotted name is no tag
_PERCENT_PRINT = re.compile(r"\{%(?P<left>-?)(?P<expression>\s*[A-Za-z_]\w*(?:\.\w+)+"
                            r"(?:\s*\|[^{}%]*)?\s*)(?P<right>-?)%\}")
#: methods oTree's templates name without calling them (Django calls what it is given):
#: ``{{ for p in player.in_all_rounds }}``, ``{{ for k, v in C.VALUES.items }}``
_UNCALLED = re.compile(r"\.(?P<method>in_all_rounds|in_previous_rounds|get_players|get_groups"
                       r"|get_others_in_group|get_others_in_subsession|get_group_matrix"
                       r"|payoff_plus_participation_fee)\b(?!\s*\()"
                       r"|(?P<owner>\bC\.\w+|\.vars)\.(?P<view>items|values|keys)\b(?!\s*\()")
#: oTree's own tags in oTree 3's ``{% %}`` spelling, which oTree 5 still reads
_PERCENT_TAG = re.compile(r"\{%(?P<left>-?)(?P<space>\s*)(?P<word>formfields|formfield|next_button"
                          r"|include_sibling|static)(?P<rest>(?:\s[^{}%]*?)?)(?P<right>\s*-?)%\}")


def translate(source: str) -> str:
    """``source`` with every oTree tag that has an exact Jinja equivalent rewritten; the
    number and position of newlines is unchanged.

    ``{{ extends "global/Page.html" }}`` is dropped (labctl's layout wraps every page), and a
    bare ``{{ chat }}`` becomes labctl's group chat with its scripts (once, in a block of the
    layout's head: a page that loads ``labctl-chat.js`` itself is left as written)."""
    source = _OTREE_LAYOUT.sub(_kept_newlines, source)
    source = ANY_TAG.sub(lambda tag: _UNCALLED.sub(_called, _FORLOOP.sub(
        lambda found: f"loop.{FORLOOP[found['name']]}",
        _DJANGO_FILTER.sub(_jinja_filter, tag[0]))), source)
    source = _PERCENT_TAG.sub(lambda found: "{{" + found[0][2:-2] + "}}", source)
    source = _PERCENT_PRINT.sub(lambda found: "{{" + found[0][2:-2] + "}}", source)
    source = _INCLUDE_WITH.sub(_include_with, source)
    if _BARE_CHAT.search(source):
        loads_chat = "labctl-chat.js" in source
        source = _BARE_CHAT.sub(CHAT_BOX, source) + ("" if loads_chat else CHAT_SCRIPTS)
    return _TAG.sub(_translated_tag, source)


def _include_with(match: re.Match[str]) -> str:
    """``include "x.html" with a=1 b="two"`` as Jinja includes with values: in a ``with``
    block, which the included template sees."""
    values = ", ".join(f"{name}={value}" for name, value in _VALUE.findall(match["values"]))
    left, right = match["left"], match["right"]
    return (f"{{%{left} with {values} %}}{{% include {match['name']} %}}"
            f"{{% endwith {right}%}}") + _kept_newlines(match)


def _called(match: re.Match[str]) -> str:
    return f"{match[0]}()"


def _jinja_filter(match: re.Match[str]) -> str:
    spelled = DJANGO_FILTERS.get(match["name"])
    return f"|{spelled.format(match['arg'])}" if spelled else match[0]


def _kept_newlines(match: re.Match[str]) -> str:
    return "\n" * match[0].count("\n")


def _translated_tag(match: re.Match[str]) -> str:
    word, rest = match["word"], match["rest"]
    if word in STATEMENTS and (word in {"else", "endblock", "endif", "endfor", "endwith"}
                               or rest.strip()):
        return f"{{%{match['left']}{match['space']}{word}{rest}{match['right']}%}}"
    if word in CALLS and not rest.strip():
        return f"{{{{{match['left']}{match['space']}{word}(){rest}{match['right']}}}}}"
    if word == "formfield":
        labelled = _LABELLED.match(rest)
        name = _formfield_argument(labelled["field"] if labelled else rest)
        if name is not None:
            label = f", label={labelled['label']}" if labelled else ""
            return (f"{{{{{match['left']}{match['space']}formfield({name}{label})"
                    f"{match['right']}}}}}")
    if word == "static" and _QUOTED_FILE.match(rest):  # a file of the app's static/ folder
        return f"{{{{{match['left']}{match['space']}static({rest.strip()}){match['right']}}}}}"
    if word == "include_sibling" and _QUOTED_FILE.match(rest):
        return f"{{%{match['left']}{match['space']}include{rest}{match['right']}%}}"
    return match[0]


def _formfield_argument(rest: str) -> str | None:
    """``'age'``, ``player.age`` or a loop variable (``{{ for field in form }}``, also
    ``d.name``) as the argument of ``formfield(...)``; None for anything else."""
    for pattern in (_QUOTED, _RECORD_FIELD):
        found = pattern.match(rest)
        if found:
            return repr(found["name"])
    found = _BARE_NAME.match(rest)
    return found["name"] if found else None


def untranslated(source: str) -> list[tuple[int, str, str]]:
    """Every oTree tag ``translate`` leaves alone: (line, tag as written, what to write)."""
    found = []
    translated = translate(source)
    for match in _TAG.finditer(translated):
        word, rest = match["word"], match["rest"]
        if word in REPLACEMENTS and (rest.strip() or word == "chat"):
            line = translated.count("\n", 0, match.start()) + 1
            found.append((line, match[0].replace("\n", " "), REPLACEMENTS[word]))
    return found


def resolve(target: str, parent: str | None, app_names: Collection[str]) -> str:
    """The Jinja name of ``target`` included (extended, imported) from template ``parent``:
    relative to the app of an app template, a fragment either way."""
    app = _app_of(parent)
    if app is None or target.startswith(("labctl/", PAGE_PREFIX, FRAGMENT_PREFIX)):
        return target
    first, slash, rest = target.partition("/")
    if slash and first in app_names:
        return f"{FRAGMENT_PREFIX}{first}/{rest}"
    return f"{FRAGMENT_PREFIX}{app}/{target}"


def _app_of(name: str | None) -> str | None:
    for prefix in (PAGE_PREFIX, FRAGMENT_PREFIX):
        if name and name.startswith(prefix):
            return name[len(prefix):].partition("/")[0]
    return None


def join_path_for(app_names: Collection[str]) -> Callable[[str, str], str]:
    """A Jinja ``Environment.join_path`` that resolves app templates' targets (``resolve``)."""
    names = frozenset(app_names)

    def join_path(template: str, parent: str) -> str:
        return resolve(template, parent, names)

    return join_path
