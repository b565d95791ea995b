"""A project broken while ``labctl run`` serves it never takes the running server down: labctl
loads ``sessions.py``, the apps' Python and their page templates when it starts, so editing
them into invalid code mid-session changes nothing for the participants, who play on to the
end; the break is reported at the next start instead, before anything is served."""

from __future__ import annotations

import pytest
from browserless import FIXED_PAY, RESPOND_1, LabDb, Participant, SampleBot, eur, play

pytestmark = pytest.mark.slow  # labctl run as a process, started twice

BROKEN = "def broken(:\n    this is not Python\n"


def test_breaking_the_python_of_a_running_project_changes_nothing_until_the_next_start(
        sample_project, lab_process):
    lab = lab_process(sample_project, "my_session", "-n", "4")
    people = [Participant(lab.base_url, code) for code in lab.codes]
    bot = SampleBot(lab.codes)
    play(people, bot, stop_step=RESPOND_1)
    for path in [sample_project / "sessions.py", *sample_project.glob("*/__init__.py")]:
        path.write_text(BROKEN, encoding="utf-8")
    for path in sample_project.glob("*/*.html"):  # templates not shown yet, too
        path.write_text("{% if %}{{ broken", encoding="utf-8")

    finished = play(people, bot)
    expected = bot.expected_bonuses(LabDb(sample_project / "labctl.db"), lab.session_code)
    for code, page in finished.items():
        assert page.payment_total == eur(FIXED_PAY + expected[code])
    assert lab.proc.poll() is None  # still serving

    lab.stop()
    with pytest.raises(AssertionError, match="did not start") as failed:
        lab_process(sample_project, "--resume")
    assert "sessions.py" in str(failed.value) or "__init__.py" in str(failed.value)
