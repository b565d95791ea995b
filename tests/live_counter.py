"""A small live app the live-page tests share: groups of three click a counter.

``Count`` is a live page: each message is ``{"kind": ...}``: ``click`` adds one to the group's
total and the clicker's count and tells the whole group; ``state`` answers the sender alone
(oTree's ``liveSend({})`` on load); ``whisper`` goes to member ``to`` only; ``boom`` writes
then raises; ``bad`` returns a key that is no member; ``nojson`` returns a set; ``each`` tells
every member their own id_in_group (a payload per member). ``Results``
follows, so a participant can be moved off the live page.
"""

from __future__ import annotations

from pathlib import Path

APP = '''
import labctl
from labctl import fields

app = labctl.App(players_per_group=3, num_rounds=1)


class Group(labctl.Group):
    total = fields.Integer(initial=0)


class Player(labctl.Player):
    clicks = fields.Integer(initial=0)
    note = fields.Text(required=False)


class Count(labctl.Page):
    form_fields = ["note"]
    timeout_seconds = 600

    @staticmethod
    def live_method(player, data):
        kind = data.get("kind") if isinstance(data, dict) else None
        group = player.group
        if kind == "click":
            player.clicks += 1
            group.total += 1
            return {0: {"total": group.total, "by": player.id_in_group}}
        if kind == "whisper":
            return {data["to"]: {"from": player.id_in_group}}
        if kind == "boom":
            group.total += 100
            raise RuntimeError("the counter broke")
        if kind == "bad":
            return {7: "nobody"}
        if kind == "nojson":
            return {0: {1, 2}}
        if kind == "each":
            return {p.id_in_group: {"you": p.id_in_group} for p in group.get_players()}
        return {player.id_in_group: {"total": group.total, "clicks": player.clicks}}


class Results(labctl.Page):
    pass


page_sequence = [Count, Results]
'''

#: the template of the live page: its script is a file of the test's app (``static/``)
COUNT_HTML = """{% block title %}Counter{% endblock %}
{% block content %}
<p>Total: <strong id="total">?</strong></p>
<button type="button" id="click">Click</button>
{{ formfields() }}
{{ next_button() }}
{% endblock %}
"""

SESSION_TYPE = 'name="counter", app_sequence=["counter"], num_participants=3'


def counter_project(root: Path, extra: dict[str, str] | None = None) -> Path:
    """The counter app as a project folder (session type ``counter``), with ``extra`` files."""
    files = {
        "sessions.py": "from labctl import SessionType\n\nSESSION_TYPES = [SessionType("
                       f"{SESSION_TYPE})]\n",
        "counter/__init__.py": APP,
        "counter/Count.html": COUNT_HTML,
        "counter/Results.html": "{% block title %}Done{% endblock %}\n"
                                "{% block content %}{{ next_button() }}{% endblock %}\n",
        **(extra or {}),
    }
    for relative, text in files.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(text, encoding="utf-8")
    return root
