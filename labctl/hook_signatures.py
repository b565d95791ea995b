"""``labctl validate`` rule for page hooks that cannot take what labctl passes them (LC138).

``def before_next_page(player):`` loads fine and stops the participant's session the moment
the page is submitted ("takes 1 positional argument but 2 were given"), in a lab, in front of
them. The arguments each hook is called with are fixed, so a hook that cannot take them is a
mistake ``labctl validate`` can name at its line, before anyone plays.
"""

from __future__ import annotations

import inspect
from typing import Any

from .hook_checks import hook_site
from .pages import Page, WaitPage, is_sequence_item
from .problems import Problem
from .project import Project

#: each page hook labctl calls and the arguments it passes, as a researcher writes them
PAGE_HOOKS = {
    "is_displayed": ("player",),
    "vars_for_template": ("player",),
    "js_vars": ("player",),
    "before_next_page": ("player", "timeout_happened"),
    "error_message": ("player", "values"),
    "get_timeout_seconds": ("player",),
    "get_form_fields": ("player",),
    "app_after_this_page": ("player", "upcoming_apps"),
}
WAIT_PAGE_HOOKS = {
    "is_displayed": ("player",),
    "vars_for_template": ("player",),
    "js_vars": ("player",),
    "get_timeout_seconds": ("player",),
    "app_after_this_page": ("player", "upcoming_apps"),
    "wait_for": ("player",),
    "after_all_players_arrive": ("group",),
}


def problems(project: Project) -> list[Problem]:
    found: list[Problem] = []
    for spec in project.apps.values():
        for page in spec.page_sequence:
            if is_sequence_item(page):
                found += _page_problems(page)
    return found


def _page_problems(page: type[Page] | type[WaitPage]) -> list[Problem]:
    hooks = PAGE_HOOKS if issubclass(page, Page) else WAIT_PAGE_HOOKS
    found = []
    for name, arguments in hooks.items():
        named = vars(page).get(name)
        if name == "after_all_players_arrive" and isinstance(named, str):
            # oTree's name of an app function (made the function on load): one the app lacks
            found.append(Problem.at(
                "LC138", page._defined_at, f"{name} of page '{page.__name__}' names "
                f"'{named}', which is no function of the app",
                f"define def {named}({', '.join(arguments)}): in the app's module"))
            continue
        function = _own_function(page, name)
        if function is None:
            continue
        try:
            inspect.signature(function).bind(*arguments)
        except TypeError:
            spelled = ", ".join(arguments)
            found.append(Problem.at(
                "LC138", hook_site(function, page._defined_at),
                f"{name} of page '{page.__name__}' takes {inspect.signature(function)}, but "
                f"is called with ({spelled})",
                f"write @staticmethod def {name}({spelled}):"))
    return found


def _own_function(page: type, name: str) -> Any:
    """The plain function of a hook the researcher's classes define (labctl's defaults and
    non-functions, refused elsewhere, are left out)."""
    for cls in page.__mro__:
        if cls in (Page, WaitPage, object) or cls.__module__.startswith("labctl."):
            return None
        if name in vars(cls):
            value = vars(cls)[name]
            function = value.__func__ if isinstance(value, staticmethod | classmethod) \
                else value
            return function if inspect.isfunction(function) else None
    return None

