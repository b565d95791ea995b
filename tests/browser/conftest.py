"""Headless Chromium for the browser tests, driven by Playwright.

The browser is the system's Chromium (Debian's ``chromium`` package: ``/usr/bin/chromium``, or
the path in ``LABCTL_CHROMIUM``), never a browser downloaded by Playwright. Where Chromium or the
playwright package is missing the browser tests are skipped with the reason, except when ``CI``
is set: there a missing browser fails the run, so CI can never pass by silently skipping them.

Every page made by ``open_page`` records its console errors, uncaught script errors and Content
Security Policy violations in ``page_problems``; ``assert_no_problems`` checks them.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

# the same Chromium, flags and CSP listener as labctl test --browsers
from labctl.bots.browser import CHROMIUM_ARGS, CSP_LISTENER, DEFAULT_CHROMIUM

#: the longest any single Playwright action or expectation may take (ms)
ACTION_TIMEOUT_MS = 10_000
LAUNCH_TIMEOUT_MS = 30_000


def in_ci() -> bool:
    """True when the environment variable CI is set (CI=1, CI=true), as on the CI runner."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def unavailable(reason: str) -> None:
    """Skip locally; fail under CI, where a browser test must never be skipped."""
    if in_ci():
        pytest.fail(f"browser tests cannot run under CI: {reason}", pytrace=False)
    pytest.skip(reason)


def chromium_path() -> str:
    configured = os.environ.get("LABCTL_CHROMIUM") or DEFAULT_CHROMIUM
    found = shutil.which(configured) if not os.path.isabs(configured) else configured
    if not found or not Path(found).is_file() or not os.access(found, os.X_OK):
        unavailable(f"Chromium not found at {configured} (install Debian's chromium package, "
                    "or set LABCTL_CHROMIUM to a Chromium binary)")
    return str(found)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """One headless Chromium for the whole test session."""
    try:
        from playwright.sync_api import Error, sync_playwright
    except ImportError as exc:
        unavailable(f"the playwright package is not installed ({exc}); "
                    "pip install -e '.[test]'")
    executable = chromium_path()
    with sync_playwright() as playwright:
        try:
            chromium = playwright.chromium.launch(
                executable_path=executable, args=CHROMIUM_ARGS, headless=True,
                timeout=LAUNCH_TIMEOUT_MS)
        except Error as exc:
            pytest.fail(f"Chromium at {executable} is installed but did not start: {exc}",
                        pytrace=False)
        yield chromium
        chromium.close()


@dataclass
class PageProblems:
    """What went wrong inside one page, as the browser reported it."""

    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    csp_violations: list[str] = field(default_factory=list)

    def all(self, ignore: Callable[[str], bool] = lambda _: False) -> list[str]:
        return [p for p in self.console_errors + self.page_errors + self.csp_violations
                if not ignore(p)]


@pytest.fixture
def open_page(browser) -> Iterator[Callable[..., tuple[object, PageProblems]]]:
    """``open_page(viewport=None)``: a page in a fresh browser context (its own cookies, as a
    separate person on a separate PC), with its console errors, script errors and CSP violations
    collected in the returned ``PageProblems``."""
    contexts = []

    def make(viewport: dict[str, int] | None = None) -> tuple[object, PageProblems]:
        options = {"viewport": viewport} if viewport else {}
        context = browser.new_context(**options)
        contexts.append(context)
        context.set_default_timeout(ACTION_TIMEOUT_MS)
        context.set_default_navigation_timeout(ACTION_TIMEOUT_MS)
        problems = PageProblems()

        def on_csp_violation(report: str) -> None:
            problems.csp_violations.append(report)

        context.expose_function("__labctlCspViolation", on_csp_violation)
        context.add_init_script(CSP_LISTENER)
        page = context.new_page()

        def on_console(message) -> None:
            if message.type == "error":
                location = message.location or {}
                problems.console_errors.append(f"{message.text} ({location.get('url', '')})")

        page.on("console", on_console)
        page.on("pageerror", lambda error: problems.page_errors.append(str(error)))
        return page, problems

    yield make
    for context in contexts:
        context.close()
