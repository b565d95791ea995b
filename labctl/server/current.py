"""The engine the app in the current request (or WebSocket) serves, as ``create_app`` set it."""

from __future__ import annotations

from flask import current_app

from ..engine import Engine

#: where ``create_app`` keeps the engine (``app.extensions``)
ENGINE = "labctl.engine"


def engine() -> Engine:
    """The engine of the app handling this request."""
    return current_app.extensions[ENGINE]
