"""The session-wide link, through real HTTP: one URL, each new browser the next free
participant, a browser that comes back keeps its own (its cookie), a label in the link is
kept; a wrong token is a 404; a full session says so."""

from __future__ import annotations

import re

import requests
from browserless import HTTP_TIMEOUT, admin_login

PASSWORD = "join-password"


def session_link(lab) -> str:
    http = admin_login(lab.base_url, PASSWORD)
    page = http.get(f"{lab.base_url}/admin/sessions/{lab.session_code}", timeout=HTTP_TIMEOUT)
    return re.search(r'id="session-link" href="([^"]+)"', page.text).group(1)


def opened_by(http: requests.Session, url: str) -> str:
    response = http.get(url, timeout=HTTP_TIMEOUT, allow_redirects=False)
    assert response.status_code == 303, response.text
    return re.fullmatch(r".*/p/([^/]+)/", response.headers["Location"]).group(1)


def test_each_new_browser_gets_the_next_participant_and_keeps_it(live_server):
    lab = live_server(admin_password=PASSWORD)
    url = lab.base_url + session_link(lab)
    browsers = [requests.Session() for _ in range(3)]
    got = [opened_by(http, url) for http in browsers]
    assert got == lab.codes[:3]
    assert [opened_by(http, url) for http in browsers] == got  # reloads keep them
    labelled = opened_by(requests.Session(), url + "?participant_label=S-42")
    assert labelled == lab.codes[3]
    # the same label from another browser is the same participant (the label is theirs)
    assert opened_by(requests.Session(), url + "?participant_label=S-42") == labelled
    assert lab.engine.payments(lab.session_code)[3].recruitment_id == "S-42"
    full = requests.get(url, timeout=HTTP_TIMEOUT)
    assert full.status_code == 409 and "Every place in this session is taken" in full.text
    assert opened_by(browsers[0], url) == got[0]  # still its own


def test_a_guessed_session_link_is_a_404(live_server):
    lab = live_server(admin_password=PASSWORD)
    response = requests.get(f"{lab.base_url}/join/{lab.session_code}/not-the-token/",
                            timeout=HTTP_TIMEOUT, allow_redirects=False)
    assert response.status_code == 404
