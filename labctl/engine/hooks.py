"""Calling the researcher's code: their exceptions become errors at their file and line."""

from __future__ import annotations

import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..errors import ResearcherCodeError, SourceLocation


def call_hook(hook: Callable[..., Any], *args: Any, root: Path, what: str) -> Any:
    """Run one hook; on an exception, raise ``ResearcherCodeError`` located in their code."""
    try:
        return hook(*args)
    except ResearcherCodeError:
        raise
    except Exception as exc:  # their bug, or a labctl rule they broke (e.g. a float payoff)
        location = SourceLocation(Path(getattr(hook, "__code__", None).co_filename)
                                  if hasattr(hook, "__code__") else root)
        for frame in traceback.extract_tb(exc.__traceback__):
            try:
                Path(frame.filename).resolve().relative_to(root)
            except ValueError:
                continue
            location = SourceLocation(Path(frame.filename), frame.lineno)
        raise ResearcherCodeError(f"{what} raised {type(exc).__name__}: {exc}", location,
                                  "fix the app's code; nothing of this step was saved"
                                  ) from exc
