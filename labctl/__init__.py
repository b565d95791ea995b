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
"""


from . import fields
from .app import App
from .errors import LabctlError
from .money import format_money
from .pages import Page, WaitPage
from .project import Project, load_project
from .records import Group, Participant, Player, Session, Subsession
from .room import Room
from .session_type import SessionType

__version__ = "0.1.0"

__all__ = [
    "App",
    "Group",
    "LabctlError",
    "Page",
    "Participant",
    "Player",
    "Project",
    "Room",
    "Session",
    "SessionType",
    "Subsession",
    "WaitPage",
    "__version__",
    "fields",
    "format_money",
    "load_project",
]
