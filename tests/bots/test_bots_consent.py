"""``labctl test`` on a session type with a consent page: the bots agree and play on (a bot
that met the consent page as an unknown page would fail every session that declares one)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.slow  # labctl test: bots against a server process


def test_bots_agree_to_the_consent_page_and_play_the_session(cli, sample_project):
    sessions = sample_project / "sessions.py"
    text = sessions.read_text(encoding="utf-8")
    sessions.write_text(text.replace('name="my_session",', 'name="my_session", '
                                     'consent="consent.html",', 1), encoding="utf-8")
    (sample_project / "consent.html").write_text("<p>Do you agree?</p>", encoding="utf-8")
    result = cli("test", "my_session", "-n", 4, "--seed", 1, "--project", sample_project)
    assert result.exit_code == 0, result.output
    assert "OK 4 bots played my_session (32 pages)" in result.output
