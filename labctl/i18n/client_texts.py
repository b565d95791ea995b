"""The texts labctl's JavaScript shows participants, translated on the server.

Every participant page carries one ``<script type="application/json" id="labctl-texts">``
(data, not code: the CSP allows it) with these texts in the session's language, and the
scripts read them with ``labctl.t(key, values)`` (``labctl.js``), which fills ``{name}``
placeholders. A script that shows a new text adds its key here, marked with ``N_`` so that
``pybabel extract`` finds it, and calls ``labctl.t("its.key")``; the test of marked strings
fails on an English sentence left in a script.
"""

from __future__ import annotations

import functools
import json

from babel.support import NullTranslations
from markupsafe import Markup

from .active import N_, active_catalogue

#: key -> the English text (the msgid); ``{name}`` placeholders are filled by ``labctl.t``
CLIENT_TEXTS = {
    "connection.lost": N_("Connection lost, retrying…"),
    "server.busy": N_("The lab server is busy, retrying…"),
    "server.unreachable": N_("Cannot reach the lab server, retrying… This page moves on by "
                             "itself once the server is back."),
    "server.unreachable_form": N_("Cannot reach the lab server, retrying… Your answers stay "
                                  "on this page."),
    "chat.group": N_("Group chat"),
    "chat.everyone": N_("Chat with everyone"),
    "chat.placeholder": N_("Type a message"),
    "chat.label": N_("Chat message"),
    "chat.send": N_("Send"),
    "chat.retry": N_("Retry"),
    "chat.count": N_("{length} / {max} characters"),
    "chat.count_limit": N_("{length} / {max} characters: the limit"),
    "chat.reconnecting": N_("Connection lost; reconnecting…"),
    "chat.closed": N_("The chat is closed."),
    "chat.not_sent_yet": N_("Not sent yet: the connection is lost. It is sent when the "
                            "connection is back."),
    "chat.not_sent": N_("Not sent: {reason}"),
    "chat.gone_one": N_("{names} has moved on and will not see this message."),
    "chat.gone_many": N_("{names} have moved on and will not see this message."),
    "chat.and": N_(" and "),
    "chat.you": N_("You"),
    "chat.player": N_("Player {number}"),
    "chat.participant": N_("Participant {number}"),
    "chat.someone": N_("Someone"),
    "chat.direct": N_("(direct)"),
    "chat.to_you": N_("(to you only)"),
    "experimenter_chat.title": N_("Chat with the experimenter"),
    "experimenter_chat.label": N_("Message to the experimenter"),
    "experimenter_chat.placeholder": N_("Write to the experimenter"),
    "experimenter_chat.you": N_("You: "),
    "experimenter_chat.experimenter": N_("Experimenter: "),
    "experimenter_chat.not_sent": N_("Not sent; please try again."),
    "experimenter_chat.offline": N_("Not sent: the connection is down. Please try again."),
    "live.lost": N_("The connection was lost before the server answered: your last action "
                    "may not have been saved."),
    "live.failed": N_("Your last action could not be completed. Please try again; if it "
                      "happens again, raise your hand."),
}


def texts_element() -> Markup:
    """The page's ``labctl-texts`` element in the current language (made once per language)."""
    return _element(active_catalogue())


@functools.lru_cache(maxsize=32)
def _element(translations: NullTranslations) -> Markup:
    """Cached per catalogue (catalogues are loaded once and kept: ``catalogues.catalogue``)."""
    texts = {key: translations.gettext(text) for key, text in CLIENT_TEXTS.items()}
    payload = json.dumps(texts, ensure_ascii=False).replace("<", "\\u003c")
    return Markup('<script type="application/json" id="labctl-texts">' + payload + "</script>")
