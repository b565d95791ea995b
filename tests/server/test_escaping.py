"""What participants type is stored verbatim and shown only escaped: templates autoescape, in
refilled form fields, textareas, error pages and the admin."""

from __future__ import annotations

import re

import pytest
import requests
from browserless import DEMOGRAPHICS, HTTP_TIMEOUT, OPINIONS, LabDb, SampleBot, parse_page, play

SCRIPT = "<script>alert(1)</script>"
ATTRIBUTE_BREAKER = "\"'><img src=x onerror=alert(1)>"
TEXTAREA_BREAKER = "</textarea><script>alert(2)</script>"
LABCTL_SCRIPT = '<script src="/static/labctl.js" defer>'


@pytest.fixture
def lab(shared_server):
    return shared_server()


@pytest.fixture
def at_demographics(lab, participants_of):
    people = participants_of(lab.base_url, lab.codes)
    bot = SampleBot(lab.codes)
    pages = play(people, bot, stop_step=DEMOGRAPHICS)
    return people, bot, pages


def assert_never_raw(html: str, *typed: str) -> None:
    """None of ``typed`` appears unescaped, and the only tags that run code are labctl's."""
    for text in typed:
        assert text not in html
    scripts = re.findall(r"<script\b[^>]*>", html)
    texts = '<script type="application/json" id="labctl-texts">'  # data, no code (not admin)
    scripts = [script for script in scripts if script != texts]
    assert scripts[0] == LABCTL_SCRIPT
    assert set(scripts[1:]) <= {'<script src="/static/labctl-admin.js" defer>',
                                '<script src="/static/labctl-presence.js" defer>',
                                '<script src="/static/labctl-updates.js" defer>'}
    assert not re.search(r"<(img|svg)\b", html)


@pytest.mark.parametrize("typed", [SCRIPT, ATTRIBUTE_BREAKER])
def test_a_typed_answer_is_refilled_escaped_and_stored_verbatim(lab, at_demographics, typed):
    people, _bot, pages = at_demographics
    person, page = people[0], pages[people[0].code]
    db = LabDb.of(lab.engine.store)

    response = person.post(person.form(page, {"age": "not a number", "gender": "male",
                                               "field_of_study": typed}))
    assert response.status_code == 422
    assert_never_raw(response.text, typed)
    escaped = typed.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    escaped = escaped.replace('"', "&#34;").replace("'", "&#39;")
    assert f'name="field_of_study" id="id_field_of_study" value="{escaped}"' in response.text
    shown = parse_page(response)  # what a browser shows in the box: exactly what was typed
    assert shown.fields["field_of_study"] == typed
    assert shown.errors == {"age": "Please enter a whole number."}
    assert db.player("questionnaire", person.code)["field_of_study"] is None

    assert person.submit({"age": "30", "gender": "male", "field_of_study": typed},
                         page).status_code == 200
    assert db.player("questionnaire", person.code)["field_of_study"] == typed
    assert_never_raw(person.get().html, typed)


def test_a_textarea_answer_cannot_close_its_textarea(lab, at_demographics):
    people, bot, _pages = at_demographics
    person = people[1]
    pages = play([person], bot, stop_step=OPINIONS)
    page = pages[person.code]
    db = LabDb.of(lab.engine.store)

    response = person.post(person.form(page, {"trust_general": "9",
                                               "comments": TEXTAREA_BREAKER}))
    assert response.status_code == 422
    assert "</textarea><script>" not in response.text
    assert "&lt;/textarea&gt;&lt;script&gt;alert(2)&lt;/script&gt;</textarea>" in response.text
    assert parse_page(response).fields["comments"] == TEXTAREA_BREAKER

    assert person.submit({"trust_general": "4", "comments": TEXTAREA_BREAKER},
                         page).status_code == 200
    assert db.player("questionnaire", person.code)["comments"] == TEXTAREA_BREAKER


def test_a_participant_label_is_escaped_on_the_admin_and_finished_pages(lab, participants_of):
    label = f"PC01 {SCRIPT}"
    code = lab.engine.create_session("my_session", 4, labels=[label, "PC02", "PC03", "PC04"])
    codes = [row["code"] for row in lab.engine.participant_rows(code)]
    admin = requests.get(f"{lab.base_url}/admin/sessions/{code}", timeout=HTTP_TIMEOUT)
    assert admin.status_code == 200
    assert_never_raw(admin.text, SCRIPT)
    assert '"Label">PC01 &lt;script&gt;alert(1)&lt;/script&gt;</td>' in admin.text

    people = participants_of(lab.base_url, codes)
    finished = play(people, SampleBot(codes))
    html = finished[codes[0]].html
    assert_never_raw(html, SCRIPT)
    assert "Seat: PC01 &lt;script&gt;alert(1)&lt;/script&gt;" in html


@pytest.mark.parametrize("code", [ATTRIBUTE_BREAKER, "<svg onload=alert(1)>"])
def test_a_link_with_markup_in_it_is_not_reflected_raw(lab, code):
    base = f"{lab.base_url}/p/{requests.utils.quote(code, safe='')}/"
    responses = [requests.get(base, timeout=HTTP_TIMEOUT),
                 requests.put(base, timeout=HTTP_TIMEOUT),
                 requests.post(base, data={"x": "y" * 300_000}, timeout=HTTP_TIMEOUT),
                 requests.get(base + "position", timeout=HTTP_TIMEOUT)]
    assert [r.status_code for r in responses] == [404, 405, 413, 404]
    for response in responses[:3]:
        assert_never_raw(response.text, code)


@pytest.mark.parametrize("block", [
    "Your offer", "  Round 2\n   of 3 ", "Tom &amp; Jerry", "Results: <em>round</em> 1",
    "&lt;script&gt;alert(1)&lt;/script&gt;", "It&#39;s &#34;yours&#34;", "<!-- note -->Done",
])
def test_a_page_title_is_its_title_block_without_tags_as_striptags_makes_it(block):
    from markupsafe import Markup, escape

    from labctl.server.rendering import title_text

    title = title_text(Markup(block))
    assert title == Markup(block).striptags()
    assert "<" not in str(escape(title))
