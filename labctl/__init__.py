"""labctl: run interactive economic and psychology experiments in a lab.

The public API a researcher writes experiments with::

    import labctl
    from labctl import fields

    app = labctl.App(players_per_group=2, num_rounds=1)

    class Player(labctl.Player):
        offer = fields.Money(min=0, max=1000)

    class Offer(labctl.Page):
        form_fields = ["offer"]

    page_sequence = [Offer]

A text participants read in the session's language is marked ``_("...")`` (``from labctl
import _``): translated where it is shown, from the project's catalogues (``labctl
translations``).

``__all__`` is exactly that API: what an app's ``__init__.py`` or a project's ``sessions.py``
writes. Tooling is imported from its own module: ``labctl.project.load_project`` and
``Project``, ``labctl.errors.LabctlError``, ``labctl.engine.Engine``, ...
"""


from . import fields
from .app import App, Constants
from .dropout import Dropout
from .extra_records import ExtraRecord, Link
from .i18n import lazy_gettext as _
from .money import format_money
from .pages import ExperimenterGate, Page, WaitPage, waiting_seconds
from .records import Group, Participant, Player, Session, Subsession
from .room import Room
from .session_type import SessionType

__version__ = "0.1.0"

__all__ = [
    "App",
    "Constants",
    "Dropout",
    "ExperimenterGate",
    "ExtraRecord",
    "Group",
    "Link",
    "Page",
    "Participant",
    "Player",
    "Room",
    "Session",
    "SessionType",
    "Subsession",
    "WaitPage",
    "_",
    "__version__",
    "fields",
    "format_money",
    "waiting_seconds",
]
