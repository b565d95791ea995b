"""A researcher translates an app with ``labctl translations extract|update|compile``: its
labels, choices, help texts and template texts show in the session's language, a page may
have a whole template per language (``Question.de.html``), and a German and an English session
of the same project run side by side."""

from __future__ import annotations

from pathlib import Path

import requests
from babel.messages.pofile import read_po, write_po
from browserless import admin_login
from typer.testing import CliRunner

from labctl.cli import app as cli

PASSWORD = "correct horse battery"

SESSIONS = '''from labctl import SessionType

SESSION_TYPES = [
    SessionType(name="survey_en", app_sequence=["survey"], num_participants=1),
    SessionType(name="survey_de", app_sequence=["survey"], num_participants=1, language="de"),
]
'''
APP = '''import labctl
from labctl import _, fields

app = labctl.App(players_per_group=None, num_rounds=1)


class Player(labctl.Player):
    mood = fields.Integer(label=_("How do you feel?"), help_text=_("Choose one."),
                          choices=[(1, _("Fine")), (2, _("Tired"))], widget="radio")


class Question(labctl.Page):
    form_fields = ["mood"]


class Instructions(labctl.Page):
    pass


page_sequence = [Instructions, Question]
'''
QUESTION = '''{% block title %}{{ _("A short question") }}{% endblock %}
{% block content %}
<p id="intro">{% trans %}Please answer honestly.{% endtrans %}</p>
{{ formfields() }}
{{ next_button() }}
{% endblock %}
'''
INSTRUCTIONS = '''{% block title %}Instructions{% endblock %}
{% block content %}<p id="long">Read this carefully.</p>{{ next_button() }}{% endblock %}
'''
INSTRUCTIONS_DE = '''{% block title %}Anleitung{% endblock %}
{% block content %}<p id="long">Bitte lesen Sie dies sorgfältig.</p>{{ next_button() }}
{% endblock %}
'''
GERMAN = {"How do you feel?": "Wie fühlen Sie sich?", "Choose one.": "Wählen Sie eine aus.",
          "Fine": "Gut", "Tired": "Müde", "A short question": "Eine kurze Frage",
          "Please answer honestly.": "Bitte antworten Sie ehrlich."}


def survey_project(root: Path) -> Path:
    (root / "survey").mkdir(parents=True)
    (root / "sessions.py").write_text(SESSIONS, encoding="utf-8")
    (root / "survey" / "__init__.py").write_text(APP, encoding="utf-8")
    (root / "survey" / "Question.html").write_text(QUESTION, encoding="utf-8")
    (root / "survey" / "Instructions.html").write_text(INSTRUCTIONS, encoding="utf-8")
    (root / "survey" / "Instructions.de.html").write_text(INSTRUCTIONS_DE, encoding="utf-8")
    return root


def translate(po_path: Path, texts: dict[str, str]) -> None:
    """What a translator does to the .po file: fill in the empty msgstr entries."""
    with po_path.open("rb") as handle:
        catalog = read_po(handle, locale="de")
    for message in catalog:
        if message.id in texts:
            message.string = texts[message.id]
    with po_path.open("wb") as handle:
        write_po(handle, catalog)


def labctl(*args: object):
    return CliRunner().invoke(cli, [str(a) for a in args], env={"COLUMNS": "200"})


def test_a_researcher_translates_an_app_with_the_translations_commands(
        tmp_path, live_server):
    project = survey_project(tmp_path / "survey_project")
    extracted = labctl("translations", "extract", project)
    assert extracted.exit_code == 0, extracted.output
    assert "6 texts" in extracted.output
    updated = labctl("translations", "update", project)  # the languages in use: de
    assert updated.exit_code == 0, updated.output
    assert "de: 6 texts, 6 not translated yet" in updated.output
    po = project / "locale" / "de" / "LC_MESSAGES" / "messages.po"
    translate(po, GERMAN)
    compiled = labctl("translations", "compile", "--project", project)
    assert compiled.exit_code == 0, compiled.output
    assert "de: 6 texts (" in compiled.output
    validated = labctl("validate", project)  # LC221/LC222 no more: translated and compiled
    assert validated.exit_code == 0, validated.output

    lab = live_server(project=project, session_type="survey_de", n=1, admin_password=PASSWORD)
    english_code = lab.engine.create_session("survey_en", 1, seed=1)
    english = lab.engine.participant_rows(english_code)[0]["code"]
    people = {"de": requests.Session(), "en": requests.Session()}
    urls = {"de": lab.url(lab.codes[0]), "en": lab.url(english)}

    instructions = {lang: people[lang].get(urls[lang], timeout=10).text for lang in urls}
    assert "Bitte lesen Sie dies sorgfältig." in instructions["de"]  # Instructions.de.html
    assert ">Weiter</button>" in instructions["de"]
    assert "Read this carefully." in instructions["en"]
    for lang, html in instructions.items():
        token = html.split('name="csrf_token" value="')[1].split('"')[0]
        people[lang].post(urls[lang], data={"csrf_token": token, "step": "0",
                                            "timed_out": "0"}, timeout=10)

    question = {lang: people[lang].get(urls[lang], timeout=10).text for lang in urls}
    for english_text, german_text in GERMAN.items():
        assert german_text in question["de"], english_text
        assert english_text in question["en"]
        assert german_text not in question["en"]

    # the experimenter's monitor names the field to type for the German participant as the
    # project writes it (the admin stays English)
    admin = admin_login(lab.base_url, PASSWORD)
    monitor = admin.get(f"{lab.base_url}/admin/sessions/{lab.session_code}/monitor.json",
                        timeout=10)
    assert monitor.status_code == 200
    assert "How do you feel?" in monitor.text and "Wie fühlen" not in monitor.text


def test_validate_counts_the_untranslated_and_update_adds_labctls_texts_where_needed(
        tmp_path):
    project = survey_project(tmp_path / "p")
    before = labctl("validate", project)
    assert before.exit_code == 1
    assert "LC221" in before.output and "6 of the project's 6 marked texts" in before.output
    sessions = project / "sessions.py"
    sessions.write_text(sessions.read_text(encoding="utf-8").replace('"de"', '"sw"'),
                        encoding="utf-8")
    assert "LC223" in labctl("validate", project).output
    updated = labctl("translations", "update", project)
    assert updated.exit_code == 0, updated.output
    with (project / "locale" / "sw" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        ids = {m.id for m in read_po(handle) if m.id}
    assert {"Next", "Please wait", "How do you feel?"} <= ids  # labctl's texts and the app's


def test_update_refuses_what_is_not_a_language(tmp_path):
    project = survey_project(tmp_path / "p")
    result = labctl("translations", "update", "-l", "deutsch!", project)
    assert result.exit_code == 1
    assert "'deutsch!' is not a language to translate into" in result.output


def test_compile_without_catalogues_says_what_to_run_first(tmp_path):
    project = survey_project(tmp_path / "p")
    result = labctl("translations", "compile", project)
    assert result.exit_code == 1
    assert "labctl translations update -l LANGUAGE" in result.output
