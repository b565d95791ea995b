"""oTree's templates and static files, where labctl's templates and ``static()`` find them.

Most oTree tags are left as written: labctl translates them when it compiles a template
(``labctl.otree_templates``), and ``labctl validate`` refuses, by name, the few it cannot. Two
rewrites are made here because only the import knows enough: a static reference becomes
``{{ static('path') }}`` and a file it names from the project's ``_static/`` is copied into the
app's ``static/`` (labctl serves only an app's own files); an amount printed bare
(``{{ player.payoff }}``, ``{{ C.ENDOWMENT }}``) becomes ``{{ money(...) }}``, as oTree printed a
Currency with its unit.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from ..static_files import STATIC_FOLDER

__all__ = ["global_template_notes", "rewrite_template"]

#: ``{{ static 'x' }}``, ``{% static "x" %}``, ``{{ static('x') }}``
_STATIC = re.compile(r"""\{([{%])-?\s*static\s*\(?\s*(['"])(?P<path>[^'"]+)\2\s*\)?\s*-?[}%]\}""")
#: a record's attribute or a constant printed as it is
_SHOWN = re.compile(r"\{\{(-?)\s*(?P<record>player|group|subsession|participant|C)\."
                    r"(?P<name>[A-Za-z_]\w*)\s*(-?)\}\}")
TEMPLATE_MARK = "{# labctl import: "


def rewrite_template(text: str, app: Path, dest_app: Path, project: Path,
                     money: frozenset[str], constants: frozenset[str], done: list[str]
                     ) -> str:
    """The template with static references and amounts rewritten; ``_static`` files it names
    are copied into ``dest_app/static``."""
    lines = text.split("\n")
    out = []
    marks: list[str] = []
    for line in lines:
        line = _STATIC.sub(lambda found: _static(found, app, dest_app, project, marks, done),
                           line)
        line = _SHOWN.sub(lambda found: _money(found, money, constants), line)
        out += [f"{TEMPLATE_MARK}{mark} #}}" for mark in marks]
        out.append(line)
        marks.clear()
    return "\n".join(out)


def _static(found: re.Match[str], app: Path, dest_app: Path, project: Path,
            marks: list[str], done: list[str]) -> str:
    path = found["path"]
    spelled = "{{ static('" + path + "') }}"
    if (app / STATIC_FOLDER / path).is_file():
        return spelled
    shared = project / "_static" / path
    if shared.is_file():
        target = dest_app / STATIC_FOLDER / path
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shared, target)
        done.append(f"_static/{path} copied to {dest_app.name}/{STATIC_FOLDER}/{path}")
        return spelled
    marks.append(f"static file '{path}' is in neither {app.name}/{STATIC_FOLDER}/ nor "
                 "_static/: put it in the app's static/ folder")
    return found[0]


def _money(found: re.Match[str], money: frozenset[str], constants: frozenset[str]) -> str:
    record, name = found["record"], found["name"]
    is_amount = (name in constants) if record == "C" else (
        name in money or (record == "participant" and name == "payoff"))
    if not is_amount:
        return found[0]
    return "{{" + found[1] + f" money({record}.{name}) " + found[4] + "}}"


def global_template_notes(project: Path) -> list[str]:
    """What of ``_templates/`` labctl does not use: its page layout replaces oTree's
    ``global/Page.html``, so anything that file adds (styles, scripts) must move to an app."""
    notes = []
    folder = project / "_templates"
    for path in sorted(folder.rglob("*")) if folder.is_dir() else []:
        if not path.is_file():
            continue
        if path.relative_to(folder).as_posix() == "global/Page.html" and not _adds_anything(
                path.read_text(encoding="utf-8", errors="replace")):
            continue
        notes.append(f"_templates/{path.relative_to(folder).as_posix()} is not used by "
                     "labctl, whose layout wraps every page: move what it adds into the apps "
                     "(a stylesheet or script in static/, loaded in {% block styles %} or "
                     "{% block scripts %})")
    return notes


def _adds_anything(text: str) -> bool:
    """Whether a global ``Page.html`` has content beyond oTree's empty blocks."""
    tagless = re.sub(r"\{[{%#].*?[}%#]\}", "", text, flags=re.S)
    return bool(tagless.strip())
