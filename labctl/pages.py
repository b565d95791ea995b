"""Pages and wait pages: the screens of an app, in the order of its ``page_sequence``.

A page is a class; its hooks are static methods that receive the player::

    class Offer(labctl.Page):
        form_model = "group"
        form_fields = ["amount_offered"]
        timeout_seconds = 60
        timeout_submission = {"amount_offered": 0}

        @staticmethod
        def is_displayed(player):
            return player.role == "proposer"

A wait page holds players until their group (or, with ``wait_for_all_groups``, the whole
subsession) has arrived, runs ``after_all_players_arrive`` once, and releases them together.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

from .declarations import UNKNOWN_SITE, declaration_site
from .errors import ModelError
from .i18n import N_

if TYPE_CHECKING:
    from .records import Group, Player, Subsession

__all__ = ["AFTER_WAIT_TIMEOUT", "FORM_MODELS", "ExperimenterGate", "Page", "WaitPage",
           "form_model_kind", "form_target", "gate_of", "is_sequence_item", "waiting_seconds"]

#: what a page's ``form_model`` may name: the kinds of record a form can write to
FORM_MODELS = ("player", "group")

#: what a wait page's ``after_timeout`` may say: go on to the next page, or to the end
AFTER_WAIT_TIMEOUT = ("go_on_alone", "end")


class _SequenceItem:
    """What pages and wait pages share: a name, a display condition, a source location."""

    _defined_at: ClassVar[tuple[str, int]] = UNKNOWN_SITE

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._defined_at = declaration_site()

    @staticmethod
    def is_displayed(player: Player) -> bool:
        """Show this page to this player? Skipped pages are not visited at all."""
        return True


class Page(_SequenceItem):
    """A screen with an optional form of the app's fields, validated on the server."""

    #: whose fields the form sets: ``"player"`` or ``"group"``
    form_model: ClassVar[str] = "player"
    #: the fields of ``form_model`` shown as the form, in this order
    form_fields: ClassVar[list[str]] = []
    #: the template file in the app folder; default ``<ClassName>.html``
    template_name: ClassVar[str | None] = None
    #: seconds before the page submits itself; ``None`` for no timeout
    timeout_seconds: ClassVar[int | None] = None
    #: the values submitted at timeout, or when the experimenter advances the participant from
    #: the monitor, by field; unlisted fields keep their initial value
    timeout_submission: ClassVar[dict[str, Any]] = {}
    #: the words before the countdown of a page with a timeout
    timer_text: ClassVar[str] = N_("Time left:")

    # Per-player hooks, as in oTree; ``None`` when the page does not define them, so that the
    # engine calls nothing for the (usual) page that does not.
    #: ``get_timeout_seconds(player)``: this player's seconds on the page (``None``: no
    #: timeout), instead of ``timeout_seconds``; e.g. the seconds left until an expiry kept in
    #: ``player.participant.vars``, for a time budget across pages (0 or less: times out now)
    get_timeout_seconds: ClassVar[Callable[[Player], float | None] | None] = None
    #: ``get_form_fields(player)``: this player's form fields, instead of ``form_fields``
    get_form_fields: ClassVar[Callable[[Player], list[str]] | None] = None
    #: ``app_after_this_page(player, upcoming_apps)``: the name of a later app of the session
    #: to go on with (skipping what comes before it), or ``None`` to go on as usual
    app_after_this_page: ClassVar[Callable[[Player, list[str]], str | None] | None] = None
    #: ``js_vars(player)``: a dict handed to the page's scripts as JSON (``js_vars`` in
    #: JavaScript), for values a script needs and the template should not print
    js_vars: ClassVar[Callable[[Player], dict[str, Any]] | None] = None
    #: ``live_method(player, data)``: runs for each message the page's script sends with
    #: ``liveSend(data)``, in one transaction; returns ``None`` or ``{id_in_group: payload}``
    #: (``0``: every member of the group), delivered to those players' ``liveRecv``
    live_method: ClassVar[Callable[[Player, Any], dict[int, Any] | None] | None] = None

    @classmethod
    def template_file(cls) -> str:
        return cls.template_name or f"{cls.__name__}.html"

    @staticmethod
    def vars_for_template(player: Player) -> dict[str, Any]:
        """Extra variables for the template."""
        return {}

    @staticmethod
    def error_message(player: Player, values: dict[str, Any]) -> str | dict[str, str] | None:
        """Check the submitted values together; return a message, or a message per field."""
        return None

    @staticmethod
    def before_next_page(player: Player, timed_out: bool) -> None:
        """Runs once after a valid submit (or a timeout), in the same transaction."""


#: what may happen when a wait page's ``arrival_timeout_seconds`` run out
ARRIVAL_RULES = ("smaller_group", "alone", "end")


class WaitPage(_SequenceItem):
    """Holds players until everyone it waits for has arrived, then releases them together."""

    #: wait for the whole subsession instead of the player's group
    wait_for_all_groups: ClassVar[bool] = False
    #: form groups in order of arrival here (must be the app's first page)
    group_by_arrival_time: ClassVar[bool] = False
    #: with group_by_arrival_time: how long the first one waiting may wait for a full group
    arrival_timeout_seconds: ClassVar[float | None] = None
    #: what happens then: "smaller_group" (those waiting form one group), "alone" (each goes
    #: on in a group of their own) or "end" (to the end, paid the show-up fee)
    arrival_timeout_rule: ClassVar[str] = "smaller_group"
    title_text: ClassVar[str] = N_("Please wait")
    body_text: ClassVar[str] = N_("Waiting for the other participants.")
    #: the wait page's own template in the app folder (``{% block title %}``, ``{% block
    #: content %}``, ``{% block scripts %}`` as on a page), instead of ``title_text`` and
    #: ``body_text``; default ``<ClassName>.html`` when that file exists
    template_name: ClassVar[str | None] = None
    #: ``vars_for_template(player)``: extra variables for the wait page's own template
    vars_for_template: ClassVar[Callable[[Player], dict[str, Any]] | None] = None
    #: ``js_vars(player)``: a dict handed to the wait page's scripts as JSON (``js_vars``)
    js_vars: ClassVar[Callable[[Player], dict[str, Any]] | None] = None
    #: ``live_method(player, data)``: runs for each message the wait page's own template's
    #: script sends with ``liveSend(data)`` while the player waits (oTree 6), as on a Page;
    #: its replies reach only the members waiting on this page, and it never releases it
    live_method: ClassVar[Callable[[Player, Any], dict[int, Any] | None] | None] = None
    #: ``wait_for(player)``: the players this player waits for (oTree's "wait for specific
    #: people" recipe), instead of the whole group; the player is always among them, and the
    #: page releases together those whose lists are the same
    wait_for: ClassVar[Callable[[Player], list[Player]] | None] = None
    #: seconds a player waits here at most (``None``: no limit); then ``after_timeout`` says
    #: what happens to them
    timeout_seconds: ClassVar[int | None] = None
    #: ``get_timeout_seconds(player)``: this player's limit, instead of ``timeout_seconds``
    get_timeout_seconds: ClassVar[Callable[[Player], float | None] | None] = None
    #: what a player whose wait timed out does: ``"go_on_alone"`` (the next page; the others
    #: are released as usual, the hook runs when the last arrives) or ``"end"`` (the end of
    #: the session). The page visit is marked ``timed_out`` either way.
    after_timeout: ClassVar[str] = "go_on_alone"
    #: ``app_after_this_page(player, upcoming_apps)``: as on a Page, asked for each player the
    #: wait page lets go (oTree allows it on wait pages too): a later app's name, or ``None``
    app_after_this_page: ClassVar[Callable[[Player, list[str]], str | None] | None] = None

    @classmethod
    def wait_template_file(cls) -> str:
        """The file name of the wait page's own template (used when it exists)."""
        return cls.template_name or f"{cls.__name__}.html"

    @staticmethod
    def after_all_players_arrive(group_or_subsession: Group | Subsession) -> None:
        """Runs exactly once when the last player arrives; gets the group, or the subsession
        when ``wait_for_all_groups`` is set."""


class ExperimenterGate(WaitPage):
    """A wait page that opens when the experimenter enters a value in the monitor (a die
    rolled in the room, a signal), not when the last player arrives::

        class Draw(labctl.ExperimenterGate):
            gate_field = "die"            # a field of the app's Group (or Subsession)
            gate_label = "Die roll (1-6)"

    The value is read as a participant's answer to that field would be (refused if it does
    not fit), stored on the group (or, for a Subsession field with ``wait_for_all_groups``, on
    the subsession), and the gate releases everyone waiting there; ``after_all_players_arrive``
    runs then, with the value set.
    """

    #: the Group (or Subsession) field the experimenter's value is stored in
    gate_field: ClassVar[str] = ""
    #: what the monitor asks for; the field's label when empty
    gate_label: ClassVar[str] = ""


def is_sequence_item(item: object) -> bool:
    """True for a Page or WaitPage subclass, which is what a page_sequence may hold."""
    return isinstance(item, type) and issubclass(item, (Page, WaitPage)) and item not in (
        Page, WaitPage, ExperimenterGate)


def form_model_kind(form_model: object) -> str | None:
    """The kind of record a ``form_model`` makes a form write to (one of ``FORM_MODELS``), or
    ``None`` when it names none (``labctl validate`` reports that as LC137)."""
    return form_model if isinstance(form_model, str) and form_model in FORM_MODELS else None


def form_target(page: type[Page], player: Player) -> Player | Group:
    """The record a page's form writes to: the player's group when the page's ``form_model``
    is ``"group"``, otherwise the player."""
    return player.group if form_model_kind(page.form_model) == "group" else player


def waiting_seconds(player: Player) -> float:
    """How long a player has been waiting at the arrival page, in seconds (oTree apps keep
    an arrival time in ``participant.vars`` for this; labctl knows it).

    Only known to ``group_by_arrival_time_method``, for the players it is given; set by
    ``engine.arrival``."""
    seconds = getattr(player, "_waiting_seconds", None)
    if seconds is None:
        raise ModelError("waiting_seconds(player) is known only inside "
                         "group_by_arrival_time_method, for its waiting_players",
                         "call it there, on one of the waiting_players")
    return float(seconds)


def gate_of(page: type[Page] | type[WaitPage]) -> type[ExperimenterGate] | None:
    """The page as an experimenter gate, or ``None`` for any other page."""
    return page if isinstance(page, type) and issubclass(page, ExperimenterGate) else None
