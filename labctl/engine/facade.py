"""``Engine``: the one entry point the server, the CLI and the tests use.

::

    engine = Engine(project, SqliteStore("labctl.db"))
    code = engine.create_session("my_session", num_participants=4)
    with engine.view(participant_code) as page:      # what to show (and start if new)
        ...
    engine.submit(participant_code, page.index, {"sent_amount": "5.00"})

Each call is one transaction. Participants moved by someone else's action (a wait page that
released them) are announced on their hub channel (``hub.Channel.participant``) after the
commit. The actions are grouped by concern, one module each; ``Engine`` joins them.
"""

from __future__ import annotations

from .arrival_timeout import ArrivalActions
from .bot_changes import BotChangeActions
from .consent import ConsentActions
from .dropout import DropoutActions
from .experimenter import ExperimenterActions
from .experimenter_chat import ExperimenterChatActions
from .live import LiveActions
from .participants import ParticipantActions
from .presence import PresenceActions
from .present import PresentActions
from .session_link import SessionLinkActions
from .sessions import SessionActions
from .shared_actions import SharedDataActions


class Engine(PresentActions, SessionActions, ParticipantActions, SharedDataActions,
             ExperimenterActions, LiveActions, ExperimenterChatActions, PresenceActions,
             ConsentActions, SessionLinkActions, DropoutActions, ArrivalActions,
             BotChangeActions):
    """Creates sessions and moves participants through them; storage is behind ``store``."""
