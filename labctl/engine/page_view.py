"""What a participant is shown now: their page with its form, a wait page, or the end."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from ..errors import LabctlError
from ..exit_links import exit_url
from ..fields import Field
from ..pages import Page, WaitPage, form_target
from ..records import Group, Participant, Player, Session, Subsession
from . import progress
from .flow import Step
from .payment import Payment, payment_of
from .store import Row
from .tx import Tx
from .wait import forms_groups_by_arrival, wait_target

#: a page with a form, a wait page, the end of the session, or the consent page before it
PageKind = Literal["page", "wait", "finished", "consent"]


@dataclass
class PageView:
    """Everything needed to show a participant their current page."""

    kind: PageKind
    index: int
    total_steps: int
    participant: Participant
    session: Session
    step: Step | None = None
    player: Player | None = None
    group: Group | None = None
    subsession: Subsession | None = None
    fields: list[Field] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    seconds_left: float | None = None
    #: the words before the countdown: the page's ``timer_text``
    timer_text: str = Page.timer_text
    waiting_for: int = 0
    payment: Payment | None = None
    #: what the page's ``js_vars(player)`` returned; None when the page defines none
    js_vars: dict[str, Any] | None = None
    #: on the end page: where the session type sends the participant on (``exit_url``), and
    #: their completion code when the session type has an exit URL or a code for everyone
    exit_url: str | None = None
    completion_code: str | None = None
    #: why the exit URL could not be made (shown on the end page instead of a wrong link; the
    #: participant's data is saved all the same)
    exit_problem: str | None = None
    #: at the end because they declined the session type's consent page
    declined_consent: bool = False
    #: at the end because they came to a session sized to the seats online as a spare
    spare: bool = False
    #: at the end because a member of their group dropped out (``Dropout(then="end_group")``,
    #: 1) or no group formed in time by arrival (``arrival_timeout_rule = "end"``, 2)
    group_ended: int = 0

    @property
    def page(self) -> type[Page] | type[WaitPage] | None:
        return self.step.page if self.step else None

    @property
    def form_record(self) -> Player | Group | None:
        """The record the page's form writes to (its values fill the form's inputs)."""
        if self.kind != "page" or self.step is None or self.player is None:
            return None
        return form_target(self.step.form_page, self.player)


def page_view(tx: Tx, row: Row) -> PageView:
    """The view of the step a participant's row is on, with the hooks' variables."""
    person = tx.records.participant(row["id"])
    index = row["step"]
    total = len(tx.steps)
    if index >= total:
        person.settle_payoff(row["bonus"] or 0)
        view = PageView("finished", index, total, person, tx.records.session,
                        payment=payment_of(tx.session_type, row, total),
                        declined_consent=row.get("consent") == "declined",
                        spare=bool(row.get("spare")),
                        group_ended=int(row.get("group_ended") or 0))
        _exit_link(tx, row, person, view)
        return view
    step = tx.steps[index]
    player = tx.records.player(step.app, row["id"], step.round_number)
    view = PageView("wait" if step.is_wait else "page", index, total, person,
                    tx.records.session, step=step, player=player, group=player.group,
                    subsession=player.subsession)
    if step.is_wait:
        view.waiting_for = waiting_for(tx, step, player)
        _template_hooks(tx, step, step.wait_page, player, view)
        return view
    page = step.form_page
    view.fields = progress.form_fields(page, player)
    _template_hooks(tx, step, page, player, view)
    if row["deadline"] is not None:
        view.seconds_left = max(0.0, row["deadline"] - tx.now)
        view.timer_text = page.timer_text
    return view


def _exit_link(tx: Tx, row: Row, person: Participant, view: PageView) -> None:
    """The end page's exit URL and completion code, when the session type has either."""
    session_type = tx.session_type
    if session_type.exit_url is None and session_type.completion_code is None:
        return
    view.completion_code = row.get("completion_code")
    if session_type.exit_url is None:
        return
    try:
        view.exit_url = exit_url(session_type.exit_url, {
            "label": row["label"], "participant_code": row["code"],
            "session_code": tx.session_code, "completion_code": view.completion_code},
            person.vars, session_type.name)
    except LabctlError as exc:  # the end is reached and saved; only the link is missing
        view.exit_problem = str(exc)


def _template_hooks(tx: Tx, step: Step, page: Any, player: Player, view: PageView) -> None:
    """A page's (or a wait page's, for its own template) ``vars_for_template`` and
    ``js_vars``, each called only where the page defines it."""
    if page.vars_for_template is not None:
        view.extra = dict(progress.call_hook(
            page.vars_for_template, player, root=tx.root,
            what=f"vars_for_template of {step.describe()}") or {})
    if page.js_vars is not None:
        view.js_vars = progress.call_hook(page.js_vars, player, root=tx.root,
                                          what=f"js_vars of {step.describe()}")


def waiting_for(tx: Tx, step: Step, player: Player) -> int:
    """How many participants the wait page still waits for."""
    if forms_groups_by_arrival(step):
        if step.app.group_by_arrival_time_method is not None:
            return 0  # the app's rule decides; no count to show
        size = step.app.players_per_group or 1
        waiting = len(tx.store.arrivals(tx.session_code, step.index))
        return size - waiting % size if waiting % size else 0
    _, _, members = wait_target(tx, step.index, player)
    return len(members) - tx.store.arrival_count(tx.session_code, step.index, members)
