"""``labctl validate``'s checks of wait pages with a ``live_method`` (oTree 6): one whose
players could never send a message, or whose messages would reach the wrong players, is
refused here with file:line and the fix.

    LC265  a wait page's live_method has no script to call it: the wait page has no template
           of its own, or its template cannot load labctl's live client (liveSend, liveRecv)
    LC266  a wait page that groups by arrival time has a live_method: its players have no
           group of their own until it releases them

A wait page's ``live_method`` that is not a function or does not take ``(player, data)`` is
LC211-LC213, as on a page (``live_checks``).
"""

from __future__ import annotations

from .app import AppSpec
from .live_checks import client_problems, method_problems
from .pages import WaitPage, is_sequence_item
from .problems import Problem
from .project import Project

__all__ = ["problems"]

#: the layout of a wait page's own template, which loads the live client
#: (``labctl/server/templates/labctl/wait_page.html``)
WAIT_LIVE_LAYOUT = "labctl/wait_page.html"


def problems(project: Project) -> list[Problem]:
    """Every problem of every wait page with a live_method in the project's apps."""
    found: list[Problem] = []
    for spec in project.apps.values():
        for page in spec.page_sequence:
            if is_sequence_item(page) and issubclass(page, WaitPage) and (
                    page.live_method is not None):
                found += method_problems(page, spec.module)
                found += _template_problems(spec, page)
                found += _arrival_problems(page)
    return found


def _template_problems(spec: AppSpec, page: type[WaitPage]) -> list[Problem]:
    """LC265: labctl's own wait page runs no app script; a template of its own must keep the
    wait layout, which loads the live client (and moves the page on when it releases)."""
    name = f"wait page '{page.__name__}' has a live_method, but"
    file = spec.wait_templates.get(page)
    if file is None:
        return [Problem.at("LC265", page._defined_at, f"{name} no template of its own, so no "
                           "script could call liveSend",
                           f"write {page.wait_template_file()} in the app folder, with the "
                           "wait page's script in {% block scripts %}")]
    return client_problems(spec.folder / file, "LC265", f"{name} its template",
                           WAIT_LIVE_LAYOUT, "a wait page")


def _arrival_problems(page: type[WaitPage]) -> list[Problem]:
    """LC266: while players gather on an arrival page, their groups are not formed yet, so
    ``player.group`` and the ids a live method addresses would be the wrong players."""
    if not page.group_by_arrival_time:
        return []
    return [Problem.at("LC266", page._defined_at, f"wait page '{page.__name__}' groups by "
                       "arrival time and has a live_method: its players have no group until "
                       "it releases them", "put the live_method on a later wait page or page, "
                       "once the groups are formed")]
