"""A small app with a live wait page, shared by the tests of ``live_method`` on a WaitPage.

Groups of three. ``Intro`` is a live page with a form; ``Lobby`` is a wait page with a
template of its own (``Lobby.html``) and a ``live_method``: while two members wait there for
the third, they talk. ``wave`` adds one to the group's waves and tells the whole group;
``whisper`` goes to member ``to`` only; ``boom`` writes then raises; anything else answers the
sender with the count (oTree's ``liveSend({})`` on load). Intro's own live method answers
``{0: {"intro": ...}}``, so a test can see that a page's deliveries and a wait page's never
cross. ``Results`` follows the lobby.
"""

from __future__ import annotations

from pathlib import Path

APP = '''
import labctl
from labctl import fields

app = labctl.App(players_per_group=3, num_rounds=1)


class Group(labctl.Group):
    waves = fields.Integer(initial=0)


class Player(labctl.Player):
    note = fields.Text(required=False)


class Intro(labctl.Page):
    form_fields = ["note"]

    @staticmethod
    def live_method(player, data):
        return {0: {"intro": player.id_in_group}}


class Lobby(labctl.WaitPage):
    @staticmethod
    def live_method(player, data):
        kind = data.get("kind") if isinstance(data, dict) else None
        group = player.group
        if kind == "wave":
            group.waves += 1
            return {0: {"waves": group.waves, "by": player.id_in_group}}
        if kind == "whisper":
            return {data["to"]: {"from": player.id_in_group}}
        if kind == "boom":
            group.waves += 100
            raise RuntimeError("the lobby broke")
        return {player.id_in_group: {"waves": group.waves}}


class Results(labctl.Page):
    pass


page_sequence = [Intro, Lobby, Results]
'''

INTRO_HTML = ("{% block title %}Intro{% endblock %}\n"
              "{% block content %}{{ formfields() }}{{ next_button() }}{% endblock %}\n")

#: the wait page's own template: its script is a file of the app (``static/lobby.js``)
LOBBY_HTML = """{% block title %}Lobby{% endblock %}
{% block scripts %}<script src="{{ static('lobby.js') }}" defer></script>{% endblock %}
{% block content %}
<p>Waves: <strong id="waves">?</strong></p>
<p id="heard"></p>
<button type="button" id="wave">Wave</button>
{% endblock %}
"""

LOBBY_JS = """\
function liveRecv(data) {
  if ("waves" in data) { document.getElementById("waves").textContent = String(data.waves); }
  if ("by" in data) { document.getElementById("heard").textContent = "wave from " + data.by; }
}
document.getElementById("wave").addEventListener("click", function () {
  liveSend({ kind: "wave" });
});
liveSend({});
"""

SESSION_TYPE = 'name="lobby", app_sequence=["lobby"], num_participants=3'

#: the steps of the app's page sequence
INTRO, LOBBY, RESULTS = 0, 1, 2


def lobby_files() -> dict[str, str]:
    """The app's files, relative to the project folder."""
    return {
        "lobby/__init__.py": APP,
        "lobby/Intro.html": INTRO_HTML,
        "lobby/Lobby.html": LOBBY_HTML,
        "lobby/static/lobby.js": LOBBY_JS,
        "lobby/Results.html": "{% block title %}Done{% endblock %}\n"
                              "{% block content %}<p id=\"done\">done</p>"
                              "{{ next_button() }}{% endblock %}\n",
    }


def lobby_project(root: Path, extra: dict[str, str] | None = None) -> Path:
    """The lobby app as a project folder (session type ``lobby``), with ``extra`` files."""
    files = {
        "sessions.py": "from labctl import SessionType\n\nSESSION_TYPES = [SessionType("
                       f"{SESSION_TYPE})]\n",
        **lobby_files(),
        **(extra or {}),
    }
    for relative, text in files.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(text, encoding="utf-8")
    return root
