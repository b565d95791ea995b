"""An oTree app declares its settings in ``class C`` (``PLAYERS_PER_GROUP``, ``NUM_ROUNDS``,
the ``*_ROLE`` names); labctl reads them when the app has no ``app = labctl.App(...)``, so
those lines port as written, and checks them as it checks an ``App``."""

from __future__ import annotations

import pytest

from labctl.validation import validate_project

pytestmark = pytest.mark.both_stores

CONSTANTS_APP = """\
import labctl
from labctl import fields


class C:
    PLAYERS_PER_GROUP = 2
    NUM_ROUNDS = 3
    PROPOSER_ROLE = "proposer"
    RESPONDER_ROLE = "responder"


class Player(labctl.Player):
    answer = fields.Integer(min=0, max=9)


class Ask(labctl.Page):
    form_fields = ["answer"]


page_sequence = [Ask]
"""


def test_an_apps_settings_come_from_its_constants_as_in_otree(make_project, open_engine,
                                                              driver_of):
    project = make_project({"game": CONSTANTS_APP},
                           'name="demo", app_sequence=["game"], num_participants=4')
    spec = project.apps["game"]
    assert (spec.players_per_group, spec.num_rounds) == (2, 3)
    assert spec.settings.roles == ["proposer", "responder"]
    engine = open_engine(project)
    session = engine.create_session("demo")
    first = driver_of(engine).codes(session)[0]
    with engine.view(first) as page:
        assert (page.player.role, len(page.group.get_players())) == ("proposer", 2)
    assert [row.round_number for row in engine.monitor(session)] == [1, None, None, None]


def test_constants_that_do_not_fit_are_refused_at_the_line_of_class_c(make_project, tmp_path):
    from labctl.project import load_project

    root = tmp_path / "broken"
    (root / "game").mkdir(parents=True)
    (root / "sessions.py").write_text(
        'from labctl import SessionType\n\nSESSION_TYPES = [SessionType(name="demo", '
        'app_sequence=["game"], num_participants=4)]\n')
    (root / "game" / "__init__.py").write_text(CONSTANTS_APP.replace(
        "NUM_ROUNDS = 3", 'NUM_ROUNDS = "three"'))
    (root / "game" / "Ask.html").write_text("{{ formfields() }}{{ next_button() }}")
    project = load_project(root)
    try:
        problems = validate_project(project)
    finally:
        project.unload()
    # LC121: num_rounds is not a whole number, located at `class C:`
    assert [(p.code, p.location.file.name, p.location.line) for p in problems] == [
        ("LC121", "__init__.py", 5)]
