"""App templates: each is complete (pages, templates, bots) and listed with a line; the public
goods template shows the history of past rounds."""

from __future__ import annotations

import ast
import filecmp
import re
import textwrap
import time

import pytest

from labctl.bots.client import ParticipantClient
from labctl.project import load_project
from labctl.scaffold import list_templates, templates_root

TEMPLATES = [t.name for t in list_templates()]
#: the templates of the bots feature; each declares timeout values on every form page
GAMES = ["trust", "ultimatum", "public_goods", "questionnaire", "dictator"]
#: live-page templates: what their bots get refused is a live message (checked with expect on
#: the reply of self.live), not a form
LIVE = {"double_auction", "volunteer_dilemma"}
#: pages that move on by themselves, for every member at once, when someone acts
SELF_SUBMITTING = {("volunteer_dilemma", "Decide.html")}


def test_every_required_template_exists():
    assert set(GAMES) | {"blank", "prisoners_dilemma"} <= set(TEMPLATES)


def test_new_app_list_shows_each_template_with_its_summary(cli):
    result = cli("new-app", "--list")
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == len(TEMPLATES)
    for template, line in zip(list_templates(), lines, strict=True):
        assert line.split(None, 1) == [template.name, template.summary], line


def test_a_one_line_docstring_is_summarised_without_its_quotes():
    blank = next(t for t in list_templates() if t.name == "blank")
    assert blank.summary == "Blank: one question and a results page, to start an app from scratch"


@pytest.mark.parametrize("template", TEMPLATES)
def test_each_template_is_complete(template):
    folder = templates_root() / template
    init = ast.parse((folder / "__init__.py").read_text(encoding="utf-8"))
    summary = (ast.get_docstring(init) or "").splitlines()
    assert summary and summary[0].strip(), "the docstring's first line is the --list summary"
    for page in folder.glob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert "{% block title %}" in text and "{% block content %}" in text, page.name
        assert "next_button(" in text or (template, page.name) in SELF_SUBMITTING, page.name
        if "formfield" in text:
            assert "{{ formfields() }}" in text or "{{ formfield(" in text, page.name
    bots = folder / "bots.py"
    if template == "prisoners_dilemma" and not bots.exists():
        pytest.skip("the prisoner's dilemma template is still being written")
    source = bots.read_text(encoding="utf-8")
    assert "class PlayerBot(Bot)" in source
    calls = [node for node in ast.walk(ast.parse(source)) if isinstance(node, ast.Call)]
    assert template in LIVE or any(
        getattr(call.func, "id", "") == "Submission" and
        any(k.arg == "error" for k in call.keywords) for call in calls), \
        "bots.py makes no refused Submission(..., error=...)"
    if template in LIVE:
        assert any(getattr(call.func, "attr", "") == "live" for call in calls), \
            "the bots of a live template send live messages (self.live)"
    assert any(getattr(call.func, "id", "") == "expect" for call in calls)


@pytest.mark.parametrize("template", GAMES)
def test_every_form_page_can_be_advanced_by_the_experimenter(templates_project, template):
    project = load_project(templates_project)
    try:
        spec = project.apps[f"my_{template}"]
        for page in spec.page_sequence:
            required = [name for name in getattr(page, "form_fields", [])
                        if spec.model_class(page.form_model).declared_fields()[name].required]
            missing = [name for name in required if page.timeout_submission.get(name) is None]
            assert not missing, f"{page.__name__} has no timeout value for {missing}"
    finally:
        project.unload()


def test_new_app_copies_the_template_under_the_new_name(templates_project):
    for template in TEMPLATES:
        copied = templates_project / f"my_{template}"
        compared = filecmp.dircmp(templates_root() / template, copied,
                                  ignore=["__pycache__"])
        assert not compared.left_only and not compared.right_only and not compared.diff_files
        assert not (copied / "__pycache__").exists()


# -- the public goods game's results page ----------------------------------------------------

#: cents contributed by the three participants in rounds 1, 2, 3
CONTRIBUTED = {1: (100, 200, 400), 2: (0, 0, 0), 3: (1000, 1000, 1000)}


def _typed(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def _play_to_last_results(clients: list[ParticipantClient]) -> dict[str, str]:
    """Play every round; return each participant's last Results page (bounded in time)."""
    last: dict[str, str] = {}
    deadline = time.monotonic() + 20
    while len(last) < len(clients):
        assert time.monotonic() < deadline, "the public goods game did not finish"
        for client in clients:
            page = client.current()
            assert page.kind in ("page", "wait"), page.html
            if page.kind == "wait" or client.code in last:
                continue
            if page.name == "Contribute":
                amount = CONTRIBUTED[page.round_number][clients.index(client)]
                assert client.submit(page, {"contribution": _typed(amount)}).status == 200
            elif page.round_number == 3:
                last[client.code] = page.html
            else:
                client.submit(page, {})
        time.sleep(0.02)
    return last


def test_public_goods_results_show_the_history_of_past_rounds(
        live_server, tmp_path, cli):
    project = tmp_path / "pg"
    assert cli("new-project", project).exit_code == 0
    assert cli("new-app", "public_goods", "--template", "public_goods",
               "--project", project).exit_code == 0
    (project / "sessions.py").write_text(textwrap.dedent("""\
        from labctl import SessionType

        SESSION_TYPES = [SessionType(name="pg", fixed_pay=0, currency="EUR",
                                     app_sequence=["public_goods"], num_participants=3)]
        """))
    server = live_server(project=project, session_type="pg", n=3)
    clients = [ParticipantClient(server.base_url, code, timeout=10) for code in server.codes]
    pages = _play_to_last_results(clients)
    for html in pages.values():
        history = html.split('class="history"', 1)
        assert len(history) == 2, "round 3 shows no table of past rounds"
        rows = re.findall(r"<tr><td>(\d)</td>(.*?)</tr>", history[1], re.S)
        assert [number for number, _ in rows] == ["1", "2"]
        # round 1: 7.00 in total, doubled and split in three: 4.66 each (rounded down)
        assert "EUR 7.00" in rows[0][1] and "EUR 4.66" in rows[0][1]
        assert rows[1][1].count("EUR 0.00") == 3  # round 2: nobody contributed
        # round 3: 30.00 in total, 20.00 each, earnings 10.00 - 10.00 + 20.00
        assert "EUR 20.00" in history[0]
