"""``labctl validate`` rules for an app's static files and the scripts of its pages (LC215-219).

What these catch would otherwise show only in a participant's browser, as a broken image or a
script error in a console nobody reads:

    LC215  a template's static("...") names a file that static/ does not serve
    LC216  a page's js_vars is not a function
    LC217  a template loads an app script without defer: it runs before labctl.js (no js_vars)
           and before the page it works on exists
    LC218  a symlink in static/ leads outside it, so it is never served
"""

from __future__ import annotations

import re
from pathlib import Path

import jinja2
from jinja2 import nodes

from .app import AppSpec
from .otree_templates import translate
from .pages import Page, WaitPage, is_sequence_item
from .problems import Problem
from .project import Project
from .static_files import STATIC_FOLDER, escaping_links, index_app, refusal

__all__ = ["problems"]

#: a ``<script ...>`` tag whose src calls ``static(...)``
_APP_SCRIPT = re.compile(
    r"<script\b(?P<attributes>[^>]*\bsrc\s*=\s*[\"']?\{\{\s*static\s*\([^>]*)>", re.IGNORECASE)
_DEFERRED = re.compile(r"\b(defer|async)\b|\btype\s*=\s*[\"']?module", re.IGNORECASE)


def problems(project: Project) -> list[Problem]:
    """Every static-file and page-script problem of every app in ``project``."""
    found: list[Problem] = []
    environment = jinja2.Environment(autoescape=True)
    for spec in project.apps.values():
        served = set(index_app(spec.folder))
        static = spec.folder / STATIC_FOLDER
        for path in sorted(spec.folder.rglob("*.html")):
            if path.is_relative_to(static):
                continue
            found += _template_problems(spec, path, served, environment)
        for item in spec.page_sequence:
            if is_sequence_item(item):
                found += _js_vars_problems(item)
        found += [Problem.at("LC218", static, f"the symlink {link.relative_to(static)} in "
                             f"{spec.name}/{STATIC_FOLDER}/ leads outside {STATIC_FOLDER}/, so "
                             "it is never served",
                             f"copy the file into {spec.name}/{STATIC_FOLDER}/ instead of "
                             "linking to it")
                  for link in escaping_links(spec.folder)]
    return found


def _template_problems(spec: AppSpec, path: Path, served: set[str],
                       environment: jinja2.Environment) -> list[Problem]:
    try:
        source = translate(path.read_text(encoding="utf-8"))
        tree = environment.parse(source)
    except (UnicodeDecodeError, jinja2.TemplateSyntaxError):
        return []  # LC134 and LC174 report these
    found = [_missing_file(spec, path, call.lineno, call.args[0].value)
             for call in tree.find_all(nodes.Call)
             if isinstance(call.node, nodes.Name) and call.node.name == "static"
             and call.args and isinstance(call.args[0], nodes.Const)
             and call.args[0].value not in served]
    for match in _APP_SCRIPT.finditer(source):
        if not _DEFERRED.search(match["attributes"]):
            line = source.count("\n", 0, match.start()) + 1
            found.append(Problem.at(
                "LC217", (str(path), line), "an app script is loaded without defer: it runs "
                "before labctl.js has set js_vars and liveSend, and before the page exists",
                'add defer: <script src="{{ static(\'...\') }}" defer></script>'))
    return found


def _missing_file(spec: AppSpec, path: Path, line: int, name: object) -> Problem:
    shown = f"{spec.name}/{STATIC_FOLDER}/{name}"
    why = refusal(str(name)) if isinstance(name, str) else None
    return Problem.at(
        "LC215", (str(path), line), f"static('{name}'): {why}" if why else
        f"static('{name}') names no file: {shown} does not exist",
        "use a file that may be served" if why else
        f"put the file at {shown}, or correct the path (relative to {spec.name}/{STATIC_FOLDER}/)")


def _js_vars_problems(page: type[Page] | type[WaitPage]) -> list[Problem]:
    """LC216: ``js_vars`` on a page that cannot be called as ``js_vars(player)``."""
    if issubclass(page, WaitPage) or "js_vars" not in _own_names(page):
        return []
    value = page.js_vars
    if callable(value):
        return []
    return [Problem.at(
        "LC216", page._defined_at, f"page '{page.__name__}' has js_vars = "
        f"{type(value).__name__}, not a function",
        "write @staticmethod def js_vars(player): return {...} (a dict of JSON values)")]


def _own_names(page: type) -> set[str]:
    return {name for klass in page.__mro__ if klass not in (Page, WaitPage, object)
            for name in vars(klass)}
