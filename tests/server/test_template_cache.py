"""The one cache of compiled templates: filled by ``create_app``, then frozen. A template or a
Jinja global added afterwards would be missing from participant pages without a word, so it
fails at once, naming what was added."""

from __future__ import annotations

import re

import pytest
from browserless import sample_engine

from labctl.server import create_app
from labctl.server.current import ENGINE
from labctl.server.rendering import (
    FINISHED_TEMPLATE,
    TEMPLATE_CACHE,
    WAIT_TEMPLATE,
    TemplateCacheFrozen,
    app_template_name,
)


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory):
    with sample_engine(tmp_path_factory.mktemp("cache")) as engine:
        engine.create_session("my_session", 2, seed=1)
        yield create_app(engine)


def test_every_template_a_participant_page_renders_is_compiled_by_create_app(app):
    cache = app.extensions[TEMPLATE_CACHE]
    project = app.extensions[ENGINE].project
    expected = {WAIT_TEMPLATE, FINISHED_TEMPLATE} | {
        app_template_name(spec.name, page.template_file())
        for spec in project.apps.values() for page in spec.page_sequence
        if hasattr(page, "template_file")}
    assert set(cache) == expected
    assert cache.frozen
    for template in cache.values():  # their globals are final, and a plain dict
        assert type(template.globals) is dict
        assert template.globals["static_url"] is app.jinja_env.globals["static_url"]


def test_a_template_added_after_freezing_fails_naming_it(app):
    cache = app.extensions[TEMPLATE_CACHE]
    with pytest.raises(TemplateCacheFrozen, match=re.escape("'labctl/error.html'")):
        cache.add("labctl/error.html")
    with pytest.raises(TemplateCacheFrozen, match="'late'"):
        cache["late"] = cache[WAIT_TEMPLATE]
    assert "labctl/error.html" not in cache and "late" not in cache


def test_a_template_not_compiled_at_start_fails_naming_it(app):
    with pytest.raises(TemplateCacheFrozen, match=re.escape("'app:nowhere/Page.html'")):
        app.extensions[TEMPLATE_CACHE]["app:nowhere/Page.html"]


@pytest.mark.parametrize("add", [
    lambda env: env.globals.__setitem__("late_global", 1),
    lambda env: env.globals.update(late_global=1),
    lambda env: env.globals.setdefault("late_global", 1),
])
def test_a_global_added_after_freezing_fails_naming_it(app, add):
    with pytest.raises(TemplateCacheFrozen, match="'late_global'"):
        add(app.jinja_env)
    assert "late_global" not in app.jinja_env.globals


def test_flask_s_own_way_of_adding_a_global_is_refused_too(app):
    with pytest.raises(TemplateCacheFrozen, match="'shout'"):
        app.add_template_global(str.upper, "shout")


def test_pages_still_render_after_freezing(app):
    engine = app.extensions[ENGINE]
    code = engine.participant_rows(engine.session_rows()[-1]["code"])[0]["code"]
    page = app.test_client().get(f"/p/{code}/")
    assert page.status_code == 200
    assert 'data-kind="page"' in page.get_data(as_text=True)
