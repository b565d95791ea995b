"""``labctl dev``'s workbench: reloads, tabs that land on their page, a broken save, the demo.

The workbench is served over real HTTP from a thread of the test process (Werkzeug), with the
sample project copied so that the tests can edit it as a researcher does.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import websocket

from labctl.errors import LabctlError
from labctl.server.dev import DEV_DB, SOCKET_PATH, Workbench

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
MARKER = re.compile(r'<main[^>]*data-kind="(\w+)" data-step="(\d+)" data-app="(\w*)" '
                    r'data-round="(\d*)" data-page="(\w*)"')


class Bench:
    """A workbench served on 127.0.0.1, and a researcher's browser (no redirects followed)."""

    def __init__(self, root: Path) -> None:
        from werkzeug.serving import make_server

        self.root = root
        self.bench = Workbench(root)
        self.first = self.bench.reload()
        self.server = make_server("127.0.0.1", 0, self.bench, threaded=True)
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       kwargs={"poll_interval": 0.02}, daemon=True)
        self.thread.start()
        self.base = f"http://127.0.0.1:{self.server.server_port}"
        self.http = requests.Session()

    def get(self, path: str) -> requests.Response:
        return self.http.get(self.base + path, allow_redirects=False, timeout=10)

    def follow(self, path: str) -> requests.Response:
        return self.http.get(self.base + path, timeout=10)

    def demo(self, session_type: str = "my_session") -> list[str]:
        """Click a demo button; the participants' page paths shown in frames."""
        token = TOKEN.search(self.get("/admin/demo/").text).group(1)
        page = self.http.post(f"{self.base}/admin/demo/{session_type}",
                              data={"csrf_token": token}, timeout=10)
        assert page.status_code == 200, page.text
        return re.findall(r'<iframe src="([^"]+)"', page.text)

    def submit(self, path: str, values: dict[str, str]) -> str:
        page = self.follow(path).text
        step = MARKER.search(page).group(2)
        answer = self.http.post(self.base + path, data={
            "csrf_token": TOKEN.search(page).group(1), "step": step, **values}, timeout=10)
        assert answer.status_code == 200, answer.text
        return answer.text

    def close(self) -> None:
        self.server.shutdown()
        self.bench.close()


@pytest.fixture
def bench(sample_project: Path) -> Iterator[Bench]:
    served = Bench(sample_project)
    yield served
    served.close()


def marker(html: str) -> tuple[str, int, str, str]:
    kind, step, app, _round, page = MARKER.search(html).groups()
    return kind, int(step), app, page


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def play_to_send_back(bench: Bench) -> list[str]:
    """A trust game with the trustee on SendBack and the trustor waiting for them."""
    paths = bench.demo()
    assert marker(bench.submit(paths[0], {"sent_amount": "4.00"}))[3] == "WaitForTrustor"
    assert marker(bench.follow(paths[1]).text)[3] == "SendBack"
    return paths


def test_the_front_page_is_the_demo_page(bench: Bench) -> None:
    assert bench.first.ok
    assert bench.get("/").headers["Location"] == "/admin/demo/"
    page = bench.get("/admin/demo/").text
    for name in ("my_session", "pd_chat", "public_goods"):
        assert f'data-session-type="{name}"' in page
    assert "/static/labctl-dev.js" in page  # every page follows the reloads


def test_an_edit_reloads_and_the_tab_lands_on_the_same_page(bench: Bench) -> None:
    paths = play_to_send_back(bench)
    edit(bench.root / "trust" / "SendBack.html", "{% block content %}",
         "{% block content %}<p id='edited'>Edited template</p>")
    edit(bench.root / "trust" / "__init__.py", "class SendBack(labctl.Page):",
         "class SendBack(labctl.Page):\n    timer_text = 'Edited page class'\n"
         "    timeout_seconds = 600")
    outcome = bench.bench.reload()
    assert outcome.ok and len(outcome.sessions) == 1 and not outcome.notes

    # the trustee's old link goes to participant 2 of the new session, on SendBack again
    moved = bench.get(paths[1])
    assert moved.status_code == 302 and moved.headers["Location"] != paths[1]
    page = bench.follow(paths[1]).text
    assert marker(page)[3] == "SendBack"
    assert "Edited template" in page and "Edited page class" in page
    # the trustor was replayed to where they were: waiting for the trustee
    assert marker(bench.follow(paths[0]).text)[3] == "ResultsWait"
    # the session's demo page and monitor move with it
    assert bench.get(f"/admin/demo/sessions/{outcome.sessions[0][0]}").status_code == 302


def test_a_broken_save_shows_the_problems_on_every_url_and_the_next_save_recovers(
        bench: Bench) -> None:
    paths = play_to_send_back(bench)
    init = bench.root / "trust" / "__init__.py"
    good = init.read_text(encoding="utf-8")
    init.write_text(good + "\ndef broken(:\n", encoding="utf-8")
    outcome = bench.bench.reload()
    assert not outcome.ok and [p.code for p in outcome.problems] == ["LC101"]
    for path in (paths[1], "/admin/demo/", "/"):
        page = bench.get(path)
        assert page.status_code == 500
        assert "LC101" in page.text and "trust/__init__.py" in page.text
        assert "/static/labctl-dev.js" in page.text  # the error page recovers by itself

    init.write_text(good, encoding="utf-8")
    outcome = bench.bench.reload()
    assert outcome.ok and len(outcome.sessions) == 1
    assert marker(bench.follow(paths[1]).text)[3] == "SendBack"


def test_a_page_that_is_gone_lands_on_the_nearest_earlier_one_and_says_so(
        bench: Bench) -> None:
    paths = play_to_send_back(bench)
    app = bench.root / "trust"
    (app / "SendBack.html").rename(app / "ReturnSome.html")
    text = (app / "__init__.py").read_text(encoding="utf-8")
    (app / "__init__.py").write_text(text.replace("SendBack", "ReturnSome"), encoding="utf-8")
    outcome = bench.bench.reload()
    assert outcome.ok
    note = ("Participant 2 was on trust round 1, page SendBack, which could not be reached "
            "after the reload")
    assert any(n.startswith(note) for n in outcome.notes), outcome.notes
    page = bench.follow(paths[1]).text
    assert marker(page)[3] == "ReturnSome"  # past WaitForTrustor, the nearest earlier page
    assert note in page  # the tab says so (labctl-dev.js shows it)


def test_a_session_the_app_code_cannot_replay_is_kept_with_a_note(bench: Bench) -> None:
    paths = play_to_send_back(bench)
    edit(bench.root / "trust" / "__init__.py",
         "page_sequence = [Send, WaitForTrustor, SendBack, ResultsWait, Results]",
         "page_sequence = [Send, WaitForTrustor, ResultsWait, Results]")
    outcome = bench.bench.reload()
    assert outcome.ok and len(outcome.sessions) == 1
    assert any("replayed only in part" in n and "ResultsWait" in n for n in outcome.notes)
    assert bench.get(paths[1]).status_code == 302  # the tab still finds its participant


def test_open_tabs_are_told_to_reload(bench: Bench) -> None:
    socket = websocket.create_connection(bench.base.replace("http", "ws") + SOCKET_PATH,
                                         timeout=10)
    try:
        first = json.loads(socket.recv())
        bench.bench.reload()
        told = json.loads(socket.recv())
    finally:
        socket.close()
    assert first["type"] == "reload" and told == {"type": "reload",
                                                  "generation": first["generation"] + 1}


def test_the_dev_database_is_never_the_lab_database(sample_project: Path) -> None:
    bench = Workbench(sample_project)
    assert bench.db_path == sample_project / DEV_DB
    with pytest.raises(LabctlError, match=r"will not use .*labctl\.db"):
        Workbench(sample_project, sample_project / "labctl.db")


def test_each_reload_starts_a_fresh_database(bench: Bench) -> None:
    play_to_send_back(bench)
    engine = bench.bench.engine
    assert len(engine.session_rows()) == 1
    bench.bench.reload()
    assert bench.bench.engine is not engine
    assert len(bench.bench.engine.session_rows()) == 1  # recreated, not kept beside the old
    assert not (bench.root / "labctl.db").exists()


def test_the_answers_given_are_typed_again_across_reloads(bench: Bench) -> None:
    paths = play_to_send_back(bench)  # the trustor sent EUR 4.00
    for _ in range(2):  # the second reload replays what the first one replayed
        assert bench.bench.reload().ok
        page = bench.follow(paths[1]).text
        assert marker(page)[3] == "SendBack"
        assert "The trustor sent you EUR 4.00" in " ".join(page.split())


def test_a_folder_that_stops_being_a_project_is_shown_until_it_is_one_again(
        bench: Bench) -> None:
    sessions = bench.root / "sessions.py"
    kept = sessions.read_text(encoding="utf-8")
    sessions.unlink()
    outcome = bench.bench.reload()
    assert not outcome.ok and "has no sessions.py" in outcome.notes[0]
    page = bench.get("/admin/demo/")
    assert page.status_code == 500 and "has no sessions.py" in page.text
    sessions.write_text(kept, encoding="utf-8")
    assert bench.bench.reload().ok
    assert bench.get("/admin/demo/").status_code == 200


def test_a_demo_pages_session_is_a_demo_to_its_apps_across_reloads(bench: Bench) -> None:
    # oTree's session.is_demo: apps show a demo's shortcuts only in a demo session
    edit(bench.root / "trust" / "Send.html", "{% block content %}",
         "{% block content %}<p id='demo'>demo: {{ session.is_demo }}</p>")
    bench.bench.reload()
    paths = bench.demo()
    assert "<p id='demo'>demo: True</p>" in bench.follow(paths[0]).text
    outcome = bench.bench.reload()
    assert outcome.ok and len(outcome.sessions) == 1
    assert "<p id='demo'>demo: True</p>" in bench.follow(paths[0]).text
    # a session made otherwise (labctl run, a room, the bots) is no demo
    code = bench.bench.engine.create_session("my_session")
    first = bench.bench.engine.participant_rows(code)[0]["code"]
    assert "<p id='demo'>demo: False</p>" in bench.follow(f"/p/{first}/").text
