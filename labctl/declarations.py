"""Where a researcher declared something: the file and line that error messages point at.

Every declaration labctl reports problems about records its site when it is made: a field
(``fields.Integer(...)``), a model class or page class (``class Offer(labctl.Page)``), an
``App(...)``, a ``SessionType(...)`` and a ``Room(...)``. They all ask ``declaration_site``,
so the rule for which frame is the researcher's lives here once.
"""

from __future__ import annotations

import inspect
import sys
from types import FrameType

__all__ = ["UNKNOWN_SITE", "declaration_site"]

#: the site of something declared where no Python frame could be found
UNKNOWN_SITE: tuple[str, int] = ("<unknown>", 0)


def declaration_site() -> tuple[str, int]:
    """File and line of the declaration being made, as ``(filename, line)``.

    Walks out of the call stack past labctl's own functions (a constructor, the generated
    ``__init__`` of a dataclass and its ``__post_init__``, ``__init_subclass__``, a field
    subclass calling ``super().__init__``) to the first frame that is not one: the researcher's
    module, class body or function. A class body or module of labctl itself counts as a
    declaration site too, so ``Player.payoff`` is declared in ``labctl/records.py``.
    """
    frame: FrameType | None = sys._getframe(1)
    while frame is not None and _is_labctl_function(frame):
        frame = frame.f_back
    if frame is None:
        return UNKNOWN_SITE
    return (frame.f_code.co_filename, frame.f_lineno)


def _is_labctl_function(frame: FrameType) -> bool:
    module = str(frame.f_globals.get("__name__", ""))
    in_labctl = module == "labctl" or module.startswith("labctl.")
    return in_labctl and bool(frame.f_code.co_flags & inspect.CO_OPTIMIZED)
