"""An app's static files over real HTTP: served with their content types and validators, and
nothing else: no traversal (plain, encoded, backslash, symlinks), no ``.py``, no listing. And a
page's ``static()`` URLs and ``js_vars`` as the browser gets them."""

from __future__ import annotations

import http.client
import json
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from browserless import HTTP_TIMEOUT

from labctl.server.app_static import IMMUTABLE_MAX_AGE

APP_INIT = '''\
import labctl
from labctl import fields

app = labctl.App(players_per_group=1)


class Player(labctl.Player):
    age = fields.Integer(min=0, max=120)


class Look(labctl.Page):
    form_fields = ["age"]

    @staticmethod
    def js_vars(player):
        return {"id": player.id_in_group, "evil": "</script><script>alert(1)</script>",
                "line": "a\\u2028b\\u2029c", "amp": "<!-- & -->", "accents": "déjà"}


page_sequence = [Look]
'''
LOOK_HTML = """{% block title %}Look{% endblock %}
{% block scripts %}<script src="{{ static('js/look.js') }}" defer></script>{% endblock %}
{% block content %}<img alt="cards" src="{{ static('img/cards png.png') }}">
{{ formfields() }}{{ next_button() }}{% endblock %}
"""
FILES = {"img/cards png.png": b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "fonts/f.woff2": b"wOF2....",
         "audio/bell.mp3": b"ID3\x03" + b"\x00" * 32, "rules.pdf": b"%PDF-1.4\n%%EOF\n",
         "js/look.js": b"var seen = js_vars.id;\n", "css/look.css": b"p { color: red }\n",
         "logo.svg": b"<svg xmlns='http://www.w3.org/2000/svg'/>", "data.bin": b"\x00\x01",
         "secret.py": b"PASSWORD = 'x'\n", ".hidden": b"hidden\n"}
TYPES = [("img/cards%20png.png", "image/png"), ("fonts/f.woff2", "font/woff2"),
         ("audio/bell.mp3", "audio/mpeg"), ("rules.pdf", "application/pdf"),
         ("js/look.js", "text/javascript; charset=utf-8"),
         ("css/look.css", "text/css; charset=utf-8"), ("logo.svg", "image/svg+xml; charset=utf-8"),
         ("data.bin", "application/octet-stream")]


@pytest.fixture
def gallery(tmp_path: Path, live_server):
    """A one-app project (``gallery``) with static files, served in a thread."""
    project = tmp_path / "project"
    app = project / "gallery"
    (app / "static").mkdir(parents=True)
    (project / "sessions.py").write_text(
        "from labctl import SessionType\n\nSESSION_TYPES = [SessionType(name='demo', "
        "app_sequence=['gallery'], num_participants=1)]\n")
    (app / "__init__.py").write_text(APP_INIT)
    (app / "Look.html").write_text(LOOK_HTML)
    for name, content in FILES.items():
        (app / "static" / name).parent.mkdir(parents=True, exist_ok=True)
        (app / "static" / name).write_bytes(content)
    (app / "static" / "init_link.txt").symlink_to(app / "__init__.py")
    (app / "static" / "passwd_link").symlink_to("/etc/passwd")
    (app / "static" / "img" / "again.png").symlink_to(app / "static" / "img" / "cards png.png")
    return live_server(project=project, session_type="demo", n=1)


def raw_get(base_url: str, path: str) -> http.client.HTTPResponse:
    """GET ``path`` exactly as written (no client normalises its dots or escapes)."""
    host = urlsplit(base_url)
    connection = http.client.HTTPConnection(host.hostname, host.port, timeout=HTTP_TIMEOUT)
    connection.request("GET", path)
    response = connection.getresponse()
    response.read()
    connection.close()
    return response


@pytest.mark.parametrize(("path", "content_type"), TYPES)
def test_each_file_is_served_with_its_content_type(gallery, path, content_type):
    response = requests.get(f"{gallery.base_url}/app-static/gallery/{path}",
                            timeout=HTTP_TIMEOUT)

    assert response.status_code == 200
    assert response.headers["Content-Type"] == content_type
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    name = path.replace("%20", " ")
    expected = FILES.get(name) if name in FILES else None
    assert response.content == expected


def test_a_symlink_inside_static_is_served_as_its_target(gallery):
    response = requests.get(f"{gallery.base_url}/app-static/gallery/img/again.png",
                            timeout=HTTP_TIMEOUT)

    assert response.status_code == 200
    assert response.content == FILES["img/cards png.png"]


@pytest.mark.parametrize("path", [
    "/app-static/gallery/../__init__.py", "/app-static/gallery/%2e%2e/__init__.py",
    "/app-static/gallery/..%2f__init__.py", "/app-static/gallery/..%2F__init__.py",
    "/app-static/gallery/..%5c__init__.py", "/app-static/gallery/..\\__init__.py",
    "/app-static/gallery/img/..%2f..%2f__init__.py",
    "/app-static/gallery/%2e%2e%2f%2e%2e%2fsessions.py",
    "/app-static/gallery//etc/passwd", "/app-static/gallery/%2fetc%2fpasswd",
    "/app-static/gallery/secret.py", "/app-static/gallery/.hidden",
    "/app-static/gallery/init_link.txt", "/app-static/gallery/passwd_link",
    "/app-static/gallery/img", "/app-static/gallery/img/", "/app-static/gallery/",
    "/app-static/gallery/missing.png", "/app-static/nowhere/rules.pdf",
    "/app-static/gallery/Look.html", "/app-static/gallery/static/rules.pdf",
])
def test_nothing_outside_the_servable_files_is_served(gallery, path):
    response = raw_get(gallery.base_url, path)

    assert response.status in (404, 308), path  # 308: Werkzeug's slash redirect, to a 404
    if response.status == 308:
        target = response.getheader("Location")
        assert raw_get(gallery.base_url, urlsplit(target).path).status == 404


def test_validators_answer_304_and_a_changed_etag_gets_the_file(gallery):
    url = f"{gallery.base_url}/app-static/gallery/rules.pdf"
    first = requests.get(url, timeout=HTTP_TIMEOUT)
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]

    by_etag = requests.get(url, headers={"If-None-Match": etag}, timeout=HTTP_TIMEOUT)
    by_date = requests.get(url, headers={"If-Modified-Since": modified}, timeout=HTTP_TIMEOUT)
    other = requests.get(url, headers={"If-None-Match": '"0000"'}, timeout=HTTP_TIMEOUT)

    assert (by_etag.status_code, by_etag.content) == (304, b"")
    assert (by_date.status_code, by_date.content) == (304, b"")
    assert (other.status_code, other.content) == (200, FILES["rules.pdf"])


def test_the_page_links_versioned_urls_cached_as_immutable(gallery):
    page = requests.get(gallery.url(gallery.codes[0]), timeout=HTTP_TIMEOUT).text
    image = re.search(r'<img alt="cards" src="([^"]+)"', page)[1]
    script = re.search(r'<script src="(/app-static/[^"]+)" defer>', page)[1]

    assert image.startswith("/app-static/gallery/img/cards%20png.png?v=")
    versioned = requests.get(gallery.base_url + image, timeout=HTTP_TIMEOUT)
    plain = requests.get(gallery.base_url + image.split("?")[0], timeout=HTTP_TIMEOUT)
    stale = requests.get(gallery.base_url + image.split("?")[0] + "?v=old", timeout=HTTP_TIMEOUT)
    assert versioned.content == FILES["img/cards png.png"]
    assert versioned.headers["Cache-Control"] == (
        f"public, max-age={IMMUTABLE_MAX_AGE}, immutable")
    assert plain.headers["Cache-Control"] == "no-cache"
    assert stale.headers["Cache-Control"] == "no-cache"
    assert requests.get(gallery.base_url + script, timeout=HTTP_TIMEOUT).content == (
        FILES["js/look.js"])


def test_js_vars_reach_the_page_as_json_that_cannot_end_its_script_element(gallery):
    page = requests.get(gallery.url(gallery.codes[0]), timeout=HTTP_TIMEOUT).text
    element = re.search(r'<script type="application/json" id="labctl-js-vars">(.*?)</script>',
                        page, re.DOTALL)

    text = element[1]
    assert "<" not in text and ">" not in text and "&" not in text
    assert "\u2028" not in text and "\u2029" not in text
    assert json.loads(text) == {"id": 1, "evil": "</script><script>alert(1)</script>",
                                "line": "a\u2028b\u2029c", "amp": "<!-- & -->",
                                "accents": "déjà"}
    assert page.index('id="labctl-js-vars"') < page.index('src="/static/labctl.js"')


def test_a_page_without_js_vars_has_no_element(live_server):
    lab = live_server()

    page = requests.get(lab.url(lab.codes[0]), timeout=HTTP_TIMEOUT).text
    assert "labctl-js-vars" not in page


@pytest.mark.parametrize(("change", "location", "says"), [
    (("Look.html", "static('img/cards png.png')", "static('img/cards.png')"), "Look.html:3",
     "static('img/cards.png'): no file gallery/static/img/cards.png"),
    (("__init__.py", '"accents": "déjà"}', '"accents": {"a", "set"}}'), "__init__.py:14",
     "js_vars of page Look: Object of type set is not JSON serializable"),
])
def test_a_broken_static_reference_or_js_vars_is_the_apps_error_at_its_line(
        tmp_path, live_server, change, location, says):
    """What validate reports (LC215) still fails loudly when served: the participant gets the
    app-error page and the monitor the file:line, never a page without its image or vars."""
    file, old, new = change
    project = tmp_path / "project"
    app = project / "gallery"
    app.mkdir(parents=True)
    (project / "sessions.py").write_text(
        "from labctl import SessionType\n\nSESSION_TYPES = [SessionType(name='demo', "
        "app_sequence=['gallery'], num_participants=1)]\n")
    sources = {"__init__.py": APP_INIT, "Look.html": LOOK_HTML}
    sources[file] = sources[file].replace(old, new)
    for name, text in sources.items():
        (app / name).write_text(text)
    (app / "static" / "js").mkdir(parents=True)
    (app / "static" / "js" / "look.js").write_bytes(FILES["js/look.js"])
    (app / "static" / "img").mkdir()
    (app / "static" / "img" / "cards png.png").write_bytes(FILES["img/cards png.png"])
    lab = live_server(project=project, session_type="demo", n=1)

    page = requests.get(lab.url(lab.codes[0]), timeout=HTTP_TIMEOUT)

    assert page.status_code == 500 and "Traceback" not in page.text
    (error,) = lab.engine.store.app_errors_of(lab.session_code)
    assert error["location"].endswith(f"gallery/{location}"), error
    assert says in error["message"]
