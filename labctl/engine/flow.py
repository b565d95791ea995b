"""The page flow of a session: every page of every app round, as one numbered list of steps.

A participant's position is one integer, their step. The server owns it: a participant can only
submit the step they are on, so a replayed or stale form (which carries an older step) changes
nothing. Steps a participant does not see (``is_displayed`` is false) are passed over when they
advance.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..app import AppSpec
from ..pages import Page, WaitPage
from ..project import Project
from ..session_type import SessionType


@dataclass(frozen=True)
class Step:
    index: int
    app: AppSpec
    round_number: int
    page: type[Page] | type[WaitPage]

    @property
    def is_wait(self) -> bool:
        return issubclass(self.page, WaitPage)

    @property
    def form_page(self) -> type[Page]:
        """The page of a step that is not a wait page."""
        if not issubclass(self.page, Page):
            raise TypeError(f"{self.describe()} is a wait page")
        return self.page

    @property
    def wait_page(self) -> type[WaitPage]:
        """The page of a step that is a wait page."""
        if not issubclass(self.page, WaitPage):
            raise TypeError(f"{self.describe()} is not a wait page")
        return self.page

    @property
    def name(self) -> str:
        return self.page.__name__

    def describe(self) -> str:
        rounds = f" round {self.round_number}" if self.app.num_rounds > 1 else ""
        return f"{self.app.name}{rounds}, page {self.name}"


def build_steps(project: Project, session_type: SessionType) -> list[Step]:
    """Every step of a session of this type, in the order participants go through them."""
    steps: list[Step] = []
    for spec, round_number in project.subsession_plan(session_type):
        for page in spec.page_sequence:
            steps.append(Step(len(steps), spec, round_number, page))
    return steps
