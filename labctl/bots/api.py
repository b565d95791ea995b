"""What a researcher writes in an app's ``bots.py``: a ``Bot`` with ``play_round``."""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from ..errors import LabctlError


class BotCheckFailed(LabctlError):
    """An ``expect`` in a bot did not hold."""


#: oTree's ``expect(actual, operator, expected)`` comparisons
COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le,
    ">": operator.gt, ">=": operator.ge, "in": lambda a, b: a in b,
    "not in": lambda a, b: a not in b,
}


def expect(*args: Any) -> None:
    """Fail the bot (naming page and participant) unless a check holds.

    - ``expect(condition, "message")``: labctl's form, a ``True``/``False`` and what to say;
    - ``expect(actual, expected)``: oTree's form, the two must be equal;
    - ``expect(actual, "in", expected)`` (or ``==``, ``!=``, ``<``, ``<=``, ``>``, ``>=``,
      ``not in``): oTree's comparison.

    Two arguments are read as labctl's form only when the first is a bool and the second a
    string; anything else compares, so ``expect(payoff, 0)`` checks that the payoff is 0
    (read as a condition, a payoff of 0 would have failed and any other would have passed).
    """
    if len(args) == 1:
        if not args[0]:
            raise BotCheckFailed("a bot's check failed")
        return
    if len(args) == 2:
        first, second = args
        if isinstance(first, bool) and isinstance(second, str):
            if not first:
                raise BotCheckFailed(second)
            return
        if first != second:
            raise BotCheckFailed(f"expected {second!r}, found {first!r}")
        return
    if len(args) == 3:
        actual, name, expected = args
        compare = COMPARISONS.get(name) if isinstance(name, str) else None
        if compare is None:
            raise LabctlError(f"expect(..., {name!r}, ...) is no comparison",
                              f"use one of {', '.join(COMPARISONS)}")
        if not compare(actual, expected):
            raise BotCheckFailed(f"expected {actual!r} {name} {expected!r}")
        return
    raise LabctlError(f"expect() takes 1 to 3 arguments, not {len(args)}",
                      'write expect(condition, "message"), expect(actual, expected) or '
                      'expect(actual, "in", expected)')


@dataclass
class Submission:
    """A page and the values a bot types into it; ``error`` means it must be refused."""

    page: type
    values: dict[str, Any] = field(default_factory=dict)
    #: a message the server must show (the submission is refused and the bot stays)
    error: str | None = None
    #: oTree's ``Submission(Page, timeout_happened=True)``: the page submits as timed out,
    #: taking its ``timeout_submission`` (``before_next_page`` sees ``timed_out``)
    timeout_happened: bool = False

    def __post_init__(self) -> None:
        if self.timeout_happened and self.values:
            raise LabctlError(
                f"Submission({self.page.__name__}, {self.values!r}, timeout_happened=True): "
                "a page that times out in labctl takes its timeout_submission, not values "
                "typed", "leave the values out, or give them in the page's "
                "timeout_submission")

    @classmethod
    def of(cls, item: Any) -> Submission:
        """Accept ``Submission``, ``(Page, values)`` or a bare ``Page``."""
        if isinstance(item, Submission):
            return item
        if isinstance(item, tuple) and len(item) == 2:
            return cls(item[0], dict(item[1] or {}))
        if isinstance(item, type):
            return cls(item, {})
        raise LabctlError(f"a bot yielded {item!r}",
                          "yield a page, (page, values) or Submission(page, values)")


def SubmissionMustFail(page: type, values: dict[str, Any] | None = None,
                       error: str = "") -> Submission:
    """oTree's name for a submission the server must refuse: ``Submission(page, values,
    error=...)``; without ``error`` any refusal passes, with it the message must contain it."""
    return Submission(page, dict(values or {}), error=error)


class Bot:
    """One participant's bot in one app round; the runner sets the attributes before each
    step, from the database, so checks see what the server stored."""

    #: the player, group, participant and session as stored now (read-only)
    player: Any = None
    group: Any = None
    participant: Any = None
    session: Any = None
    round_number: int = 1
    #: the HTML of the page the bot is on: after ``yield Page``, the page that follows it
    html: str = ""
    #: as in oTree, the session is played once per case; ``self.case`` is this session's
    cases: list[Any] = []
    case: Any = None
    #: how ``live`` and ``live_messages`` reach the server (set by the runner on each page)
    _live: Callable[[Any], list[Any]] | None = None
    _live_received: Callable[[], list[Any]] | None = None

    @property
    def subsession(self) -> Any:
        """The player's subsession (this app round), as oTree's bots have it."""
        return self.player.subsession if self.player is not None else None

    @property
    def live_messages(self) -> list[Any]:
        """Every payload the bot's player received on the live page it is on, oldest first
        (also those sent by the other players' messages)."""
        return self._live_received() if self._live_received is not None else []

    def live(self, data: Any) -> list[Any]:
        """Send ``data`` to the live_method of the page the bot is on, through the page's
        real live socket, as the page's ``liveSend(data)``; returns the payloads this bot's
        player received in answer to it. A refusal fails the bot with the server's message."""
        if self._live is None:
            raise LabctlError("self.live(...) was called before the bot reached a page",
                              "call it in play_round, before the yield of the live page")
        return self._live(data)

    def play_round(self) -> Iterator[Any]:
        """Yield what to submit on each page of this round, in order; override it."""
        return iter(())
