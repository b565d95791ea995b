"""Rooms: a lab's seats, each with one stable URL that joins whatever session is open there.

    ROOMS = [Room(name="lab1", display_name="Economics lab", labels_file="lab1_seats.txt")]

Lab PCs are set up once with ``/room/lab1/PC07/``; when the experimenter opens a session in the
room, every waiting seat moves into it. A seat keeps its participant: reloading never makes a
second one. Constructing a room never raises; ``labctl validate`` reports its mistakes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .declarations import declaration_site

__all__ = ["Room"]


@dataclass
class Room:
    name: str
    display_name: str | None = None
    #: the seats' labels, e.g. ["PC01", "PC02"]; or give ``labels_file``
    labels: list[str] = field(default_factory=list)
    #: a text file in the project with one label per line
    labels_file: str | None = None

    def __post_init__(self) -> None:
        self.defined_at: tuple[str, int] = declaration_site()

    @property
    def title(self) -> str:
        return self.display_name or self.name

    def seat_labels(self, root: Path) -> list[str]:
        """The labels of the seats, from ``labels`` or the labels file (blank lines skipped)."""
        if self.labels_file:
            text = (root / self.labels_file).read_text(encoding="utf-8")
            return [line.strip() for line in text.splitlines() if line.strip()]
        return [str(label).strip() for label in self.labels]
