"""Problems: what ``labctl validate`` reports, one per mistake, each with a stable code."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .errors import SourceLocation


@dataclass(frozen=True)
class Problem:
    """One mistake in a project: a stable code, where it is, what is wrong, how to fix it."""

    code: str
    location: SourceLocation
    message: str
    hint: str

    @classmethod
    def at(cls, code: str, where: tuple[str, int] | Path, message: str, hint: str) -> Problem:
        """Build a problem from a ``(file, line)`` pair as recorded by declarations, or a path."""
        if isinstance(where, Path):
            return cls(code, SourceLocation(where), message, hint)
        file, line = where
        return cls(code, SourceLocation(Path(file), line or None), message, hint)

    def sort_key(self) -> tuple[str, int, str, str]:
        return (str(self.location.file), self.location.line or 0, self.code, self.message)
