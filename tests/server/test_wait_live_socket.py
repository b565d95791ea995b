"""A wait page's ``live_method`` over real HTTP and real WebSockets: the wait page's own
template loads the live client; a wave sent on ``/p/<code>/live`` reaches the members waiting
there, not the one still on a page; the wait page releases as before when the last member
arrives, and a late message from the released page is refused by name; the exchange is in
``live_messages.csv``."""

from __future__ import annotations

import csv
import json

import pytest
from browserless import Participant
from live_lobby import INTRO, LOBBY, RESULTS, lobby_project
from test_live_socket import LivePage

from labctl.export import write_results

pytestmark = pytest.mark.both_stores


@pytest.fixture
def lobby(live_server, tmp_path):
    """Members 1 and 2 waiting in the Lobby, member 3 still on the Intro."""
    server = live_server(project=lobby_project(tmp_path / "project"), session_type="lobby",
                         n=3)
    people = [Participant(server.base_url, code) for code in server.codes]
    for person in people[:2]:
        person.submit({"note": ""})
        assert person.get().step == LOBBY
    assert people[2].get().step == INTRO
    return server, people


@pytest.fixture
def sockets(lobby):
    server, _ = lobby
    opened: list[LivePage] = []

    def open_(index: int) -> LivePage:
        opened.append(LivePage(server.base_url, server.codes[index]))
        return opened[-1]

    yield open_
    for page in opened:
        page.close()


def test_the_wait_pages_template_loads_the_live_client_before_its_script(lobby):
    _, people = lobby

    page = people[0].get()

    assert page.kind == "wait" and page.step == LOBBY
    live_client, own_script = (page.html.index("labctl-live.js"), page.html.index("lobby.js"))
    assert live_client < own_script
    assert 'id="wait-page" data-step="1"' in page.html


def test_a_wave_reaches_the_waiting_members_and_not_the_one_on_a_page(lobby, sockets):
    first, second, third = sockets(0), sockets(1), sockets(2)

    deliveries, answer = first.until_answer(first.send({"kind": "wave"}, step=LOBBY))

    assert answer["type"] == "ack"
    assert [d["data"] for d in deliveries] == [{"waves": 1, "by": 1}]
    assert second.next() == {"type": "live", "id": deliveries[0]["id"], "re": answer["mid"],
                             "data": {"waves": 1, "by": 1}}
    assert third.nothing_pending()  # on the Intro: a live page, but not this wait page


def test_the_one_still_on_a_page_cannot_send_to_the_wait_page(lobby, sockets):
    third = sockets(2)

    _, answer = third.until_answer(third.send({"kind": "wave"}, step=LOBBY))

    assert answer["type"] == "error" and "no longer yours" in answer["message"]


def test_the_wait_page_releases_as_before_and_late_messages_are_refused(lobby, sockets):
    _, people = lobby
    first = sockets(0)
    first.until_answer(first.send({"kind": "wave"}, step=LOBBY))
    assert people[0].position()["step"] == LOBBY  # a live message releases nobody

    people[2].submit({"note": ""})

    assert [person.get().step for person in people] == [RESULTS] * 3
    _, answer = first.until_answer(first.send({"kind": "wave"}, step=LOBBY))
    assert answer["type"] == "error" and "no longer yours" in answer["message"]


def test_the_exchange_is_exported_as_for_a_page(lobby, sockets, tmp_path):
    server, _ = lobby
    first = sockets(0)
    _, answer = first.until_answer(first.send({"kind": "whisper", "to": 2}, step=LOBBY))

    written = write_results(server.engine.store, server.engine.project, tmp_path / "out",
                            [server.session_code])

    [path] = [p for p in written if p.name == "live_messages.csv"]
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["direction"], r["participant_code"], r["reply_to"], json.loads(r["payload"]),
             r["page"], r["step"]) for r in rows] == [
        ("in", server.codes[0], "", {"kind": "whisper", "to": 2}, "Lobby", str(LOBBY)),
        ("out", server.codes[1], str(answer["mid"]), {"from": 1}, "Lobby", str(LOBBY))]
