"""The session engine: pure Python over a store, no HTTP (see ``facade`` for the tour).

This module only re-exports; each concern has a module of its own:

- ``facade``: ``Engine``, joining ``sessions``, ``participants``, ``shared_actions`` and
  ``experimenter`` over ``core`` (one transaction per call) and ``outbox`` (announcements);
- ``page_view``: what a participant is shown; ``progress``: moving through steps;
  ``wait``: wait pages; ``flow``: the steps; ``creation``, ``matching``, ``rooms``;
- ``recordset`` and ``tx``: the records one step loads and writes back;
- ``shared_data`` and ``shared_access``: the live shared documents and who reaches them;
- ``live``: live pages, a page's (or wait page's) ``live_method`` run for each message;
- ``store``: the ``Store`` Protocol the engine needs from a database.
"""

from __future__ import annotations

from .core import UnknownParticipant
from .facade import Engine
from .page_view import PageKind, PageView
from .payment import Payment
from .progress import FORM_ERROR, SubmitResult
from .rooms import SessionFull, UnknownSeat
from .store import Store

__all__ = ["FORM_ERROR", "Engine", "PageKind", "PageView", "Payment", "SessionFull", "Store",
           "SubmitResult", "UnknownParticipant", "UnknownSeat"]
