"""An experimenter gate over real HTTP: the monitor asks for the gate's value, refuses one that
does not fit, and the value typed there opens the gate, moves the group on and is stored."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from browserless import HTTP_TIMEOUT, Participant, admin_login

PASSWORD = "gate-test-password"
GAME = """\
import labctl
from labctl import fields

app = labctl.App(players_per_group=2)


class Group(labctl.Group):
    die = fields.Integer(min=1, max=6, label="Die")


class Ready(labctl.Page):
    pass


class Roll(labctl.ExperimenterGate):
    gate_field = "die"
    gate_label = "Die roll (1-6)"


class Done(labctl.Page):
    pass


page_sequence = [Ready, Roll, Done]
"""
SESSIONS = """\
from labctl import SessionType

SESSION_TYPES = [SessionType(name="demo", app_sequence=["dice"], num_participants=2)]
"""
PAGE = "{% block content %}{{ next_button() }}{% endblock %}"


@pytest.fixture
def lab(live_server, tmp_path: Path):
    root = tmp_path / "project"
    for name, text in {"sessions.py": SESSIONS, "dice/__init__.py": GAME,
                       "dice/Ready.html": PAGE, "dice/Done.html": PAGE}.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return live_server(root, "demo", 2, admin_password=PASSWORD)


def _open_gate(http, lab, code: str, value: str, page: str):
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    step = re.search(r'name="step" value="(\d+)"', page).group(1)
    return http.post(f"{lab.base_url}/admin/sessions/{lab.session_code}/participants/{code}/"
                     "advance", data={"csrf_token": token, "step": step, "answer:die": value},
                     timeout=HTTP_TIMEOUT, allow_redirects=False)


def test_the_monitor_opens_a_gate_with_the_value_typed(lab, tmp_path):
    people = [Participant(lab.base_url, code) for code in lab.codes]
    for person in people:
        assert person.submit({}).status_code == 200
    assert [person.get().kind for person in people] == ["wait", "wait"]
    admin = admin_login(lab.base_url, PASSWORD)
    monitor = admin.get(f"{lab.base_url}/admin/sessions/{lab.session_code}",
                        timeout=HTTP_TIMEOUT).text
    assert 'name="answer:die"' in monitor and "Die roll (1-6)" in monitor

    refused = _open_gate(admin, lab, lab.codes[0], "9", monitor)
    assert refused.status_code == 400 and "at most 6" in refused.text
    assert people[0].get().kind == "wait"

    opened = _open_gate(admin, lab, lab.codes[0], "5", monitor)

    assert opened.status_code == 303
    assert [person.position()["page"] for person in people] == ["Done", "Done"]
    store = lab.engine.store  # the stored value, read as the export reads it
    with store.reading():
        groups = store.round_rows("dice", "group", lab.session_code, 1)
    assert [group["die"] for group in groups] == [5]
