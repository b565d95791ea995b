"""Security headers on every page a participant (or the experimenter) sees, and pages that need
nothing their Content Security Policy forbids (inline scripts and styles, other sites)."""

from __future__ import annotations

import re

import pytest
import requests
from browserless import FINISHED, HTTP_TIMEOUT, SampleBot, play


def form_page(lab, people):
    return people[0].http.get(people[0].url, timeout=HTTP_TIMEOUT)


def wait_page(lab, people):
    return people[1].http.get(people[1].url, timeout=HTTP_TIMEOUT)


def invalid_answer(lab, people):
    return people[0].post(people[0].form(people[0].get(), {"sent_amount": "abc"}))


def refused_token(lab, people):
    return people[0].post({"step": "0", "sent_amount": "1.00"})


def unknown_link(lab, people):
    return requests.get(lab.url("nobody"), timeout=HTTP_TIMEOUT)


def too_large(lab, people):
    return people[0].post({"padding": "x" * 300_000})


def finished_page(lab, people):
    play(people, SampleBot(lab.codes), stop_step=FINISHED)
    return people[0].http.get(people[0].url, timeout=HTTP_TIMEOUT)


def admin_page(lab, people):
    return requests.get(f"{lab.base_url}/admin/sessions/{lab.session_code}",
                        timeout=HTTP_TIMEOUT)


PAGES = {"form page": (form_page, 200), "wait page": (wait_page, 200),
         "invalid answer": (invalid_answer, 422), "refused token": (refused_token, 400),
         "unknown link": (unknown_link, 404), "too large": (too_large, 413),
         "finished page": (finished_page, 200), "admin session": (admin_page, 200)}


@pytest.fixture
def lab(shared_server):
    return shared_server()


@pytest.fixture
def people(lab, participants_of):
    """The session's participants, each on their first page."""
    started = participants_of(lab.base_url, lab.codes)
    for person in started:
        person.get()
    return started


@pytest.mark.parametrize("kind", PAGES)
def test_every_page_carries_the_security_headers(lab, people, kind):
    fetch, status = PAGES[kind]
    response = fetch(lab, people)
    assert response.status_code == status
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    policy = response.headers["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'self'"  # the demo page frames pages
    assert directives["form-action"] == "'self'"
    # style="..." attributes apply (oTree templates lay out with them): they run no code
    assert directives["style-src-attr"] == "'unsafe-inline'"
    assert "unsafe-inline" not in policy.replace("style-src-attr 'unsafe-inline'", "")
    assert "unsafe-eval" not in policy
    assert "*" not in policy and "http" not in policy  # nothing from elsewhere
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["Cache-Control"] == "no-store"

    # the policy blocks inline code, so the page must not need any
    html = response.text
    # (JSON data, which no browser runs, is the one script element without src: the texts)
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) in (
        [], ['<script type="application/json" id="labctl-texts">'])
    assert "<style" not in html
    assert re.findall(r"\s(?:style|on[a-z]+)\s*=", html) == []
    assert re.findall(r"(?:src|href)=\"(?:https?:)?//", html) == []  # no CDN, no other site


def test_the_position_endpoint_is_not_cached(people):
    response = people[1].http.get(people[1].url + "position", timeout=HTTP_TIMEOUT)
    assert response.headers["Content-Type"] == "application/json"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_labctls_own_assets_are_served_with_nosniff(lab):
    for asset, kind in [("labctl.js", "text/javascript"), ("labctl.css", "text/css")]:
        response = requests.get(f"{lab.base_url}/static/{asset}", timeout=HTTP_TIMEOUT)
        assert response.status_code == 200
        assert response.headers["Content-Type"].startswith(kind)
        assert response.headers["X-Content-Type-Options"] == "nosniff"
