"""What an import did and what it left to the researcher.

Every rewrite that needs a human (``# labctl import: ...`` in the written file) is an item of
``manual`` with its file and line; a rewrite that changes what the code does (a division into an
amount now rounded) is an item of ``changes``; everything else translated is a line of ``done``.
The command's exit status comes from here: 0 when nothing is left, 1 when manual work remains.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["CHANGE_MARK", "MANUAL_MARK", "Item", "Report"]

#: the comment that marks code left for the researcher, above the line it is about
MANUAL_MARK = "# labctl import: "
#: the comment that marks a rewrite that behaves differently from oTree
CHANGE_MARK = "# labctl import changed: "
_MARKED = re.compile(r"^\s*\{?(# labctl import(?: changed)?: )(.*?)(?: #\})?$")


@dataclass(frozen=True)
class Item:
    """One thing at a place: ``file`` is relative to the written project."""

    file: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.reason}" if self.line else \
            f"{self.file}: {self.reason}"


@dataclass
class Report:
    done: list[str] = field(default_factory=list)
    changes: list[Item] = field(default_factory=list)
    manual: list[Item] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        """0: the project is ready; 1: manual work remains (listed in ``manual``)."""
        return 1 if self.manual else 0

    def add_marked(self, file: str, text: str) -> None:
        """The marks in a written file, each about the line below its comment block."""
        lines = text.splitlines()
        for number, line in enumerate(lines, start=1):
            found = _MARKED.match(line)
            if found is None:
                continue
            target = number + 1
            while target <= len(lines) and _MARKED.match(lines[target - 1]):
                target += 1
            item = Item(file, target, found[2])
            (self.changes if "changed" in found[1] else self.manual).append(item)

    def lines(self) -> list[str]:
        """The report as printed: what was done, what behaves differently, what is left."""
        out = [f"- {line}" for line in self.done]
        if self.changes:
            out.append(f"Changed behaviour ({len(self.changes)}): check these lines")
            out += [f"  {item}" for item in self.changes]
        if self.manual:
            out.append(f"Manual work left ({len(self.manual)}):")
            out += [f"  {item}" for item in self.manual]
        else:
            out.append("Nothing left to do by hand.")
        return out


def relative(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix()
