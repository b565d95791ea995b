"""``labctl dev`` in Chromium: an edit reloads the open tab onto the same page, a broken save
shows the problems in the tab, the next good save brings the page back.

The dev server runs as a process (gevent, watchfiles), as a researcher starts it; the test
edits the project's files as an editor saves them and waits for the browser to show the
result (each wait bounded by Playwright's timeout).
"""

from __future__ import annotations

import queue
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # a server process and headless Chromium

try:
    from playwright.sync_api import expect
except ImportError:  # the browser fixture skips with the reason (or fails under CI)
    expect = None

TRUST_PAIR = '''
SESSION_TYPES.append(SessionType(
    name="trust_pair", fixed_pay=1000, currency="EUR", app_sequence=["trust"],
    num_participants=2, params={"trust_multiplier": 3},
))
'''
START_SECONDS = 30
#: how long a tab may take to follow a save (the watcher, the reload, the tab's reload), ms
FOLLOW_MS = 15_000


@pytest.fixture
def dev_server(sample_project: Path, port: int) -> Iterator[str]:
    """``labctl dev`` on the sample project (with a trust game for one pair)."""
    with (sample_project / "sessions.py").open("a", encoding="utf-8") as sessions:
        sessions.write(TRUST_PAIR)
    proc = subprocess.Popen([sys.executable, "-m", "labctl", "dev", str(sample_project),
                             "--port", str(port)], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    lines: queue.Queue[str] = queue.Queue()

    def read() -> None:
        for line in proc.stdout:  # type: ignore[union-attr]
            lines.put(line)

    threading.Thread(target=read, daemon=True).start()
    seen = []
    try:
        while True:
            line = lines.get(timeout=START_SECONDS)
            seen.append(line)
            if line.startswith("Dev server on"):
                break
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_an_open_tab_follows_edits_and_a_broken_save(dev_server: str, sample_project: Path,
                                                     open_page) -> None:
    demo, _ = open_page()
    demo.goto(dev_server + "/")
    demo.get_by_role("button", name="Play trust_pair").click()
    links = [demo.locator("#demo-grid iframe").nth(i).get_attribute("src") for i in (0, 1)]

    trustor, _ = open_page()
    trustor.goto(dev_server + links[0])
    trustor.locator('input[name="sent_amount"]').fill("4.00")
    trustor.get_by_role("button", name="Next").click()
    trustee, problems = open_page()
    trustee.goto(dev_server + links[1])
    expect(trustee.locator("main")).to_have_attribute("data-page", "SendBack")

    # a template and the page class change while the trustee is on that page
    edit(sample_project / "trust" / "SendBack.html", "{% block content %}",
         "{% block content %}<p id='edited'>Edited template</p>")
    edit(sample_project / "trust" / "__init__.py", "class SendBack(labctl.Page):",
         "class SendBack(labctl.Page):\n    timeout_seconds = 600\n"
         "    timer_text = 'Edited page class'")
    expect(trustee.locator("#edited")).to_have_text("Edited template", timeout=FOLLOW_MS)
    expect(trustee.locator("main")).to_contain_text("Edited page class")
    expect(trustee.locator("main")).to_have_attribute("data-page", "SendBack")
    assert links[1] not in trustee.url  # the same participant number in the new session
    # the trustor's tab followed too: replayed to where they were (waiting for the trustee)
    expect(trustor.locator("main")).to_have_attribute("data-page", "ResultsWait",
                                                      timeout=FOLLOW_MS)

    # a broken save: the tab shows the validator's problems
    init = sample_project / "trust" / "__init__.py"
    good = init.read_text(encoding="utf-8")
    init.write_text(good + "\ndef broken(:\n", encoding="utf-8")
    expect(trustee.locator("#dev-problems")).to_contain_text("LC101", timeout=FOLLOW_MS)
    expect(trustee.locator("#dev-problems")).to_contain_text("trust/__init__.py")

    # the next good save recovers: back on SendBack, with the edit
    init.write_text(good, encoding="utf-8")
    expect(trustee.locator("main")).to_have_attribute("data-page", "SendBack",
                                                      timeout=FOLLOW_MS)
    expect(trustee.locator("#edited")).to_be_visible()
    # and the game goes on from there
    trustee.locator('input[name="sent_back_amount"]').fill("5.00")
    trustee.get_by_role("button", name="Next").click()
    expect(trustee.locator("table.results")).to_contain_text("EUR 17.00")
    assert problems.csp_violations == []  # the dev script obeys the pages' policy
