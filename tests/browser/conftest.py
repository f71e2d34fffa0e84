"""Fixtures of the real-browser tests: Chromium driven by Playwright, everything on 127.0.0.1.

Chromium is Debian's package (``make test`` installs it through scripts/ensure_chromium.py);
without one the tests are skipped, with the reason. When a test fails, a full-page screenshot of
each page it opened is kept in ``test-artifacts/browser/``.
"""

from __future__ import annotations

import pytest

from .support import ARTIFACTS, CHROMIUM_ARGS, find_chromium


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Record each phase's outcome on the test item, so fixtures know whether the test failed."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)


@pytest.fixture(scope="session")
def browser():
    chromium = find_chromium()
    if chromium is None:
        pytest.skip("no Chromium: `make test` installs Debian's chromium where apt-get is "
                    "available; elsewhere set RACETRACK_CHROMIUM to a Chromium executable")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser, request):
    """A fresh page; on failure, a screenshot of it is saved under test-artifacts/browser."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    new_page = context.new_page()
    new_page.set_default_timeout(30_000)
    yield new_page
    call_report = getattr(request.node, "report_call", None)
    if call_report is not None and call_report.failed:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        safe_name = "".join(c if c.isalnum() or c in "-_." else "_" for c in request.node.name)
        new_page.screenshot(path=str(ARTIFACTS / f"{safe_name}.png"), full_page=True)
    context.close()
