"""Calling the researcher's code: their exceptions become errors at their file and line."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..errors import ResearcherCodeError, SourceLocation
from ..project import researcher_frame


def call_hook(hook: Callable[..., Any], *args: Any, root: Path, what: str) -> Any:
    """Run one hook; on an exception, raise ``ResearcherCodeError`` located in their code."""
    try:
        return hook(*args)
    except ResearcherCodeError:
        raise
    except Exception as exc:  # their bug, or a labctl rule they broke (e.g. a float payoff)
        code = getattr(hook, "__code__", None)
        file, line = researcher_frame(exc, root, Path(code.co_filename) if code else root)
        location = SourceLocation(Path(file), line or None)
        raise ResearcherCodeError(f"{what} raised {type(exc).__name__}: {exc}", location,
                                  "fix the app's code; nothing of this step was saved"
                                  ) from exc
