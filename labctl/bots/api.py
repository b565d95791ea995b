"""What a researcher writes in an app's ``bots.py``: a ``Bot`` with ``play_round``."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from ..errors import LabctlError


class BotCheckFailed(LabctlError):
    """An ``expect`` in a bot did not hold."""


def expect(condition: Any, message: str = "a bot's check failed") -> None:
    """Fail the bot (naming page and participant) unless ``condition`` holds."""
    if not condition:
        raise BotCheckFailed(message)


@dataclass
class Submission:
    """A page and the values a bot types into it; ``error`` means it must be refused."""

    page: type
    values: dict[str, Any] = field(default_factory=dict)
    #: a message the server must show (the submission is refused and the bot stays)
    error: str | None = None

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

    def play_round(self) -> Iterator[Any]:
        """Yield what to submit on each page of this round, in order; override it."""
        return iter(())
