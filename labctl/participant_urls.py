"""Where a participant's pages live: one URL per participant, ``/p/<code>/``, and its sub-paths.

The one owner of that shape: the server's routes, the links ``labctl run`` prints and the bots'
client build their URLs here. Outside Python: the wait page is handed its socket and position
URLs, but ``labctl-admin.js`` (the monitor's links), ``labctl-shared.js`` and
``labctl-live.js`` repeat ``/p/<code>/``; ``benchmarks/`` builds its own URLs, as it also
measures older commits. No import beyond the standard library: the bots' process builds URLs
without loading the server.
"""

from __future__ import annotations

from urllib.parse import quote

__all__ = ["APP_ERROR", "APP_ERROR_ROUTE", "CONSENT", "CONSENT_ROUTE", "LIVE", "LIVE_MESSAGES",
           "LIVE_MESSAGES_ROUTE", "LIVE_ROUTE", "POSITION", "POSITION_ROUTE", "ROUTE", "SHARED",
           "SHARED_ROUTE", "SOCKET", "SOCKET_ROUTE", "participant_path", "participant_url"]

PREFIX = "/p/"
#: the sub-path of the page's WebSocket, which tells the page when the participant moves on
SOCKET = "ws"
#: the sub-path of the shared-data WebSocket (``labctl-shared.js``)
SHARED = "shared"
#: the sub-path of a live page's WebSocket (``labctl-live.js``: liveSend and liveRecv)
LIVE = "live"
#: the same over HTTP where WebSockets are blocked: POST a message, GET deliveries after one
LIVE_MESSAGES = "live/messages"
#: the sub-path answering where the participant is now (JSON), when WebSockets are blocked
POSITION = "position"
#: the sub-path answering whether an app error still stops the page (the error page polls it)
APP_ERROR = "app-error"
#: the sub-path of the participant's chat with the experimenter (GET history, POST a message)
EXPERIMENTER_CHAT = "experimenter-chat"
#: the sub-path the session type's consent page posts its answer to
CONSENT = "consent"

#: the participant's page, as a Flask route rule (GET shows it, POST submits it)
ROUTE = f"{PREFIX}<code>/"
SOCKET_ROUTE = ROUTE + SOCKET
SHARED_ROUTE = ROUTE + SHARED
POSITION_ROUTE = ROUTE + POSITION
APP_ERROR_ROUTE = ROUTE + APP_ERROR
CONSENT_ROUTE = ROUTE + CONSENT
LIVE_ROUTE = ROUTE + LIVE
LIVE_MESSAGES_ROUTE = ROUTE + LIVE_MESSAGES
EXPERIMENTER_CHAT_ROUTE = ROUTE + EXPERIMENTER_CHAT


def participant_path(code: str, sub: str = "") -> str:
    """The path of participant ``code``'s page, or of one of its ``sub``-paths."""
    return f"{PREFIX}{quote(code, safe='')}/{sub}"


def participant_url(base_url: str, code: str, sub: str = "") -> str:
    """The full URL: ``base_url`` (``http://host:port``, or ``ws://...``) and the path."""
    return base_url.rstrip("/") + participant_path(code, sub)
