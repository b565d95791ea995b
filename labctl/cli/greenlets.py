"""Turning a process cooperative with gevent (the server, and ``labctl test``'s bots).

Import this before anything that opens sockets or starts threads, and call ``patch_all()``
first thing: patching late leaves some modules with blocking originals.
"""

from __future__ import annotations

from importlib import metadata
from typing import Any


def patch_all() -> None:
    """``gevent.monkey.patch_all()``, without re-reading every installed package's metadata.

    Why: gevent announces each module it patches to plugins registered as entry points, and
    Python looks those up by scanning the metadata of every installed package, each time: a
    large share of the server's start, paid by the server and again by ``labctl test``, one
    after the other (figures: ``benchmarks/RESULTS.md``). Here the scan is made once for the
    whole patching; the plugins see the same entry points as they would otherwise.
    """
    from gevent import monkey

    found = metadata.entry_points()
    lookup = metadata.entry_points

    def remembered(**selection: Any) -> Any:
        return found.select(**selection) if selection else found

    metadata.entry_points = remembered  # type: ignore[assignment]
    try:
        monkey.patch_all()
    finally:
        metadata.entry_points = lookup
