"""The sessions the server's once-a-second sweep looks at for the lab day's rules (dropouts,
arrival timeouts): those whose type declares such a rule and that someone is still playing. A
session found ended is remembered in memory and never read again, so a database holding a
semester of sessions costs the sweep nothing for the old ones."""

from __future__ import annotations

from collections.abc import Callable

from .core import EngineCore
from .store import Row


def running_sessions(engine: EngineCore, wanted: Callable[[str], bool]
                     ) -> list[tuple[Row, list[Row]]]:
    """(session row, its participants) of each session of a ``wanted`` type (by name, one
    the project still declares) that has not ended."""
    ended = engine._ended_sessions
    declared = {st.name for st in engine.project.session_types}
    found = []
    with engine.store.reading():
        rows = [row for row in engine.store.session_rows() if row["code"] not in ended
                and row["session_type"] in declared and wanted(row["session_type"])]
        for session in rows:
            people = engine.store.participants_of(session["code"])
            total = len(engine.steps(engine.project.session_type(session["session_type"])))
            if people and all(p["step"] >= total for p in people):
                ended.add(session["code"])  # everyone is at the end: nothing to do, ever
                continue
            found.append((session, people))
    return found
