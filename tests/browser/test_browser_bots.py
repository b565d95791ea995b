"""``labctl test TYPE --browsers``: the bots drive headless Chromium and catch what HTTP bots
cannot: a form that does not render, a page script that throws.

Each test runs ``labctl test`` as a process on a copy of the sample project (the bots start
their own Chromium each; the server is its own process on 127.0.0.1)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

TEST_TIMEOUT = 240


def labctl_test(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "labctl", "test", *args, str(project)],
                          capture_output=True, text=True, timeout=TEST_TIMEOUT, cwd=project,
                          env={**os.environ, "COLUMNS": "400"})  # one failure, one line


@pytest.fixture
def chromium(browser) -> object:
    """Chromium and Playwright are there (skipped, or failed under CI, where missing)."""
    return browser


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_browser_bots_play_the_sample_session(sample_project: Path, chromium: object) -> None:
    done = labctl_test(sample_project, "my_session", "-n", "2", "--browsers")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "OK 2 bots played my_session" in done.stdout
    assert not (sample_project / "browser_bots").exists()  # no failing page, no screenshot


def test_a_form_that_does_not_render_fails_in_the_browser_only(sample_project: Path,
                                                              chromium: object) -> None:
    edit(sample_project / "questionnaire" / "Opinions.html", "{{ formfields() }}", "")
    # the HTTP bots post the fields anyway: the broken page passes them
    assert labctl_test(sample_project, "my_session", "-n", "2").returncode == 0

    done = labctl_test(sample_project, "my_session", "-n", "2", "--browsers",
                       "--screenshots", "shots")
    output = " ".join((done.stdout + done.stderr).split())
    assert done.returncode == 1, output
    assert "app questionnaire, round 1, page Opinions" in output
    assert "the form has no input named 'trust_general'" in output
    shots = list((sample_project / "shots").glob("questionnaire-r1-Opinions-*.png"))
    # one per participant whose bot reached the page before the run stopped (1 or 2)
    assert 1 <= len(shots) <= 2 and all(shot.stat().st_size > 0 for shot in shots)


def test_a_page_script_that_throws_fails_the_run(sample_project: Path, chromium: object) -> None:
    # a chat box with labctl-chat.js but without labctl-shared.js, which it needs: it throws
    edit(sample_project / "trust" / "Send.html", "{% block content %}",
         "{% block scripts %}<script src=\"{{ static_url('labctl-chat.js') }}\" defer>"
         "</script>{% endblock %}\n{% block content %}<div data-labctl-chat=\"group\"></div>")
    done = labctl_test(sample_project, "my_session", "-n", "2", "--browsers")
    output = " ".join((done.stdout + done.stderr).split())
    assert done.returncode == 1, output
    assert "app trust, round 1, page Send" in output
    assert "script error:" in output
    assert "labctl-chat.js needs labctl-shared.js, loaded before it" in output
    assert list((sample_project / "browser_bots").glob("trust-r1-Send-*.png"))


def test_a_missing_script_file_is_a_failed_request(sample_project: Path,
                                                   chromium: object) -> None:
    edit(sample_project / "trust" / "Send.html", "{% block content %}",
         "{% block scripts %}<script src=\"{{ static_url('no-such-file.js') }}\" defer>"
         "</script>{% endblock %}\n{% block content %}")
    done = labctl_test(sample_project, "my_session", "-n", "2", "--browsers")
    output = " ".join((done.stdout + done.stderr).split())
    assert done.returncode == 1, output
    assert "app trust, round 1, page Send" in output and "HTTP 404" in output
    assert "no-such-file.js" in output


def test_without_playwright_the_error_says_how_to_install_it(sample_project: Path,
                                                              tmp_path: Path) -> None:
    # a playwright package that cannot be imported stands for one that is not installed
    blocker = tmp_path / "blocker"
    (blocker / "playwright").mkdir(parents=True)
    (blocker / "playwright" / "__init__.py").write_text("raise ImportError('not installed')\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(blocker), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-m", "labctl", "test", "my_session", "-n", "2",
                           "--browsers", str(sample_project)], capture_output=True, text=True,
                          timeout=TEST_TIMEOUT, env=env)
    assert done.returncode == 1
    assert "pip install 'labctl[browsers]'" in " ".join(done.stderr.split())


def test_a_pages_own_button_without_a_type_is_pressed_as_a_participant_would(
        sample_project: Path, chromium: object) -> None:
    # oTree templates often write <button class="otree-btn-next">: a button that submits
    edit(sample_project / "questionnaire" / "Opinions.html", "{{ next_button() }}",
         '<button class="otree-btn-next">Send</button>')
    done = labctl_test(sample_project, "my_session", "-n", "2", "--browsers")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "OK 2 bots played my_session" in done.stdout
