"""``labctl validate``'s checks of live pages (LC210-LC213): a ``live_method`` that would
never run, or fail on its first message, is refused here with file:line and the fix.

    LC210  a live page's template cannot load labctl's live client (liveSend, liveRecv)
    LC211  ``live_method`` is not a function
    LC212  ``live_method`` does not take (player, data)
    LC213  ``live_method = "name"``: oTree's older spelling, naming a Player method

A live page's inline script (oTree's way), which the Content-Security-Policy blocks, is LC175,
found in every template by ``labctl/inline_code.py``.
"""

from __future__ import annotations

import inspect
import re
from pathlib import Path
from typing import Any

from .otree_templates import translate
from .pages import Page, WaitPage, is_sequence_item
from .problems import Problem
from .project import Project

__all__ = ["client_problems", "method_problems", "problems"]

#: the layout that loads the live client (``labctl/server/templates/labctl/page.html``)
LIVE_LAYOUT = "labctl/page.html"
_EXTENDS = re.compile(r"""\{%-?\s*extends\s+(['"])(?P<name>[^'"]+)\1""")
_CLIENT_BLOCK = re.compile(r"\{%-?\s*block\s+labctl_scripts\b")
WRITE = "@staticmethod def live_method(player, data):"


def problems(project: Project) -> list[Problem]:
    """Every problem of every live page of the project's apps."""
    found: list[Problem] = []
    for spec in project.apps.values():
        for page in spec.page_sequence:
            if is_sequence_item(page) and issubclass(page, Page) and (
                    page.live_method is not None):
                found += method_problems(page, spec.module)
                found += _template_problems(page, spec.template_path(page))
    return found


def method_problems(page: type[Page] | type[WaitPage], module: Any) -> list[Problem]:
    """LC211-LC213 of a page's or a wait page's ``live_method``."""
    method = vars_of(page).get("live_method", page.live_method)
    where = _site(method, page._defined_at)
    name = f"{'wait page' if issubclass(page, WaitPage) else 'page'} '{page.__name__}'"
    if isinstance(method, str):
        player = getattr(module, "Player", None)
        known = f"Player.{method}(self, data)" if callable(getattr(player, method, None)) else (
            f"the Player method {method!r}")
        return [Problem.at("LC213", where, f"{name} names its live method as text "
                           f"(live_method = {method!r}), oTree's older spelling",
                           f"write {WRITE} on the page, with the body of {known} "
                           "(self becomes player)")]
    function = method.__func__ if isinstance(method, (staticmethod, classmethod)) else method
    if not inspect.isfunction(function):
        return [Problem.at("LC211", where, f"{name} sets live_method to "
                           f"{type(function).__name__} {function!r:.40}, not a function",
                           f"write {WRITE}")]
    try:
        inspect.signature(function).bind(None, None)
    except TypeError:
        return [Problem.at("LC212", where, f"{name}'s live_method takes "
                           f"{inspect.signature(function)}, but is called with (player, data)",
                           f"write {WRITE}")]
    return []


def _template_problems(page: type[Page], path: Path) -> list[Problem]:
    """LC210 at the template's own lines; a missing template is LC13x's (an inline script is
    LC175, for every template)."""
    return client_problems(path, "LC210", f"page '{page.__name__}' has a live_method, but its "
                           "template", LIVE_LAYOUT, "the page")


def client_problems(path: Path, code: str, subject: str, layout: str, placed: str
                    ) -> list[Problem]:
    """The first line of a live page's (or live wait page's) template that keeps labctl's live
    client from loading: an ``extends`` of another layout than ``layout`` (which loads it), or
    a replaced ``labctl_scripts`` block. ``subject`` begins each message, ``placed`` names
    what labctl puts in ``layout``."""
    try:
        source = translate(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        return []
    for number, line in enumerate(source.splitlines(), 1):
        extends = _EXTENDS.search(line)
        if extends and extends["name"] != layout:
            return [Problem.at(code, (str(path), number), f"{subject} extends "
                               f"{extends['name']!r}, which does not load liveSend and "
                               f"liveRecv", f"remove the extends line: labctl puts {placed} "
                               f"in {layout}, which loads them")]
        if _CLIENT_BLOCK.search(line):
            return [Problem.at(code, (str(path), number), f"{subject} replaces the block "
                               "labctl_scripts, which loads liveSend and liveRecv",
                               "remove that block; put the page's scripts in "
                               "{% block scripts %}")]
    return []


def vars_of(page: type[Page] | type[WaitPage]) -> dict[str, Any]:
    """The page's own class attributes (down its researcher-written bases), undecorated
    static methods kept as they were written."""
    base = WaitPage if issubclass(page, WaitPage) else Page
    found: dict[str, Any] = {}
    for klass in reversed(page.__mro__):
        if klass is not base and issubclass(klass, base):
            found.update(vars(klass))
    return found


def _site(value: Any, fallback: tuple[str, int]) -> tuple[str, int]:
    function = getattr(value, "__func__", value)
    code = getattr(function, "__code__", None)
    return (code.co_filename, code.co_firstlineno) if code is not None else fallback
