"""The marker on every participant page: what kind of page it is, at which step, of which app,
round and page. The one owner of its format, for the side that writes it and the sides that
read it.

The server writes it as attributes of the page's ``<main>`` element (``labctl/base.html`` calls
``labctl.server.rendering.page_marker``); the bots' client finds it with ``PAGE_MARKER``.
Both are built from ``ATTRIBUTES``, so they cannot drift apart. ``benchmarks/sample_answers.py``
keeps a copy of the pattern, as the benchmarks also measure older commits (a test checks it).
No import beyond the standard library: the bots' process reads pages without loading the
server.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

__all__ = ["ATTRIBUTES", "ELEMENT", "PAGE_MARKER", "attributes"]

#: the element that carries the marker
ELEMENT = "main"
#: (HTML attribute, name of its group in ``PAGE_MARKER``), in the order the server writes them
ATTRIBUTES = (("data-kind", "kind"), ("data-step", "step"), ("data-app", "app"),
              ("data-round", "round"), ("data-page", "page"))
#: what a value may be: any text without a double quote, or narrower
_ANY_TEXT = r'[^"]*'
_VALUES = {"step": r"-?\d+"}

#: the marker in a page's HTML; groups ``kind``, ``step``, ``app``, ``round`` and ``page``
PAGE_MARKER = re.compile(rf"<{ELEMENT}[^>]*\b" + r"\s+".join(
    rf'{attribute}="(?P<{group}>{_VALUES.get(group, _ANY_TEXT)})"'
    for attribute, group in ATTRIBUTES))


def attributes(values: Mapping[str, object], escape: Callable[[object], str]) -> str:
    """The marker's attributes as the server writes them into ``<main>``: ``values`` by group
    name (``kind``, ``step``, ...), each passed through the page's HTML ``escape``."""
    return " ".join(f'{attribute}="{escape(values[group])}"' for attribute, group in ATTRIBUTES)
