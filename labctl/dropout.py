"""A declared dropout policy: what labctl does for a participant who is gone.

    SessionType(..., dropout=labctl.Dropout(after_seconds=90, then="bot"))
    app = labctl.App(players_per_group=2, dropout=labctl.Dropout(then="end_group"))

A participant is a dropout when their page has been offline (see the monitor's Connection
column) for ``after_seconds``, or they have been on one form page that long. Then, as declared:

- ``"bot"``: labctl's automatic bot answers their pages (valid random values from the
  fields), so their group goes on;
- ``"defaults"``: their pages are submitted with the page's ``timeout_submission`` values
  (a field without one gets the automatic bot's value);
- ``"end_group"``: their group skips to the end with a message; everyone is paid what they
  earned so far and the show-up fee.

Someone who comes back takes over again from the page they are on now. Every page decided
for them is marked in the page timings' ``decided_by`` column. An app's policy applies on its
pages; the session type's on the others. Constructing one never raises: ``labctl validate``
reports a mistake (LC242).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .declarations import declaration_site

__all__ = ["DROPOUT_ACTIONS", "Dropout"]

#: what may be done for a dropout
DROPOUT_ACTIONS = ("bot", "defaults", "end_group")


@dataclass
class Dropout:
    after_seconds: Any = 90
    then: Any = "defaults"

    def __post_init__(self) -> None:
        self.defined_at: tuple[str, int] = declaration_site()
