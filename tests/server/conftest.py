"""Fixtures of the server tests; the helpers themselves are in ``browserless.py``."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from browserless import Participant, sample_engine

from labctl.participant_urls import SOCKET, participant_url


@pytest.fixture
def participants_of() -> Iterator[Callable[[str, list[str]], list[Participant]]]:
    """``participants_of(base_url, codes)``: a browserless participant per code."""
    made: list[Participant] = []

    def make(base_url: str, codes: list[str]) -> list[Participant]:
        new = [Participant(base_url, code) for code in codes]
        made.extend(new)
        return new

    yield make
    for participant in made:
        participant.http.close()


@dataclass
class SessionOnServer:
    """A fresh session of the sample project on a server shared by a module's tests."""

    base_url: str
    engine: Any
    session_code: str
    codes: list[str]

    def url(self, code: str, suffix: str = "") -> str:
        return participant_url(self.base_url, code, suffix)

    def ws_url(self, code: str) -> str:
        return participant_url(self.base_url.replace("http://", "ws://"), code, SOCKET)


@pytest.fixture(scope="module")
def shared_server(tmp_path_factory: pytest.TempPathFactory
                  ) -> Iterator[Callable[[], SessionOnServer]]:
    """``shared_server()``: a new 4-participant session of the sample project on one in-thread
    lab server kept for the whole module (a server per test costs half a second to stop)."""
    from werkzeug.serving import make_server

    from labctl.server import create_app

    with sample_engine(tmp_path_factory.mktemp("shared")) as engine:
        server = make_server("127.0.0.1", 0, create_app(engine), threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        base_url = f"http://127.0.0.1:{server.server_port}"

        def new_session() -> SessionOnServer:
            code = engine.create_session("my_session", 4, seed=7)
            codes = [row["code"] for row in engine.participant_rows(code)]
            return SessionOnServer(base_url, engine, code, codes)

        yield new_session
        server.shutdown()
