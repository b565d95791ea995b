"""Script and style written inside a template, which the browser refuses to run (LC175).

Participant pages are served with a strict Content-Security-Policy (``script-src 'self'``,
``style-src 'self'``): a ``<script>`` with code in it, an ``onclick="..."`` handler, a
``javascript:`` link or a ``<style>`` element is silently ignored by the browser, so a page
that looked finished in the editor does nothing in the lab. oTree templates often have them.
Found here by reading the template's HTML, each at its line, with the fix: the code goes into a
file of the app's ``static/`` folder, loaded with ``{{ static("file.js") }}``.

``style="..."`` attributes are allowed (``style-src-attr 'unsafe-inline'``): they cannot run
code or read the page, and oTree's sample games use them for layout.
"""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

from .problems import Problem

#: script types that are data, not code: the browser does not run them, so the CSP allows them
DATA_TYPES = frozenset({"application/json", "application/ld+json", "text/template",
                        "text/x-template", "text/html"})
SCRIPT_FIX = ('move the code into the app\'s static folder (e.g. static/page.js) and load it '
              'in {% block scripts %} with <script src="{{ static(\'page.js\') }}"></script>')
STYLE_FIX = ('move the rules into the app\'s static folder (e.g. static/page.css) and load it '
             'in {% block styles %} with <link rel="stylesheet" '
             'href="{{ static(\'page.css\') }}">')


def problems(path: Path, source: str) -> list[Problem]:
    """Every piece of inline script or style in ``source`` that the browser would refuse."""
    finder = _InlineCode()
    finder.feed(source)
    finder.close()
    return [Problem.at("LC175", (str(path), line), message, fix)
            for line, message, fix in finder.found]


class _InlineCode(HTMLParser):
    """Collects (line, message, fix) for each refused piece; Jinja tags are plain text to it."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[int, str, str]] = []
        self._open: tuple[str, int] | None = None  # an inline <script> or <style> being read
        self._text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        line = self.getpos()[0]
        named = {name: value or "" for name, value in attrs}
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append((line, f"<{tag} {name}=...>: an inline event handler does "
                                   "not run (the page's Content-Security-Policy)",
                                   "attach it with addEventListener in a script file; "
                                   + SCRIPT_FIX))
            elif (value or "").strip().lower().startswith("javascript:"):
                self.found.append((line, f"<{tag} {name}=\"javascript:...\"> does not run "
                                   "(the page's Content-Security-Policy)", SCRIPT_FIX))
        if tag == "script" and "src" not in named and \
                named.get("type", "").lower() not in DATA_TYPES:
            self._open, self._text = ("script", line), ""
        elif tag == "style":
            self._open, self._text = ("style", line), ""

    def handle_data(self, data: str) -> None:
        if self._open:
            self._text += data

    def handle_endtag(self, tag: str) -> None:
        if self._open is None or tag != self._open[0]:
            return
        kind, line = self._open
        self._open = None
        if not self._text.strip():
            return
        if kind == "script":
            self.found.append((line, "an inline <script> does not run (the page's "
                               "Content-Security-Policy allows script files only)", SCRIPT_FIX))
        else:
            self.found.append((line, "an inline <style> is not applied (the page's "
                               "Content-Security-Policy allows stylesheet files only)",
                               STYLE_FIX))
