"""Real headless Chromium for page tests, driven by Playwright.

Debian's /usr/bin/chromium is used as-is (Playwright's own browser download
does not work on a closed network). Screenshots land in tests/screenshots/
(git-ignored) so a person can look at them after a run.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

SCREENSHOTS = Path(__file__).parent / "screenshots"
CHROMIUM = os.environ.get("HALLQ_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
# Without the background-networking flags Chromium keeps trying to reach
# Google's hosts, which a closed hall network (and CI) refuses.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def browser_page(chromium):
    """A fresh page (own cookies and storage); call `.set_viewport_size` for kiosk or TV sizes."""
    context = chromium.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
    page = context.new_page()
    yield page
    context.close()


def screenshot(page, name: str) -> Path:
    """Saves a full-page screenshot as tests/screenshots/<name>.png and returns its path."""
    SCREENSHOTS.mkdir(exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    # Chromium leaves a full-page screenshot scrolled to the bottom, where the next click can miss
    # (a form's button pressed but not clicked): back to where the page was.
    where = page.evaluate("[scrollX, scrollY]")
    page.screenshot(path=str(path), full_page=True)
    page.evaluate("([x, y]) => window.scrollTo(x, y)", where)
    return path


# Device pages (display, kiosk, evaluator pad): screen sizes, and how long a page may take to show its state.
LANDSCAPE = {"width": 1920, "height": 1080}
PORTRAIT = {"width": 1080, "height": 1920}
TABLET = {"width": 1280, "height": 800}
WAIT_MS = 10_000


def open_with_token(page, url: str, token: str, ready: str, *, size: dict, settle_ms: int = 200):
    """Opens a device page whose address carries its token after #, and waits until the JS `ready` holds.

    `settle_ms` more gives the page a frame to draw in (and its fonts).
    """
    page.set_viewport_size(size)
    page.goto("about:blank")  # a new fragment alone would not load the page again
    page.goto(f"{url}#token={token}")
    page.wait_for_function(ready, timeout=WAIT_MS)
    page.wait_for_timeout(settle_ms)
    return page
