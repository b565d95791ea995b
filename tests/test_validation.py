"""The rules of ``labctl validate``: one small broken project per rule code.

Every test writes a project into ``tmp_path``, loads it with ``load_project`` and checks
``validate_project(project)``: the exact code, the exact ``file:line`` (relative to the
project) and a fragment of the message. The projects are a valid baseline with one piece changed::

    sessions.py          line 4: SessionType(name="demo", app_sequence=["game"])
    game/__init__.py     line 4: app = labctl.App(players_per_group=2)
                         line 8:     age = fields.Integer(min=0, max=120)   (in class Player)
                         line 11: class Ask(labctl.Page)  with form_fields = ["age"] on line 12
                         line 14 on: ``extra`` code, when a test adds some
    game/Ask.html        the template of Ask
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NamedTuple

import pytest

import labctl
from labctl.project import Project, load_project
from labctl.validation import validate_project

SAMPLE_SESSIONS = Path(__file__).resolve().parent.parent / "sample_sessions"
LABCTL_SOURCE = Path(labctl.__file__).resolve().parent

GAME_INIT = """\
import labctl
from labctl import fields

app = labctl.App({app})


class Player(labctl.Player):
    age = {field}


class Ask(labctl.Page):
    {page}
{extra}

page_sequence = {page_sequence}
"""

BASELINE = {
    "session_type": 'name="demo", app_sequence=["game"]',
    "app": "players_per_group=2",
    "field": "fields.Integer(min=0, max=120)",
    "page": 'form_fields = ["age"]',
    "extra": "",
    "page_sequence": "[Ask]",
}
ASK_HTML = "<p>Tell us your age.</p>\n{{ formfields() }}\n{{ next_button() }}\n"
DEMO = BASELINE["session_type"]

# -- helpers ---------------------------------------------------------------------------------


def sessions_py(*session_types: str) -> str:
    """A sessions.py whose n-th SessionType(...) (from its arguments) is on line 3 + n."""
    entries = "".join(f"    SessionType({arguments}),\n" for arguments in session_types)
    return f"from labctl import SessionType\n\nSESSION_TYPES = [\n{entries}]\n"


def game_init(**changes: str) -> str:
    """The baseline app's ``__init__.py`` with some pieces (see BASELINE) replaced."""
    unknown = set(changes) - set(BASELINE)
    assert not unknown, f"no such piece: {unknown}"
    return GAME_INIT.format(**{**BASELINE, **changes})


def app_files(folder: str, **changes: str) -> dict[str, str]:
    """The baseline app (``__init__.py`` and ``Ask.html``) written in ``folder``."""
    return {f"{folder}/__init__.py": game_init(**changes), f"{folder}/Ask.html": ASK_HTML}


def project_files(**changes: str) -> dict[str, str | bytes | None]:
    """A valid minimal project with app ``game``, with some pieces (see BASELINE) replaced."""
    session_type = changes.pop("session_type", DEMO)
    return {"sessions.py": sessions_py(session_type), **app_files("game", **changes)}


def write_project(root: Path, files: dict[str, str | bytes | Path | None]) -> Path:
    """Write ``relative path -> text`` under ``root``; bytes as is; a Path as a symlink to
    it; None leaves it out."""
    root.mkdir(parents=True, exist_ok=True)
    for relative, content in files.items():
        if content is None:
            continue
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, Path):  # a symlink to that path
            path.symlink_to(content)
        elif isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


class Reported(NamedTuple):
    code: str
    where: str
    message: str
    hint: str


def reported(project: Project) -> list[Reported]:
    return [Reported(p.code, p.location.display(project.root), p.message, p.hint)
            for p in validate_project(project)]


@pytest.fixture
def load() -> Iterator[Callable[[Path], Project]]:
    """``load(root)`` loads a project; every project loaded is unloaded after the test."""
    loaded: list[Project] = []

    def load_one(root: Path) -> Project:
        project = load_project(root)
        loaded.append(project)
        return project

    yield load_one
    for project in loaded:
        project.unload()


@pytest.fixture
def problems_of(tmp_path: Path, load) -> Callable[..., list[Reported]]:
    """``problems_of(files)`` writes a project, loads it and returns what validate reports."""

    def problems(files: dict[str, str | bytes | None], folder: str = "project") -> list[Reported]:
        return reported(load(write_project(tmp_path / folder, files)))

    return problems


# -- one broken project per rule ---------------------------------------------------------------

NO_APP_INIT = game_init().replace("app = labctl.App(", "settings = labctl.App(")
WAIT_PAGE = "\n\nclass Gather(labctl.WaitPage):\n    group_by_arrival_time = True\n{}"  # line 15

def with_rooms(*rooms: str) -> dict[str, str | bytes | None]:
    """The baseline project whose sessions.py also declares ROOMS; room n is on line 7 + n."""
    text = ("from labctl import Room, SessionType\n\nSESSION_TYPES = [\n"
            f"    SessionType({DEMO}),\n]\n\nROOMS = [\n"
            + "".join(f"    Room({room}),\n" for room in rooms) + "]\n")
    return {**project_files(), "sessions.py": text}


RULE_CASES = [
    pytest.param({**project_files(), "sessions.py": "from labctl import SessionType\n\n"
                  f"SESSION_TYPES = [SessionType({DEMO})]\nROOMS = 'lab1'\n"},
                 "LC150", "sessions.py", "ROOMS in sessions.py is not a list", id="LC150-type"),
    pytest.param(with_rooms('name="Lab 1", labels=["PC01"]'), "LC150", "sessions.py:8",
                 "room name 'Lab 1' is not a valid name", id="LC150-name"),
    pytest.param(with_rooms('name="lab1", labels=["PC01"]', 'name="lab1", labels=["PC02"]'),
                 "LC150", "sessions.py:9", "room name 'lab1' is used twice", id="LC150-twice"),
    pytest.param(with_rooms('name="lab1"'), "LC151", "sessions.py:8",
                 "room 'lab1' has no seats", id="LC151-empty"),
    pytest.param(with_rooms('name="lab1", labels_file="seats.txt"'), "LC151", "sessions.py:8",
                 "labels_file 'seats.txt' of room 'lab1' does not exist", id="LC151-file"),
    pytest.param(with_rooms('name="lab1", labels=["PC01", "PC01"]'), "LC151", "sessions.py:8",
                 "room 'lab1' lists a seat label twice", id="LC151-twice"),
    pytest.param(with_rooms('name="lab1", labels=["PC 01"]'), "LC151", "sessions.py:8",
                 "seat label 'PC 01' of room 'lab1' cannot be part of a URL",
                 id="LC151-url"),
    # LC10x loading
    pytest.param(project_files(extra="\ndef broken(:\n    pass\n"),
                 "LC101", "game/__init__.py:14", "syntax error: invalid syntax", id="LC101"),
    pytest.param(project_files(extra="\nLIMIT = 100 / 0\n"),
                 "LC102", "game/__init__.py:14",
                 "importing game/__init__.py raised ZeroDivisionError: division by zero",
                 id="LC102"),
    pytest.param({**project_files(), "sessions.py": "from labctl import SessionType\n"},
                 "LC103", "sessions.py", "sessions.py declares no SESSION_TYPES list",
                 id="LC103-missing"),
    pytest.param({**project_files(), "sessions.py": 'SESSION_TYPES = ["demo"]\n'},
                 "LC103", "sessions.py", "SESSION_TYPES holds 'demo', which is not a SessionType",
                 id="LC103-not-a-session-type"),
    # LC11x session types
    pytest.param({**project_files(), "sessions.py": sessions_py(DEMO, DEMO)},
                 "LC110", "sessions.py:5", "session type name 'demo' is used twice", id="LC110"),
    pytest.param(project_files(session_type='name="My demo", app_sequence=["game"]'),
                 "LC111", "sessions.py:4", "session type name 'My demo' is not a valid name",
                 id="LC111-name"),
    pytest.param(project_files(session_type=f'{DEMO}, payment_rounding="0.001"'),
                 "LC240", "sessions.py:4", "payment_rounding 0.001 is finer than the smallest "
                 "unit of EUR (session type 'demo')", id="LC240-payment-rounding"),
    pytest.param(project_files(session_type=f'{DEMO}, consent="welcome.html"'),
                 "LC241", "sessions.py:4", "consent 'welcome.html' of session type 'demo' is "
                 "not a file in the project", id="LC241-consent-file"),
    pytest.param({**project_files(session_type=f'{DEMO}, dropout=labctl.Dropout(then="wait")'),
                  "sessions.py": "import labctl\n" + sessions_py(
                      f'{DEMO}, dropout=labctl.Dropout(then="wait")')},
                 "LC242", "sessions.py:5", "then='wait' of the dropout policy of session type "
                 "'demo' is not something labctl does", id="LC242-dropout-then"),
    pytest.param(project_files(extra=WAIT_PAGE.format(
                     '    arrival_timeout_seconds = 120\n    arrival_timeout_rule = "wait"\n'),
                     page_sequence="[Gather, Ask]"),
                 "LC243", "game/__init__.py:15", "arrival_timeout_rule 'wait' of wait page "
                 "'Gather' of app 'game' is not one labctl knows", id="LC243-arrival-rule"),
    pytest.param(project_files(session_type=f'{DEMO}, batch="Spring 2025"'),
                 "LC111", "sessions.py:4", "batch name 'Spring 2025' is not a valid name",
                 id="LC111-batch"),
    pytest.param(project_files(session_type='name="demo", app_sequence=["game", "gmae"]'),
                 "LC112", "sessions.py:4",
                 "app 'gmae' in the app_sequence of 'demo' does not exist", id="LC112"),
    pytest.param(project_files(session_type=f"{DEMO}, fixed_pay=-100"),
                 "LC113", "sessions.py:4",
                 "fixed_pay=-100 of 'demo' is not a whole, non-negative amount",
                 id="LC113-negative"),
    pytest.param(project_files(session_type=f"{DEMO}, fixed_pay=10.5"),
                 "LC113", "sessions.py:4", "fixed_pay=10.5 of 'demo' is not a whole",
                 id="LC113-float"),
    pytest.param(project_files(session_type=f"{DEMO}, num_participants=5"),
                 "LC114", "sessions.py:4",
                 "5 participants of 'demo' do not divide into groups of 2 in app 'game'",
                 id="LC114-indivisible"),
    pytest.param(project_files(session_type=f"{DEMO}, num_participants=0"),
                 "LC114", "sessions.py:4",
                 "num_participants=0 of 'demo' is not a positive whole number",
                 id="LC114-zero"),
    pytest.param(project_files(session_type='name="demo", app_sequence=[]'),
                 "LC115", "sessions.py:4", "session type 'demo' has an empty app_sequence",
                 id="LC115-empty"),
    pytest.param(project_files(session_type='name="demo", app_sequence=["game", 2]'),
                 "LC115", "sessions.py:4", "app_sequence holds 2, not an app name",
                 id="LC115-not-a-name"),
    pytest.param(project_files(session_type=f'{DEMO}, currency="eur"'),
                 "LC116", "sessions.py:4",
                 "currency 'eur' of 'demo' is not a known ISO 4217 code", id="LC116"),
    pytest.param(project_files(session_type=f"{DEMO}, money_per_point=0.5"),
                 "LC117", "sessions.py:4",
                 "money_per_point=0.5 of 'demo' is invalid: write the rate as a string",
                 id="LC117-float"),
    pytest.param(project_files(session_type=f'{DEMO}, money_per_point="-1"'),
                 "LC117", "sessions.py:4", "the rate cannot be negative",
                 id="LC117-negative"),
    pytest.param(project_files(session_type=f'{DEMO}, params={{1: "one"}}'),
                 "LC118", "sessions.py:4", "params of 'demo' must be a dict with text keys",
                 id="LC118-keys"),
    pytest.param(project_files(session_type=f'{DEMO}, params={{"rate": float("nan")}}'),
                 "LC118", "sessions.py:4", "params of 'demo' cannot be stored",
                 id="LC118-nan"),
    pytest.param({**project_files(session_type='name="demo", app_sequence=["game", "game"]'),
                  **app_files("game_2")},
                 "LC119", "sessions.py:4",
                 "app 'game' appears twice in the app_sequence of 'demo', and its second "
                 "listing cannot play as 'game_2'", id="LC119"),
    # LC16x session types: locale
    pytest.param(project_files(session_type=f'{DEMO}, locale="deutsch"'),
                 "LC160", "sessions.py:4",
                 "locale='deutsch' of 'demo' is not a locale labctl knows the decimal mark of",
                 id="LC160-unknown"),
    pytest.param(project_files(session_type=f'{DEMO}, locale="de_de"'),
                 "LC160", "sessions.py:4", "locale='de_de' of 'demo'", id="LC160-lower-region"),
    pytest.param(project_files(session_type=f'{DEMO}, locale=None'),
                 "LC160", "sessions.py:4", "locale=None of 'demo'", id="LC160-none"),
    # LC12x apps
    pytest.param({**project_files(), **app_files("admin")},
                 "LC120", "admin/__init__.py", "app name 'admin' is invalid or reserved",
                 id="LC120-reserved"),
    pytest.param({**project_files(), **app_files("my-game")},
                 "LC120", "my-game/__init__.py", "app folder 'my-game' is not a valid app name",
                 id="LC120-not-an-identifier"),
    pytest.param({**project_files(), **app_files("Admin")},
                 "LC120", "Admin/__init__.py", "app name 'Admin' is invalid or reserved",
                 id="LC120-reserved-in-capitals"),
    pytest.param({**project_files(), **app_files("Game")},
                 "LC260", "game/__init__.py", "apps 'Game' and 'game' differ only in capitals",
                 id="LC260"),
    pytest.param(project_files(app="players_per_group=2, num_rounds=0"),
                 "LC121", "game/__init__.py:4",
                 "num_rounds=0 in app 'game' must be a whole number of at least 1", id="LC121"),
    pytest.param(project_files(app="players_per_group=0"),
                 "LC122", "game/__init__.py:4",
                 "players_per_group=0 in app 'game' must be a whole number", id="LC122"),
    pytest.param(project_files(app='players_per_group=2, roles=["proposer"]'),
                 "LC123", "game/__init__.py:4", "app 'game' declares 1 roles for groups of 2",
                 id="LC123-count"),
    pytest.param(project_files(app='players_per_group=2, roles=[" first", 2]'),
                 "LC123", "game/__init__.py:4", "roles of app 'game' must be texts",
                 id="LC123-not-texts"),
    pytest.param(project_files(app='players_per_group=2, matching="swap"'),
                 "LC124", "game/__init__.py:4", "matching='swap' in app 'game' is unknown",
                 id="LC124-matching"),
    pytest.param(project_files(app='name="games", players_per_group=2'),
                 "LC124", "game/__init__.py:4", "App(name='games') differs from its folder 'game'",
                 id="LC124-name"),
    pytest.param({**project_files(), "game/__init__.py": NO_APP_INIT},
                 "LC124", "game/__init__.py", "app 'game' declares no `app = labctl.App(...)`",
                 id="LC124-missing"),
    pytest.param(project_files(extra="\nclass Group(labctl.Player):\n    pass\n"),
                 "LC125", "game/__init__.py",
                 "Group in app 'game' is not a subclass of labctl.Group", id="LC125"),
    pytest.param(project_files(extra='\ncreating_session = "pairs"\n'),
                 "LC126", "game/__init__.py", "creating_session in app 'game' is not a function",
                 id="LC126"),
    pytest.param(project_files(app='players_per_group=2, shared_schemas={"group": '
                                   '{"type": "objekt"}}'),
                 "LC127", "game/__init__.py:4", "the group schema of app 'game' is not a valid "
                 "JSON Schema", id="LC127-invalid-schema"),
    pytest.param(project_files(app='players_per_group=2, shared_schemas={"team": {}}'),
                 "LC127", "game/__init__.py:4", "shared_schemas of app 'game' names the store "
                 "'team'", id="LC127-unknown-store"),
    # LC13x pages
    pytest.param(project_files(page_sequence="[]"),
                 "LC130", "game/__init__.py", "app 'game' has an empty or missing page_sequence",
                 id="LC130"),
    pytest.param(project_files(page_sequence='[Ask, "Results"]'),
                 "LC131", "game/__init__.py",
                 "page_sequence of 'game' holds 'Results', which is not a Page or WaitPage",
                 id="LC131-not-a-page"),
    pytest.param(project_files(page_sequence="[Ask, Ask]"),
                 "LC131", "game/__init__.py:11",
                 "page 'Ask' appears twice in the page_sequence of 'game'", id="LC131-twice"),
    pytest.param(project_files(page='form_fields = ["agee"]'),
                 "LC132", "game/__init__.py:11",
                 "page 'Ask' has form field 'agee' that Player does not declare",
                 id="LC132-player"),
    pytest.param(project_files(page='form_model = "group"\n    form_fields = ["age"]'),
                 "LC132", "game/__init__.py:11",
                 "page 'Ask' has form field 'age' that Group does not declare",
                 id="LC132-group"),
    pytest.param({**project_files(), "game/Ask.html": None},
                 "LC133", "game/__init__.py:11", "page 'Ask' has no template game/Ask.html",
                 id="LC133-default-name"),
    pytest.param(project_files(page='form_fields = ["age"]\n    template_name = "Age.html"'),
                 "LC133", "game/__init__.py:11", "page 'Ask' has no template game/Age.html",
                 id="LC133-template-name"),
    pytest.param({**project_files(), "game/Ask.html": "<p>Age</p>\n{{ formfields() }}\n"
                                                      "{% nextbutton %}\n"},
                 "LC134", "game/Ask.html:3",
                 "template syntax error: Encountered unknown tag 'nextbutton'",
                 id="LC134-syntax"),
    pytest.param({**project_files(), "game/Ask.html": "<p>Age</p>\n{{ formfields() }}\n"
                                                      "{{ player.age|to3 }}\n"},
                 "LC134", "game/Ask.html:3", "template: No filter named 'to3'.",
                 id="LC134-unknown-filter"),
    pytest.param({**project_files(), "game/Ask.html": b"<p>\xe2ge</p>\n{{ formfields() }}\n"},
                 "LC134", "game/Ask.html", "template is not UTF-8 text", id="LC134-encoding"),
    pytest.param(project_files(page='form_fields = ["age"]\n    template_name = "../x.html"'),
                 "LC133", "game/__init__.py:11",
                 "template_name of page 'Ask' points outside the app folder",
                 id="LC133-outside-app"),
    pytest.param(project_files(page='form_fields = "age"'),
                 "LC132", "game/__init__.py:11",
                 "form_fields of page 'Ask' must be a list of field names",
                 id="LC132-not-a-list"),
    pytest.param(project_files(page='form_fields = ["age"]\n    timeout_seconds = 0'),
                 "LC135", "game/__init__.py:11",
                 "timeout_seconds=0 of page 'Ask' must be a positive number",
                 id="LC135-seconds"),
    pytest.param(project_files(page='form_fields = ["age"]\n    timeout_submission = {"agee": 1}'),
                 "LC135", "game/__init__.py:11",
                 "timeout_submission of page 'Ask' sets 'agee', which is not one of its "
                 "form_fields", id="LC135-submission-field"),
    pytest.param(project_files(page='form_fields = ["age"]\n    timeout_seconds = float("nan")'),
                 "LC135", "game/__init__.py:11",
                 "timeout_seconds=nan of page 'Ask' must be a positive number",
                 id="LC135-nan"),
    pytest.param(project_files(page='form_fields = ["age"]\n    timeout_submission = {"age": 500}'),
                 "LC135", "game/__init__.py:11",
                 "timeout_submission of page 'Ask' sets age=500: Please enter a value of at "
                 "most 120.", id="LC135-submission-value"),
    pytest.param(project_files(page='form_fields = ["age"]\n    timeout_submission = [30]'),
                 "LC135", "game/__init__.py:11",
                 "timeout_submission of page 'Ask' must be a dict", id="LC135-submission-type"),
    pytest.param(project_files(extra=WAIT_PAGE.format(""), page_sequence="[Ask, Gather]"),
                 "LC136", "game/__init__.py:15",
                 "wait page 'Gather' groups by arrival time but is not the first page",
                 id="LC136-not-first"),
    pytest.param(project_files(extra=WAIT_PAGE.format("    wait_for_all_groups = True\n"),
                               page_sequence="[Gather, Ask]"),
                 "LC136", "game/__init__.py:15",
                 "wait page 'Gather' cannot both group by arrival time and wait for all groups",
                 id="LC136-all-groups"),
    pytest.param(project_files(app="", extra=WAIT_PAGE.format(""), page_sequence="[Gather, Ask]"),
                 "LC136", "game/__init__.py:15", "app 'game' has no players_per_group",
                 id="LC136-no-group-size"),
    pytest.param(project_files(page='form_model = "participant"\n    form_fields = ["age"]'),
                 "LC137", "game/__init__.py:11",
                 "form_model='participant' of page 'Ask' is invalid", id="LC137"),
    # LC14x fields
    pytest.param(project_files(field="fields.Integer(min=120, max=0)"),
                 "LC140", "game/__init__.py:8", "Player: field 'age' has min=120 above max=0",
                 id="LC140-min-above-max"),
    pytest.param(project_files(field="fields.Money(min=0.5)"),
                 "LC140", "game/__init__.py:8", "min=0.5 of field 'age' is not a valid money",
                 id="LC140-bound-type"),
    pytest.param(project_files(field="fields.Integer(choices=[])"),
                 "LC141", "game/__init__.py:8", "Player: field 'age' has empty choices",
                 id="LC141"),
    pytest.param(project_files(extra="\n\nclass Group(labctl.Group):\n"
                                     "    id_in_subsession = fields.Integer()\n"),
                 "LC142", "game/__init__.py:16",
                 "Group field 'id_in_subsession' uses a reserved or invalid name",
                 id="LC142-builtin"),
    pytest.param(project_files(extra="\n\nclass Group(labctl.Group):\n"
                                     "    subsession_id = fields.Integer()\n"),
                 "LC142", "game/__init__.py:16",
                 "Group field 'subsession_id' uses a reserved or invalid name",
                 id="LC142-engine-column"),
    pytest.param(project_files(extra="\n\nclass Subsession(labctl.Subsession):\n"
                                     "    _secret = fields.Integer()\n"),
                 "LC142", "game/__init__.py:16",
                 "Subsession field '_secret' uses a reserved or invalid name",
                 id="LC142-underscore"),
    pytest.param(project_files(field="fields.Integer(min=0, max=120, initial=200)"),
                 "LC143", "game/__init__.py:8",
                 "initial value 200 of field 'age' is not valid: Please enter a value of at "
                 "most 120.", id="LC143-initial"),
    pytest.param(project_files(field='fields.Integer(choices=[18, 30, "old"])'),
                 "LC143", "game/__init__.py:8", "choice 'old' of field 'age' is not a valid "
                 "integer", id="LC143-choice"),
    pytest.param(project_files(field="fields.Integer(min=0, max=120, choices=[18, 130])"),
                 "LC143", "game/__init__.py:8", "choice 130 of field 'age' is outside its min "
                 "and max", id="LC143-choice-out-of-bounds"),
    pytest.param(project_files(field='fields.Choice(choices=[18, "old"])'),
                 "LC143", "game/__init__.py:8", "choices of field 'age' mix types",
                 id="LC143-mixed-choices"),
    pytest.param(project_files(field='fields.Integer(min=0, max=120, widget="textarea")'),
                 "LC144", "game/__init__.py:8",
                 "widget 'textarea' does not fit integer field 'age'", id="LC144-widget"),
    pytest.param(project_files(field='fields.Integer(min=0, widget="slider")'),
                 "LC144", "game/__init__.py:8", "slider field 'age' needs both min and max",
                 id="LC144-slider"),
    pytest.param(project_files(field='fields.Integer(widget="radio")'),
                 "LC144", "game/__init__.py:8", "widget 'radio' of field 'age' needs choices",
                 id="LC144-radio"),
    # LC17x templates (labctl/template_checks.py)
    pytest.param({**project_files(), "game/Ask.html": ASK_HTML + "{{ chat nickname='x' }}\n"},
                 "LC170", "game/Ask.html:4",
                 "oTree tag {{ chat nickname='x' }} has no labctl translation",
                 id="LC170-chat-options"),
    pytest.param({**project_files(),
                  "game/Ask.html": "<p>Age</p>\n{{ formfield player.age size='3' }}\n"},
                 "LC170", "game/Ask.html:2", "oTree tag {{ formfield player.age size='3' }}",
                 id="LC170-formfield-option"),
    pytest.param({**project_files(), "game/Ask.html": ASK_HTML + '{% include "Rules.html" %}\n'},
                 "LC171", "game/Ask.html:4", "template 'Rules.html' not found",
                 id="LC171-include"),
    pytest.param({**project_files(), "game/Ask.html": ASK_HTML + "<script>\n go();\n</script>\n"},
                 "LC175", "game/Ask.html:4", "an inline <script> does not run",
                 id="LC175-inline-script"),
    pytest.param({**project_files(), "game/Ask.html": ASK_HTML + '<button onclick="go()">'},
                 "LC175", "game/Ask.html:4", "<button onclick=...>: an inline event handler",
                 id="LC175-handler"),
    pytest.param({**project_files(), "game/Ask.html": ASK_HTML + "<style>p {color: red}</style>"},
                 "LC175", "game/Ask.html:4", "an inline <style> is not applied",
                 id="LC175-style-element"),
    pytest.param({**project_files(), "game/Ask.html": ASK_HTML + '<a href="javascript:go()">'},
                 "LC175", "game/Ask.html:4", '<a href="javascript:...">', id="LC175-js-url"),
    pytest.param({**project_files(),
                  "game/Ask.html": '{% extends "global/Layout.html" %}\n' + ASK_HTML},
                 "LC171", "game/Ask.html:1", "template 'global/Layout.html' not found",
                 id="LC171-extends"),
    pytest.param({**project_files(), "game/Ask.html": ASK_HTML,
                  "game/Rules.html": '<p>Rules</p>\n{% import "macros.html" as m %}\n'},
                 "LC171", "game/Rules.html:2", "template 'macros.html' not found",
                 id="LC171-import-in-fragment"),
    pytest.param({**project_files(), "game/Ask.html": ASK_HTML + "{{ player.id_in_grop }}\n"},
                 "LC172", "game/Ask.html:4", "player has no field or attribute 'id_in_grop'",
                 id="LC172-player"),
    pytest.param({**project_files(), "game/Ask.html": ASK_HTML + "{{ participant.lable }}\n"},
                 "LC172", "game/Ask.html:4", "participant has no field or attribute 'lable'",
                 id="LC172-participant"),
    pytest.param({**project_files(), "game/Ask.html": ASK_HTML + "{{ player.payoff }}\n"},
                 "LC173", "game/Ask.html:4", "{{ player.payoff }} shows the amount in minor "
                 "units", id="LC173-payoff"),
    pytest.param({**project_files(), "game/Ask.html": ASK_HTML,
                  "game/Rules.html": "<p>Rules</p>\n{% if x %}\n"},
                 "LC174", "game/Rules.html:2", "template syntax error", id="LC174-fragment"),
]

# oTree names (labctl/otree_hints.py): each refused with the labctl spelling
RULE_CASES += [
    pytest.param(project_files(extra="\nfrom otree.api import *\n"), "LC200",
                 "game/__init__.py:14", "'from otree.api import ...': this is oTree",
                 id="LC200-otree-import"),
    pytest.param(project_files(extra="\nimport otree.models\n"), "LC200",
                 "game/__init__.py:14", "'import otree.models': this is oTree",
                 id="LC200-import-otree"),
    pytest.param(project_files(extra="\nBONUS = cu(5)\n"), "LC201", "game/__init__.py:14",
                 "oTree's cu does not exist in labctl", id="LC201-cu"),
    pytest.param(project_files(extra="\nBONUS = Currency(5)\n"), "LC201",
                 "game/__init__.py:14", "oTree's Currency does not exist", id="LC201-currency"),
    pytest.param(project_files(extra="\nCHOICES = list(currency_range(0, 10, 1))\n"), "LC201",
                 "game/__init__.py:14", "oTree's currency_range does not exist",
                 id="LC201-currency-range"),
    pytest.param(project_files(field="models.IntegerField(min=0)"), "LC202",
                 "game/__init__.py:8", "oTree's models.IntegerField does not exist",
                 id="LC202-integer-field"),
    pytest.param(project_files(field="FloatField()"), "LC202", "game/__init__.py:8",
                 "oTree's models.FloatField does not exist", id="LC202-bare-float-field"),
    pytest.param(project_files(extra="\n\nclass Group(BaseGroup):\n    pass\n"), "LC203",
                 "game/__init__.py:15", "oTree's BaseGroup does not exist",
                 id="LC203-base-group"),
    pytest.param(project_files(field="fields.Integer(choices=[1, 2], "
                                     "widget=widgets.RadioSelect)"), "LC204",
                 "game/__init__.py:8", "oTree's widgets.RadioSelect does not exist",
                 id="LC204-radio-select"),
    # oTree's PARTICIPANT_FIELDS / SESSION_FIELDS (labctl/declared_fields.py)
    pytest.param({**project_files(), "sessions.py": "from labctl import SessionType, fields\n\n"
                  f"SESSION_TYPES = [SessionType({DEMO})]\n"
                  "PARTICIPANT_FIELDS = {'code': fields.Text()}\n"},
                 "LC205", "sessions.py:4",
                 "PARTICIPANT_FIELDS declares 'code', which participant already has",
                 id="LC205-reserved"),
]


# LC19x oTree hooks labctl does not run (labctl/hook_checks.py): refused by name, never ignored
STATIC = "\n\n    @staticmethod\n    def {}(player):\n        return {{}}"  # decorator: line 14
HOLD = ("\n\nclass Hold(labctl.WaitPage):\n    @staticmethod\n    def {}(player):\n"
        "        return {{}}\n")  # decorator on line 16
RULE_CASES += [
    pytest.param(project_files(page='form_fields = ["age"]' + STATIC.format("before_next_page")),
                 "LC138", "game/__init__.py:14",
                 "before_next_page of page 'Ask' takes (player), but is called with (player, "
                 "timeout_happened)", id="LC138-before-next-page"),
    pytest.param(project_files(page='form_fields = ["age"]' + STATIC.format("timeout_happened")),
                 "LC190", "game/__init__.py:14",
                 "page 'Ask' defines timeout_happened, which labctl does not run",
                 id="LC190-page-timeout-happened"),
    pytest.param(project_files(extra="\ndef before_session_starts(subsession):\n    pass\n"),
                 "LC191", "game/__init__.py:14",
                 "app 'game' defines before_session_starts(), which labctl does not call",
                 id="LC191-before-session-starts"),
    pytest.param(project_files(extra="\ndef vars_for_all_templates(player):\n    return {}\n"),
                 "LC191", "game/__init__.py:14",
                 "app 'game' defines vars_for_all_templates(), which labctl does not call",
                 id="LC191-vars-for-all-templates"),
    pytest.param(project_files(extra=HOLD.format("get_players_for_group"),
                               page_sequence="[Ask, Hold]"),
                 "LC190", "game/__init__.py:16",
                 "wait page 'Hold' defines get_players_for_group, which labctl does not run",
                 id="LC190-get-players-for-group"),
    pytest.param(project_files(extra="\ndef vars_for_admin_report(subsession):\n    return {}\n"),
                 "LC235", "game/__init__.py:14",
                 "app 'game' defines vars_for_admin_report() but has no admin_report.html, "
                 "so no report would show", id="LC235-admin-report-without-template"),
    pytest.param({**project_files(extra="\ndef vars_for_admin_report():\n    return {}\n"),
                  "game/admin_report.html": "<p>{{ subsession.round_number }}</p>\n"},
                 "LC234", "game/__init__.py:14", "vars_for_admin_report() of app 'game' must "
                 "take one argument, the subsession", id="LC234-admin-report-signature"),
    pytest.param(project_files(extra="\nclass Subsession(labctl.Subsession):\n"
                               "    def vars_for_admin_report(self):\n        return {}\n"),
                 "LC192", "game/__init__.py:15", "Subsession.vars_for_admin_report in app "
                 "'game' is an oTree hook that labctl does not call as a method",
                 id="LC192-admin-report-self-format"),
    pytest.param(project_files(extra="\ndef custom_export(players, extra):\n    yield []\n"),
                 "LC230", "game/__init__.py:14",
                 "custom_export() of app 'game' must take one argument, the players",
                 id="LC230-custom-export-signature"),
    pytest.param(project_files(extra="\nclass Custom(labctl.ExtraRecord):\n"
                               "    player = labctl.Link(Player)\n"),
                 "LC231", "game/__init__.py:14", "extra record Custom of app 'game' would be "
                 "stored as game_custom, one labctl uses", id="LC231-extra-record-name"),
    pytest.param(project_files(extra="\nclass Trade(labctl.ExtraRecord):\n"
                               "    buyer = labctl.Link(Player)\n"
                               "    seller = labctl.Link(Player)\n"),
                 "LC232", "game/__init__.py:14",
                 "extra record Trade of app 'game' has 2 links (buyer, seller)",
                 id="LC232-extra-record-with-two-player-links"),
    pytest.param(project_files(extra="\nclass Trial(labctl.ExtraRecord):\n"
                               "    player = labctl.Link(Player)\n"
                               "    session_code = fields.Integer()\n"),
                 "LC233", "game/__init__.py:16", "field 'session_code' of Trial in app 'game' "
                 "is the column 'session_code' labctl keeps for every extra record",
                 id="LC233-extra-record-reserved-field"),
    pytest.param(project_files(extra="\nclass Trial(labctl.ExtraRecord):\n"
                               "    player = labctl.Link(Player)\n"
                               "    round_number = fields.Integer()\n"
                               "    App_Round_Number = fields.Integer()\n"),
                 "LC233", "game/__init__.py:17", "field 'App_Round_Number' of Trial in app "
                 "'game' is the column 'app_round_number' labctl keeps",
                 id="LC233-extra-record-own-round-and-its-column"),
    pytest.param(project_files(extra="\nclass Report(labctl.ExtraRecord):\n"
                               "    Session_Code = fields.Text()\n"),
                 "LC233", "game/__init__.py:15", "field 'Session_Code' of Report in app 'game' "
                 "is the column 'session_code' labctl keeps for every extra record (a "
                 "database's column names ignore case)",
                 id="LC233-extra-record-reserved-field-in-another-case"),
    pytest.param(project_files(extra="\n\nclass Group(labctl.Group):\n"
                                     "    Round_Number = fields.Integer()\n"),
                 "LC142", "game/__init__.py:16",
                 "Group field 'Round_Number' uses a reserved or invalid name",
                 id="LC142-builtin-in-another-case"),
    pytest.param(project_files(extra="\n\nclass Group(labctl.Group):\n"
                                     "    score = fields.Integer()\n"
                                     "    Score = fields.Integer()\n"),
                 "LC142", "game/__init__.py:17",
                 "Group field 'Score' differs from field 'score' only in case",
                 id="LC142-fields-differing-in-case"),
    pytest.param(project_files(extra="\nclass Subsession(labctl.Subsession):\n"
                               "    def creating_session(self):\n        pass\n"),
                 "LC192", "game/__init__.py:15", "Subsession.creating_session in app 'game' is "
                 "an oTree hook that labctl does not call as a method", id="LC192-self-format"),
    pytest.param(project_files(extra="\nclass Subsession(labctl.Subsession):\n"
                               "    def group_by_arrival_time_method(self, waiting_players):\n"
                               "        pass\n"),
                 "LC192", "game/__init__.py:15", "Subsession.group_by_arrival_time_method in app "
                 "'game' is an oTree hook that labctl does not call as a method",
                 id="LC192-arrival-method-self-format"),
    pytest.param(project_files(field="fields.Integer(min=0)\n\n    def age_max(self):\n"
                               "        return 99"),
                 "LC192", "game/__init__.py:10", "Player.age_max in app 'game' is an oTree hook",
                 id="LC192-field-method"),
]

# -- languages (labctl/translation_checks.py) ---------------------------------------------------
MARKED_ASK = '<p>{{ _("Tell us your age.") }}</p>\n{{ formfields() }}\n{{ next_button() }}\n'
GERMAN_PO = ('msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
             'msgid "Tell us your age."\nmsgstr "Wie alt sind Sie?"\n')
RULE_CASES += [
    pytest.param(project_files(session_type=f'{DEMO}, language="deutsch!"'),
                 "LC220", "sessions.py:4", "language='deutsch!' of 'demo' is not a language code",
                 id="LC220"),
    pytest.param({**project_files(session_type=f'{DEMO}, language="de"'),
                  "game/Ask.html": MARKED_ASK},
                 "LC221", "sessions.py:4", "session type 'demo' is in 'de', but 1 of the "
                 "project's 1 marked texts have no translation there", id="LC221"),
    pytest.param({**project_files(session_type=f'{DEMO}, language="de"'),
                  "game/Ask.html": MARKED_ASK, "locale/de/LC_MESSAGES/messages.po": GERMAN_PO},
                 "LC222", "locale/de/LC_MESSAGES/messages.po", "is newer than its compiled .mo",
                 id="LC222"),
    pytest.param(project_files(session_type=f'{DEMO}, language="sw"'),
                 "LC223", "sessions.py:4", "labctl ships no 'sw' texts", id="LC223"),
    pytest.param({**project_files(session_type=f'{DEMO}, language="de"'),
                  "game/Ask.fr.html": ASK_HTML},
                 "LC224", "game/Ask.html", "Ask.html is written per language (fr) but has no "
                 "'de' version", id="LC224"),
]


# LC21x live pages (labctl/live_checks.py): a live_method that could never run
LIVE = ("\n\n    @staticmethod\n    def live_method({}):\n"
        "        return {{0: data}}")  # decorator: line 14
LIVE_PAGE = 'form_fields = ["age"]' + LIVE.format("player, data")
LIVE_HTML = ('{% block scripts %}<script src="/app-static/game/live.js"></script>'
             "{% endblock %}\n" + ASK_HTML)


def live_files(page: str = LIVE_PAGE, html: str = LIVE_HTML) -> dict[str, str | bytes | None]:
    return {**project_files(page=page), "game/Ask.html": html}


RULE_CASES += [
    pytest.param(live_files(html='{% extends "labctl/base.html" %}\n' + ASK_HTML), "LC210",
                 "game/Ask.html:1", "extends 'labctl/base.html', which does not load liveSend",
                 id="LC210-extends"),
    pytest.param(live_files(html=LIVE_HTML + "{% block labctl_scripts %}{% endblock %}\n"),
                 "LC210", "game/Ask.html:5", "replaces the block labctl_scripts",
                 id="LC210-client-block"),
    pytest.param(live_files(page='form_fields = ["age"]\n    live_method = 42'), "LC211",
                 "game/__init__.py:11", "sets live_method to int 42, not a function",
                 id="LC211-not-a-function"),
    pytest.param(live_files(page='form_fields = ["age"]' + LIVE.format("player")), "LC212",
                 "game/__init__.py:14", "live_method takes (player), but is called with "
                 "(player, data)", id="LC212-signature"),
    pytest.param(live_files(page='form_fields = ["age"]\n    live_method = "live_bid"'),
                 "LC213", "game/__init__.py:11", "names its live method as text "
                 "(live_method = 'live_bid'), oTree's older spelling", id="LC213-text"),
    pytest.param(live_files(html="<script>\nfunction liveRecv(data) {}\n</script>\n" + ASK_HTML),
                 "LC175", "game/Ask.html:1", "an inline <script> does not run",
                 id="LC175-live-inline-script"),
]


# LC265-LC266 wait pages with a live_method (labctl/wait_live_checks.py)
LIVE_HOLD = ("\n\nclass Hold(labctl.WaitPage):\n{}    @staticmethod\n    def live_method({}):\n"
             "        return {{0: data}}\n")  # class on line 15
HOLD_HTML = ('{% block scripts %}<script src="/app-static/game/hold.js"></script>'
             "{% endblock %}\n{% block content %}<p>Hold on</p>{% endblock %}\n")


def live_hold(html: str | None = HOLD_HTML, settings: str = "",
              arguments: str = "player, data") -> dict[str, str | bytes | None]:
    return {**project_files(extra=LIVE_HOLD.format(settings, arguments),
                            page_sequence="[Ask, Hold]"), "game/Hold.html": html}


RULE_CASES += [
    pytest.param(live_hold(html=None), "LC265", "game/__init__.py:15", "wait page 'Hold' has "
                 "a live_method, but no template of its own, so no script could call liveSend",
                 id="LC265-no-template"),
    pytest.param(live_hold(html='{% extends "labctl/base.html" %}\n' + HOLD_HTML), "LC265",
                 "game/Hold.html:1", "its template extends 'labctl/base.html', which does not "
                 "load liveSend", id="LC265-extends"),
    pytest.param(live_hold(html=HOLD_HTML + "{% block labctl_scripts %}{% endblock %}\n"),
                 "LC265", "game/Hold.html:3", "its template replaces the block labctl_scripts",
                 id="LC265-client-block"),
    pytest.param({**project_files(extra=LIVE_HOLD.format(
        "    group_by_arrival_time = True\n", "player, data"), page_sequence="[Hold, Ask]"),
        "game/Hold.html": HOLD_HTML}, "LC266", "game/__init__.py:15", "wait page 'Hold' groups "
        "by arrival time and has a live_method", id="LC266-arrival"),
    pytest.param(live_hold(arguments="player"), "LC212", "game/__init__.py:16", "wait page "
                 "'Hold''s live_method takes (player), but is called with (player, data)",
                 id="LC212-wait-page-signature"),
]


# LC25x oTree's recipes (labctl/recipe_checks.py)
HOLD_WITH = "\n\nclass Hold(labctl.WaitPage):\n{}"  # class on line 15
RULE_CASES += [
    pytest.param(project_files(extra=HOLD_WITH.format("    template_name = 'Nowhere.html'\n"),
                               page_sequence="[Ask, Hold]"),
                 "LC250", "game/__init__.py:15", "template_name of wait page 'Hold' names "
                 "'Nowhere.html', which is no file", id="LC250-missing-wait-template"),
    pytest.param(project_files(extra=HOLD_WITH.format(
        "    wait_for_all_groups = True\n\n    @staticmethod\n    def wait_for(player):\n"
        "        return [player]\n"), page_sequence="[Ask, Hold]"),
                 "LC251", "game/__init__.py:15", "wait page 'Hold' has both wait_for and "
                 "wait_for_all_groups", id="LC251-wait-for-and-all-groups"),
    pytest.param(project_files(extra=HOLD_WITH.format("    wait_for = 'partner'\n"),
                               page_sequence="[Ask, Hold]"),
                 "LC252", "game/__init__.py:15", "wait_for of wait page 'Hold' is 'partner', "
                 "not a function", id="LC252-wait-for-not-a-function"),
    pytest.param(project_files(extra=HOLD_WITH.format("    timeout_seconds = 0\n"),
                               page_sequence="[Ask, Hold]"),
                 "LC253", "game/__init__.py:15", "timeout_seconds=0 of wait page 'Hold' must be "
                 "a positive number", id="LC253-wait-timeout-zero"),
    pytest.param(project_files(extra=HOLD_WITH.format("    timeout_seconds = 30\n"
                                                      "    after_timeout = 'leave'\n"),
                               page_sequence="[Ask, Hold]"),
                 "LC253", "game/__init__.py:15", "after_timeout='leave' of wait page 'Hold' is "
                 "not one of 'go_on_alone', 'end'", id="LC253-after-timeout"),
    pytest.param(project_files(extra=WAIT_PAGE.format("    timeout_seconds = 30\n"),
                               page_sequence="[Gather, Ask]"),
                 "LC254", "game/__init__.py:15", "wait page 'Gather' groups by arrival time and "
                 "has a timeout", id="LC254-arrival-timeout"),
    pytest.param(project_files(session_type=DEMO + ', exit_url="survey.example/?pid={label}"'),
                 "LC255", "sessions.py:4", "exit_url must start with https://",
                 id="LC255-exit-url-scheme"),
    pytest.param(project_files(session_type=DEMO + ', exit_url="https://x.example/?p={label:>5}"'),
                 "LC255", "sessions.py:4", "exit_url has a placeholder that cannot be filled",
                 id="LC255-exit-url-format-spec"),
    pytest.param(project_files(session_type=DEMO + ', completion_code=""'),
                 "LC256", "sessions.py:4", "completion_code='' of session type 'demo' is not "
                 "a code", id="LC256-empty-completion-code"),
    pytest.param(project_files(extra="\n\nclass Roll(labctl.ExperimenterGate):\n"
                               "    gate_field = 'die'\n", page_sequence="[Ask, Roll]"),
                 "LC258", "game/__init__.py:15", "gate_field='die' of experimenter gate 'Roll' "
                 "is no field of app 'game's Group", id="LC258-gate-without-field"),
]


def test_a_wait_page_template_named_and_present_passes_validate(problems_of):
    files = {**project_files(extra=HOLD_WITH.format("    template_name = 'Hold.html'\n"),
                             page_sequence="[Ask, Hold]"),
             "game/Hold.html": "{% block content %}<p>{{ player.id_in_group }}</p>"
                               "{% endblock %}\n"}

    assert problems_of(files) == []


@pytest.mark.parametrize("hook", ["vars_for_template", "js_vars", "app_after_this_page"])
def test_wait_page_hooks_labctl_runs_are_not_refused(problems_of, hook):
    files = project_files(extra=HOLD.format(hook), page_sequence="[Ask, Hold]")
    if hook == "app_after_this_page":  # called with the apps to come (LC138)
        files["game/__init__.py"] = files["game/__init__.py"].replace(
            "(player):", "(player, upcoming_apps):")

    assert problems_of(files) == []


def test_a_state_fields_initial_outside_its_choices_is_accepted_as_in_otree(problems_of):
    # no form shows it: the code moves it through its choices, starting from "NEW"
    state = ('\n\nclass Group(labctl.Group):\n    stage = fields.Text(initial="NEW", '
             'choices=["PROPOSING", "DONE"])\n    round_cap = fields.Integer(initial=200, '
             'max=120)\n')
    assert problems_of(project_files(extra=state)) == []


def test_an_app_listed_twice_is_checked_once(problems_of):
    files = project_files(session_type='name="demo", app_sequence=["game", "game"]',
                          field="fields.Integer(min=5, max=1)")

    found = problems_of(files)

    assert [(p.code, p.where) for p in found] == [("LC140", "game/__init__.py:8")]


def test_arrival_by_rule_needs_no_group_size_and_is_not_refused(problems_of):
    rule = ("\n\ndef group_by_arrival_time_method(subsession, waiting_players):\n"
            "    return waiting_players[:1]\n")
    files = project_files(app="", extra=WAIT_PAGE.format("") + rule,
                          page_sequence="[Gather, Ask]")

    assert problems_of(files) == []


def test_a_live_page_that_can_run_has_no_problem(problems_of):
    html = ('<script type="application/json" id="data">{"a": 1}</script>\n'
            '<script src="/app-static/game/live.js" defer></script>\n' + ASK_HTML)

    assert problems_of(live_files(html=html)) == []
    assert problems_of(live_files(page='form_fields = ["age"]' + LIVE.format(
        "player, data, *rest"))) == []


def test_a_live_wait_page_that_can_run_has_no_problem(problems_of):
    explicit = '{% extends "labctl/wait_page.html" %}\n' + HOLD_HTML

    assert problems_of(live_hold()) == []
    assert problems_of(live_hold(html=explicit)) == []
    assert problems_of(live_hold(settings="    wait_for_all_groups = True\n")) == []


# LC215-LC218 static files and page scripts (labctl/asset_checks.py)
SCRIPT_HTML = "{% block scripts %}\n<script src=\"{{ static('market.js') }}\"ATTRS></script>\n" \
              "{% endblock %}\n{% block content %}" + ASK_HTML + "{% endblock %}\n"
RULE_CASES += [
    pytest.param({**project_files(),
                  "game/Ask.html": "<img src=\"{{ static('img/cards.png') }}\">\n" + ASK_HTML},
                 "LC215", "game/Ask.html:1",
                 "static('img/cards.png') names no file: game/static/img/cards.png does not exist",
                 id="LC215-missing"),
    pytest.param({**project_files(), "game/Ask.html": ASK_HTML + "{{ static 'game/x.png' }}\n"},
                 "LC215", "game/Ask.html:4", "static('game/x.png') names no file",
                 id="LC215-otree-tag"),
    pytest.param({**project_files(), "game/static/rules.py": "SECRET = 1\n",
                  "game/Ask.html": ASK_HTML + "{{ static('rules.py') }}\n"},
                 "LC215", "game/Ask.html:4", "Python files are code", id="LC215-python"),
    pytest.param(project_files(page='form_fields = ["age"]\n    js_vars = {"limit": 3}'),
                 "LC216", "game/__init__.py:11", "page 'Ask' has js_vars = dict, not a function",
                 id="LC216-js-vars-dict"),
    pytest.param({**project_files(), "game/static/market.js": "var x = 1;\n",
                  "game/Ask.html": SCRIPT_HTML.replace("ATTRS", "")},
                 "LC217", "game/Ask.html:2", "an app script is loaded without defer",
                 id="LC217-no-defer"),
    pytest.param({**project_files(), "game/static/outside.txt": Path("/etc/hostname")},
                 "LC218", "game/static", "symlink outside.txt in game/static/ leads outside",
                 id="LC218-symlink"),
]


def test_html_in_static_is_a_file_to_serve_not_a_template(problems_of):
    files = {**project_files(), "game/static/handout.html": "<p>{% if broken</p>\n"}

    assert problems_of(files) == []


def test_app_files_and_scripts_that_work_are_not_problems(problems_of):
    files = {**project_files(page='form_fields = ["age"]' + STATIC.format("js_vars")),
             "game/static/market.js": "var x = 1;\n", "game/static/img/cards.png": b"\x89PNG",
             "game/Ask.html": SCRIPT_HTML.replace("ATTRS", " defer").replace(
                 "{% endblock %}\n{% block content %}",
                 "{% endblock %}\n{% block content %}<img src=\"{{ static('img/cards.png') }}\">")}

    assert problems_of(files) == []


@pytest.mark.parametrize(("files", "code", "where", "fragment"), RULE_CASES)
def test_rule_reports_its_code_at_the_researchers_line(problems_of, files, code, where,
                                                       fragment):
    found = problems_of(files)

    assert [(p.code, p.where) for p in found] == [(code, where)]
    assert fragment in found[0].message
    assert found[0].hint  # every problem says how to fix it


def test_every_rule_code_in_labctl_has_a_case():
    codes_in_source = {
        code for path in LABCTL_SOURCE.rglob("*.py")
        for code in re.findall(r'"(LC\d{3})"', path.read_text(encoding="utf-8"))
    }
    codes_tested = {case.values[1] for case in RULE_CASES}

    assert "LC101" in codes_in_source  # the scan itself works
    assert codes_in_source == codes_tested


def test_template_problems_name_the_fix(problems_of):
    (misspelt,) = problems_of({**project_files(),
                               "game/Ask.html": ASK_HTML + "{{ player.id_in_grop }}\n"})
    (bare,) = problems_of({**project_files(), "game/Ask.html": ASK_HTML + "{{ player.payoff }}"},
                          "bare")

    assert misspelt.hint == "did you mean player.id_in_group?"
    assert bare.hint == "write {{ money(player.payoff) }}"


@pytest.mark.parametrize("layout", ['{% extends "global/Page.html" %}',
                                    "{{ extends 'global/Page.html' }}",
                                    '{{ extends "otree/Page.html" }}'])
def test_otree_page_layout_is_labctls_own_and_a_bare_chat_is_the_group_chat(
        problems_of, layout):
    page = f"{layout}\n{{{{ block content }}}}\n{{{{ chat }}}}\n{{{{ formfields }}}}\n" \
           "{{ next_button }}\n{{ endblock }}\n"
    assert problems_of({**project_files(), "game/Ask.html": page}) == []


def test_roles_may_be_any_text_as_in_otree(problems_of):
    """oTree's roles are texts a participant reads ('Player A'): they were refused as not
    being Python names."""
    assert problems_of(project_files(app='players_per_group=2, roles=["Player A", '
                                         '"Player B"]')) == []


def test_script_files_data_scripts_and_style_attributes_pass_validate(problems_of):
    page = ASK_HTML + ('<script src="/static/labctl/x.js"></script>\n'
                       '<script type="application/json" id="data">{"a": 1}</script>\n'
                       '<table style="width: auto"><tr><td>1</td></tr></table>\n')
    assert problems_of({**project_files(), "game/Ask.html": page}) == []


def test_otree_spelt_templates_and_their_includes_pass_validate(problems_of):
    otree_page = ("{{ block title }}Age{{ endblock }}\n{{ block content }}\n"
                  "{{ include_sibling 'Rules.html' }}\n{{ if player.age }}{{ money(player.payoff) "
                  "}}{{ endif }}\n{{ for field in form }}{{ formfield field }}{{ endfor }}\n"
                  "{{ formfield player.age }}{{ formfields }}{{ next_button }}\n{{ endblock }}\n")
    assert problems_of({**project_files(), "game/Ask.html": otree_page,
                        "game/Rules.html": "<p>Round {{ player.round_number }}</p>\n"}) == []


def test_hints_name_the_likely_fix(problems_of):
    (unknown_app,) = problems_of(
        project_files(session_type='name="demo", app_sequence=["game", "gmae"]'), "app")
    (unknown_field,) = problems_of(project_files(page='form_fields = ["agee"]'), "field")
    (currency,) = problems_of(project_files(session_type=f'{DEMO}, currency="eur"'), "currency")
    (duplicate,) = problems_of(
        {**project_files(), "sessions.py": sessions_py(DEMO, DEMO)}, "duplicate")

    assert unknown_app.hint == "did you mean 'game'?"
    assert unknown_field.hint == "did you mean 'age'?"
    assert currency.hint == "did you mean 'EUR'?"
    assert "the first is at line 4" in duplicate.hint
    (locale,) = problems_of(project_files(session_type=f'{DEMO}, locale="deu"'), "locale")
    assert locale.hint.startswith("did you mean 'de'? write a language code")
    (region,) = problems_of(project_files(session_type=f'{DEMO}, locale="de-ch"'), "region")
    assert region.hint.startswith("did you mean 'de_CH'?")


def test_an_admin_report_with_its_template_passes_validate(problems_of):
    assert problems_of({**project_files(extra="\ndef vars_for_admin_report(subsession):\n"
                                              "    return {'n': 1}\n"),
                        "game/admin_report.html": "<p>{{ n }}</p>\n"}) == []


def test_custom_exports_pass_validate(problems_of):
    extra = ("\ndef custom_export(players):\n    yield ['a']\n"
             "\ndef custom_export_offers(players):\n    yield ['b']\n")
    assert problems_of(project_files(extra=extra)) == []


@pytest.mark.parametrize("locale", ["en", "de", "de_DE", "de-DE", "de_CH", "fr_CH", "es_419"])
def test_a_known_locale_has_no_problem(problems_of, locale):
    assert problems_of(project_files(session_type=f'{DEMO}, locale="{locale}"')) == []


# -- whole projects ------------------------------------------------------------------------------


def test_valid_minimal_project_has_no_problems(tmp_path, load):
    project = load(write_project(tmp_path / "project", project_files()))

    assert validate_project(project) == []
    assert [st.name for st in project.session_types] == ["demo"]
    assert list(project.apps) == ["game"]
    assert list(project.apps["game"].player_class.declared_fields()) == ["payoff", "age"]


def test_sample_sessions_have_no_problems(load):
    project = load(SAMPLE_SESSIONS)

    assert validate_project(project) == []
    assert [st.name for st in project.session_types] == ["my_session", "pd_chat", "public_goods",
                                                         "market", "volunteer"]
    assert sorted(project.apps) == ["double_auction", "prisoners_dilemma", "public_goods",
                                    "questionnaire", "trust", "ultimatum", "volunteer_dilemma"]


def test_every_mistake_is_reported_at_once_sorted_by_file_and_line(problems_of):
    files = {
        **project_files(
            session_type=f'{DEMO}, fixed_pay=-1, currency="eur"',
            app="players_per_group=2, num_rounds=0",
            field="fields.Integer(min=120, max=0)",
            page='form_fields = ["agee"]',
        ),
        "game/Ask.html": "<p>Age</p>\n{{ formfields() }}\n{% endif %}\n",
        "survey/__init__.py": "import labctl\n\nQUESTIONS = open('questions.txt').read()\n",
    }

    found = problems_of(files)

    assert [(p.code, p.where) for p in found] == [
        ("LC134", "game/Ask.html:3"),
        ("LC121", "game/__init__.py:4"),
        ("LC140", "game/__init__.py:8"),
        ("LC132", "game/__init__.py:11"),
        ("LC113", "sessions.py:4"),
        ("LC116", "sessions.py:4"),
        ("LC102", "survey/__init__.py:3"),
    ]
    assert "FileNotFoundError" in found[-1].message


LOAD_ERROR_CASES = [
    pytest.param({**project_files(), "sessions.py": sessions_py(f"{DEMO},, fixed_pay=0")},
                 "LC101", "sessions.py:4", "syntax error", id="syntax-sessions"),
    pytest.param({**project_files(extra="\nfrom . import helpers\n"),
                  "game/helpers.py": "def payoff(x):\n    return x +\n"},
                 "LC101", "game/helpers.py:2", "syntax error", id="syntax-helper-module"),
    pytest.param(project_files(session_type=f'{DEMO}, colour="red"'),
                 "LC102", "sessions.py:4", "unexpected keyword argument 'colour'",
                 id="raises-in-labctl-called-from-sessions"),
    pytest.param(project_files(field="fields.Integer(minimum=0)"),
                 "LC102", "game/__init__.py:8", "unexpected keyword argument 'minimum'",
                 id="raises-in-labctl-called-from-app"),
    pytest.param({**project_files(extra="\nfrom .helpers import RATE\n"),
                  "game/helpers.py": "import math\n\nRATE = math.sqrt(-1)\n"},
                 "LC102", "game/helpers.py:3", "raised ValueError: math domain error",
                 id="raises-in-helper-module"),
]


@pytest.mark.parametrize(("files", "code", "where", "fragment"), LOAD_ERROR_CASES)
def test_load_errors_point_at_the_researchers_file_not_labctl(problems_of, files, code, where,
                                                              fragment):
    found = problems_of(files)

    assert [(p.code, p.where) for p in found] == [(code, where)]
    assert fragment in found[0].message
    assert "labctl/" not in found[0].where


def test_two_projects_with_an_app_called_trust_load_side_by_side(tmp_path, load):
    trust_init = (
        "import labctl\nfrom labctl import fields\n\napp = labctl.App(players_per_group=2)\n\n\n"
        "class Player(labctl.Player):\n    {name} = fields.Integer(min=0)\n\n\n"
        "class Decide(labctl.Page):\n    form_fields = ['{name}']\n\n\n"
        "page_sequence = [Decide]\n"
    )

    def trust_project(folder: str, field_name: str) -> Project:
        return load(write_project(tmp_path / folder, {
            "sessions.py": sessions_py('name="demo", app_sequence=["trust"]'),
            "trust/__init__.py": trust_init.format(name=field_name),
            "trust/Decide.html": ASK_HTML,
        }))

    first = trust_project("first", "sent")
    second = trust_project("second", "returned")
    first_trust, second_trust = first.apps["trust"], second.apps["trust"]

    assert first.package != second.package
    assert first_trust.module is not second_trust.module
    assert sys.modules[f"{first.package}.trust"] is first_trust.module
    assert sys.modules[f"{second.package}.trust"] is second_trust.module
    assert Path(first_trust.module.__file__).parent == tmp_path / "first" / "trust"
    assert list(first_trust.player_class.declared_fields()) == ["payoff", "sent"]
    assert list(second_trust.player_class.declared_fields()) == ["payoff", "returned"]
    assert validate_project(first) == []
    assert validate_project(second) == []

    first.unload()

    assert not [name for name in sys.modules if name.startswith(first.package + ".")]
    assert first.package not in sys.modules
    assert sys.modules[f"{second.package}.trust"] is second_trust.module
    assert validate_project(second) == []


# -- regressions: bugs found while writing these tests ------------------------------------------


def test_session_type_name_with_trailing_newline_is_invalid(problems_of):
    found = problems_of(project_files(session_type='name="demo\\n", app_sequence=["game"]'))

    assert [(p.code, p.where) for p in found] == [("LC111", "sessions.py:4")]


def test_app_in_a_folder_the_loader_skips_is_reported(problems_of):
    found = problems_of({**project_files(session_type='name="demo", app_sequence=["game", '
                                                      '"_shared"]'),
                         "_shared/__init__.py": ""})

    assert [(p.code, p.where) for p in found] == [("LC112", "sessions.py:4")]


CRASH_CASES = [
    pytest.param(project_files(session_type='name=["demo"], app_sequence=["game"]'),
                 "LC111", "sessions.py:4",
                 id="LC111-list-name"),
    pytest.param(project_files(session_type=f'{DEMO}, money_per_point="Infinity"'),
                 "LC117", "sessions.py:4",
                 id="LC117-infinity"),
    pytest.param(project_files(app='players_per_group=2, matching=["fixed"]'),
                 "LC124", "game/__init__.py:4",
                 id="LC124-list-matching"),
    pytest.param(project_files(page='form_model = ["player"]\n    form_fields = ["age"]'),
                 "LC137", "game/__init__.py:11",
                 id="LC137-list-form-model"),
    pytest.param(project_files(page="form_fields = None"),
                 "LC132", "game/__init__.py:11",
                 id="LC132-form-fields-none"),
]


@pytest.mark.parametrize(("files", "code", "where"), CRASH_CASES)
def test_wrongly_typed_setting_is_reported_not_raised(problems_of, files, code, where):
    found = problems_of(files)

    assert (code, where) in [(p.code, p.where) for p in found]


def test_exception_in_generated_code_is_reported_at_the_researchers_line(tmp_path, load,
                                                                         monkeypatch):
    extra = ("\nimport dataclasses\n\n\n@dataclasses.dataclass(frozen=True)\nclass Cfg:\n"
             "    rate: int = 1\n\n\nCFG = Cfg()\nCFG.rate = 2\n")  # the assignment is line 23
    root = write_project(tmp_path / "project", project_files(extra=extra))
    monkeypatch.chdir(root)

    found = reported(load(Path(".")))

    assert [(p.code, p.where) for p in found] == [("LC102", "game/__init__.py:23")]


def test_syntax_error_raised_by_researcher_code_is_reported_at_their_line(problems_of):
    found = problems_of(project_files(extra='\nimport ast\n\nLIMITS = ast.literal_eval("[1, 2")\n'))

    assert [p.where for p in found] == ["game/__init__.py:16"]


def test_app_folder_named_sessions_does_not_hide_sessions_py(tmp_path, load):
    project = load(write_project(tmp_path / "project", {**project_files(),
                                                        **app_files("sessions")}))

    assert [st.name for st in project.session_types] == ["demo"]
    assert "LC103" not in [p.code for p in validate_project(project)]


def test_payoff_as_form_field_gets_a_useful_hint(problems_of):
    (payoff,) = problems_of(project_files(page='form_fields = ["age", "payoff"]'))

    assert (payoff.code, payoff.where) == ("LC132", "game/__init__.py:11")
    assert "'payoff'" not in payoff.hint


def test_problems_on_one_line_come_out_in_a_stable_order(problems_of):
    files = project_files(page='form_fields = ["agee", "nme", "xyz", "qqq"]')

    orders = {tuple(p.message for p in problems_of(files, f"copy{n}")) for n in range(5)}

    assert len(orders) == 1


def test_load_after_unload_sees_an_edit_made_within_the_same_second(tmp_path, load,
                                                                    monkeypatch):
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    root = write_project(tmp_path / "project", project_files(
        session_type='name="before", app_sequence=["game"]'))
    sessions = root / "sessions.py"
    saved = sessions.stat()
    load(root).unload()
    sessions.write_text(sessions.read_text().replace('"before"', '"after_"'))
    os.utime(sessions, ns=(saved.st_atime_ns, saved.st_mtime_ns))

    project = load(root)

    assert [st.name for st in project.session_types] == ["after_"]


def test_each_otree_name_is_reported_once_per_file_at_its_first_line_with_its_fix(problems_of):
    found = problems_of(project_files(field="models.IntegerField()", extra=(
        "\nfrom otree.api import *\n\n\nclass Subsession(BaseSubsession):\n"
        "    bonus = models.IntegerField(widget=widgets.Slider)\n"
        "    other = models.IntegerField(widget=widgets.Slider)\n")))
    assert [(p.code, p.where) for p in found] == [
        ("LC202", "game/__init__.py:8"), ("LC200", "game/__init__.py:14"),
        ("LC203", "game/__init__.py:17"), ("LC204", "game/__init__.py:18")]
    hints = {p.code: p.hint for p in found}
    assert "fields.Integer(min=..., max=...)" in hints["LC202"]
    assert "class Subsession(labctl.Subsession):" in hints["LC203"]
    assert 'widget="slider"' in hints["LC204"]
    assert "import labctl" in hints["LC200"]



def test_otree_names_in_folders_the_project_does_not_import_are_not_reported(problems_of):
    # a repository's own pytest suite, scripts and docs are no part of what labctl runs; a
    # plain folder an app imports is
    oTree = "from otree.api import Bot\n"
    found = problems_of({
        **project_files(extra="\nfrom ..tools import scoring\n"),
        "tests/test_game.py": oTree, "tests/conftest.py": oTree, "scripts/report.py": oTree,
        "tools/scoring.py": "\n" + oTree})
    assert [(p.code, p.where) for p in found] == [("LC200", "tools/scoring.py:2")]


@pytest.mark.parametrize(("hooks", "message"), [
    ("    @staticmethod\n    def before_next_page(player):\n        pass\n",
     "before_next_page of page 'Ask' takes (player), but is called with (player, "
     "timeout_happened)"),
    ("    def is_displayed(player, round_number):\n        return True\n",
     "is_displayed of page 'Ask' takes (player, round_number), but is called with (player)"),
    ("    @staticmethod\n    def error_message(values):\n        return None\n",
     "error_message of page 'Ask' takes (values), but is called with (player, values)"),
])
def test_a_page_hook_that_cannot_take_labctls_arguments_is_named_at_its_line(
        problems_of, hooks, message):
    # UMBEE/modified-otree-snippets: def before_next_page(player) stopped the session when
    # the page was submitted; oTree calls it with the same two arguments
    found = problems_of(project_files(page='form_fields = ["age"]\n\n' + hooks))
    assert [(p.code, p.message) for p in found] == [("LC138", message)], found
    assert found[0].where == "game/__init__.py:14"  # where the hook starts
    # hooks that take what labctl passes, by any names and with defaults, are fine
    assert problems_of(project_files(page='form_fields = ["age"]\n\n'
                                     "    @staticmethod\n    def before_next_page(p, timed_out,"
                                     " extra=None):\n        pass\n"
                                     "    def vars_for_template(*args):\n        return {}\n"),
                       "fine") == []


def test_a_wait_page_naming_its_function_as_text_runs_that_function(load, tmp_path):
    # sschm146/SIB: oTree's after_all_players_arrive = 'payout_calc', a function below
    hold = ("\n\nclass Hold(labctl.WaitPage):\n    after_all_players_arrive = 'settle'\n\n\n"
            "def settle(group):\n    pass\n")
    project = load(write_project(tmp_path / "named", project_files(
        extra=hold, page_sequence="[Ask, Hold]")))
    assert validate_project(project) == []
    hold_page = project.apps["game"].page_sequence[1]
    assert hold_page.after_all_players_arrive is project.apps["game"].module.settle
    missing = load(write_project(tmp_path / "missing", project_files(
        extra=hold.replace("def settle", "def other"), page_sequence="[Ask, Hold]")))
    assert [(p.code, p.message) for p in reported(missing)] == [
        ("LC138", "after_all_players_arrive of page 'Hold' names 'settle', which is no "
                  "function of the app")]


def test_a_package_of_helpers_no_session_type_plays_is_not_an_app(problems_of):
    # ak21200/mission_matching: sliders/__init__.py holds code, no pages; oTree ran it
    helpers = ("import random\n\n\ndef shuffled(items):\n"
               "    return random.sample(items, len(items))\n")
    assert problems_of({**project_files(), "sliders/__init__.py": helpers}) == []
    # played by a session type, it is an app that lacks its App
    played = project_files(session_type=f'{DEMO[:-1]}, "sliders"]')
    found = problems_of({**played, "sliders/__init__.py": helpers})
    assert [(p.code, p.where) for p in found] == [("LC124", "sliders/__init__.py")], found
    # with pages it is an app that lacks its App, played or not
    found = problems_of({**project_files(), "sliders/__init__.py": "page_sequence = []\n"})
    assert [(p.code, p.where) for p in found] == [("LC124", "sliders/__init__.py")], found


def test_a_pytest_suite_that_is_a_package_is_not_an_app(problems_of):
    # kiante-fernandez/otree-et: tests/__init__.py beside test_*.py was loaded as app 'tests'
    assert problems_of({**project_files(), "tests/__init__.py": "",
                        "tests/test_game.py": "def test_it():\n    pass\n"}) == []
    # a folder called tests that is no test suite is still an app, with a name labctl keeps
    found = problems_of({**project_files(), "tests/__init__.py": "import labctl\n\n"
                         "page_sequence = []\n"}, "other")
    assert [p.where for p in found] == ["tests/__init__.py"] and found[0].code == "LC124"



def test_an_app_that_stops_python_on_import_is_a_problem_at_its_line(problems_of):
    # qwiglydee's real-effort tasks: raise SystemExit("pip install Pillow") when it is missing
    found = problems_of(project_files(extra='\nraise SystemExit("""\nYou need to:\n'
                                            '(1) run pip install Pillow\n""")\n'))
    assert [(p.code, p.where) for p in found] == [("LC102", "game/__init__.py:14")]
    assert "stopped Python (SystemExit): You need to: (1) run pip install Pillow" \
        in found[0].message


AMOUNT_CONSTANTS = '''

class C:
    ENDOWMENT = 1000
    BONUS = 50
    MULTIPLIER = 2
    ROUNDS_SHOWN = 3


def set_payoff(player):
    player.payoff = C.ENDOWMENT - player.age * C.MULTIPLIER + round(C.BONUS)
'''


def test_a_constant_used_as_an_amount_printed_bare_is_lc173(problems_of):
    """oTree's cu() constants print as money; labctl's are integers in minor units, so a
    constant the app bounds or sets an amount with must be printed with money()."""
    page = (ASK_HTML + "{{ C.ENDOWMENT }}\n{{ C.MULTIPLIER }} {{ C.ROUNDS_SHOWN }}\n"
            "{{ money(C.ENDOWMENT) }} {{ C.BONUS }}\n{{ C.GIFT }}\n")
    files = {**project_files(field="fields.Money(min=0, max=C.GIFT)",
                             extra=AMOUNT_CONSTANTS.replace("ROUNDS_SHOWN = 3",
                                                            "ROUNDS_SHOWN = 3\n    GIFT = 5")),
             "game/Ask.html": page}
    # C is declared after Player in this baseline; move it to the top so the field can use it
    files["game/__init__.py"] = files["game/__init__.py"].replace(
        "app = labctl.App(", "class C:\n    GIFT = 5\n\n\napp = labctl.App(", 1)
    found = [(p.code, p.where, p.message) for p in problems_of(files)]
    assert [(code, where) for code, where, _ in found] == [
        ("LC173", "game/Ask.html:4"), ("LC173", "game/Ask.html:6"), ("LC173", "game/Ask.html:7")]
    assert "{{ C.ENDOWMENT }} shows the amount in minor units" in found[0][2]
    assert "uses it as an amount" in found[0][2]
    # played only in points, the constant is that many points, shown as oTree shows a number
    files["sessions.py"] = sessions_py(f'{DEMO}, money_per_point="1"')
    found = [(p.code, p.where) for p in problems_of(files, folder="points")]
    assert found == []
