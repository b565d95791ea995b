"""A session type's ``language`` and ``locale`` as one design: the language decides the texts,
and, unless ``locale`` is given, how amounts and numbers are written and read."""

from __future__ import annotations

import pytest

from labctl.session_type import SessionType


@pytest.mark.parametrize(("language", "locale", "speaks", "number_locale", "mark"), [
    (None, "", "en", "en", "."),
    ("de", "", "de", "de", ","),
    ("de", "de_CH", "de", "de_CH", "."),
    (None, "de", "en", "de", ","),  # a locale alone: numbers German, texts English (as before)
    ("zh_Hans", "", "zh_Hans", "zh", "."),
    ("pt_BR", "", "pt_BR", "pt_BR", ","),
    ("ar", "", "ar", "ar", "."),
])
def test_numbers_follow_the_language_unless_a_locale_is_given(language, locale, speaks,
                                                               number_locale, mark):
    session_type = SessionType(name="s", app_sequence=["a"], language=language, locale=locale)
    assert session_type.speaks == speaks
    assert session_type.number_locale == number_locale
    assert session_type.decimal_mark == mark


def test_the_projects_language_is_the_default_of_its_session_types(tmp_path):
    from labctl.project import load_project

    (tmp_path / "sessions.py").write_text(
        "from labctl import SessionType\nLANGUAGE = 'nl'\nSESSION_TYPES = [\n"
        "    SessionType(name='a', app_sequence=[]),\n"
        "    SessionType(name='b', app_sequence=[], language='en'),\n]\n", encoding="utf-8")
    project = load_project(tmp_path)
    assert [st.speaks for st in project.session_types] == ["nl", "en"]
    assert project.session_type("a").decimal_mark == ","
    project.unload()


def test_validate_shows_each_session_types_language(sample_project):
    from typer.testing import CliRunner

    from labctl.cli import app

    sessions = sample_project / "sessions.py"
    sessions.write_text(sessions.read_text(encoding="utf-8").replace(
        'name="my_session",', 'name="my_session", language="ja",'), encoding="utf-8")
    result = CliRunner().invoke(app, ["validate", str(sample_project)],
                                env={"COLUMNS": "200"})
    assert "language ja" in result.output, result.output


def test_labctl_sessions_lists_each_sessions_language(sample_project):
    from typer.testing import CliRunner

    from labctl.cli import app
    from labctl.engine import Engine
    from labctl.project import load_project
    from labctl.storage.sqlite import SqliteStore

    sessions = sample_project / "sessions.py"
    sessions.write_text(sessions.read_text(encoding="utf-8").replace(
        'name="pd_chat",', 'name="pd_chat", language="fr",'), encoding="utf-8")
    project = load_project(sample_project)
    store = SqliteStore(sample_project / "labctl.db")
    Engine(project, store).create_session("pd_chat", 2, seed=1)
    store.close()
    project.unload()
    result = CliRunner().invoke(app, ["sessions", str(sample_project)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "Language" in result.output
    assert "pd_chat" in result.output and " fr " in result.output


def test_a_step_speaks_its_sessions_language_and_leaves_the_callers_as_it_was(
        sample_project):
    from labctl.engine import Engine
    from labctl.i18n import current_language, gettext
    from labctl.project import load_project
    from labctl.storage.sqlite import SqliteStore

    sessions = sample_project / "sessions.py"
    sessions.write_text(sessions.read_text(encoding="utf-8").replace(
        'name="pd_chat",', 'name="pd_chat", language="it",'), encoding="utf-8")
    project = load_project(sample_project)
    store = SqliteStore(sample_project / "labctl.db")
    engine = Engine(project, store)
    code = engine.participant_rows(engine.create_session("pd_chat", 2, seed=1))[0]["code"]
    try:
        with engine.view(code):
            assert current_language() == "it" and gettext("Next") == "Avanti"
        assert current_language() == "en" and gettext("Next") == "Next"
    finally:
        store.close()
        project.unload()
