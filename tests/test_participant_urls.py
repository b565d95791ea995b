"""A participant's URL has one owner (``labctl.participant_urls``): the server routes it, the
bots' client requests it, ``labctl run`` prints it, all from the same shape."""

from __future__ import annotations

from labctl.bots.client import ParticipantClient
from labctl.participant_urls import (
    APP_ERROR_ROUTE,
    CONSENT_ROUTE,
    EXPERIMENTER_CHAT_ROUTE,
    LIVE_MESSAGES_ROUTE,
    LIVE_ROUTE,
    POSITION,
    POSITION_ROUTE,
    ROUTE,
    SHARED,
    SHARED_ROUTE,
    SOCKET,
    SOCKET_ROUTE,
    participant_path,
    participant_url,
)


def test_the_shape_of_a_participant_s_url():
    assert participant_path("aB3_-x") == "/p/aB3_-x/"
    assert participant_path("aB3_-x", SOCKET) == "/p/aB3_-x/ws"
    assert participant_path("aB3_-x", SHARED) == "/p/aB3_-x/shared"
    assert participant_path("aB3_-x", POSITION) == "/p/aB3_-x/position"
    assert participant_url("http://10.0.0.5:8000", "aB3_-x") == "http://10.0.0.5:8000/p/aB3_-x/"
    assert participant_url("http://10.0.0.5:8000/", "aB3_-x") == "http://10.0.0.5:8000/p/aB3_-x/"
    assert participant_path("a/b?c") == "/p/a%2Fb%3Fc/"  # a code is one path segment


def test_the_server_routes_exactly_the_owner_s_rules(live_server):
    lab = live_server(n=2)
    participant_rules = {(rule.rule, rule.endpoint) for rule in
                         lab.server.app.url_map.iter_rules() if rule.rule.startswith("/p/")}
    assert {rule for rule, _ in participant_rules} == {
        ROUTE, POSITION_ROUTE, SOCKET_ROUTE, SHARED_ROUTE, APP_ERROR_ROUTE, LIVE_ROUTE,
        LIVE_MESSAGES_ROUTE, EXPERIMENTER_CHAT_ROUTE, CONSENT_ROUTE}
    assert {(ROUTE, "participant.show"), (ROUTE, "participant.submit"),
            (POSITION_ROUTE, "participant.position")} <= participant_rules


def test_the_bots_client_reaches_the_server_at_the_owner_s_urls(live_server):
    lab = live_server(n=2)
    code = lab.codes[0]
    client = ParticipantClient(lab.base_url, code)
    try:
        assert client.url == participant_url(lab.base_url, code)
        assert client.path == participant_path(code)
        page = client.current()
        assert (page.status, page.kind, page.step) == (200, "page", 0)
        assert not client._moved(page)  # the position sub-path answers: still on step 0
    finally:
        client.close()
