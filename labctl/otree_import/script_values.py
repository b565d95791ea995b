"""An inline script that prints template values (``const n = {{ C.N }};``), moved to a file.

labctl's Content-Security-Policy runs script files only, and a file is not a template: the
values the script printed must reach it another way. Each ``{{ expression }}`` of the script
is printed instead, as the text the template printed, into a JSON data block beside the
script's new ``<script src>`` (``<script type="application/json">``, which a browser never
runs, so the policy allows it); the moved code reads that text where the tag was:

- inside a string literal (``"{{ static('x.png') }}"``, ``'Hi {{ player.name }}'``, a template
  literal) the text itself, joined into the string;
- as code (``const n = {{ C.N }};``) the text read as JSON (``5``, ``[1, 2]``, a string holding
  JSON from ``json.dumps``), the value the inline script read; text that is not JSON (Python's
  ``True`` or ``{'a': 1}``) stops the script with an error naming the tag.

Only ``{{ }}`` tags are handled; a script with ``{% %}`` or ``{# #}`` tags is left to the caller.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

import jinja2

from ..template_filters import OTREE_FILTERS

__all__ = ["ScriptValues", "split_values"]

_JINJA = jinja2.Environment(autoescape=True)
_JINJA.filters.update(OTREE_FILTERS)  # {{ data|json }} is a value like any other
_TAG = re.compile(r"\{\{-?\s*(?P<expression>.*?)\s*-?\}\}", re.S)
#: what starts a JavaScript string or comment
_OPENERS = ("'", '"', "`", "//", "/*")


@dataclass
class ScriptValues:
    """The script with its tags replaced by reads of ``values``, and the expressions printed."""

    code: str
    key: str
    expressions: list[str] = field(default_factory=list)

    def island(self, element_id: str) -> str:
        """The JSON data block the template prints: each expression's text, in order."""
        entries = ", ".join(f"{{{{ ({expression})|string|tojson }}}}"
                            for expression in self.expressions)
        return f'<script type="application/json" id="{element_id}">[{entries}]</script>'

    def list_tag(self) -> str:
        """A template tag printing each expression's text as a JSON list (HTML-safe: it
        escapes ``'``, so it fits a single-quoted attribute)."""
        entries = ", ".join(f"({expression})|string" for expression in self.expressions)
        return f"{{{{ [{entries}]|tojson }}}}"

    def file_text(self, element_id: str) -> str:
        """The moved script: a reader of the data block, then the code."""
        names, key = json.dumps(self.expressions), self.key
        return (f"// Template values printed by the page into #{element_id} "
                "(labctl import: the page's\n// Content-Security-Policy runs script files "
                "only, and a file is not a template).\n"
                f"const labctlText{key} = JSON.parse(document.getElementById({element_id!r})"
                ".textContent);\n"
                f"const labctlTags{key} = {names};\n"
                f"function labctlValue{key}(index) {{\n"
                f"  try {{\n    return JSON.parse(labctlText{key}[index]);\n  }} catch (error) {{\n"
                f"    throw new Error('{{{{ ' + labctlTags{key}[index] + ' }}}} printed '"
                f" + JSON.stringify(labctlText{key}[index])"
                " + ', which this script cannot read as a value: print it as JSON "
                "(json.dumps in vars_for_template, or js_vars)');\n"
                "  }\n}\n" + self.code)


def split_values(body: str, key: str) -> ScriptValues | None:
    """``body`` with each ``{{ }}`` tag replaced by a read of the printed values (the names it
    reads them with end in ``key``: two moved scripts of one page share its global scope);
    ``None`` when it has other template tags, or a tag the scan cannot place."""
    if "{%" in body or "{#" in body:
        return None
    values = ScriptValues(code="", key=key)
    out: list[str] = []
    position, quote = 0, ""
    while position < len(body):
        if body.startswith("{{", position):
            tag = _TAG.match(body, position)
            if tag is None:
                return None
            if not _is_expression(tag["expression"]):
                return None  # an oTree statement ({{ if x }}) or a typo: left to the caller
            index = len(values.expressions)
            values.expressions.append(tag["expression"])
            out.append(_read(index, quote, key))
            position = tag.end()
        elif quote:
            position = _in_string(body, position, quote, out)
            if body[position - 1:position] == quote and out[-1] == quote:
                quote = ""
        else:
            opener = next((o for o in _OPENERS if body.startswith(o, position)), None)
            if opener in ("//", "/*"):
                end = body.find("\n" if opener == "//" else "*/", position + 2)
                end = len(body) if end < 0 else end + (0 if opener == "//" else 2)
                if "{{" in body[position:end]:
                    return None  # a tag in a comment: left to the caller
                out.append(body[position:end])
                position = end
            else:
                quote = opener or ""
                out.append(body[position])
                position += 1
    if quote:
        return None
    values.code = "".join(out)
    return values


def _is_expression(text: str) -> bool:
    try:
        _JINJA.compile_expression(text)
    except jinja2.TemplateSyntaxError:
        return False
    return True


def _in_string(body: str, position: int, quote: str, out: list[str]) -> int:
    """One character (or escape) of a string literal copied; its closing quote ends it."""
    if body[position] == "\\":
        out.append(body[position:position + 2])
        return position + 2
    out.append(body[position])
    return position + 1


def _read(index: int, quote: str, key: str) -> str:
    """What replaces the tag: the text joined into the string, or the value as code."""
    if quote == "`":
        return f"${{labctlText{key}[{index}]}}"
    if quote:
        return f"{quote} + labctlText{key}[{index}] + {quote}"
    return f"labctlValue{key}({index})"
