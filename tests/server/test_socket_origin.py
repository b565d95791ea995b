"""Every WebSocket (participant, shared data, room seat, admin monitor) refuses a handshake
from another site's page with 403 before upgrading, even with the admin's cookie; the server's
own pages, clients that send no Origin (labctl's bots) and origins allowed for a reverse proxy
are served."""

from __future__ import annotations

import threading

import pytest
import websocket
from browserless import HTTP_TIMEOUT, admin_login, next_message, sample_engine

PASSWORD = "origin-test-password"
EVIL = "http://evil.example"
PROXY = "https://lab.example.org"


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A lab server whose config allows the reverse proxy's public origin ``PROXY``."""
    from werkzeug.serving import make_server

    from labctl.server import create_app

    with sample_engine(tmp_path_factory.mktemp("origin")) as engine:
        engine.create_session("my_session", 4, seed=7, room="lab1")
        session = engine.session_rows()[-1]["code"]
        codes = [row["code"] for row in engine.participant_rows(session)]
        app = create_app(engine, admin_password=PASSWORD,
                         config={"LABCTL_ALLOWED_ORIGINS": [PROXY + "/", " "]})
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02},
                                  daemon=True)
        thread.start()
        base = f"http://127.0.0.1:{server.server_port}"
        cookie = "session=" + admin_login(base, PASSWORD).cookies["session"]
        yield base, session, codes, cookie
        server.shutdown()


def sockets(base, session, codes):
    ws = base.replace("http://", "ws://")
    return {"participant": f"{ws}/p/{codes[0]}/ws", "shared": f"{ws}/p/{codes[0]}/shared",
            "seat": f"{ws}/room/lab1/PC01/ws", "monitor": f"{ws}/admin/sessions/{session}/ws"}


KINDS = ["participant", "shared", "seat", "monitor"]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("origin", [EVIL, "null", "http://127.0.0.1:1"])
def test_a_socket_opened_from_another_site_is_refused_before_upgrading(lab, kind, origin):
    base, session, codes, cookie = lab
    url = sockets(base, session, codes)[kind]
    with pytest.raises(websocket.WebSocketBadStatusException) as refused:
        websocket.create_connection(url, origin=origin, cookie=cookie, timeout=HTTP_TIMEOUT)
    assert refused.value.status_code == 403
    assert b"--allowed-origin" in refused.value.resp_body


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("origin", ["own", PROXY, None])
def test_the_servers_own_pages_an_allowed_origin_and_bots_are_served(lab, kind, origin):
    base, session, codes, cookie = lab
    url = sockets(base, session, codes)[kind]
    options = {"suppress_origin": True} if origin is None else {
        "origin": base if origin == "own" else origin}
    ws = websocket.create_connection(url, cookie=cookie, timeout=HTTP_TIMEOUT, **options)
    try:
        assert ws.connected  # upgraded; the pushing sockets also say where things stand:
        if kind in ("participant", "monitor"):  # (a seat and shared data wait quietly)
            assert next_message(ws)["type"] in ("position", "update"), kind
    finally:
        ws.close()
