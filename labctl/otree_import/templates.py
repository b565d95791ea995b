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

import html
import json
import re
import shutil
from pathlib import Path

from ..static_files import STATIC_FOLDER
from .python_code import LOWERCASE_SETTINGS
from .script_values import ScriptValues, split_values

__all__ = ["global_template_notes", "handlers_to_file", "rewrite_template", "scripts_to_files"]

#: ``{{ static 'x' }}``, ``{% static "x" %}``, ``{{ static('x') }}``
_STATIC = re.compile(r"""\{([{%])-?\s*static\s*\(?\s*(['"])(?P<path>[^'"]+)\2\s*\)?\s*-?[}%]\}""")
#: ``{{ static expression }}``: the path is computed in the template
_STATIC_EXPRESSION = re.compile(r"\{\{(-?)\s*static\s+(?P<expression>[A-Za-z_][\w.]*)\s*(-?)\}\}")
#: oTree's field errors: labctl shows each field's error beside it
_FIELD_ERRORS = re.compile(r"\{([{%])-?\s*formfield_errors\s+[^{}%]+?\s*-?[}%]\}")
#: a record's attribute or a constant printed as it is
_SHOWN = re.compile(r"\{\{(-?)\s*(?P<record>player|group|subsession|participant|C)\."
                    r"(?P<name>[A-Za-z_]\w*)\s*(-?)\}\}")
#: oTree 3's ``Constants.num_rounds``, which oTree 5 still accepts: labctl's ``C.NUM_ROUNDS``
_CONSTANTS = re.compile(r"\bConstants\.(?P<name>[A-Za-z_]\w*)")
TEMPLATE_MARK = "{# labctl import: "
#: a script or style element with what is inside it
_ELEMENT = re.compile(r"<(?P<tag>script|style)(?P<attributes>[^>]*)>(?P<body>.*?)</(?P=tag)\s*>",
                      re.S | re.I)
_SOURCE = re.compile(r"\bsrc\s*=\s*([\"'])(?P<url>.*?)\1", re.I)
_MODULE = re.compile(r"type\s*=\s*[\"']?module", re.I)
_DEFERRED = re.compile(r"\b(defer|async)\b|type\s*=\s*[\"']?module", re.I)
_DATA_TYPE = re.compile(r"type\s*=\s*[\"']?(application/(ld\+)?json|text/(x-)?template|text/html)",
                        re.I)
#: what each element becomes: a file of the app's static folder, loaded as the CSP allows
_LOADERS = {"script": "<script src=\"{{{{ static('{name}') }}}}\"{attributes} defer></script>",
            "style": "<link rel=\"stylesheet\" href=\"{{{{ static('{name}') }}}}\">"}


def scripts_to_files(text: str, template: Path, dest_app: Path, done: list[str]) -> str:
    """Inline ``<script>`` and ``<style>`` (which the page's Content-Security-Policy blocks)
    moved into files of ``dest_app/static`` and loaded from there; a script file loaded without
    ``defer`` gets it (it must run after labctl's script has set ``js_vars`` and ``liveSend``).
    Code with template tags in it cannot be moved: it is marked, and left as it is."""
    counter = iter(range(1, 1000))

    def moved(found: re.Match[str]) -> str:
        tag, attributes, body = found["tag"].lower(), found["attributes"], found["body"]
        source = _SOURCE.search(attributes) if tag == "script" else None
        if source is not None:
            return _deferred(found[0], attributes, source["url"])
        if not body.strip() or _DATA_TYPE.search(attributes):
            return found[0]
        if ("{{" in body or "{%" in body) and tag == "script" and _MODULE.search(attributes):
            body = _relative_imports(body) or body
        number = next(counter)
        values = split_values(body, f"_{number}") if tag == "script" and "{{" in body \
            else None
        if values is not None and not _MODULE.search(attributes):
            name = f"{template.stem}_{number}.js"
            element_id = f"labctl-values-{name[:-3]}"
            target = dest_app / STATIC_FOLDER / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(values.file_text(element_id).rstrip("\n") + "\n", encoding="utf-8")
            done.append(f"{dest_app.name}/{template.name}: inline <script> moved to "
                        f"{dest_app.name}/{STATIC_FOLDER}/{name}; the "
                        f"{len(values.expressions)} template value(s) it printed are printed "
                        f"into #{element_id}, which it reads")
            return (values.island(element_id)
                    + _LOADERS["script"].format(name=name, attributes=attributes.rstrip())
                    + "\n" * found[0].count("\n"))
        if "{{" in body or "{%" in body:
            return (f"\n{TEMPLATE_MARK}this inline <{tag}> uses template tags, so it could not "
                    "be moved into a file; the page's Content-Security-Policy blocks it: move "
                    "the values into js_vars and the code into static/ #}\n" + found[0])
        extension = "js" if tag == "script" else "css"
        name = f"{template.stem}_{number}.{extension}"
        target = dest_app / STATIC_FOLDER / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(body.strip("\n") + "\n", encoding="utf-8")
        done.append(f"{dest_app.name}/{template.name}: inline <{tag}> moved to "
                    f"{dest_app.name}/{STATIC_FOLDER}/{name}")
        # the script keeps its attributes (a framework may find itself by them)
        kept = attributes.rstrip() if tag == "script" else ""
        # the lines the element took stay, so later lines keep their numbers
        return _LOADERS[tag].format(name=name, attributes=kept) + "\n" * found[0].count("\n")

    return _ELEMENT.sub(moved, text)


#: a start tag (its attributes hold no ``<`` or ``>``, so a tag with ``a > b`` in a handler is
#: left as it is, and marked by ``labctl validate``)
_START_TAG = re.compile(r"<(?P<tag>[a-zA-Z][\w-]*)(?P<attributes>\s[^<>]*?)(?P<end>/?>)")
#: an ``onclick="..."`` (or ``oninput='...'``) attribute
_HANDLER = re.compile(r"""\s(?P<name>on[a-zA-Z]+)\s*=\s*"""
                      r"""(?:"(?P<double>[^"]*)"|'(?P<single>[^']*)')""")
_SCRIPTS_BLOCK = re.compile(r"\{[{%]-?\s*block\s+scripts\s*-?[}%]\}")
_CONTENT_BLOCK = re.compile(r"\{[{%]-?\s*block\s+\w+\s*-?[}%]\}")
#: what the moved handlers are wrapped in: each element marked ``data-labctl-on="N"`` gets its
#: handler with ``addEventListener``, called with the element as ``this`` and ``event``, and a
#: handler that returns ``false`` cancels the event, as an inline one does
_HANDLERS_HEAD = """// Inline event handlers of {template}, moved here by labctl import: the page's
// Content-Security-Policy runs script files only.
(function () {{
  function read(texts, tags, index) {{
    try {{
      return JSON.parse(texts[index]);
    }} catch (error) {{
      throw new Error('{{{{ ' + tags[index] + ' }}}} printed ' + JSON.stringify(texts[index])
        + ', which this handler cannot read as a value: print it as JSON');
    }}
  }}
  function on(mark, type, handler) {{
    document.querySelectorAll('[data-labctl-on="' + mark + '"]').forEach(function (element) {{
      element.addEventListener(type, function (event) {{
        if (handler.call(element, event) === false) {{
          event.preventDefault();
        }}
      }});
    }});
  }}
"""


def handlers_to_file(text: str, template: Path, dest_app: Path, done: list[str]) -> str:
    """Inline event handlers (``onclick="liveSend('x')"``), which the Content-Security-Policy
    blocks, moved into ``dest_app/static/<Page>_handlers.js``: each element is marked
    ``data-labctl-on="N"`` and its handlers attached there with ``addEventListener``; the
    file is loaded in the page's scripts block. A handler with template tags in it cannot be
    moved: it is left as it is (``labctl validate`` names it, LC175)."""
    moved: list[str] = []

    def marked(found: re.Match[str]) -> str:
        attributes = found["attributes"]
        handlers = [(h["name"].lower(), h["double"] if h["double"] is not None else h["single"])
                    for h in _HANDLER.finditer(attributes)]
        if not handlers:
            return found[0]
        split = {name: split_values(html.unescape(code), "_h") if "{{" in code else None
                 for name, code in handlers}
        if any(("{{" in code and split[name] is None) or "{%" in code
               for name, code in handlers):
            return found[0]
        mark = str(len(moved) + 1)
        texts = ""
        for name, code in handlers:
            values = split[name]
            body = html.unescape(code).strip() if values is None else \
                _handler_reading(values, name[2:])
            moved.append(f"  on({mark!r}, {name[2:]!r}, function (event) {{\n"
                         f"    {body}\n  }});\n")
            if values is not None:
                texts += f" data-labctl-text-{name[2:]}='{values.list_tag()}'"
        kept = _HANDLER.sub("", attributes)
        return f"<{found['tag']}{kept} data-labctl-on=\"{mark}\"{texts}{found['end']}"

    rewritten = _START_TAG.sub(marked, text)
    if not moved:
        return text
    name = f"{template.stem}_handlers.js"
    target = dest_app / STATIC_FOLDER / name
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(_HANDLERS_HEAD.format(template=template.name) + "".join(moved) + "})();\n",
                      encoding="utf-8")
    done.append(f"{dest_app.name}/{template.name}: {len(moved)} inline event handler(s) moved "
                f"to {dest_app.name}/{STATIC_FOLDER}/{name}")
    loader = f"<script src=\"{{{{ static('{name}') }}}}\" defer></script>"
    block = _SCRIPTS_BLOCK.search(rewritten)
    if block is not None:  # on the block's own line, so the lines keep their numbers
        return rewritten[:block.end()] + loader + rewritten[block.end():]
    if _CONTENT_BLOCK.search(rewritten):
        return rewritten.rstrip("\n") + "\n{{ block scripts }}" + loader + "{{ endblock }}\n"
    return rewritten.rstrip("\n") + "\n" + loader + "\n"  # a fragment another page includes


def _handler_reading(values: ScriptValues, event: str) -> str:
    """A moved handler whose template values come from its element's ``data-labctl-text-*``
    attribute (an element a ``{% for %}`` repeats carries its own)."""
    tags = json.dumps(values.expressions)
    return (f"const labctlText_h = JSON.parse(this.getAttribute('data-labctl-text-{event}'));\n"
            f"    const labctlValue_h = function (index) {{ return read(labctlText_h, {tags}, "
            "index); };\n    " + values.code.strip())


def _relative_imports(body: str) -> str | None:
    """A module script whose only template tags name the app's static files
    (``import { start } from "{{ static('app/start.js') }}"``) as it reads once moved into
    ``static/``: each tag becomes the file's URL relative to the script (``./app/start.js``),
    which a module resolves as the page did. ``None`` when other tags are left."""
    relative = _STATIC.sub(lambda found: "./" + found["path"], body)
    return None if "{{" in relative or "{%" in relative or "{#" in relative else relative


def _deferred(element: str, attributes: str, url: str) -> str:
    if url.lower().startswith(("http:", "https:", "//")):
        return (f"\n{TEMPLATE_MARK}{url} is loaded from another site, which labctl's pages do "
                "not allow (no CDN): save the file in the app's static/ folder and load it "
                "with static() #}\n" + element)
    if _DEFERRED.search(attributes):
        return element
    return element.replace("<script", "<script defer", 1)


def rewrite_template(text: str, app: Path, dest_app: Path, project: Path,
                     money: frozenset[str], constants: frozenset[str], done: list[str],
                     shared: list[Path] | None = None) -> str:
    """The template with static references and amounts rewritten; ``_static`` files it names
    are copied into ``dest_app/static``; files of ``_templates/`` it includes by a bare name
    are added to ``shared``, for the caller to import into the app like its own."""
    lines = text.split("\n")
    out = []
    marks: list[str] = []
    for line in lines:
        line = _STATIC.sub(lambda found: _static(found, app, dest_app, project, marks, done),
                           line)
        line = _CONSTANTS.sub(lambda found: "C." + LOWERCASE_SETTINGS.get(found["name"],
                                                                        found["name"]), line)
        line = _SHOWN.sub(lambda found: _money(found, money, constants), line)
        if _STATIC_EXPRESSION.search(line):
            _copy_all_static(project, dest_app, done)
        line = _STATIC_EXPRESSION.sub(
            lambda found: "{{" + found[1] + f" static({found['expression']}) " + found[3] + "}}",
            line)
        line = _FIELD_ERRORS.sub("", line)
        if shared is not None:
            shared += [path for path in _shared_includes(line, app, dest_app, project)
                       if path not in shared]
        out += [f"{TEMPLATE_MARK}{mark} #}}" for mark in marks]
        out.append(line)
        marks.clear()
    return "\n".join(out)


#: an include or extends of a template file, in either spelling of oTree's tags
_INCLUDE = re.compile(r"""\{[{%]-?\s*(?:include|include_sibling|extends)\s+(['"])"""
                      r"""(?P<name>[^'"]+\.html)\1""")
#: oTree's page layouts, which labctl's own layout replaces (``_OTREE_LAYOUT``)
_LAYOUTS = frozenset({"global/Page.html", "global/WaitPage.html", "global/Base.html"})


def _shared_includes(line: str, app: Path, dest_app: Path, project: Path) -> list[Path]:
    """Files of the project's ``_templates/`` (where oTree also looks) that ``line``
    includes (``Rules.html``, ``global/Footer.html``) and the app has no file of: imported
    into the app under the same name, where labctl finds them."""
    found = []
    for include in _INCLUDE.finditer(line):
        name = include["name"]
        shared = project / "_templates" / name
        if name not in _LAYOUTS and not (app / name).exists() \
                and not (dest_app / name).exists() and shared.is_file():
            found.append(shared)
    return found


def _static(found: re.Match[str], app: Path, dest_app: Path, project: Path,
            marks: list[str], done: list[str]) -> str:
    path = found["path"].lstrip("/")  # oTree 3 accepted '/app/img.png' from _static/ too
    spelled = "{{ static('" + path + "') }}"
    if (app / STATIC_FOLDER / path).is_file():
        return spelled
    # oTree found a static file in _static/ or in any app's static/ folder (Django's finders)
    candidates = [project / "_static" / path, *(folder / STATIC_FOLDER / path
                                                for folder in sorted(project.iterdir())
                                                if folder.is_dir() and folder != app)]
    shared = next((candidate for candidate in candidates if candidate.is_file()), None)
    if shared is not None:
        target = dest_app / STATIC_FOLDER / path
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shared, target)
        done.append(f"{shared.relative_to(project).as_posix()} copied to {dest_app.name}/"
                    f"{STATIC_FOLDER}/{path}")
        return spelled
    marks.append(f"static file '{path}' is in neither {app.name}/{STATIC_FOLDER}/, _static/ "
                 "nor another app's static/: put it in the app's static/ folder")
    return found[0]


def _copy_all_static(project: Path, dest_app: Path, done: list[str]) -> None:
    """``{{ static img_path }}``: the path is computed (``'shapes/{}.svg'.format(i)``), so
    which files of ``_static/`` it names cannot be known; all of them are copied into the
    app's ``static/`` (once, keeping the app's own files), so none is missing there."""
    shared = project / "_static"
    note = (f"_static/ copied into {dest_app.name}/{STATIC_FOLDER}/: its templates compute "
            "static paths")
    if not shared.is_dir() or note in done:
        return
    for path in sorted(shared.rglob("*")):
        target = dest_app / STATIC_FOLDER / path.relative_to(shared)
        if path.is_file() and not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
    done.append(note)


def _money(found: re.Match[str], money: frozenset[str], constants: frozenset[str]) -> str:
    record, name = found["record"], found["name"]
    is_amount = (name in constants) if record == "C" else (
        name in money or (record == "participant" and name == "payoff"))
    if not is_amount:
        return found[0]
    return "{{" + found[1] + f" money({record}.{name}) " + found[4] + "}}"


def global_template_notes(project: Path) -> list[str]:
    """What of ``_templates/`` labctl does not use: its page layout replaces oTree's
    ``global/Page.html``, so anything that file adds (styles, scripts) must move to an app.
    Its other files are pages' templates (``template_name = 'global/Unmatched.html'``), which
    labctl finds there as oTree does."""
    notes = []
    folder = project / "_templates"
    for path in [folder / "global" / "Page.html"]:
        if not path.is_file() or not _adds_anything(
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
    return bool(_ELEMENT.sub(lambda found: found[0] if found["body"].strip() else "",
                             tagless).strip())
