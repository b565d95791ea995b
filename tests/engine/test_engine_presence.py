"""Presence, pure: a socket opening or a request brings someone online, a socket closing with
nothing else open takes them offline at once, a page that only polled goes offline when its
grace runs out (dated then, not when someone looked)."""

from __future__ import annotations

from labctl.engine.presence_state import Presence


def test_a_socket_brings_online_and_its_close_takes_offline_at_once():
    presence = Presence(grace=12)
    assert presence.state("p1", 100) is None  # never heard from
    assert presence.opened("p1", 100) is True
    state = presence.state("p1", 500)
    assert (state.online, state.transport, state.since, state.last_heard) == (
        True, "socket", 100, 100)
    assert presence.closed("p1", 500) is True
    state = presence.state("p1", 500)
    assert (state.online, state.transport, state.since) == (False, None, 500)


def test_moving_to_the_next_page_is_no_dropout():
    """The form is posted (a request), then the old page's socket closes, then the new one
    opens: online throughout."""
    presence = Presence(grace=12)
    presence.opened("p1", 100)
    presence.heard("p1", 200)
    assert presence.closed("p1", 200.1) is False
    assert presence.state("p1", 200.1).online
    assert presence.opened("p1", 200.3) is False  # never went offline, so no news
    assert presence.state("p1", 200.3).since == 100


def test_a_tab_closed_long_after_its_page_loaded_is_offline_at_once():
    presence = Presence(grace=12, page_grace=3)
    presence.heard("p1", 100)  # the page loads
    presence.opened("p1", 100.2)  # its socket opens
    assert presence.closed("p1", 104) is True
    assert presence.state("p1", 104).since == 104


def test_two_open_pages_stay_online_until_both_close():
    presence = Presence(grace=12)
    presence.opened("p1", 100)
    presence.opened("p1", 101)
    assert presence.closed("p1", 300) is False
    assert presence.state("p1", 300).online
    assert presence.closed("p1", 301) is True


def test_a_polling_page_is_online_until_silent_past_the_grace():
    presence = Presence(grace=12)
    assert presence.heard("p1", 100, poll=True) is True
    presence.heard("p1", 105, poll=True)
    state = presence.state("p1", 117)
    assert (state.online, state.transport) == (True, "polling")
    state = presence.state("p1", 160)
    assert (state.online, state.since, state.last_heard) == (False, 117, 105)
    assert presence.heard("p1", 170, poll=True) is True  # back: news for the monitor
    assert presence.state("p1", 170).since == 170


def test_the_sweep_names_who_fell_silent_once():
    presence = Presence(grace=12, page_grace=3)
    presence.heard("polling", 100, poll=True)
    presence.heard("closed-tab", 100)
    presence.opened("closed-tab", 100.1)
    presence.closed("closed-tab", 101)  # within the page grace: maybe the next page
    presence.opened("on-socket", 100)
    assert presence.went_silent(102) == []
    assert presence.went_silent(104) == ["closed-tab"]
    assert presence.state("closed-tab", 104).since == 103.1  # last heard: the socket opening
    assert presence.went_silent(113) == ["polling"]
    assert presence.went_silent(500) == []  # each is named once; a socket keeps one online
