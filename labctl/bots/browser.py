"""Browser bots (``labctl test TYPE --browsers``): the bots drive real headless Chromium pages.

The HTTP bots post forms directly, so a page whose form does not render, whose script throws
or whose Next button is missing still passes. Here each bot is a Chromium page: a bot's
values are typed into the rendered inputs (radio buttons and options chosen, checkboxes
ticked), the page's own submit button is pressed (labctl.js sends the form), and wait pages
are waited through as a participant's browser waits. Every page's JavaScript console errors,
uncaught script errors, failed requests and Content-Security-Policy violations fail the run,
named with the app, round and page, and a screenshot of each failing page is kept.

``BrowserClient`` has the interface of the HTTP bots' ``ParticipantClient``, so the runner
(``runner.py``: bots' yields, checks, cases, automatic bots) is the same. The browser is the
system's Chromium (``/usr/bin/chromium``, or ``LABCTL_CHROMIUM``), never a downloaded one;
Playwright is the optional extra ``pip install 'labctl[browsers]'``.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import threading
import time
from pathlib import Path
from typing import Any

from ..errors import LabctlError
from ..participant_urls import participant_url
from .client import Response, ShownPage, parse_page
from .runner import BotFailure

DEFAULT_CHROMIUM = "/usr/bin/chromium"
#: flags for a machine with no network but loopback: no background connections, no GPU
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage",
]
#: the longest one action (a click, a page load) may take, in ms
ACTION_TIMEOUT_MS = 30_000
#: how often a bot on a wait page looks whether its page moved on (ms)
WAIT_STEP_MS = 500
#: reports each CSP violation to the bot (installed before the page's own scripts run)
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", function (event) {
  window.__labctlCspViolation(event.violatedDirective + " blocked " +
    (event.blockedURI || "inline") + " at " + event.sourceFile + ":" + event.lineNumber);
});
"""
#: a mark the bot sets on the page before pressing Next: gone once the answer replaced it
SEEN = "data-labctl-bot-seen"
ANSWERED = (f"() => {{ const m = document.getElementById('main'); "
            f"return m !== null && !m.hasAttribute('{SEEN}'); }}")
#: how often a bot tries to read a page that is being replaced
READ_ATTEMPTS = 20
#: HTTP statuses that are part of playing: a form refused with its errors
EXPECTED_STATUSES = {422}


def _expected(console_text: str) -> bool:
    """Console errors that are part of playing: Chromium logs a refused form's 422 (by
    design) and a missing favicon (the browser's own request)."""
    return "status of 422" in console_text or console_text.endswith("/favicon.ico")


def require_playwright() -> str:
    """The Chromium to drive; a clear error when Playwright or Chromium is missing."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError as exc:
        raise LabctlError("browser bots need Playwright, which is not installed",
                          "pip install 'labctl[browsers]' (Playwright drives the system's "
                          "Chromium; nothing is downloaded)") from exc
    configured = os.environ.get("LABCTL_CHROMIUM") or DEFAULT_CHROMIUM
    found = configured if os.path.isabs(configured) else shutil.which(configured)
    if not found or not Path(found).is_file() or not os.access(found, os.X_OK):
        raise LabctlError(f"browser bots need Chromium, not found at {configured}",
                          "install it (Debian: apt-get install chromium) or set "
                          "LABCTL_CHROMIUM to a Chromium binary")
    return str(found)


class BrowserClient:
    """One participant's headless Chromium, with what went wrong in each page it showed.

    Each bot is a thread with a Chromium of its own (Playwright's sync API serves the thread
    that started it), so ``-n`` should stay small: see the README for the memory per browser.
    """

    def __init__(self, base_url: str, code: str, chromium: str, screenshots: Path) -> None:
        from playwright.sync_api import sync_playwright

        self.url = participant_url(base_url, code)
        self.code = code
        self.screenshots = screenshots
        self.problems: list[str] = []
        self.shown: ShownPage | None = None
        self._lock = threading.Lock()
        self._playwright = sync_playwright().start()
        try:
            self._browser = self._playwright.chromium.launch(
                executable_path=chromium, args=CHROMIUM_ARGS, headless=True,
                timeout=ACTION_TIMEOUT_MS)
        except Exception:
            self._playwright.stop()
            raise
        context = self._browser.new_context()
        context.set_default_timeout(ACTION_TIMEOUT_MS)
        context.expose_function("__labctlCspViolation",
                                lambda report: self._problem(f"CSP violation: {report}"))
        context.add_init_script(CSP_LISTENER)
        self.page = context.new_page()
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self._problem(f"script error: {error}"))
        self.page.on("requestfailed", lambda request: self._problem(
            f"request failed: {request.method} {request.url} ({request.failure})"))
        self.page.on("response", self._response)

    # -- what the browser reports ---------------------------------------------------------

    def _problem(self, text: str) -> None:
        with self._lock:
            self.problems.append(text)

    def _console(self, message: Any) -> None:
        if message.type == "error" and not _expected(message.text):
            where = (message.location or {}).get("url", "")
            self._problem(f"console error: {message.text}" + (f" ({where})" if where else ""))

    def _response(self, response: Any) -> None:
        if response.status >= 400 and response.status not in EXPECTED_STATUSES \
                and not response.url.endswith("/favicon.ico"):
            self._problem(f"HTTP {response.status} for {response.request.method} "
                          f"{response.url}")

    def _check(self, shown: ShownPage | None) -> None:
        """Fail on anything the page showing ``shown`` reported, with its screenshot."""
        with self._lock:
            problems, self.problems = self.problems, []
        if problems:
            raise BotFailure(self._failure_text(shown, "; ".join(problems)))

    def _failure_text(self, shown: ShownPage | None, what: str) -> str:
        where = (f"app {shown.app}, round {shown.round_number}, page {shown.name}"
                 if shown is not None and shown.app else "the page")
        return f"in the browser, {where}: {what} (screenshot: {self._screenshot(shown)})"

    def _screenshot(self, shown: ShownPage | None) -> Path:
        name = (f"{shown.app}-r{shown.round_number}-{shown.name}" if shown and shown.app
                else "page")
        path = self.screenshots / f"{re.sub(r'[^A-Za-z0-9_.-]', '_', name)}-{self.code}.png"
        self.screenshots.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(Exception):  # a page that cannot be shot is still reported
            self.page.screenshot(path=str(path), full_page=True)
        return path

    def _fail(self, shown: ShownPage | None, what: str) -> BotFailure:
        return BotFailure(self._failure_text(shown, what))

    # -- the interface of ParticipantClient -----------------------------------------------

    def current(self) -> ShownPage:
        """The page the browser shows (it opens the participant's link the first time)."""
        status = 200
        if self.shown is None:
            response = self.page.goto(self.url, wait_until="load")
            status = response.status if response is not None else 200
        else:
            self._check(self.shown)  # what the page before (a wait page) reported
            self.page.wait_for_load_state("load")
        self.shown = self._read(status)
        self._check(self.shown)
        return self.shown

    def _read(self, status: int) -> ShownPage:
        """The page shown; when the page is moving on by itself (labctl.js follows its
        participant), the one it lands on."""
        from playwright.sync_api import Error

        for _ in range(READ_ATTEMPTS):
            try:
                return parse_page(Response(status, self.page.content()))
            except Error:  # navigating: read the next document once it has loaded
                with contextlib.suppress(Error):
                    self.page.wait_for_load_state("load")
        return parse_page(Response(status, self.page.content()))

    def submit(self, page: ShownPage, values: dict[str, Any],
               must_fail: bool = False) -> ShownPage:
        """Type ``values`` into the rendered form and press the page's own Next button.

        ``must_fail``: the bot checks that the server refuses the values; one no input can
        take (an option that is not offered) is sent as a tampered form would send it."""
        self._check(page)
        form = self.page.locator("#page-form")
        if form.count() == 0:
            raise self._fail(page, "the page has no form to submit (#page-form): its template "
                             "does not render next_button() or formfields()")
        for name, value in values.items():
            self._fill(form, page, name, str(value), must_fail)
        button = form.locator("button[type=submit]")
        if button.count() == 0:  # the page's own button: a <button> without a type submits
            button = form.locator("button:not([type]), input[type=submit]")
        if button.count() == 0:
            raise self._fail(page, "the page has no Next button: its template does not "
                             "render next_button()")
        self.page.evaluate(f"() => document.getElementById('main').setAttribute('{SEEN}', '')")
        with self.page.expect_response(lambda r: r.request.method == "POST"
                                       and r.url == self.url) as answer:
            button.first.click()
        self.page.wait_for_function(ANSWERED)
        self.shown = self._read(answer.value.status)
        self._check(self.shown)
        return self.shown

    def _fill(self, form: Any, page: ShownPage, name: str, value: str,
              must_fail: bool = False) -> None:
        inputs = form.locator(f'[name="{name}"]')
        if inputs.count() == 0:
            raise self._fail(page, f"the form has no input named '{name}': its template does "
                             "not render that field (formfields() or formfield(...))")
        first = inputs.first
        kind = (first.get_attribute("type") or "").lower()
        tag = first.evaluate("element => element.tagName.toLowerCase()")
        offered = form.locator(f'[name="{name}"][value="{value}"], '
                               f'select[name="{name}"] option[value="{value}"]').count() > 0
        if kind == "radio" or tag == "select":
            if not offered and must_fail:
                self._send_anyway(form, name, value)
                return
            if not offered:
                raise self._fail(page, f"field '{name}' offers no option '{value}'")
        if kind == "radio":
            form.locator(f'[name="{name}"][value="{value}"]').first.check()
        elif kind == "checkbox":
            first.set_checked(value not in ("", "0", "False", "false"))
        elif tag == "select":
            first.select_option(value)
        else:
            first.fill(value)

    @staticmethod
    def _send_anyway(form: Any, name: str, value: str) -> None:
        """Add ``name=value`` to the form as a hidden input: what a tampered form posts."""
        form.evaluate("(form, pair) => { const input = document.createElement('input'); "
                      "input.type = 'hidden'; input.name = pair[0]; input.value = pair[1]; "
                      "form.appendChild(input); }", [name, value])

    def wait_until_moved(self, page: ShownPage, seconds: float,
                         stop: threading.Event | None = None) -> bool:
        """Wait while the browser's wait page waits for its release (labctl.js moves it)."""
        from playwright.sync_api import Error

        moved = (f"() => {{ const m = document.getElementById('main'); return m !== null && "
                 f"(m.getAttribute('data-step') !== '{page.step}' || "
                 f"m.getAttribute('data-kind') !== '{page.kind}'); }}")
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and not (stop is not None and stop.is_set()):
            try:
                self.page.wait_for_function(moved, timeout=WAIT_STEP_MS)
                return True
            except Error:  # not yet, or the page is being replaced by the next one
                continue
        return False

    def verify(self) -> None:
        """Fail on anything the last page (the finished page) reported."""
        with contextlib.suppress(Exception):
            self.page.wait_for_load_state("load")
        self._check(self.shown)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self._browser.close()
        with contextlib.suppress(Exception):
            self._playwright.stop()
